//! The screen read: everything a `/screen` of one partner needs — the workspace's settings, the partner, the
//! active profile of its type with its current traits, and for each trait the record that counts as of the date —
//! in one statement (one JSON value through the pool, plain rows on SQLite's connection of the calling thread).

use super::evidence::{json_array_fn, json_cols, observation};
use super::{day, parse_ts, Result, Store};
use crate::domain::evidence::Evidence;
use chrono::NaiveDate;
use sqlx::AssertSqlSafe;

/// Everything a screen of one partner needs, read in one statement: the partner, the active profile of its
/// type with its current traits, and for each trait only the record that counts as of the date.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenFacts {
    /// The workspace's settings (the defaults when none were set).
    pub settings: super::SettingsRow,
    pub partner: super::Partner,
    pub profile: Option<crate::domain::profile::Profile>,
    /// At most one record per trait: the latest non-retracted one observed on or before the date.
    pub evidence: Vec<Evidence>,
}

/// The screen read as one statement that answers one value: a JSON array of
/// `[settings, partner, profile, traits]`, where `settings` holds the `SETTINGS_COLS` (null when the
/// workspace never set any), `partner` the `PARTNER_COLS`, `profile` the active profile of the partner's type
/// (null when there is none), and `traits` one array per current trait, paired with the record that counts
/// (null when none does), ordered by trait id. One value instead of a row per trait spares the driver a row
/// message and a decoded copy of every repeated column (half the time of a screen; BENCHMARKS.md). The
/// counting record is found by the `evidence_by_partner` index, newest first, one probe per trait.
fn screen_facts_sql(backend: super::Backend, by: ScreenBy) -> String {
    use super::Backend::{Postgres, Sqlite};
    let pair = json_array_fn(backend);
    let array = |alias: &str, cols: &str| json_cols(backend, alias, cols);
    // The array of `alias`'s columns, or null when its LEFT JOIN found no row (`key` is then null).
    let row_or_null = |alias: &str, key: &str, cols: &str| {
        format!(
            "CASE WHEN {alias}.{key} IS NULL THEN NULL ELSE {} END",
            array(alias, cols)
        )
    };
    let ordered_array = match backend {
        Sqlite => "json_group_array",
        Postgres => "json_agg",
    };
    let settings = row_or_null("s", "workspace_id", super::settings::SETTINGS_COLS);
    let partner = array("p", super::partners::PARTNER_COLS);
    let profile = row_or_null("pr", "id", PROFILE_COLS);
    let one_trait = format!(
        "{pair}({}, {})",
        array("t", TRAIT_JSON_COLS),
        row_or_null("e", "id", COUNTING_COLS)
    );
    format!(
        "SELECT CAST({pair}({settings}, {partner}, {profile}, \
             (SELECT {ordered_array}({one_trait} ORDER BY t.id) \
              FROM traits t \
              LEFT JOIN evidence e ON e.id = ({COUNTING_ID}) \
              WHERE t.profile_id = pr.id AND t.removed_in IS NULL)) AS TEXT) \
         {SCREEN_JOINS} {}",
        by.where_()
    )
}

/// The id of the record that counts for partner `p` and trait `t` as of `$3` in the screen read: the latest
/// non-retracted one observed on or before the date, found by the `evidence_by_partner` index, newest first.
const COUNTING_ID: &str = "SELECT x.id FROM evidence x \
     WHERE x.partner_id = p.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= $3 \
     ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1";

/// The partner (`p`) of the screen read, its workspace's settings (`s`) and the active profile of its type
/// (`pr`)…
const SCREEN_JOINS: &str = "FROM partners p \
     LEFT JOIN workspace_settings s ON s.workspace_id = p.workspace_id \
     LEFT JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type \
          AND pr.retired_at IS NULL";
/// …for the name key `$2` in workspace `$1`…
const SCREEN_WHERE: &str = "WHERE p.workspace_id = $1 AND p.name_key = $2";
/// …or for the partner id `$2` in workspace `$1`.
const SCREEN_WHERE_ID: &str = "WHERE p.workspace_id = $1 AND p.id = $2";

