//! Fault injection for crash-safety tests: with `ODOO_OPERATOR_CRASH_AT=<point>` the
//! process aborts (no cleanup, as a killed pod) the first time it reaches that
//! point. The points sit where a crash is hardest to recover from: between a change
//! in PostgreSQL or on a volume and the status write that records it. Unset, a
//! point costs one environment lookup.

/// The environment variable naming the point to crash at.
pub const CRASH_AT: &str = "ODOO_OPERATOR_CRASH_AT";

/// Aborts the process when `name` is the point the environment names.
pub fn point(name: &str) {
    if std::env::var(CRASH_AT).is_ok_and(|at| at == name) {
        // The test reads this line to know the point was reached.
        eprintln!("crash point {name} reached; aborting");
        std::process::abort();
    }
}
