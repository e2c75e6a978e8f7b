//! `kubectl odoo create`: write a new OdooInstance from flags or a file, or from
//! the answers to questions (`guided`).

pub mod args;
pub mod guided;
pub mod send;

pub use args::CreateArgs;
pub use send::run;
