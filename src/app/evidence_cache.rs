//! An in-memory copy of each workspace's evidence, reduced to what decides verdicts, for screening many
//! partners at once (digests, roster lists, exports). It is brought up to date before every use with two
//! index lookups: new records are appended and new retractions flagged, so it is never stale — also when
//! other processes write to the same database.
//!
//! Screening a few partners (a page of `/partner list`, a small digest) does not wait for a workspace's first
//! load: when the workspace has no current copy, [`EvidenceCache::for_partners`] reads those partners' records
//! alone (an index lookup each), and the copy is left to the uses that screen everyone. At 100,000 partners the
//! first load reads 5 million records (seconds); a page of the roster reads a few hundred.
//!
//! A workspace not used for [`IDLE_EVICTION`] (15 minutes, by the app's clock) is dropped, so a process
//! that posted a thousand servers' digests at once gives the memory back instead of holding every copy for
//! ever; the next use reads the workspace again (one query, the same answers).
//!
//! How far a copy is current is an id: every record of the workspace up to it is in the copy, and later ones
//! have higher ids. On SQLite that is the highest id committed (one writer at a time: ids commit in order).
//! On PostgreSQL ids do not commit in order — an import of the workspace may still commit ids 101–5,000 after
//! a record of id 5,001 — so the copy is brought only up to [`Store::committed_evidence_bound`], read under the
//! workspace's evidence lock: a refresh waits for the workspace's writers in progress (an import's transaction
//! to its end), and records above the bound are read by a later refresh. A copy that is current (its counters
//! unchanged) is answered without the lock.

use super::Clock;
use crate::domain::evidence::CompactEvidence;
use crate::store::{EvidenceBound, EvidenceVersion, Store, StoreError};
use chrono::{DateTime, Utc};
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

/// Up to this many partners, a workspace without a current copy has their records read directly instead of
/// the whole workspace loaded (a page of the roster is 15; a verdict-filtered roster screens 500 at a time).
pub const DIRECT_PARTNERS: usize = 100;

/// The evidence of the partners being screened: the workspace's copy, or those partners' records alone.
#[derive(Debug)]
pub enum PartnersEvidence {
    /// The workspace's in-memory copy, current as of the call.
    Copy(OwnedRwLockReadGuard<WorkspaceEvidence>),
    /// The records of the partners asked for, read from the database by partner, each in id order.
    Read(HashMap<i64, Vec<CompactEvidence>>),
}

impl PartnersEvidence {
    /// Every record of a partner (retracted ones flagged), in id order; none for a partner not asked for.
    pub fn partner(&self, partner_id: i64) -> &[CompactEvidence] {
        match self {
            PartnersEvidence::Copy(w) => w.partner(partner_id),
            PartnersEvidence::Read(by_partner) => by_partner
                .get(&partner_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        }
    }
}

/// How long a workspace's copy is kept after its last use: a digest, roster list or export of a workspace
/// idle longer than this reads its evidence again. Fixed, not configured: long enough that a team at work
/// keeps its copy between commands, short enough that a fan-out's copies are gone a quarter of an hour later.
pub const IDLE_EVICTION: chrono::Duration = chrono::Duration::minutes(15);

/// One workspace's copy and when it was last used.
#[derive(Debug)]
struct Slot {
    evidence: Arc<RwLock<WorkspaceEvidence>>,
    used: DateTime<Utc>,
}

/// The copies of the workspaces this process has screened within [`IDLE_EVICTION`].
#[derive(Debug)]
pub struct EvidenceCache {
    clock: Arc<dyn Clock>,
    workspaces: Mutex<HashMap<String, Slot>>,
}

impl EvidenceCache {
    /// An empty cache whose idle time is measured by `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> EvidenceCache {
        EvidenceCache {
            clock,
            workspaces: Mutex::default(),
        }
    }

