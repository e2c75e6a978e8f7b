//! `kubectl odoo backup delete JOB [--keep-archive] [--yes]`: deletes a backup and
//! its archive after confirmation. The operator deletes the archive (and its
//! digest) before the resource goes; the command waits for that and says what was
//! removed and how many bytes were freed. A held backup, or one a restore in
//! progress reads, is refused with the reason.

use std::time::Duration;

use k8s_openapi::api::core::v1::Event;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::wait::{await_condition, conditions};
use odoo_model::backup_use::backups_in_use;
use odoo_model::{OdooBackupJob, OdooRestoreJob, Reason};

use crate::confirm::confirm;
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::output::Printer;

/// Flags of `backup delete`.
#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// Name of the OdooBackupJob.
    pub name: String,
    /// Keep the archive in storage; delete the resource only.
    #[arg(long)]
    pub keep_archive: bool,
    /// Do not ask for confirmation (required when no one can answer a prompt).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// How long to wait for the operator to delete the archive (e.g. 5m, 90s).
    #[arg(long, default_value = "5m", value_name = "DURATION", value_parser = crate::duration::parse_duration)]
    pub timeout: Duration,
}

pub async fn run(ctx: &LazyCtx, args: DeleteArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let name = &args.name;
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let backup = crate::read::get(&api, name, ns).await?;
    if backup.metadata.deletion_timestamp.is_some() {
        let events: Api<Event> = Api::namespaced(ctx.client.clone(), ns);
        return already_deleting(&api, &events, &backup, &args, printer).await;
    }
    let status = backup.status.clone().unwrap_or_default();
    let stored =
        (status.location.as_ref().map(ToString::to_string)).filter(|_| status.sha256.is_some());
    let with_archive = stored.is_some() && !args.keep_archive;
    if with_archive {
        refuse_if_kept(&ctx.client, ns, &backup).await?;
    }
    if backup.spec.hold {
        return Err(CliError::Precondition(format!(
            "odoobackupjob/{name} is held (spec.hold: true): release it first with kubectl patch odoobackupjob {name} -n {ns} --type merge -p '{{\"spec\":{{\"hold\":false}}}}'"
        )));
    }
    let size = status.size_bytes.unwrap_or(0);
    confirm(
        printer,
        args.yes,
        &plan(name, ns, stored.as_deref(), with_archive, size),
        "the backup name",
        name,
        format!("deleting odoobackupjob/{name} needs confirmation: run it from a terminal, or pass --yes"),
    )
    .await?;
    if with_archive && !backup.archive_deletion_requested() {
        let asked = api
            .patch(
                name,
                &PatchParams::default(),
                &Patch::Merge(backup.archive_deletion_request()),
            )
            .await;
        match asked {
            Ok(_) => {}
            // Changed meanwhile: most likely its schedule's retention is deleting
            // it with its archive right now. Follow that, whatever it is.
            Err(e) if odoo_model::api_error::is_conflict(&e) => {
                return changed_meanwhile(ctx, &api, &args, printer).await;
            }
            Err(e) => {
                return Err(CliError::api(format!(
                    "asking the operator to delete the archive of odoobackupjob/{name}"
                ))(e));
            }
        }
    }
    api.delete(name, &DeleteParams::default())
        .await
        .map_err(CliError::api(format!("deleting odoobackupjob/{name}")))?;
    let Some(location) = stored else {
        return printer.out(&format!("odoobackupjob/{name} deleted\n"));
    };
    if !with_archive {
        return printer.out(&format!(
            "odoobackupjob/{name} deleted; its archive {location} is still in storage\n"
        ));
    }
    let events: Api<Event> = Api::namespaced(ctx.client.clone(), ns);
    let said = archive_gone(&api, &events, &backup, &location, args.timeout, printer).await?;
    printer.out(&format!("{said}\nodoobackupjob/{name} deleted\n"))
}

/// What the deletion removes, for the confirmation. Pure.
fn plan(name: &str, ns: &str, stored: Option<&str>, with_archive: bool, size: i64) -> String {
    match (stored, with_archive) {
        (Some(location), true) => format!(
            "This deletes odoobackupjob/{name} in namespace {ns} and its archive {location} ({}).",
            crate::output::size(size)
        ),
        (Some(location), false) => format!(
            "This deletes odoobackupjob/{name} in namespace {ns}.\nIts archive {location} stays in storage (--keep-archive), but restores by this name will no longer find it."
        ),
        (None, _) => {
            format!("This deletes odoobackupjob/{name} in namespace {ns} (it stored no archive).")
        }
    }
}

/// The backup changed between reading it and asking for its archive's deletion:
/// follows a deletion under way, else asks to run the command again.
async fn changed_meanwhile(
    ctx: &Ctx,
    api: &Api<OdooBackupJob>,
    args: &DeleteArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let (name, ns) = (&args.name, &ctx.namespace);
    let now = crate::read::get(api, name, ns).await?;
    let events: Api<Event> = Api::namespaced(ctx.client.clone(), ns);
    if now.metadata.deletion_timestamp.is_some() {
        return already_deleting(api, &events, &now, args, printer).await;
    }
    Err(CliError::Failed(format!(
        "odoobackupjob/{name} changed while it was being deleted; run the command again"
    )))
}

