//! `kubectl odoo backup check`: which instances have no backup newer than a limit.
//! Made for cron jobs and CI: it prints the stale ones and exits 3 when there are
//! any, 0 when every instance checked has a fresh backup.

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::OdooInstance;
use odoo_model::freshness::Freshness;

use crate::ctx::LazyCtx;
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::list::{self, Columns};
use crate::output::{Printer, age};

/// Flags of `backup check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The instance to check; without it, every instance of the namespace (or
    /// those -l selects, or -A every namespace's).
    pub instance: Option<String>,
    /// Check the instances of every namespace.
    #[arg(short = 'A', long, conflicts_with = "instance")]
    pub all_namespaces: bool,
    /// Only instances matching this label selector.
    #[arg(short = 'l', long, conflicts_with = "instance")]
    pub selector: Option<String>,
    /// The oldest a backup may be: 26h, 90m, 7d.
    #[arg(long, value_parser = parse_duration)]
    pub max_age: std::time::Duration,
    /// Only a backup whose verification passed counts.
    #[arg(long)]
    pub verified: bool,
    /// Output format of the stale instances.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

pub async fn run(ctx: &LazyCtx, args: CheckArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let instances = match &args.instance {
        Some(name) => {
            let api = Api::<OdooInstance>::namespaced(ctx.client.clone(), &ctx.namespace);
            vec![crate::read::get(&api, name, &ctx.namespace).await?]
        }
        None => {
            let selection = crate::fleet::Selection {
                selector: args.selector.clone(),
                all_namespaces: args.all_namespaces,
                max_parallel: None,
            };
            selection.list(ctx).await?
        }
    };
    let freshness = Freshness {
        max_age: args.max_age,
        verified: args.verified,
    };
    let stale = stale(&instances, freshness, k8s_openapi::jiff::Timestamp::now());
    let what = if args.verified {
        "verified backup"
    } else {
        "backup"
    };
    let limit = humanize(args.max_age);
    if stale.is_empty() {
        printer.note(&format!(
            "all {} instance(s) checked have a {what} newer than {limit}",
            instances.len()
        ));
        return Ok(());
    }
    list::print(printer, &COLUMNS, &stale, args.all_namespaces, "")?;
    let names: Vec<String> = stale
        .iter()
        .map(|i| format!("{}/{}", i.namespace().unwrap_or_default(), i.name_any()))
        .collect();
    Err(CliError::PhaseFailed(format!(
        "{} of {} instance(s) have no {what} newer than {limit}: {}",
        stale.len(),
        instances.len(),
        names.join(", ")
    )))
}

/// The instances whose backup that counts is older than the limit, or missing.
fn stale(
    instances: &[OdooInstance],
    freshness: Freshness,
    now: k8s_openapi::jiff::Timestamp,
) -> Vec<OdooInstance> {
    instances
        .iter()
        .filter(|i| {
            let status = i.status.clone().unwrap_or_default();
            freshness.check(&status, now).is_err()
        })
        .cloned()
        .collect()
}

/// `26h`, `90m`, `7d` back from a duration, for messages.
fn humanize(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 && s > 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// How a stale instance shows.
const COLUMNS: Columns<OdooInstance> = Columns {
    kind: "odoo",
    header: &["NAME", "PHASE", "LAST BACKUP", "BACKUP AGE", "VERIFIED AGE"],
    wide: &[],
    row,
};

fn row(i: &OdooInstance, _wide: bool) -> Vec<String> {
    let status = i.status.clone().unwrap_or_default();
    vec![
        i.name_any(),
        status
            .phase
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into()),
        status
            .last_backup
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_else(|| "none".into()),
        age(status.last_backup.as_ref().map(|b| &b.completion_time)),
        age(status
            .last_verified_backup
            .as_ref()
            .map(|b| &b.completion_time)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_back_as_typed() {
        assert_eq!(humanize(std::time::Duration::from_secs(26 * 3600)), "26h");
        assert_eq!(humanize(std::time::Duration::from_secs(7 * 86_400)), "7d");
        assert_eq!(humanize(std::time::Duration::from_secs(90 * 60)), "90m");
        assert_eq!(humanize(std::time::Duration::from_secs(45)), "45s");
    }

    #[test]
    fn an_instance_without_a_fresh_backup_is_stale() {
        let instance = |name: &str, backed_up: Option<&str>| -> OdooInstance {
            let mut status = serde_json::json!({});
            if let Some(at) = backed_up {
                status = serde_json::json!({ "lastBackup": { "name": "b", "completionTime": at } });
            }
            serde_json::from_value(serde_json::json!({
                "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
                "metadata": { "name": name, "namespace": "team-a" },
                "spec": {}, "status": status,
            }))
            .expect("instance")
        };
        let now = "2026-12-04T12:00:00Z".parse().expect("now");
        let all = [
            instance("fresh", Some("2026-12-04T11:00:00Z")),
            instance("old", Some("2026-12-01T11:00:00Z")),
            instance("never", None),
        ];
        let freshness = Freshness {
            max_age: std::time::Duration::from_secs(26 * 3600),
            verified: false,
        };
        let names: Vec<String> = stale(&all, freshness, now)
            .iter()
            .map(ResourceExt::name_any)
            .collect();
        assert_eq!(names, ["old", "never"]);
    }
}