/// Which partner a screen read is for: the one holding a name key (what a typed name means), or the one with
/// an id (what a button or form names: never looked up again by its name, which a legacy row's kept key
/// may share with another partner's, [`Store::rekey_names`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScreenBy {
    Key = 0,
    Id = 1,
}

impl ScreenBy {
    /// Both, in the order of their discriminants (the index of their statements).
    const ALL: [ScreenBy; 2] = [ScreenBy::Key, ScreenBy::Id];

    fn where_(self) -> &'static str {
        match self {
            ScreenBy::Key => SCREEN_WHERE,
            ScreenBy::Id => SCREEN_WHERE_ID,
        }
    }
}

/// The screen read as rows, on SQLite's connection of the calling thread (store/direct.rs): the same partner,
/// settings, profile and counting records as [`screen_facts_sql`], one row per current trait (one row with the
/// trait's columns null when there is none), as plain columns. The rows come in the order of the traits' index
/// (by name); [`screen_facts_of_rows`] puts them in trait id order, which spares SQLite a temporary B-tree to
/// sort five rows. On that connection a row is a
/// step of SQLite's rather than a message from sqlx's worker thread, and building the JSON and decoding it
/// again cost more than the joins themselves (BENCHMARKS.md, issue 21 item 6). Columns: the
/// [`SETTINGS_COLS`](super::settings::SETTINGS_COLS), whether the settings row exists, the
/// [`PARTNER_COLS`](super::partners::PARTNER_COLS), the profile's [`PROFILE_COLS`], the trait's
/// [`TRAIT_JSON_COLS`], the counting record's [`COUNTING_COLS`]; SQLite hands a REAL over as the same double,
/// exactly.
fn screen_facts_rows_sql(by: ScreenBy) -> String {
    let cols = |alias: &str, cols: &str| {
        cols.split(", ")
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "SELECT {}, s.workspace_id IS NOT NULL, {}, {}, {}, {} \
         {SCREEN_JOINS} \
         LEFT JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL \
         LEFT JOIN evidence e ON e.id = ({COUNTING_ID}) \
         {}",
        cols("s", super::settings::SETTINGS_COLS),
        cols("p", super::partners::PARTNER_COLS),
        cols("pr", PROFILE_COLS),
        cols("t", TRAIT_JSON_COLS),
        cols("e", COUNTING_COLS),
        by.where_(),
    )
}

