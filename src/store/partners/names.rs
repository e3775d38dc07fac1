//! Partner names: every name for matching and suggestions, renames and the names a partner had before,
//! and the one-time recomputation of stored name keys when the key function changes.

use super::super::write::Write;
use super::super::{ts, Backend, Result, SettingsRow, Store, StoreError};
use super::PartnerNames;
use crate::domain::PartnerName;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::AssertSqlSafe;
use std::collections::{HashMap, HashSet};

/// A name a partner had until it was renamed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormerName {
    #[serde(skip)]
    pub partner_id: i64,
    pub name: String,
    /// The day it was renamed (in the workspace's time zone).
    pub until: NaiveDate,
}

impl Store {
    /// Every partner's id and name, for fuzzy matching of names.
    #[tracing::instrument(skip_all)]
    pub async fn partner_names(&self, ws: &str) -> Result<Vec<(i64, String)>> {
        // One JSON value instead of a row per partner: the driver's cost is per row and per value, and a
        // name not on the roster reads them all to suggest the closest (half its time at 10,000).
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT json_group_array(json_array(id, name) ORDER BY name_key) FROM partners \
                 WHERE workspace_id = $1"
            }
            Backend::Postgres => {
                "SELECT CAST(COALESCE(json_agg(json_build_array(id, name) ORDER BY name_key), '[]') AS TEXT) \
                 FROM partners WHERE workspace_id = $1"
            }
        };
        let query = || sqlx::query_scalar(sql).bind(ws);
        let text: String = read_kept!(self, query, fetch_one);
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("partner names: {e}")))
    }

    /// The workspace's partner names as [`Store::partner_names`] reads them, unless they are unchanged since
    /// `have` (a version this call returned before): the version of the names (a counter that migration 0008's
    /// triggers move on every insert, rename or removal of a partner, by any process) and, when it is not
    /// `have`, the names. Version and names come from one statement, so they belong together.
    #[tracing::instrument(skip_all)]
    pub async fn partner_names_since(
        &self,
        ws: &str,
        have: Option<i64>,
    ) -> Result<(i64, Option<PartnerNames>)> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "WITH v AS (SELECT COALESCE(MAX(version), 0) AS version FROM partner_name_versions \
                 WHERE workspace_id = $1) \
                 SELECT v.version, CASE WHEN v.version = $2 THEN NULL ELSE \
                 (SELECT json_group_array(json_array(id, name) ORDER BY name_key) FROM partners \
                 WHERE workspace_id = $1) END FROM v"
            }
            Backend::Postgres => {
                "WITH v AS (SELECT COALESCE(MAX(version), 0) AS version FROM partner_name_versions \
                 WHERE workspace_id = $1) \
                 SELECT v.version, CASE WHEN v.version = $2 THEN NULL ELSE \
                 (SELECT CAST(COALESCE(json_agg(json_build_array(id, name) ORDER BY name_key), '[]') AS TEXT) \
                 FROM partners WHERE workspace_id = $1) END FROM v"
            }
        };
        // No version is negative: -1 asks for the names whatever the version.
        let query = || sqlx::query_as(sql).bind(ws).bind(have.unwrap_or(-1));
        let (version, text): (i64, Option<String>) = read_kept!(self, query, fetch_one);
        let names = match text {
            Some(t) => Some(
                serde_json::from_str(&t)
                    .map_err(|e| StoreError::Corrupt(format!("partner names: {e}")))?,
            ),
            None => None,
        };
        Ok((version, names))
    }

    /// Rename a partner the caller read as named `from`: the new name must be free in the workspace (compared
    /// by key: a [`StoreError::Conflict`] of `partner` otherwise; the partner's own key, for a change of case,
    /// is free), and the old name is kept in its history (`partner_names`) with the date. Its evidence, hours
    /// and outcomes point at its id and follow it. When the stored name is no longer `from` (a rename by
    /// someone else meanwhile), nothing is written and the answer is a [`StoreError::Conflict`] of
    /// `partner name`. One transaction that first takes the lock every other rename of the partner waits for
    /// (SQLite: the write lock, `BEGIN IMMEDIATE`; PostgreSQL: the partner's row), so that the history reads
    /// the name each rename replaced.
    #[tracing::instrument(skip_all)]
    #[allow(clippy::too_many_arguments)]
    pub async fn rename_partner(
        &self,
        ws: &str,
        id: i64,
        from: &str,
        new: &PartnerName,
        on: NaiveDate,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self
            .begin_for_partner(ws, id, super::super::RowLock::ForUpdate)
            .await?;
        sqlx::query(
            "INSERT INTO partner_names (workspace_id, partner_id, name, name_key, renamed_on, renamed_by, renamed_at) \
             SELECT workspace_id, id, name, name_key, $3, $4, $5 FROM partners \
             WHERE workspace_id = $1 AND id = $2 AND name = $6",
        )
        .bind(ws)
        .bind(id)
        .bind(on.to_string())
        .bind(by)
        .bind(ts(now))
        .bind(from)
        .write(&mut *tx)
        .await?;
        let changed = sqlx::query(
            "UPDATE partners SET name = $1, name_key = $2 \
             WHERE workspace_id = $3 AND id = $4 AND name = $5",
        )
        .bind(new.as_str())
        .bind(new.key())
        .bind(ws)
        .bind(id)
        .bind(from)
        .write(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "partner"))?;
        if changed == 0 {
            // Dropping the transaction rolls the history row back with it.
            return Err(StoreError::Conflict("partner name".into()));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The latest rename away from a name with this key, if a partner of the workspace ever had it.
    #[tracing::instrument(skip_all)]
    pub async fn renamed_from(&self, ws: &str, key: &str) -> Result<Option<FormerName>> {
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT partner_id, name, renamed_on FROM partner_names WHERE workspace_id = $1 AND name_key = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(ws)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(partner_id, name, on)| {
            Ok(FormerName {
                partner_id,
                name,
                until: super::day(&on)?,
            })
        })
        .transpose()
    }

    /// The names a partner had before its renames, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn former_names(&self, ws: &str, partner_id: i64) -> Result<Vec<FormerName>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, renamed_on FROM partner_names WHERE workspace_id = $1 AND partner_id = $2 ORDER BY id",
        )
        .bind(ws)
        .bind(partner_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(name, on)| {
                Ok(FormerName {
                    partner_id,
                    name,
                    until: super::day(&on)?,
                })
            })
            .collect()
    }

    /// Recompute every stored name key with the current [`crate::domain::name_key`], once (migration 0004
    /// records the version of the keys), so every stored key is the key of its name. The keys are settled as
    /// they end, not one row at a time: names whose keys trade places (a lookalike rule that changed) all take
    /// their new keys. A key that a current name keeps stays its holder's, and a key that several names now
    /// take goes to the oldest (the lowest id); a partner that does not get its key (two lookalikes, added
    /// before the rule that tells they are) is renamed so that its key is its own and every read by key (a
    /// command's `partner`, `/screen`, completions, the import) reaches it: [`distinct_name`] adds its id
    /// (`Citroёn` beside a `Citroën` becomes `Citroёn #12`), its old name stays in its history as a rename by
    /// [`REKEY_AUTHOR`] on today in its workspace's time zone, and a lead renames it again as wished. A trait
    /// that does not get its key keeps its old one (a warning): both records stay. Processes opening the
    /// database at once re-key it once: each waits for the others' writes of names to end, and one that finds
    /// the keys current once it may go on writes nothing. Returns how many keys changed.
    #[tracing::instrument(skip_all)]
    pub async fn rekey_names(&self) -> Result<u64> {
        self.rekey_names_at(Utc::now()).await
    }

    /// [`Store::rekey_names`] with `now` as the time of its renames (dated by its day in each workspace's time
    /// zone).
    #[tracing::instrument(skip_all)]
    pub async fn rekey_names_at(&self, now: DateTime<Utc>) -> Result<u64> {
        // Every opening asks; only the first of a new binary takes a lock.
        let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM name_key_version")
            .fetch_one(self.pool())
            .await?;
        if version >= NAME_KEY_VERSION {
            return Ok(0);
        }
        // Before its first read, the transaction takes what keeps every other writer of the names out until it
        // commits: on SQLite the write lock (`BEGIN IMMEDIATE`; a deferred transaction that read first could not
        // take it once another connection had committed since, whatever the busy timeout), on PostgreSQL the
        // tables it rewrites (a rename committed after its reads would get the old name's key, and two
        // processes opening together would both re-key). Another process may have re-keyed while it waited.
        let mut tx = match self.backend() {
            Backend::Sqlite => self.pool().begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool().begin().await?;
                sqlx::query(
                    "LOCK TABLE partners, traits, partner_names, name_key_version \
                     IN EXCLUSIVE MODE",
                )
                .execute(&mut *tx)
                .await?;
                tx
            }
        };
        let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM name_key_version")
            .fetch_one(&mut *tx)
            .await?;
        if version >= NAME_KEY_VERSION {
            return Ok(0);
        }
        let mut changed = 0;
        // The time zone of each workspace a partner is renamed in.
        let mut zones: HashMap<String, Tz> = HashMap::new();
        for (table, scope, current) in [
            ("partners", "workspace_id", "1 = 1"),
            ("traits", "CAST(profile_id AS TEXT)", "removed_in IS NULL"),
            // Former names are history: no key there is taken.
            ("partner_names", "workspace_id", "1 = 0"),
        ] {
            let rows: Vec<(i64, String, String, String, i64)> =
                sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT id, {scope}, name, name_key, CAST(CASE WHEN {current} THEN 1 ELSE 0 END AS BIGINT) \
                     FROM {table} ORDER BY id"
                )))
                .fetch_all(&mut *tx)
                .await?;
            // The keys of current names that stay, and the current names whose key changes (by id).
            let mut kept: HashSet<(String, String)> = HashSet::new();
            let mut moving = Vec::new();
            for (id, scope, name, old, current) in rows {
                let new = crate::domain::name_key(&name);
                if current == 0 {
                    // No unique key: it changes as it is.
                    if new != old {
                        set_key(&mut tx, table, id, &new).await?;
                        changed += 1;
                    }
                } else if new == old {
                    kept.insert((scope, old));
                } else {
                    moving.push(Moving {
                        id,
                        scope,
                        name,
                        old,
                        new,
                    });
                }
            }
            let takes = settle(&kept, &moving, table != "partners");
            // Every key the current names end with: the kept ones, the new ones taken, the old ones a trait
            // keeps, then the renamed partners' (in the order of their ids, each its first free name).
            let mut ends = kept;
            for (m, takes) in moving.iter().zip(&takes) {
                if *takes {
                    ends.insert((m.scope.clone(), m.new.clone()));
                } else if table != "partners" {
                    ends.insert((m.scope.clone(), m.old.clone()));
                }
            }
            let mut fates = Vec::with_capacity(moving.len());
            for (m, takes) in moving.iter().zip(takes) {
                fates.push(if takes {
                    Fate::Takes
                } else if table != "partners" {
                    Fate::Keeps
                } else {
                    let renamed = (0..)
                        .map(|n| distinct_name(&m.name, m.id, n))
                        .find(|d| !ends.contains(&(m.scope.clone(), d.key())))
                        .unwrap_or_else(|| unreachable!("an endless range"));
                    ends.insert((m.scope.clone(), renamed.key()));
                    Fate::Renamed(renamed)
                });
            }
            // A name that leaves a key another name ends with leaves it first for a key no name has or ends
            // with, so that no two current names share a key at any step (the unique index checks each row);
            // then each takes the key it ends with.
            let mut all: HashSet<(String, String)> = ends.clone();
            all.extend(moving.iter().map(|m| (m.scope.clone(), m.old.clone())));
            for (m, fate) in moving.iter().zip(&fates) {
                let end = match fate {
                    Fate::Takes => m.new.clone(),
                    Fate::Keeps => continue,
                    Fate::Renamed(renamed) => renamed.key(),
                };
                if end == m.old || !ends.contains(&(m.scope.clone(), m.old.clone())) {
                    continue;
                }
                let parked = (0..)
                    .map(|n| format!("\u{1}rekey {} {n}", m.id))
                    .find(|k| !all.contains(&(m.scope.clone(), k.clone())))
                    .unwrap_or_else(|| unreachable!("an endless range"));
                set_key(&mut tx, table, m.id, &parked).await?;
                all.insert((m.scope.clone(), parked));
            }
            for (m, fate) in moving.into_iter().zip(fates) {
                match fate {
                    Fate::Takes => {
                        set_key(&mut tx, table, m.id, &m.new).await?;
                        changed += 1;
                    }
                    Fate::Keeps => tracing::warn!(
                        table,
                        id = m.id,
                        "a name now compares equal to another; it keeps its old key"
                    ),
                    Fate::Renamed(renamed) => {
                        tracing::warn!(
                            table,
                            id = m.id,
                            "a partner's name now compares equal to another's; it is renamed with its id"
                        );
                        let zone = match zones.get(&m.scope) {
                            Some(zone) => *zone,
                            None => {
                                let zone = workspace_zone(&mut tx, &m.scope).await?;
                                zones.insert(m.scope.clone(), zone);
                                zone
                            }
                        };
                        sqlx::query(
                            "INSERT INTO partner_names (workspace_id, partner_id, name, name_key, renamed_on, renamed_by, renamed_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(&m.scope)
                        .bind(m.id)
                        .bind(&m.name)
                        .bind(&m.new)
                        .bind(now.with_timezone(&zone).date_naive().to_string())
                        .bind(REKEY_AUTHOR)
                        .bind(ts(now))
                        .write(&mut *tx)
                        .await?;
                        sqlx::query("UPDATE partners SET name = $1, name_key = $2 WHERE id = $3")
                            .bind(renamed.as_str())
                            .bind(renamed.key())
                            .bind(m.id)
                            .write(&mut *tx)
                            .await?;
                        changed += 1;
                    }
                }
            }
        }
        sqlx::query("UPDATE name_key_version SET version = $1")
            .bind(NAME_KEY_VERSION)
            .write(&mut *tx)
            .await?;
        tx.commit().await?;
        if changed > 0 {
            tracing::info!(changed, "recomputed name keys");
        }
        Ok(changed)
    }
}

