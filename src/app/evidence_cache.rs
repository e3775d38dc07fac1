//! An in-memory copy of each workspace's evidence, reduced to what decides verdicts, for screening many
//! partners at once (digests, roster lists, exports). It is brought up to date before every use with two
//! index lookups: new records are appended and new retractions flagged, so it is never stale — also when
//! other processes write to the same database.

use crate::domain::evidence::CompactEvidence;
use crate::store::{EvidenceVersion, Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

/// One workspace's evidence, by partner.
#[derive(Debug, Default)]
pub struct WorkspaceEvidence {
    version: EvidenceVersion,
    by_partner: HashMap<i64, Vec<CompactEvidence>>,
}

impl WorkspaceEvidence {
    /// Every record of a partner (retracted ones flagged), in id order.
    pub fn partner(&self, partner_id: i64) -> &[CompactEvidence] {
        self.by_partner
            .get(&partner_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn apply(
        &mut self,
        new: Vec<CompactEvidence>,
        retracted: Option<HashSet<i64>>,
        version: EvidenceVersion,
    ) {
        for e in new {
            self.by_partner.entry(e.partner_id).or_default().push(e);
        }
        if let Some(ids) = retracted {
            for records in self.by_partner.values_mut() {
                for e in records.iter_mut().filter(|e| !e.retracted) {
                    e.retracted = ids.contains(&e.id);
                }
            }
        }
        self.version = version;
    }
}

/// The copies of every workspace this process has screened.
#[derive(Debug, Default)]
pub struct EvidenceCache {
    workspaces: Mutex<HashMap<String, Arc<RwLock<WorkspaceEvidence>>>>,
}

impl EvidenceCache {
    /// The workspace's evidence, current as of this call.
    pub async fn get(
        &self,
        store: &Store,
        ws: &str,
    ) -> Result<OwnedRwLockReadGuard<WorkspaceEvidence>, StoreError> {
        let slot = {
            let mut map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(ws.to_string()).or_default().clone()
        };
        let version = store.evidence_version(ws).await?;
        {
            let current = slot.clone().read_owned().await;
            if current.version == version {
                return Ok(current);
            }
        }
        let mut w = slot.clone().write_owned().await;
        let have = w.version;
        if have != version {
            let new = if version.max_id > have.max_id {
                store.compact_evidence_after(ws, have.max_id).await?
            } else {
                Vec::new()
            };
            let retracted = if version.retracted != have.retracted {
                Some(
                    store
                        .retracted_evidence_ids(ws)
                        .await?
                        .into_iter()
                        .collect(),
                )
            } else {
                None
            };
            // New records carry their own retraction flag; the re-read id set covers older ones.
            let seen = EvidenceVersion {
                max_id: new.last().map_or(have.max_id, |e| e.id.max(have.max_id)),
                retracted: version.retracted,
            };
            w.apply(new, retracted, seen);
        }
        drop(w);
        Ok(slot.read_owned().await)
    }
}