/// How many columns a list of them (`a, b, c`) names.
const fn count_cols(cols: &str) -> usize {
    let b = cols.as_bytes();
    let (mut n, mut i) = (1, 0);
    while i < b.len() {
        if b[i] == b',' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Where each part of a row of [`screen_facts_rows_sql`] starts, from the column lists it selects.
const ROW_HAS_SETTINGS: usize = count_cols(super::settings::SETTINGS_COLS);
const ROW_PARTNER: usize = ROW_HAS_SETTINGS + 1;
const ROW_PROFILE: usize = ROW_PARTNER + count_cols(super::partners::PARTNER_COLS);
const ROW_TRAIT: usize = ROW_PROFILE + count_cols(PROFILE_COLS);
const ROW_COUNTING: usize = ROW_TRAIT + count_cols(TRAIT_JSON_COLS);

/// The columns of the rows of [`screen_facts_rows_sql`], as [`screen_facts_sql`]'s JSON value gives them
/// (None: no partner with that name).
fn screen_facts_of_rows(
    rows: &mut rusqlite::Rows<'_>,
) -> rusqlite::Result<Option<ScreenFactsCols>> {
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let settings = if row.get::<_, bool>(ROW_HAS_SETTINGS)? {
        Some(super::settings::settings_of_row(row)?)
    } else {
        None
    };
    let p = |i: usize| ROW_PARTNER + i;
    let partner = (
        row.get(p(0))?,
        row.get(p(1))?,
        row.get(p(2))?,
        row.get(p(3))?,
        row.get(p(4))?,
        row.get(p(5))?,
        row.get(p(6))?,
        row.get(p(7))?,
        row.get(p(8))?,
        row.get(p(9))?,
        row.get(p(10))?,
    );
    let profile = match row.get::<_, Option<i64>>(ROW_PROFILE)? {
        Some(id) => Some((
            id,
            row.get(ROW_PROFILE + 1)?,
            row.get(ROW_PROFILE + 2)?,
            row.get(ROW_PROFILE + 3)?,
            row.get(ROW_PROFILE + 4)?,
        )),
        None => None,
    };
    let mut traits = Vec::new();
    let mut next = Some(row);
    while let Some(row) = next {
        if let Some(one) = trait_of_row(row)? {
            traits.push(one);
        }
        next = rows.next()?;
    }
    // Trait ids are unique: the order is the JSON value's (`ORDER BY t.id`).
    traits.sort_unstable_by_key(|(t, _)| t.0);
    Ok(Some((settings, partner, profile, Some(traits))))
}

/// A row's trait and its counting record (None when the row has no trait: the partner has no profile, or its
/// profile no current trait).
fn trait_of_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<Option<(TraitCols, Option<CountingCols>)>> {
    let Some(id) = row.get::<_, Option<i64>>(ROW_TRAIT)? else {
        return Ok(None);
    };
    let t = |i: usize| ROW_TRAIT + i;
    let one = (
        id,
        row.get(t(1))?,
        row.get(t(2))?,
        row.get(t(3))?,
        row.get(t(4))?,
        row.get(t(5))?,
    );
    let e = |i: usize| ROW_COUNTING + i;
    let counting = match row.get::<_, Option<i64>>(e(0))? {
        Some(record) => Some((
            record,
            row.get(e(1))?,
            row.get(e(2))?,
            row.get(e(3))?,
            row.get(e(4))?,
            row.get(e(5))?,
            row.get(e(6))?,
            row.get(e(7))?,
        )),
        None => None,
    };
    Ok(Some((one, counting)))
}

/// The active profile's columns in the screen read.
const PROFILE_COLS: &str = "id, name, joint_solution, owner, revision";
/// [`PROFILE_COLS`] as read.
type ProfileCols = (i64, String, Option<String>, String, i64);
/// A trait's columns in the screen read: id, name, verify by, min, max, unit.
pub(super) const TRAIT_JSON_COLS: &str = "id, name, verify_by, min_value, max_value, unit";
/// [`TRAIT_JSON_COLS`] as read.
pub(super) type TraitCols = (
    i64,
    String,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
);
/// The counting record's columns in the screen read.
const COUNTING_COLS: &str = "id, met, value, source, note, observed, recorded_by, recorded_at";
/// [`COUNTING_COLS`] as read.
type CountingCols = (
    i64,
    Option<i64>,
    Option<f64>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);
/// The screen read's JSON value (see [`screen_facts_sql`]).
type ScreenFactsCols = (
    Option<super::SettingsRow>,
    super::partners::PartnerCols,
    Option<ProfileCols>,
    Option<Vec<(TraitCols, Option<CountingCols>)>>,
);

fn screen_facts_from_json(text: &str) -> Result<ScreenFacts> {
    let cols: ScreenFactsCols = serde_json::from_str(text)
        .map_err(|e| super::StoreError::Corrupt(format!("screen facts: {e}")))?;
    screen_facts_of(cols)
}

/// The facts of the screen read's columns (from its JSON value or its rows).
fn screen_facts_of(cols: ScreenFactsCols) -> Result<ScreenFacts> {
    let (settings, partner, profile, traits) = cols;
    let partner = super::partners::partner_of(partner)?;
    let traits = traits.unwrap_or_default();
    let mut evidence = Vec::with_capacity(traits.len());
    let mut profile_traits = Vec::with_capacity(traits.len());
    for ((trait_id, name, verify_by, min, max, unit), counting) in traits {
        profile_traits.push(crate::domain::profile::Trait {
            id: trait_id,
            name,
            verify_by,
            kind: super::profiles::stored_kind(min, max, unit),
        });
        if let Some((id, met, value, source, note, observed, recorded_by, recorded_at)) = counting {
            evidence.push(Evidence {
                id,
                partner_id: partner.id,
                trait_id,
                observation: observation(met, value)?,
                source,
                note,
                observed: day(&observed)?,
                recorded_by,
                recorded_at: parse_ts(&recorded_at)?,
                retracted: false,
            });
        }
    }
    let profile = profile.map(|(id, name, joint_solution, owner, revision)| {
        crate::domain::profile::Profile {
            id,
            partner_type: partner.partner_type,
            name,
            joint_solution,
            owner,
            revision,
            traits: profile_traits,
        }
    });
    Ok(ScreenFacts {
        settings: settings.unwrap_or_default(),
        partner,
        profile,
        evidence,
    })
}

impl Store {
    /// The facts to screen the partner with name key `key` as of `as_of`, or None when it is not on the roster.
    /// (A debug span, as the take's: it runs for every `/screen`.)
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn screen_facts(
        &self,
        ws: &str,
        key: &str,
        as_of: NaiveDate,
    ) -> Result<Option<ScreenFacts>> {
        self.read_screen_facts(ws, Which::Key(key), as_of).await
    }

    /// The facts to screen the partner with id `id` of workspace `ws` as of `as_of` ([`Store::screen_facts`]
    /// by id), or None when it is not on that workspace's roster: what a button or a form that names a partner
    /// by id screens and records with.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn screen_facts_by_id(
        &self,
        ws: &str,
        id: i64,
        as_of: NaiveDate,
    ) -> Result<Option<ScreenFacts>> {
        self.read_screen_facts(ws, Which::Id(id), as_of).await
    }

    /// The screen read of `which` partner: as rows on SQLite's connection of the calling thread when it can
    /// (store/direct.rs), else as the one JSON value the usual way.
    async fn read_screen_facts(
        &self,
        ws: &str,
        which: Which<'_>,
        as_of: NaiveDate,
    ) -> Result<Option<ScreenFacts>> {
        use super::Backend::{Postgres, Sqlite};
        use std::sync::LazyLock;
        static SQL: LazyLock<[[String; 2]; 2]> = LazyLock::new(|| {
            [Sqlite, Postgres].map(|b| ScreenBy::ALL.map(|by| screen_facts_sql(b, by)))
        });
        static ROWS: LazyLock<[String; 2]> =
            LazyLock::new(|| ScreenBy::ALL.map(screen_facts_rows_sql));
        let by = which.by() as usize;
        let sql = match self.backend() {
            Sqlite => SQL[0][by].as_str(),
            Postgres => SQL[1][by].as_str(),
        };
        if let Some(direct) = &self.direct {
            // On the calling thread, as rows (store/direct.rs); else the usual way below.
            let day = as_of.to_string();
            let partner: &dyn rusqlite::ToSql = match &which {
                Which::Key(key) => key,
                Which::Id(id) => id,
            };
            let params: [(&str, &dyn rusqlite::ToSql); 3] =
                [("$1", &ws), ("$2", partner), ("$3", &day)];
            if let Some(cols) = direct.read(&ROWS[by], &params, screen_facts_of_rows) {
                return cols.map(screen_facts_of).transpose();
            }
        }
        let query = || {
            let q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(ws);
            match which {
                Which::Key(key) => q.bind(key),
                Which::Id(id) => q.bind(id),
            }
            .bind(as_of.to_string())
        };
        let text: Option<String> = read_kept!(self, query, fetch_optional);
        text.as_deref().map(screen_facts_from_json).transpose()
    }
}

/// The partner of a screen read, as its `$2`.
#[derive(Debug, Clone, Copy)]
enum Which<'a> {
    /// By name key.
    Key(&'a str),
    /// By id.
    Id(i64),
}

impl Which<'_> {
    /// The statement that reads by this.
    fn by(self) -> ScreenBy {
        match self {
            Which::Key(_) => ScreenBy::Key,
            Which::Id(_) => ScreenBy::Id,
        }
    }
}
