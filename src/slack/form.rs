//! The evidence form's trait menu, narrowed to the partner picked. Slack's autocomplete cannot do it: the
//! `block_suggestion` payload, as slack-morphism reads it, carries no form state, so the trait menu opens
//! listing every active profile's traits with their type. The partner's input block dispatches actions
//! instead: picking a partner sends a `block_actions` from the view (its id in the container, its hash in
//! the view), acknowledged at once; the bot then replaces the form (`views.update`, with that hash so a
//! newer version of the form is never overwritten) by the same form whose trait menu is a static select of
//! that partner's active profile's traits ([`modal::scoped_modal`]). A submission is still checked against
//! the partner's profile, whatever the menu offered.

use super::handler::{workspace_of, Bot, Origin};
use super::modal::{self, Metadata};
use crate::app::outcome::{note, Outcome};
use crate::app::spec;
use crate::app::AppResult;
use serde_json::{json, Value};

/// A menu picked in an open evidence form: a `block_actions` whose container is the form's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// The view's id (`views.update` names it).
    pub view_id: String,
    /// The view's hash: the update applies only to the version of the form the pick was made in.
    pub hash: String,
    /// The form's `private_metadata` ([`Metadata`]).
    pub metadata: String,
    /// The menu picked (its action id).
    pub action_id: String,
    /// The picked option's value, when there is one.
    pub value: Option<String>,
}

impl Pick {
    /// The pick a `block_actions` payload (as slack-morphism serializes it) says, when it comes from the
    /// evidence form; None for anything else (a button on a message).
    pub fn of(v: &Value) -> Option<Pick> {
        if v["container"]["type"] != "view" || v["view"]["callback_id"] != modal::EVIDENCE_MODAL {
            return None;
        }
        let text = |x: &Value| x.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let action = &v["actions"][0];
        Some(Pick {
            view_id: text(&v["container"]["view_id"])?,
            hash: text(&v["view"]["hash"])?,
            metadata: text(&v["view"]["private_metadata"]).unwrap_or_default(),
            action_id: text(&action["action_id"])?,
            value: text(&action["selected_option"]["value"]),
        })
    }
}

impl Bot {
    /// A menu picked in the evidence form (acknowledged already): a partner picked narrows the trait menu to
    /// its active profile's traits (`views.update`). Nothing for other menus, an option that is not a
    /// partner's id, a partner not found, or someone not of the installed team (as their menus offer
    /// nothing). A form changed meanwhile (`hash_conflict`: another pick came first) is left as it is.
    pub async fn pick_in_form(&self, o: Origin, pick: Pick) {
        if pick.action_id != spec::PARTNER.name {
            return;
        }
        let Some(partner) = pick.value.as_deref().and_then(modal::id_of) else {
            return;
        };
        let Ok((team, _)) = self.of_ours(&o).await else {
            return;
        };
        let meta = Metadata::parse(&pick.metadata);
        let view = match scoped_form(self, &workspace_of(team), partner, &meta).await {
            Ok(Some(view)) => view,
            Ok(None) => return,
            Err(e) => {
                note(Outcome::InternalError);
                tracing::error!(error = %e, "narrowing the evidence form's trait menu failed");
                return;
            }
        };
        let body = json!({"view_id": pick.view_id, "hash": pick.hash, "view": view});
        match self.api.post("views.update", &body).await {
            Ok(_) => note(Outcome::Ok),
            Err(e) if e.code() == Some("hash_conflict") => {
                tracing::debug!(
                    "the evidence form changed before its trait menu was narrowed: left as it is"
                )
            }
            Err(e) => {
                note(Outcome::InternalError);
                let _ = self.api_failure("views.update", e);
            }
        }
    }
}

/// The form for `partner` of workspace `ws` ([`modal::scoped_modal`]), or None when there is no such
/// partner.
async fn scoped_form(
    bot: &Bot,
    ws: &str,
    partner: i64,
    meta: &Metadata,
) -> AppResult<Option<Value>> {
    let Some(p) = bot.app.store.partner_by_id(ws, partner).await? else {
        return Ok(None);
    };
    let traits: Vec<(i64, String)> = bot
        .app
        .store
        .active_profile(ws, p.partner_type)
        .await?
        .into_iter()
        .flat_map(|profile| profile.traits)
        .map(|t| (t.id, t.name))
        .collect();
    let ty = p.partner_type.to_string();
    Ok(Some(modal::scoped_modal(
        meta,
        (p.id, &p.name),
        &ty,
        &traits,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_is_read_from_the_forms_block_actions_only() {
        let payload = json!({"type": "block_actions", "container": {"type": "view", "view_id": "V1"},
            "view": {"type": "modal", "callback_id": "evidence_add", "hash": "h1", "private_metadata": "{\"c\":null}"},
            "actions": [{"action_id": "partner", "type": "external_select", "selected_option": {"value": "7"}}]});
        assert_eq!(
            Pick::of(&payload),
            Some(Pick {
                view_id: "V1".into(),
                hash: "h1".into(),
                metadata: "{\"c\":null}".into(),
                action_id: "partner".into(),
                value: Some("7".into()),
            })
        );
        let mut button = payload.clone();
        button["container"] = json!({"type": "message", "message_ts": "1.2"});
        assert_eq!(Pick::of(&button), None);
        let mut other = payload.clone();
        other["view"]["callback_id"] = json!("something_else");
        assert_eq!(Pick::of(&other), None);
    }

    #[test]
    fn the_trait_menu_lists_the_partners_traits_or_says_there_are_none() {
        let meta = Metadata {
            channel: Some("C1".into()),
            preset: Some((7, 3)),
        };
        let traits = vec![(3, "Overlap".to_string()), (4, "AT&T deals".to_string())];
        let v = modal::scoped_modal(&meta, (7, "Acme"), "reseller", &traits);
        let blocks = v["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["element"]["initial_option"]["value"], "7");
        assert_eq!(blocks[1]["element"]["type"], "static_select");
        let options = blocks[1]["element"]["options"].as_array().unwrap();
        assert_eq!(options.len(), 2);
        assert_eq!(options[1]["text"]["text"], "AT&amp;T deals");
        assert_eq!(options[1]["value"], "4");
        // the button's trait, for the button's partner, stays picked
        assert_eq!(blocks[1]["element"]["initial_option"]["value"], "3");
        assert_eq!(v["private_metadata"], r#"{"c":"C1","p":7,"t":3}"#);
        assert!(modal::has_trait_menu(&v));
        let other = modal::scoped_modal(&meta, (8, "Beta"), "si", &traits);
        assert!(other["blocks"][1]["element"]
            .get("initial_option")
            .is_none());
        let none = modal::scoped_modal(&meta, (8, "Beta"), "si", &[]);
        assert_eq!(none["blocks"][1]["type"], "context");
        assert_eq!(none["blocks"][1]["block_id"], "trait");
        assert!(!modal::has_trait_menu(&none));
    }
}
