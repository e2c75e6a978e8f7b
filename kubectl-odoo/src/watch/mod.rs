//! The watch engine: one snapshot of an instance (status, conditions, children,
//! recent warnings), collected with reads scoped to the instance, and three
//! renderers — a live view on a terminal, one line per change otherwise, NDJSON with
//! `-o json`. Only the named object, its children (by label) and their events are
//! read; never a namespace-wide list.

pub mod children;
pub mod followed;
pub mod job;
pub mod render;
mod serving;
pub mod snapshot;

pub use snapshot::{Snapshot, collect};
