use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Installed (symlinked) as kubectl_complete-odoo, this binary answers kubectl's
    // completion calls for `kubectl odoo <TAB>`.
    let argv0 = std::env::args().next().unwrap_or_default();
    if argv0.rsplit('/').next() == Some("kubectl_complete-odoo") {
        return kubectl_odoo::complete(std::env::args().skip(1).collect());
    }
    // The shim `completion --install` writes calls `kubectl-odoo __complete WORDS…`;
    // the words (with -n, --context) are the user's, not this binary's flags.
    if std::env::args().nth(1).as_deref() == Some("__complete") {
        return kubectl_odoo::complete(std::env::args().skip(2).collect());
    }
    kubectl_odoo::run(kubectl_odoo::cli::Cli::parse())
}
