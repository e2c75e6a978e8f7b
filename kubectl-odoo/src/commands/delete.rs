//! `kubectl odoo delete NAME [--purge] [--yes] [--wait]`: delete an instance.
//!
//! The safe default keeps the data: deletionPolicy is set to Retain first, so the
//! operator leaves the database and the filestore volume behind. `--purge` sets Delete
//! instead, which destroys both; it asks for the instance's name on a terminal and
//! refuses to run unattended without `--yes` (it never waits for input that cannot
//! come).

use std::time::Duration;

use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Preconditions};
use odoo_model::instance::DeletionPolicy;
use odoo_model::{OdooInstance, names};
use serde_json::Value;

use crate::commands::change::{self, Written};
use crate::commands::write::DryRun;
use crate::confirm::confirm;
use crate::ctx::{Ctx, LazyCtx};
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::Printer;

/// Flags of `delete`.
#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// Name of the instance.
    pub name: String,
    /// Also destroy the data: drop the database and its role and remove the filestore
    /// volume (deletionPolicy Delete). Asks you to type the name on a terminal.
    #[arg(long)]
    pub purge: bool,
    /// With --purge: do not ask. Required when not run from a terminal.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Wait until the instance is gone (the operator's cleanup has finished).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (e.g. 90s, 10m) and exit 4.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5m")]
    pub timeout: Duration,
    /// none: delete it; client: only say what would be deleted; server: have the API
    /// server check the change and the deletion without doing them.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: DryRun,
    /// Output format (table: `odoo/NAME deleted`; name: `odoo/NAME`).
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// The data an instance's deletion keeps or destroys, named for the user.
#[derive(Debug, PartialEq, Eq)]
pub struct Data {
    pub database: String,
    pub cluster: Option<String>,
    pub volume: String,
}

impl Data {
    pub fn of(instance: &OdooInstance, namespace: &str) -> Data {
        let name = instance.name_any();
        let database = instance
            .status
            .as_ref()
            .and_then(|s| s.database.clone())
            .or_else(|| instance.spec.database.name.clone())
            .unwrap_or_else(|| names::default_database(namespace, &name));
        Data {
            database,
            cluster: instance.spec.database.cluster.clone(),
            volume: names::filestore_pvc(&name),
        }
    }

    fn database_text(&self) -> String {
        match &self.cluster {
            Some(c) => format!("database {} (cluster {c})", self.database),
            None => format!("database {}", self.database),
        }
    }
}

/// The apply request that sets the deletion policy, or None when it is set already.
pub fn policy_change(instance: &OdooInstance, policy: DeletionPolicy) -> Option<Value> {
    if instance.spec.deletion_policy == policy {
        return None;
    }
    let mut body = change::applied_config(instance);
    change::set(
        &mut body,
        &["spec", "deletionPolicy"],
        serde_json::to_value(policy).unwrap_or_default(),
    );
    Some(body)
}

pub async fn run(ctx: &LazyCtx, args: DeleteArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    let name = &args.name;
    let live = crate::read::get(&api, name, ns).await?;
    let data = Data::of(&live, ns);
    let policy = if args.purge {
        DeletionPolicy::Delete
    } else {
        DeletionPolicy::Retain
    };

    // A dry run destroys nothing, so it needs no confirmation.
    if args.purge && args.dry_run == DryRun::None {
        confirm_purge(printer, &args, &data, ns).await?;
    }
    if live.metadata.deletion_timestamp.is_some() {
        printer.warn(&format!(
            "odoo/{name} is already being deleted; the policy still applies if the operator has not cleaned up yet"
        ));
    }

    // The policy is stored before the deletion: the operator's finalizer reads it.
    let ((), written) = change::apply(&api, ns, name, args.dry_run, |i| {
        Ok(((), policy_change(i, policy)))
    })
    .await?;
    let mut shown = match written {
        Written::Unchanged(i) | Written::Applied(i) => i,
        Written::Preview(_) => live.clone(),
    };
    if live.spec.deletion_policy != policy && args.dry_run == DryRun::None {
        printer.note(&format!(
            "deletionPolicy changed from {:?} to {policy:?}.",
            live.spec.deletion_policy
        ));
    }
    let uid = shown.uid();
    if args.dry_run != DryRun::Client
        && let Some(terminating) = delete(&api, name, ns, uid.clone(), args.dry_run).await?
    {
        shown = terminating;
    }
    crate::commands::write::print_instance(
        printer,
        &shown,
        &change::verb("deleted", args.dry_run),
    )?;
    printer.note(&data_fate(&data, args.purge));
    if args.wait && args.dry_run == DryRun::None {
        wait_for_cleanup(ctx, printer, &api, &args, &data, uid.as_deref()).await?;
    }
    Ok(())
}