/// A current name whose key [`Store::rekey_names`] recomputes to another: its row's id, scope (the workspace
/// of a partner, the profile of a trait), name, stored key and key now.
#[derive(Debug)]
struct Moving {
    id: i64,
    scope: String,
    name: String,
    old: String,
    new: String,
}

/// What [`Store::rekey_names`] does with a [`Moving`] name.
enum Fate {
    /// It takes its new key.
    Takes,
    /// A trait that does not get its new key: it keeps its old one.
    Keeps,
    /// A partner that does not get its new key: it is renamed to this name, and takes its key.
    Renamed(PartnerName),
}

/// Which of the `moving` names (in the order of their ids) take their new key, as the keys end: not one that
/// a name whose key stays (`kept`, as (scope, key)) has, nor one that a name before it takes; and, when a name
/// that does not get its key keeps its old one (`losers_keep`: traits), not that old key either, which may in
/// turn leave another name without its key (until nothing changes: a name only ever loses its key). A key
/// freed by a name that moves is free, whichever order the rows come in: keys that trade places are taken.
fn settle(kept: &HashSet<(String, String)>, moving: &[Moving], losers_keep: bool) -> Vec<bool> {
    let mut takes = vec![true; moving.len()];
    loop {
        let kept_too: HashSet<(&str, &str)> = if losers_keep {
            moving
                .iter()
                .zip(&takes)
                .filter(|(_, t)| !**t)
                .map(|(m, _)| (m.scope.as_str(), m.old.as_str()))
                .collect()
        } else {
            HashSet::new()
        };
        let mut taken: HashSet<(&str, &str)> = HashSet::new();
        let mut lost = false;
        for (m, t) in moving.iter().zip(takes.iter_mut()) {
            if !*t {
                continue;
            }
            let key = (m.scope.as_str(), m.new.as_str());
            if kept.contains(&(m.scope.clone(), m.new.clone()))
                || kept_too.contains(&key)
                || !taken.insert(key)
            {
                *t = false;
                lost = true;
            }
        }
        if !lost || !losers_keep {
            return takes;
        }
    }
}

