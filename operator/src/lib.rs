//! The Odoo operator: reconciles `OdooInstance` and its job resources.

pub mod admission;
pub mod api_client;
pub mod apply;
pub mod build;
pub mod callbacks;
pub mod cli;
pub mod config;
pub mod controller;
pub mod crash;
pub mod crd_check;
pub mod defaults;
pub mod health;
pub mod leader;
pub mod metrics;
pub mod pg;
pub mod runtime;
pub mod state;
pub mod status;
pub mod validate;

/// The operator's version, reported on `/version` and compared by the plugin.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Lowercase hex of `bytes` (digests, signatures), as the agent's reports write them.
pub use odoo_model::agent::hex;