/// Asks for the instance's name before `--purge` destroys its data (or, unattended,
/// refuses without `--yes`).
async fn confirm_purge(
    printer: &Printer,
    args: &DeleteArgs,
    data: &Data,
    ns: &str,
) -> Result<(), CliError> {
    let name = &args.name;
    let plan = format!(
        "This deletes odoo/{name} in namespace {ns} and destroys its data:\n  - {} and its role\n  - filestore volume {}\nThis cannot be undone.",
        data.database_text(),
        data.volume
    );
    let unattended = format!(
        "--purge destroys the {} and volume {} of odoo/{name}; confirm by running it from a terminal, or pass --yes",
        data.database_text(),
        data.volume
    );
    confirm(
        printer,
        args.yes,
        &plan,
        "the instance name",
        name,
        unattended,
    )
    .await
}

/// Deletes the object with `uid`; the object as it terminates, when the API
/// server returns it.
async fn delete(
    api: &Api<OdooInstance>,
    name: &str,
    ns: &str,
    uid: Option<String>,
    dry_run: DryRun,
) -> Result<Option<OdooInstance>, CliError> {
    let params = DeleteParams {
        dry_run: dry_run == DryRun::Server,
        // Only the object whose policy was just set, never a newer one of the name.
        preconditions: Some(Preconditions {
            uid,
            resource_version: None,
        }),
        ..Default::default()
    };
    match api.delete(name, &params).await {
        Ok(result) => Ok(result.left()),
        Err(e) if odoo_model::api_error::is_not_found(&e) => {
            Err(crate::read::not_found::<OdooInstance>(name, ns))
        }
        Err(e) => Err(CliError::api(format!("deleting odoo/{name}"))(e)),
    }
}

/// What becomes of the database and the volume.
fn data_fate(data: &Data, purge: bool) -> String {
    if purge {
        format!(
            "The operator drops the {} with its role and removes volume {}.",
            data.database_text(),
            data.volume
        )
    } else {
        format!(
            "The {} and volume {} are kept (deletionPolicy Retain).",
            data.database_text(),
            data.volume
        )
    }
}

/// `--wait`: until the instance is gone and, with `--purge`, its volume too.
async fn wait_for_cleanup(
    ctx: &Ctx,
    printer: &Printer,
    api: &Api<OdooInstance>,
    args: &DeleteArgs,
    data: &Data,
    uid: Option<&str>,
) -> Result<(), CliError> {
    let name = &args.name;
    let started = std::time::Instant::now();
    wait_until_gone(api, name, uid, args.timeout).await?;
    if args.purge {
        // The volume goes last, once no pod (the finished pods of the instance's
        // jobs, which go with them) holds it: a new instance of the name made
        // before that would wait on a claim being deleted.
        let left = args.timeout.saturating_sub(started.elapsed());
        wait_until_claim_gone(
            &ctx.client,
            &ctx.namespace,
            &data.volume,
            left,
            args.timeout,
        )
        .await?;
        printer.note(&format!("odoo/{name} and volume {} are gone.", data.volume));
    } else {
        printer.note(&format!("odoo/{name} is gone."));
    }
    Ok(())
}

