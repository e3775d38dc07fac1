//! The read behind a name that is not a partner's name (`/screen` of a typo or of a new prospect, a question
//! about one): everything its answer needs, in one statement on the kept connection.
//!
//! Why: answering such a name took seven statements (the screen read that missed, the settings, the name's
//! key, a former name, the names' version, the active profiles and then each one's traits), most of them on a
//! pooled connection, which PostgreSQL's pool checks with a round trip of its own. A p99 is whichever of them
//! waited longest; one statement waits once. The answers are the ones those statements gave (the
//! `tests/it` replies, names and name index tests are unchanged).

use super::partners::{partner_of, PartnerCols};
use super::settings::SETTINGS_COLS;
use super::StoreError;
use super::{
    day, parse_col, Backend, FormerName, Partner, PartnerNames, Result, SettingsRow, Store,
};
use crate::domain::profile::{Profile, Trait};
use sqlx::AssertSqlSafe;

/// What a name that is not a partner's name is answered with, as one statement read it.
#[derive(Debug, Clone)]
pub struct NameFacts {
    /// The workspace's settings (the defaults when it never set any).
    pub settings: SettingsRow,
    /// The partner with the name's key: one added since the caller last looked.
    pub exact: Option<Partner>,
    /// The latest rename away from the name, with the partner renamed (None when no partner of the workspace
    /// had the name, or that partner is gone), as [`Store::renamed_from`] and [`Store::partner_by_id`] give.
    pub renamed: Option<(FormerName, Partner)>,
    /// The version of the workspace's names (see [`Store::partner_names_since`]).
    pub names_version: i64,
    /// The names, when their version is not the one the caller has.
    pub names: Option<PartnerNames>,
    /// Every active profile with its current traits, by partner type, as [`Store::active_profiles`] gives.
    pub profiles: Vec<Profile>,
}

/// A profile in the read: id, partner type, name, joint solution, owner, revision, its traits.
type ProfileCols = (
    i64,
    String,
    String,
    Option<String>,
    String,
    i64,
    Option<Vec<super::screen_facts::TraitCols>>,
);

/// The read's JSON value: settings, the exact partner, the former name (name, renamed on, its partner), the
/// names' version, the names, the profiles.
type NameFactsCols = (
    Option<SettingsRow>,
    Option<PartnerCols>,
    Option<(String, String, i64, Option<PartnerCols>)>,
    i64,
    Option<PartnerNames>,
    Option<Vec<ProfileCols>>,
);

/// The statement of [`Store::name_facts`]: one JSON value (text) of [`NameFactsCols`]. `$1` the workspace,
/// `$2` the name's key, `$3` the names' version the caller has (-1 for none). Without `names`, the names are
/// never read (always null) and there is no `$3`.
fn name_facts_sql(backend: Backend, names: bool) -> String {
    let (pair, group) = match backend {
        Backend::Sqlite => ("json_array", "json_group_array"),
        Backend::Postgres => ("json_build_array", "json_agg"),
    };
    // The names of a workspace without partners are an empty array (PostgreSQL's aggregate of no rows is null).
    let all_names = match backend {
        Backend::Sqlite => "json_group_array(json_array(id, name) ORDER BY name_key)",
        Backend::Postgres => {
            "COALESCE(json_agg(json_build_array(id, name) ORDER BY name_key), '[]')"
        }
    };
    let names = if names {
        format!(
            "CASE WHEN v.version = $3 THEN NULL ELSE \
                 (SELECT {all_names} FROM partners WHERE workspace_id = $1) END"
        )
    } else {
        "NULL".to_string()
    };
    let cols = |alias: &str, cols: &str| super::evidence::json_cols(backend, alias, cols);
    let settings = cols("s", SETTINGS_COLS);
    let partner = cols("p", super::partners::PARTNER_COLS);
    let one_trait = cols("t", super::screen_facts::TRAIT_JSON_COLS);
    format!(
        "WITH v AS (SELECT COALESCE(MAX(version), 0) AS version FROM partner_name_versions \
                    WHERE workspace_id = $1) \
         SELECT CAST({pair}( \
             (SELECT {settings} FROM workspace_settings s WHERE s.workspace_id = $1), \
             (SELECT {partner} FROM partners p WHERE p.workspace_id = $1 AND p.name_key = $2), \
             (SELECT {pair}(n.name, n.renamed_on, n.partner_id, CASE WHEN p.id IS NULL THEN NULL ELSE {partner} END) \
              FROM partner_names n \
              LEFT JOIN partners p ON p.workspace_id = n.workspace_id AND p.id = n.partner_id \
              WHERE n.workspace_id = $1 AND n.name_key = $2 ORDER BY n.id DESC LIMIT 1), \
             v.version, \
             {names}, \
             (SELECT {group}({pair}(pr.id, pr.partner_type, pr.name, pr.joint_solution, pr.owner, pr.revision, \
                  (SELECT {group}({one_trait} ORDER BY t.id) FROM traits t \
                   WHERE t.profile_id = pr.id AND t.removed_in IS NULL)) ORDER BY pr.partner_type) \
              FROM profiles pr WHERE pr.workspace_id = $1 AND pr.retired_at IS NULL)) AS TEXT) \
         FROM v"
    )
}

