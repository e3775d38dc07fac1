//! Pure rules of the Ideal Partner Profile method: partner types, profiles and traits, evidence,
//! screening, the profile lint, which roster names a typed name may mean, the weekly allocation check and the
//! quarterly re-check statistics, and which time zone names a workspace may use.
//! Nothing in here does I/O; every function is deterministic in its inputs.

pub mod allocation;
pub mod evidence;
pub mod groups;
pub mod lifecycle;
pub mod lint;
pub mod names;
pub mod profile;
pub mod recheck;
pub mod screening;
pub mod stamp;
pub mod stats;
pub mod timezone;
pub mod types;

pub use lifecycle::{Lifecycle, SignedPeriod};
pub use types::*;
