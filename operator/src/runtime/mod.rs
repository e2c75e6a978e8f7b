//! The controllers' runtime: the watch caches and the live views of what they
//! hold, reads through them (`observe`), the shared context, events, backoff and
//! errors, and the batch Jobs and agent pods every job kind runs. Nothing here
//! knows a controller.

pub mod agent_pod;
pub mod agent_report;
pub mod backoff;
pub mod batch;
pub mod caches;
pub mod context;
pub mod entry;
pub mod error;
pub mod events;
pub mod fresh;
pub mod kept_lists;
pub mod live;
pub mod observe;
pub mod pulls;
pub mod settled;
pub mod shared_watch;