/// Polls until the claim `volume` is gone; exit 4 naming the pods that still use
/// it when `timeout` (what is left of the user's `--timeout`) passes first.
async fn wait_until_claim_gone(
    client: &kube::Client,
    ns: &str,
    volume: &str,
    timeout: Duration,
    asked: Duration,
) -> Result<(), CliError> {
    use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    let poll = async {
        while claims
            .get_opt(volume)
            .await
            .map_err(CliError::api(format!(
                "reading persistentvolumeclaim {volume}"
            )))?
            .is_some()
        {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok::<(), CliError>(())
    };
    match tokio::time::timeout(timeout, poll).await {
        Ok(result) => result,
        Err(_) => {
            let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
            let users: Vec<String> = pods
                .list(&Default::default())
                .await
                .map(|l| l.items)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| {
                    p.spec.as_ref().is_some_and(|s| {
                        s.volumes.iter().flatten().any(|v| {
                            v.persistent_volume_claim
                                .as_ref()
                                .is_some_and(|c| c.claim_name == volume)
                        })
                    })
                })
                .map(|p| p.name_any())
                .collect();
            let held = if users.is_empty() {
                String::new()
            } else {
                format!(" (used by pod {})", users.join(", "))
            };
            Err(CliError::Timeout(format!(
                "volume {volume} is still being deleted after {}{held}; a new instance of this name would wait for it",
                short_duration(asked)
            )))
        }
    }
}

/// Polls until the object with `uid` is gone (a new object of the same name counts as
/// gone); exit 4 when `timeout` passes first.
async fn wait_until_gone(
    api: &Api<OdooInstance>,
    name: &str,
    uid: Option<&str>,
    timeout: Duration,
) -> Result<(), CliError> {
    let mut last: Option<OdooInstance> = None;
    let poll = async {
        loop {
            let current = crate::read::read(api, name).await?;
            match current {
                Some(i) if uid.is_none() || i.uid().as_deref() == uid => {
                    last = Some(i);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                _ => return Ok::<(), CliError>(()),
            }
        }
    };
    match tokio::time::timeout(timeout, poll).await {
        Ok(result) => result,
        Err(_) => {
            let why = last
                .as_ref()
                .map(|i| {
                    let finalizers = i.finalizers().join(", ");
                    let message = i.status.as_ref().and_then(|s| s.message.clone());
                    match (finalizers.is_empty(), message) {
                        (false, Some(m)) => format!(" (finalizers: {finalizers}; {m})"),
                        (false, None) => format!(" (finalizers: {finalizers})"),
                        (true, _) => String::new(),
                    }
                })
                .unwrap_or_default();
            Err(CliError::Timeout(format!(
                "odoo/{name} still exists after {}{why}; the operator's cleanup has not finished: see kubectl odoo events {name}",
                short_duration(timeout)
            )))
        }
    }
}

/// `5m`, `90s`, `1h`.
fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::change::tests::created_by_plugin;
    use serde_json::json;

    #[test]
    fn the_policy_is_applied_only_when_it_differs() {
        let retained = created_by_plugin(1);
        assert_eq!(policy_change(&retained, DeletionPolicy::Retain), None);
        let body = policy_change(&retained, DeletionPolicy::Delete).expect("changes");
        assert_eq!(body["spec"]["deletionPolicy"], json!("Delete"));
        assert_eq!(body["spec"]["ingress"]["hosts"], json!(["erp.example.com"]));
    }

    #[test]
    fn the_data_is_named() {
        let data = Data::of(&created_by_plugin(1), "team");
        assert_eq!(data.database, "team_shop");
        assert_eq!(data.volume, "shop-filestore");
        assert_eq!(short_duration(Duration::from_secs(300)), "5m");
        assert_eq!(short_duration(Duration::from_secs(90)), "90s");
    }
}