    /// Drop the copies of workspaces not used for more than [`IDLE_EVICTION`] (a copy in use stays with its
    /// user until it is done). Called on every use and by [`EvidenceCache::records`], so an idle process
    /// that is scraped for metrics frees its memory too.
    pub fn evict_idle(&self) {
        let now = self.clock.now();
        let mut map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| now - s.used <= IDLE_EVICTION);
    }

    /// How many workspaces have a copy.
    pub fn workspaces(&self) -> usize {
        self.workspaces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// How many records are held, over every workspace (one being brought up to date is left out), after
    /// dropping the idle ones.
    pub fn records(&self) -> usize {
        self.evict_idle();
        let slots: Vec<_> = {
            let map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
            map.values().map(|s| s.evidence.clone()).collect()
        };
        slots
            .iter()
            .filter_map(|s| s.try_read().ok())
            .map(|w| w.by_partner.values().map(Vec::len).sum::<usize>())
            .sum()
    }

    /// Whether the workspace has a copy that was loaded, is not idle past eviction and is not being loaded or
    /// brought up to date right now (a copy in the middle of its first load is not waited for).
    fn is_warm(&self, ws: &str) -> bool {
        let now = self.clock.now();
        let map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
        map.get(ws).is_some_and(|s| {
            now - s.used <= IDLE_EVICTION
                && s.evidence
                    .try_read()
                    .is_ok_and(|w| w.version != EvidenceVersion::default())
        })
    }

    /// The evidence for screening `partner_ids` of the workspace, current as of this call. With at most
    /// [`DIRECT_PARTNERS`] partners, the warm copy of the workspace when it can be brought up to date without
    /// waiting, else their records read from the database (no copy made): a page of the roster, or the screen
    /// after `/evidence add`, never waits for an import of the workspace in progress (on PostgreSQL) nor for
    /// another task's refresh. More partners: [`EvidenceCache::get`]. The records are the same either way, so
    /// are the verdicts.
    pub async fn for_partners(
        &self,
        store: &Store,
        ws: &str,
        partner_ids: &[i64],
    ) -> Result<PartnersEvidence, StoreError> {
        if partner_ids.len() > DIRECT_PARTNERS {
            return Ok(PartnersEvidence::Copy(self.get(store, ws).await?));
        }
        if self.is_warm(ws) {
            if let Some(copy) = self.current(store, ws, false).await? {
                return Ok(PartnersEvidence::Copy(copy));
            }
        }
        let mut by_partner: HashMap<i64, Vec<CompactEvidence>> = HashMap::new();
        store
            .compact_evidence_of(ws, partner_ids, |e| {
                by_partner.entry(e.partner_id).or_default().push(e)
            })
            .await?;
        Ok(PartnersEvidence::Read(by_partner))
    }

    /// The workspace's evidence, current as of this call (waiting, on PostgreSQL, for an import of the workspace
    /// in progress to commit: see [`Store::committed_evidence_bound`]).
    pub async fn get(
        &self,
        store: &Store,
        ws: &str,
    ) -> Result<OwnedRwLockReadGuard<WorkspaceEvidence>, StoreError> {
        match self.current(store, ws, true).await? {
            Some(copy) => Ok(copy),
            // Not reached: a refresh that waits always gets its bound.
            None => Err(StoreError::Corrupt(
                "the evidence copy was not brought up to date".into(),
            )),
        }
    }

    /// [`EvidenceCache::get`]; with `wait` false, None rather than waiting for anything: another task's refresh
    /// of the copy, or the workspace's writers in progress (an import, on PostgreSQL). The copy is then left as
    /// it was.
    async fn current(
        &self,
        store: &Store,
        ws: &str,
        wait: bool,
    ) -> Result<Option<OwnedRwLockReadGuard<WorkspaceEvidence>>, StoreError> {
        let slot = {
            let now = self.clock.now();
            let mut map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
            map.retain(|_, s| now - s.used <= IDLE_EVICTION);
            let s = map.entry(ws.to_string()).or_insert_with(|| Slot {
                evidence: Arc::default(),
                used: now,
            });
            s.used = now;
            s.evidence.clone()
        };
        let version = store.evidence_version(ws).await?;
        {
            let current = if wait {
                slot.clone().read_owned().await
            } else {
                match slot.clone().try_read_owned() {
                    Ok(current) => current,
                    Err(_) => return Ok(None),
                }
            };
            if current.version == version {
                return Ok(Some(current));
            }
        }
        let mut w = if wait {
            slot.clone().write_owned().await
        } else {
            match slot.clone().try_write_owned() {
                Ok(w) => w,
                Err(_) => return Ok(None),
            }
        };
        let have = w.version;
        if have != version {
            // What may fail or wait is read before the copy changes, so that a refresh that fails or is given up
            // there keeps it. On PostgreSQL, how far the records are committed (waiting for the workspace's
            // writers in progress). The retracted ids are read after the counter they answer, so they hold at
            // least the retractions it counted, whichever records are read next.
            let bound = if version.max_id > have.max_id {
                match store.committed_evidence_bound(ws, wait).await? {
                    EvidenceBound::Any => None,
                    EvidenceBound::UpTo(bound) => Some(bound),
                    EvidenceBound::Writing => return Ok(None),
                }
            } else {
                None
            };
            let retracted: Option<HashSet<i64>> = if version.retracted != have.retracted {
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
            // New records are added to the copy out of its slot, which gets it back once they are all in: a read
            // that fails or is given up partway leaves an empty copy, read again next time, never one with part
            // of the range in (which the next refresh would read again: duplicates).
            let mut copy = std::mem::take(&mut *w);
            let mut newest = have.max_id;
            if version.max_id > have.max_id {
                store
                    .compact_evidence_up_to(ws, have.max_id, bound, |e| {
                        newest = newest.max(e.id);
                        copy.add(e);
                    })
                    .await?;
            }
            // Records read above carry their own retraction flag; the re-read id set covers older ones.
            // The version's max_id is the whole table's: records of other workspaces up to it were skipped. On
            // PostgreSQL the copy is current up to the bound (read after the version, so not below its max_id)
            // and no further: the records above it are the next refresh's.
            let seen = EvidenceVersion {
                max_id: match bound {
                    Some(bound) => bound.max(have.max_id),
                    None => newest.max(version.max_id),
                },
                retracted: version.retracted,
            };
            copy.finish(retracted, seen, have.max_id == 0);
            *w = copy;
        }
        // Read from here on, with no moment in between where another task's refresh could take the copy.
        Ok(Some(w.downgrade()))
    }
}
