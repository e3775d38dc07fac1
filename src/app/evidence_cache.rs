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

    fn add(&mut self, e: CompactEvidence) {
        self.by_partner.entry(e.partner_id).or_default().push(e);
    }

    /// Flag newly retracted records and record how far the copy is current.
    fn finish(&mut self, retracted: Option<HashSet<i64>>, version: EvidenceVersion, loaded: bool) {
        if loaded {
            // A first load grew every list by doubling: give the slack back.
            self.by_partner.values_mut().for_each(Vec::shrink_to_fit);
            self.by_partner.shrink_to_fit();
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
    /// How many records are held, over every workspace (one being brought up to date is left out).
    pub fn records(&self) -> usize {
        let slots: Vec<_> = {
            let map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
            map.values().cloned().collect()
        };
        slots
            .iter()
            .filter_map(|s| s.try_read().ok())
            .map(|w| w.by_partner.values().map(Vec::len).sum::<usize>())
            .sum()
    }

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
            let mut newest = have.max_id;
            if version.max_id > have.max_id {
                let read = store
                    .compact_evidence_after(ws, have.max_id, |e| {
                        newest = newest.max(e.id);
                        w.add(e);
                    })
                    .await;
                if let Err(e) = read {
                    // Part of the range may be in: start over next time rather than hold duplicates.
                    *w = WorkspaceEvidence::default();
                    return Err(e);
                }
            }
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
            // Records read above carry their own retraction flag; the re-read id set covers older ones.
            // The version's max_id is the whole table's: records of other workspaces up to it were skipped.
            let seen = EvidenceVersion {
                max_id: newest.max(version.max_id),
                retracted: version.retracted,
            };
            w.finish(retracted, seen, have.max_id == 0);
        }
        drop(w);
        Ok(slot.read_owned().await)
    }
}
