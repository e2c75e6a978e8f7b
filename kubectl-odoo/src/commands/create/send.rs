//! Sending the instance `create` built, after asking when it may.

use std::path::PathBuf;

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use odoo_model::OdooInstance;
use odoo_model::labels::PLUGIN_FIELD_MANAGER;

use crate::commands::create::args::{CreateArgs, build};
use crate::commands::create::guided;
use crate::commands::write::DryRun;
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::output::Printer;

fn read_file(path: &PathBuf) -> Result<OdooInstance, CliError> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("reading {}: {e}", path.display())))?
    };
    serde_norway::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not an OdooInstance: {e}", path.display())))
}

pub async fn run(ctx: &LazyCtx, mut args: CreateArgs, printer: &Printer) -> Result<(), CliError> {
    if guided::can_ask(&args) {
        let ctx = ctx.get().await?;
        guided::ask(ctx, &mut args).await?;
        let instance = build(&args, None)?;
        guided::confirm_object(printer, &instance, &args, &ctx.namespace)?;
        return send(ctx, printer, instance, &args).await;
    }
    let from_file = args.file.as_ref().map(read_file).transpose()?;
    let instance = build(&args, from_file)?;
    if args.write.dry_run == DryRun::Client {
        return crate::commands::write::print_instance(printer, &instance, "created (dry run)");
    }
    send(ctx.get().await?, printer, instance, &args).await
}

/// Creates `instance` (refusing to overwrite one of the same name) and, with
/// --wait, follows it until it settles.
async fn send(
    ctx: &Ctx,
    printer: &Printer,
    mut instance: OdooInstance,
    args: &CreateArgs,
) -> Result<(), CliError> {
    instance.metadata.namespace = Some(ctx.namespace.clone());
    let name = instance.name_any();
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    if api
        .get_opt(&name)
        .await
        .map_err(CliError::api(format!("reading odoo/{name}")))?
        .is_some()
    {
        return Err(CliError::Usage(format!(
            "odoo/{name} already exists in namespace {}; change it with kubectl odoo scale/upgrade, or delete it first",
            ctx.namespace
        )));
    }
    let mut params = PatchParams::apply(PLUGIN_FIELD_MANAGER);
    params.dry_run = args.write.dry_run == DryRun::Server;
    // Server-side apply with our own field manager: later edits by other managers
    // (the operator's defaults, kubectl) merge instead of being overwritten.
    let created = api
        .patch(&name, &params, &Patch::Apply(&instance))
        .await
        .map_err(CliError::api(format!("creating odoo/{name}")))?;
    let verb = if params.dry_run {
        "created (server dry run)"
    } else {
        "created"
    };
    crate::commands::write::print_instance(printer, &created, verb)?;
    // Without initialization the instance settles Uninitialized, not Running.
    let target = if created.spec.replicas == 0 || !created.spec.init.enabled {
        "terminal"
    } else {
        "ready"
    };
    crate::commands::wait::after_write(ctx, printer, &args.wait, args.write.dry_run, &name, target)
        .await
}