/// The time zone of workspace `ws` as its settings name it (UTC when it has none, or when the name is not a
/// zone, as the app reads it).
async fn workspace_zone(conn: &mut sqlx::AnyConnection, ws: &str) -> Result<Tz> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT timezone FROM workspace_settings WHERE workspace_id = $1")
            .bind(ws)
            .fetch_optional(conn)
            .await?;
    let name = name.unwrap_or_else(|| SettingsRow::default().timezone);
    Ok(name.parse::<Tz>().unwrap_or_else(|_| {
        tracing::warn!(timezone = %name, "stored time zone is invalid; using UTC");
        Tz::UTC
    }))
}

/// Store `key` as the name key of row `id` of `table` (one of [`Store::rekey_names`]'s tables).
async fn set_key(conn: &mut sqlx::AnyConnection, table: &str, id: i64, key: &str) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE {table} SET name_key = $1 WHERE id = $2"
    )))
    .bind(key)
    .bind(id)
    .write(conn)
    .await?;
    Ok(())
}

/// Who the history says renamed a partner whose name came to compare equal to another's ([`Store::rekey_names`]).
const REKEY_AUTHOR: &str = "partnerfit (lookalike names)";

/// The `n`th name tried for partner `id` named `name` when `name` compares equal to another partner's: the
/// name with ` #` and the id (`Citroёn #12`), then ` #12.1`, ` #12.2`…, the name cut to fit
/// [`PartnerName::MAX_CHARS`] (and cut again past what the cut leaves at its end: white space, or the joiner,
/// selector or tags of an emoji it split). `Partner #12…` should that not be a name.
fn distinct_name(name: &str, id: i64, n: u32) -> PartnerName {
    let suffix = if n == 0 {
        format!(" #{id}")
    } else {
        format!(" #{id}.{n}")
    };
    let room = PartnerName::MAX_CHARS.saturating_sub(suffix.chars().count());
    let mut base: String = name.chars().take(room).collect();
    while base.ends_with(|c: char| c.is_whitespace() || crate::domain::is_invisible(c)) {
        base.pop();
    }
    PartnerName::parse(&format!("{base}{suffix}"))
        .or_else(|_| PartnerName::parse(&format!("Partner{suffix}")))
        .unwrap_or_else(|e| unreachable!("`Partner #…` is a name: {e}"))
}

