//! Lists a chat shows page by page — the roster, a partner's evidence, a profile's history, the traits to
//! check for a name not on the roster, the help. Each
//! is named by a [`ListId`]: typed filters and record ids, never a command line, so a page button can carry
//! it as data. [`page`] shows one page of a list to a caller: it checks the caller's role for the list's
//! command again and reads only the caller's workspace. The roster is paged in the database (one page is
//! read and screened, whatever the roster's size).

use super::card::Paged;
use super::spec::CommandSpec;
use super::{
    evidence, help, partners, profiles, require, screen, spec, App, AppError, AppResult, Ctx,
};
use super::{Invocation, Reply};
use crate::domain::{PartnerType, Stage, Verdict};
use crate::store::PartnerFilter;

/// Lines of a list per page.
pub const PAGE_LINES: usize = 15;

/// The highest page number a caller may ask for (a page past a list's end shows its last page).
pub const MAX_PAGE: usize = 99_999;

/// A list that can be shown page by page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListId {
    /// `/partner list` with its filters.
    Roster {
        partner_type: Option<PartnerType>,
        stage: Option<Stage>,
        verdict: Option<Verdict>,
    },
    /// `/evidence list` of one partner (by id, looked up in the caller's workspace).
    Evidence { partner: i64 },
    /// `/profile history` of one partner type.
    History { partner_type: PartnerType },
    /// The traits to check before adding a partner (`/screen` of a name not on the roster): of one type's
    /// profile, or of every active profile. The name itself is not carried (a button holds no free text).
    Checklist { partner_type: Option<PartnerType> },
    /// `/help`.
    Help,
}

impl ListId {
    /// The command whose list this is (its role applies to every page).
    pub fn command(&self) -> &'static CommandSpec {
        match self {
            ListId::Roster { .. } => &spec::PARTNER_LIST,
            ListId::Evidence { .. } => &spec::EVIDENCE_LIST,
            ListId::History { .. } => &spec::PROFILE_HISTORY,
            ListId::Checklist { .. } => &spec::SCREEN,
            ListId::Help => &spec::HELP,
        }
    }

    /// The roster list of a `/partner list` invocation whose options are all valid; None otherwise (the
    /// command itself then reports what is wrong).
    pub fn roster_of(inv: &Invocation) -> Option<ListId> {
        let spec = &spec::PARTNER_LIST;
        if inv.path != spec.path || inv.check_against(spec).is_err() {
            return None;
        }
        let input = partners::ListIn::try_from(inv).ok()?;
        Some(ListId::Roster {
            partner_type: input.partner_type,
            stage: input.stage,
            verdict: input.verdict,
        })
    }
}

/// Page `page` (from 0; past the end: the last page) of `list`, for `ctx`.
#[tracing::instrument(skip_all)]
pub async fn page(app: &App, ctx: &Ctx, list: ListId, page: usize) -> AppResult<Reply> {
    let reply = page_of(app, ctx, list, page).await;
    // Noted, and our error logged, like a dispatched command's result (a refusal was noted by `require`).
    super::answered(&list.command().name(), ctx, reply)
}

async fn page_of(app: &App, ctx: &Ctx, list: ListId, page: usize) -> AppResult<Reply> {
    let command = list.command();
    require(ctx, command.min_role, &format!("run /{}", command.name()))?;
    let page = page.min(MAX_PAGE);
    let full = match list {
        ListId::Roster {
            partner_type,
            stage,
            verdict,
        } => {
            let filter = PartnerFilter {
                partner_type,
                stage,
            };
            return partners::roster_page(app, ctx, &filter, verdict, page).await;
        }
        ListId::Evidence { partner } => {
            let p = app
                .store
                .partner_by_id(&ctx.workspace, partner)
                .await?
                .ok_or_else(|| AppError::user("That partner is gone: run /evidence list again."))?;
            evidence::list_of(app, ctx, p).await?
        }
        ListId::History { partner_type } => profiles::history_of(app, ctx, partner_type).await?,
        ListId::Checklist { partner_type } => screen::checklist(app, ctx, partner_type).await?,
        ListId::Help => help::help(app, ctx, help::HelpIn { command: None }).await?,
    };
    Ok(one_page(full, page))
}

/// Keep page `page` of a reply's lines (the last page when `page` is past the end).
pub fn one_page(mut reply: Reply, page: usize) -> Reply {
    let pages = reply.card.lines.len().div_ceil(PAGE_LINES).max(1);
    let page = page.min(pages - 1);
    let lines = std::mem::take(&mut reply.card.lines);
    reply.card.lines = lines
        .into_iter()
        .skip(page * PAGE_LINES)
        .take(PAGE_LINES)
        .collect();
    reply.card.paged = Some(Paged { page, pages });
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_ids_come_only_from_valid_filters() {
        let inv = Invocation::new(&["partner", "list"])
            .with("type", "si")
            .with("verdict", "near-fit");
        assert_eq!(
            ListId::roster_of(&inv),
            Some(ListId::Roster {
                partner_type: Some(PartnerType::Si),
                stage: None,
                verdict: Some(Verdict::NearFit)
            })
        );
        let bad = Invocation::new(&["partner", "list"]).with("type", "nope");
        assert_eq!(ListId::roster_of(&bad), None);
        let other = Invocation::new(&["partner", "add"]).with("name", "x");
        assert_eq!(ListId::roster_of(&other), None);
    }

    #[test]
    fn one_page_clamps_past_the_end() {
        let mut card = crate::app::Card::new("t", crate::app::card::Tone::Info);
        for i in 0..20 {
            card = card.line(format!("l{i}"));
        }
        let r = one_page(Reply::from_typed(Wrapper { card }), 7);
        assert_eq!(r.card.paged, Some(Paged { page: 1, pages: 2 }));
        assert_eq!(r.card.lines, ["l15", "l16", "l17", "l18", "l19"]);
    }

    #[derive(serde::Serialize)]
    struct Wrapper {
        #[serde(skip)]
        card: crate::app::Card,
    }
    impl crate::app::card::Render for Wrapper {
        fn card(&self) -> crate::app::Card {
            self.card.clone()
        }
    }
}
