//! The command tree. Each command's flags live in its own module.

use clap::{Parser, Subcommand};

use crate::commands;
use crate::format::OutputFormat;
use crate::global::GlobalArgs;

/// Manage Odoo instances run by the Odoo operator.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl odoo",
    bin_name = "kubectl odoo",
    version,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an Odoo instance from flags or a file.
    Create(commands::create::CreateArgs),
    /// List Odoo instances.
    #[command(alias = "get", alias = "ls")]
    List(commands::list::ListArgs),
    /// Show an instance's phase, conditions, children and warnings; --watch follows
    /// them live, --for waits with a truthful exit code.
    Status(commands::status::StatusArgs),
    /// Print a shell completion script (bash, zsh or fish).
    Completion(commands::completion::CompletionArgs),
    /// Print the plugin, operator and CRD versions and warn about skew.
    Version(commands::version::VersionArgs),
    /// Stop an instance: web (and with it cron) to zero, remembering the replicas.
    Stop(commands::power::StopArgs),
    /// Start a stopped instance with the replicas it had before kubectl odoo stop.
    Start(commands::power::StartArgs),
    /// Set the web and cron replicas of an instance.
    Scale(commands::scale::ScaleArgs),
    /// Delete an instance; its database and volume are kept unless --purge.
    Delete(commands::delete::DeleteArgs),
    /// Show the Kubernetes events of an instance and its children.
    Events(commands::events::EventsArgs),
    /// Upgrade an instance's database with a new image before it rolls out
    /// (an OdooUpgradeJob); --wait follows it with a truthful exit code.
    Upgrade(commands::upgrade::UpgradeArgs),
    /// Back up instances, list, inspect, download and delete backups, and schedule
    /// them.
    Backup(commands::backup::BackupArgs),
    /// Restore a backup into an instance (or a new copy of it), after showing the
    /// plan; --wait follows the restore.
    Restore(commands::restore::RestoreArgs),
    /// Move an instance's database to another PostgreSQL cluster (an
    /// OdooClusterMigration); --wait follows its steps.
    MigrateCluster(commands::migrate::MigrateArgs),
    /// Print the logs of an instance's pods or of a job's pods; -f follows them.
    Logs(commands::logs::LogsArgs),
    /// Check the CRDs, your RBAC, the operator and the pg-clusters Secret.
    Doctor(commands::doctor::DoctorArgs),
    /// Write a support bundle (zip) of an instance: objects, events, logs; Secret
    /// values redacted.
    Report(commands::report::ReportArgs),
}

impl Command {
    /// The `-o` format given, table when none was (or the command has none): the
    /// one printer of the run is made with it.
    pub fn output(&self) -> OutputFormat {
        let given = match self {
            Command::Create(a) => a.write.output,
            Command::List(a) => Some(a.output),
            Command::Status(a) => Some(a.output),
            Command::Version(a) => Some(a.output),
            Command::Stop(a) => a.write.output,
            Command::Start(a) => a.write.output,
            Command::Scale(a) => a.write.output,
            Command::Delete(a) => a.output,
            Command::Events(a) => Some(a.output),
            Command::Upgrade(a) => a.output,
            Command::Backup(a) => a.command.output(),
            Command::Restore(a) => a.output,
            Command::MigrateCluster(a) => a.output,
            Command::Doctor(a) => Some(a.output),
            Command::Completion(_) | Command::Logs(_) | Command::Report(_) => None,
        };
        given.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_arguments_and_o_is_never_a_file() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["kubectl-odoo"], args].concat());
        for ok in [
            &["report", "shop"][..],
            &["report", "shop", "bundle.zip"],
            &["report", "shop", "--file", "bundle.zip"],
            &["backup", "download", "b", "-"],
            &["backup", "download", "b", "--file", "b.zip"],
        ] {
            assert!(parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            &["report", "shop", "-o", "bundle.zip"][..],
            &["backup", "download", "b", "-o", "b.zip"],
            &["backup", "download", "b", "b.zip", "--file", "c.zip"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