/// A backup being deleted already: waits for it, or, with `--keep-archive`, calls
/// off the deletion of its archive (the way out of a deletion that cannot finish,
/// such as an archive that is not the backup's own).
async fn already_deleting(
    api: &Api<OdooBackupJob>,
    events: &Api<Event>,
    backup: &OdooBackupJob,
    args: &DeleteArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let name = &args.name;
    let location = backup
        .status
        .as_ref()
        .and_then(|s| s.location.as_ref().map(ToString::to_string));
    if args.keep_archive && backup.archive_deletion_requested() {
        let keep = serde_json::json!({ "metadata": { "annotations": {
            odoo_model::labels::DELETE_ARCHIVE_ANNOTATION: "false",
        }}});
        api.patch(name, &PatchParams::default(), &Patch::Merge(keep))
            .await
            .map_err(CliError::api(format!(
                "calling off the archive deletion of odoobackupjob/{name}"
            )))?;
        wait_deleted(api, events, backup, args.timeout).await?;
        return printer.out(&format!(
            "odoobackupjob/{name} deleted; its archive {} is still in storage\n",
            location.unwrap_or_default()
        ));
    }
    printer.note(&format!("odoobackupjob/{name} is being deleted already"));
    match location.filter(|_| backup.archive_deletion_requested()) {
        Some(location) => {
            let said = archive_gone(api, events, backup, &location, args.timeout, printer).await?;
            printer.out(&format!("{said}\nodoobackupjob/{name} deleted\n"))
        }
        None => {
            wait_deleted(api, events, backup, args.timeout).await?;
            printer.out(&format!("odoobackupjob/{name} deleted\n"))
        }
    }
}

/// Waits until the operator deleted the archive and let the backup go; what its
/// `ArchiveDeleted` event says.
async fn archive_gone(
    api: &Api<OdooBackupJob>,
    events: &Api<Event>,
    backup: &OdooBackupJob,
    location: &str,
    timeout: Duration,
    printer: &Printer,
) -> Result<String, CliError> {
    printer.note(&format!(
        "waiting for the operator to delete {location} (up to {}s)",
        timeout.as_secs()
    ));
    wait_deleted(api, events, backup, timeout).await?;
    let uid = backup.uid().unwrap_or_default();
    Ok(newest_note(events, &uid, Reason::ArchiveDeleted)
        .await
        .unwrap_or_else(|| format!("deleted {location}")))
}

/// Waits until the backup is gone; on timeout, says what the operator last
/// reported about its archive.
async fn wait_deleted(
    api: &Api<OdooBackupJob>,
    events: &Api<Event>,
    backup: &OdooBackupJob,
    timeout: Duration,
) -> Result<(), CliError> {
    let name = backup.name_any();
    let uid = backup.uid().unwrap_or_default();
    let gone = await_condition(api.clone(), &name, conditions::is_deleted(&uid));
    match tokio::time::timeout(timeout, gone).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(CliError::Failed(format!(
            "watching odoobackupjob/{name}: {e}"
        ))),
        Err(_) => {
            let mut why = String::new();
            for reason in [Reason::ArchiveDeleteFailed, Reason::ArchiveDeletionWaiting] {
                if let Some(note) = newest_note(events, &uid, reason).await {
                    why = format!(": {note}");
                    break;
                }
            }
            Err(CliError::Timeout(format!(
                "odoobackupjob/{name} is still there after {}s: the operator has not deleted its archive yet{why}; the backup goes once it has (kubectl odoo backup delete {name} --keep-archive calls the archive's deletion off)",
                timeout.as_secs()
            )))
        }
    }
}

/// Refuses a backup whose archive must stay: one a restore in progress reads.
async fn refuse_if_kept(
    client: &kube::Client,
    ns: &str,
    backup: &OdooBackupJob,
) -> Result<(), CliError> {
    let restores = Api::<OdooRestoreJob>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing the namespace's restores"))?
        .items;
    let backups = Api::<OdooBackupJob>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing the namespace's backups"))?
        .items;
    let name = backup.name_any();
    match backups_in_use(&restores, &backups)
        .into_iter()
        .find(|u| u.backup == name)
    {
        Some(used) => Err(CliError::Precondition(format!(
            "odoobackupjob/{name} is read by OdooRestoreJob {}, which is not finished: delete it once the restore is done",
            used.restore
        ))),
        None => Ok(()),
    }
}

/// The newest note of the events `reason` about the object `uid`.
async fn newest_note(events: &Api<Event>, uid: &str, reason: Reason) -> Option<String> {
    let selector = format!("involvedObject.uid={uid},reason={reason}");
    let list = events
        .list(&ListParams::default().fields(&selector))
        .await
        .ok()?;
    list.items
        .into_iter()
        .max_by_key(|e| {
            let series = e
                .series
                .as_ref()
                .and_then(|s| s.last_observed_time.as_ref());
            (series.map(|t| t.0), e.event_time.as_ref().map(|t| t.0))
        })
        .and_then(|e| e.message)
}
