//! `kubectl odoo backup delete JOB [--yes]`: deletes a backup resource after
//! confirmation. The archive stays in storage: nothing deletes archives yet (a
//! schedule's retention deletes its resources only), so the command names it.

use kube::api::{Api, DeleteParams};
use odoo_model::OdooBackupJob;

use crate::confirm::confirm;
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::output::Printer;

/// Flags of `backup delete`.
#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// Name of the OdooBackupJob.
    pub name: String,
    /// Do not ask for confirmation (required when no one can answer a prompt).
    #[arg(short = 'y', long)]
    pub yes: bool,
}

pub async fn run(ctx: &LazyCtx, args: DeleteArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let name = &args.name;
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let backup = super::describe::get(&api, name, ns).await?;
    let location = backup
        .status
        .and_then(|s| s.location)
        .unwrap_or_else(|| "(none recorded)".into());
    let plan = format!(
        "This deletes odoobackupjob/{name} in namespace {ns}.\nIts archive {location} stays in storage, but restores by this name will no longer find it."
    );
    confirm(
        printer,
        args.yes,
        &plan, "the backup name",
        name,
        format!("deleting odoobackupjob/{name} needs confirmation: run it from a terminal, or pass --yes"),
    )
    .await?;
    api.delete(name, &DeleteParams::default())
        .await
        .map_err(CliError::api(format!("deleting odoobackupjob/{name}")))?;
    printer.out(&format!(
        "odoobackupjob/{name} deleted; its archive {location} is still in storage\n"
    ))
}
