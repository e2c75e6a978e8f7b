//! `kubectl odoo logs NAME [--job KIND/NAME | --component web|cron] [-f] [--tail N]
//! [--since D]`: the logs of an instance's pods (found by label) or of a job
//! resource's pods (by the `job-name` label of the batch Job it names). With several
//! pods each line is prefixed with its pod's name.

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};
use odoo_model::labels::{APP_COMPONENT, instance_selector};
use odoo_model::{
    OdooBackupJob, OdooClusterMigration, OdooInitJob, OdooRestoreJob, OdooUpgradeJob,
};

use crate::ctx::{Ctx, LazyCtx};
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::output::Printer;

/// Flags of `logs`.
#[derive(clap::Args, Debug)]
pub struct LogsArgs {
    /// Name of the instance.
    pub name: String,
    /// The pods of this job resource instead: backup/NAME, restore/NAME,
    /// upgrade/NAME, init/NAME (or the full kind, e.g. odoobackupjob/NAME).
    #[arg(long, value_name = "KIND/NAME", conflicts_with = "component")]
    pub job: Option<String>,
    /// Only the pods of this component.
    #[arg(long, value_enum)]
    pub component: Option<Component>,
    /// Keep streaming new lines.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Lines of recent log to show per pod (all when unset).
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    /// Only lines newer than this (e.g. 10m).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub since: Option<Duration>,
}

/// Instance components with pods.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Web,
    Cron,
}

/// The resource a `--job KIND/NAME` names. Pure.
pub fn job_resource(spec: &str) -> Result<(ApiResource, String), CliError> {
    let (kind, name) = spec
        .split_once('/')
        .filter(|(k, n)| !k.is_empty() && !n.is_empty())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--job {spec:?}: write it as KIND/NAME, e.g. backup/shop-backup-20260101120000"
            ))
        })?;
    let resource = match kind.to_ascii_lowercase().as_str() {
        "backup" | "odoobackupjob" => ApiResource::erase::<OdooBackupJob>(&()),
        "restore" | "odoorestorejob" => ApiResource::erase::<OdooRestoreJob>(&()),
        "upgrade" | "odooupgradejob" => ApiResource::erase::<OdooUpgradeJob>(&()),
        "init" | "odooinitjob" => ApiResource::erase::<OdooInitJob>(&()),
        "migration" | "odooclustermigration" => ApiResource::erase::<OdooClusterMigration>(&()),
        other => {
            return Err(CliError::Usage(format!(
                "--job {spec:?}: unknown kind {other:?}; use backup, restore, upgrade, init or migration"
            )));
        }
    };
    Ok((resource, name.to_owned()))
}

/// The label selector of the pods to read.
async fn selector(ctx: &Ctx, args: &LogsArgs) -> Result<String, CliError> {
    let ns = &ctx.namespace;
    let Some(job) = &args.job else {
        let mut selector = instance_selector(&args.name);
        if let Some(c) = args.component {
            let c = if c == Component::Web { "web" } else { "cron" };
            selector.push_str(&format!(",{APP_COMPONENT}={c}"));
        }
        return Ok(selector);
    };
    let (resource, name) = job_resource(job)?;
    let what = format!("{}/{name}", resource.kind.to_lowercase());
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.client.clone(), ns, &resource);
    let object = api
        .get_opt(&name)
        .await
        .map_err(CliError::api(format!("reading {what}")))?
        .ok_or_else(|| CliError::NotFound(format!("{what} not found in namespace {ns}")))?;
    let job_name = object
        .data
        .pointer("/status/jobName")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            CliError::Precondition(format!("{what} has not started a Job yet; no logs to show"))
        })?;
    Ok(format!("job-name={job_name}"))
}

pub async fn run(ctx: &LazyCtx, args: LogsArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let selector = selector(ctx, &args).await?;
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), ns);
    let mut found = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(CliError::api("listing pods"))?
        .items;
    if found.is_empty() {
        return Err(CliError::NotFound(format!(
            "no pods found for {} in namespace {ns} (selector {selector})",
            args.job
                .clone()
                .unwrap_or_else(|| format!("odoo/{}", args.name))
        )));
    }
    found.sort_by_key(|p| p.name_any());
    let params = LogParams {
        follow: args.follow,
        tail_lines: args.tail,
        since_seconds: args.since.map(|d| d.as_secs().max(1) as i64),
        ..Default::default()
    };
    let prefix = found.len() > 1;
    let mut streams = Vec::new();
    for pod in &found {
        let name = pod.name_any();
        let lines = pods
            .log_stream(&name, &params)
            .await
            .map_err(CliError::api(format!("reading the log of pod {name}")))?
            .lines();
        let tag = if prefix {
            format!("[{name}] ")
        } else {
            String::new()
        };
        streams.push(lines.map_ok(move |l| format!("{tag}{l}\n")).boxed());
    }
    let mut all = futures::stream::select_all(streams);
    loop {
        tokio::select! {
            next = all.next() => match next {
                Some(Ok(line)) => printer.out(&line)?,
                Some(Err(e)) => return Err(CliError::Failed(format!("reading logs: {e}"))),
                None => return Ok(()),
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_kinds_have_short_names() {
        assert_eq!(
            job_resource("backup/b1").expect("ok").0.kind,
            "OdooBackupJob"
        );
        assert_eq!(
            job_resource("OdooRestoreJob/r").expect("ok").0.kind,
            "OdooRestoreJob"
        );
        assert!(matches!(job_resource("pod/x"), Err(CliError::Usage(_))));
        assert!(matches!(job_resource("backup"), Err(CliError::Usage(_))));
    }
}