/// The version of [`crate::domain::name_key`] the stored keys are computed with (4: letters of other scripts
/// drawn like accented Latin ones, such as Cyrillic `ё`, are those; a subdivision flag keeps its tags).
const NAME_KEY_VERSION: i64 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of scope `w` whose keys change, as (id, old key, new key).
    fn moving(rows: &[(i64, &str, &str)]) -> Vec<Moving> {
        rows.iter()
            .map(|(id, old, new)| Moving {
                id: *id,
                scope: "w".into(),
                name: format!("name {id}"),
                old: (*old).into(),
                new: (*new).into(),
            })
            .collect()
    }

    fn kept(keys: &[&str]) -> HashSet<(String, String)> {
        keys.iter()
            .map(|k| ("w".to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn keys_that_trade_places_are_all_taken() {
        // A swap: 1 takes 2's old key and 2 takes 1's.
        let swap = moving(&[(1, "a", "b"), (2, "b", "a")]);
        for losers_keep in [false, true] {
            assert_eq!(settle(&kept(&[]), &swap, losers_keep), [true, true]);
        }
        // A cycle of three, and beside it a name whose key stays.
        let cycle = moving(&[(1, "a", "b"), (2, "b", "c"), (3, "c", "a")]);
        for losers_keep in [false, true] {
            assert_eq!(
                settle(&kept(&["d"]), &cycle, losers_keep),
                [true, true, true]
            );
        }
    }

    #[test]
    fn a_key_goes_to_the_name_that_keeps_it_else_to_the_oldest() {
        // `acme` stays its holder's; 5 and 7 both now take `zeta`, which 9 leaves: 5, the lower id, takes it.
        let m = moving(&[
            (3, "\u{FF41}cme", "acme"),
            (5, "z1", "zeta"),
            (7, "z2", "zeta"),
            (9, "zeta", "y"),
        ]);
        assert_eq!(
            settle(&kept(&["acme"]), &m, false),
            [false, true, false, true]
        );
    }

    #[test]
    fn a_trait_that_keeps_its_old_key_holds_it_against_the_others() {
        // 1 and 2 both take `k`: 1 does, 2 keeps `b`, so 3, which would take `b`, keeps `c` — as a partner
        // (renamed, not keeping `b`) 3 takes `b`.
        let m = moving(&[(1, "a", "k"), (2, "b", "k"), (3, "c", "b")]);
        assert_eq!(settle(&kept(&[]), &m, true), [true, false, false]);
        assert_eq!(settle(&kept(&[]), &m, false), [true, false, true]);
    }

    #[test]
    fn a_lookalike_is_renamed_with_its_id_within_the_limit() {
        let n = |name: &str, id, n| distinct_name(name, id, n).as_str().to_string();
        assert_eq!(n("Citro\u{451}n", 12, 0), "Citro\u{451}n #12");
        assert_eq!(n("Citro\u{451}n", 12, 1), "Citro\u{451}n #12.1");
        assert_eq!(
            distinct_name("Citro\u{451}n", 12, 0).key(),
            "citro\u{EB}n #12"
        );
        // 100 characters: cut to 97, then ` #7`.
        let long = "x".repeat(100);
        assert_eq!(n(&long, 7, 0), format!("{} #7", "x".repeat(97)));
        assert_eq!(n(&long, 7, 0).chars().count(), PartnerName::MAX_CHARS);
        // 94 letters and a family (U+1F468 ZWJ U+1F469 ZWJ U+1F467), 99 characters: the cut to 96 leaves the
        // man and a joiner with nothing after it, which goes (a stray joiner is not a name).
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let name = format!("{}{family}", "a".repeat(94));
        assert_eq!(name.chars().count(), 99);
        assert_eq!(n(&name, 12, 0), format!("{}\u{1F468} #12", "a".repeat(94)));
    }
}