fn name_facts_from_json(text: &str) -> Result<NameFacts> {
    let (settings, exact, former, names_version, names, profiles): NameFactsCols =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("name facts: {e}")))?;
    let renamed = match former {
        Some((name, on, partner_id, Some(p))) => Some((
            FormerName {
                partner_id,
                name,
                until: day(&on)?,
            },
            partner_of(p)?,
        )),
        _ => None,
    };
    let mut profiles = profiles
        .unwrap_or_default()
        .into_iter()
        .map(|(id, ty, name, joint_solution, owner, revision, traits)| {
            Ok(Profile {
                id,
                partner_type: parse_col(&ty, "partner type")?,
                name,
                joint_solution,
                owner,
                revision,
                traits: traits
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, name, verify_by, min, max, unit)| Trait {
                        id,
                        name,
                        verify_by,
                        kind: super::profiles::stored_kind(min, max, unit),
                    })
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    profiles.sort_by_key(|p| p.partner_type);
    Ok(NameFacts {
        settings: settings.unwrap_or_default(),
        exact: exact.map(partner_of).transpose()?,
        renamed,
        names_version,
        names,
        profiles,
    })
}

impl Store {
    /// Everything a name that is not a partner's name is answered with ([`NameFacts`]), in one statement: the
    /// name's key `key`, and the names' version the caller has (`have`; the names come back only when it moved).
    /// It runs on the kept connection. On a SQLite file, when the caller holds a version, it first runs on the
    /// calling thread ([`super::direct`]) without the names, as the screen read does: no hand-off to sqlx's
    /// worker thread and back, which was most of what this read cost beyond SQLite's own work. When the names
    /// moved since that version, the whole statement then runs the usual way: reading every name (milliseconds
    /// at 100,000) is never done on the calling thread.
    #[tracing::instrument(skip_all)]
    pub async fn name_facts(&self, ws: &str, key: &str, have: Option<i64>) -> Result<NameFacts> {
        static SQLITE: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| name_facts_sql(Backend::Sqlite, true));
        static POSTGRES: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| name_facts_sql(Backend::Postgres, true));
        if let (Some(direct), Some(held)) = (&self.direct, have) {
            static WITHOUT_NAMES: std::sync::LazyLock<String> =
                std::sync::LazyLock::new(|| name_facts_sql(Backend::Sqlite, false));
            let params: [(&str, &dyn rusqlite::ToSql); 2] = [("$1", &ws), ("$2", &key)];
            let text = direct.read(&WITHOUT_NAMES, &params, |rows| {
                rows.next()?.map(|row| row.get::<_, String>(0)).transpose()
            });
            if let Some(Some(text)) = text {
                let facts = name_facts_from_json(&text)?;
                if facts.names_version == held {
                    return Ok(facts);
                }
            }
        }
        let sql = match self.backend() {
            Backend::Sqlite => SQLITE.as_str(),
            Backend::Postgres => POSTGRES.as_str(),
        };
        // No version is negative: -1 asks for the names whatever the version.
        let query = || {
            sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(ws)
                .bind(key)
                .bind(have.unwrap_or(-1))
        };
        let text: String = read_kept!(self, query, fetch_one);
        name_facts_from_json(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::NewPartner;
    use crate::domain::lifecycle::Lifecycle;
    use crate::domain::{PartnerName, PartnerType};
    use chrono::{TimeZone, Utc};

    /// On a SQLite file, a caller holding the names' current version is answered on the calling thread: with
    /// the usual way shut (the pool closed, the kept connection held by another task) it is still answered,
    /// the same as the usual way answered before. A caller whose version moved, or who holds none, needs the
    /// names, which are read the usual way only: here that fails.
    #[tokio::test]
    async fn a_held_version_is_read_on_the_calling_thread_and_moved_names_the_usual_way() {
        let (_dir, store, _) = super::super::tests::on_a_temp_file().await;
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        store
            .create_profile("w", PartnerType::Reseller, "Resellers", None, "ana", now)
            .await
            .unwrap();
        for name in ["Acme Corp", "Globex"] {
            let p = NewPartner {
                name: PartnerName::parse(name).unwrap(),
                partner_type: PartnerType::Reseller,
                lifecycle: Lifecycle::Prospect,
                champion: None,
                note: None,
            };
            store.add_partner("w", &p, "ana", now).await.unwrap();
        }
        let usual = store.name_facts("w", "acme", None).await.unwrap();
        let version = usual.names_version;
        assert_eq!(usual.names.as_ref().map(Vec::len), Some(2));

        let kept = store.kept.clone().unwrap();
        let _busy = kept.conn.lock().await;
        store.pool.close().await;
        let here = store.name_facts("w", "acme", Some(version)).await.unwrap();
        assert_eq!((here.names_version, here.names), (version, None));
        assert_eq!(here.settings, usual.settings);
        assert_eq!((here.exact, here.renamed), (None, None));
        assert_eq!(here.profiles, usual.profiles);
        assert_eq!(here.profiles.len(), 1);

        assert!(store
            .name_facts("w", "acme", Some(version - 1))
            .await
            .is_err());
        assert!(store.name_facts("w", "acme", None).await.is_err());
    }
}
