//! Pure rules of the Ideal Partner Profile method: partner types and the words that name them, profiles and
//! traits, evidence, screening, the profile lint, which roster names a typed name may mean, the weekly
//! allocation check and the quarterly re-check statistics, the period a digest covers, which time zone names a
//! workspace may use, and the one text form of each figure replies and charts print (`format`).
//! Nothing in here does I/O; every function is deterministic in its inputs.

pub mod allocation;
pub mod evidence;
pub mod format;
pub mod groups;
pub mod lifecycle;
pub mod lint;
pub mod names;
pub mod partner_words;
pub mod period;
pub mod profile;
pub mod recheck;
pub mod screening;
pub mod stamp;
pub mod stats;
pub mod timezone;
pub mod types;

pub use lifecycle::{Lifecycle, SignedPeriod};
pub use period::Period;
pub use types::*;
