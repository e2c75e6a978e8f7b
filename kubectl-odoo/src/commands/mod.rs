//! One module per command; each exposes its `Args` and `run`.

pub mod backup;
pub mod change;
pub mod completion;
pub mod create;
pub mod delete;
pub mod doctor;
pub mod events;
pub mod guided;
pub mod list;
pub mod logs;
pub mod migrate;
pub mod report;
pub mod restore;
pub mod scale;
pub mod start;
pub mod status;
pub mod stop;
pub mod upgrade;
pub mod version;
pub mod wait;

use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use odoo_model::OdooInstance;
use odoo_model::labels::PLUGIN_FIELD_MANAGER;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cli::{Command, OutputFormat};
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::output::Printer;

/// `--dry-run` values, as with kubectl.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

/// Runs the chosen command with the invocation's context (resolved by the first
/// command step that reaches the cluster) and its one printer.
pub async fn dispatch(ctx: &LazyCtx, command: Command, printer: &Printer) -> Result<(), CliError> {
    match command {
        Command::Version(args) => version::run(ctx, args, printer).await,
        Command::Create(args) => create::run(ctx, args, printer).await,
        Command::List(args) => list::run(ctx, args, printer).await,
        Command::Status(args) => status::run(ctx, args, printer).await,
        Command::Completion(args) => completion::run(args, printer),
        Command::Stop(args) => stop::run(ctx, args, printer).await,
        Command::Start(args) => start::run(ctx, args, printer).await,
        Command::Scale(args) => scale::run(ctx, args, printer).await,
        Command::Delete(args) => delete::run(ctx, args, printer).await,
        Command::Events(args) => events::run(ctx, args, printer).await,
        Command::Upgrade(args) => upgrade::run(ctx, args, printer).await,
        Command::Backup(args) => backup::run(ctx, args, printer).await,
        Command::Restore(args) => restore::run(ctx, args, printer).await,
        Command::MigrateCluster(args) => migrate::run(ctx, args, printer).await,
        Command::Logs(args) => logs::run(ctx, args, printer).await,
        Command::Doctor(args) => doctor::run(ctx, args, printer).await,
        Command::Report(args) => report::run(ctx, args, printer).await,
    }
}

/// Creates or updates `object` by server-side apply with the plugin's field manager;
/// `--dry-run=server` has the API server default and validate it without storing.
/// `DryRun::Client` must be handled by the caller (nothing is sent).
pub async fn apply<K>(
    client: &kube::Client,
    namespace: &str,
    object: &K,
    dry_run: DryRun,
) -> Result<K, CliError>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Serialize
        + DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let name = object.name_any();
    let mut params = PatchParams::apply(PLUGIN_FIELD_MANAGER).force();
    params.dry_run = dry_run == DryRun::Server;
    api.patch(&name, &params, &Patch::Apply(object))
        .await
        .map_err(CliError::api(format!(
            "applying {}/{name}",
            K::kind(&()).to_lowercase()
        )))
}

/// One resource after a write: `KIND/NAME VERB`, its name, or the object as data
/// (without managed fields, like kubectl).
pub fn print_resource<K>(printer: &Printer, object: &K, verb: &str) -> Result<(), CliError>
where
    K: Resource<DynamicType = ()> + Clone + Serialize,
{
    let id = format!("{}/{}", K::kind(&()).to_lowercase(), object.name_any());
    if printer.fleet {
        printer.note(&format!("{id} {verb}"));
        return Ok(());
    }
    match printer.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            let mut shown = object.clone();
            shown.meta_mut().managed_fields = None;
            printer.structured(&shown)
        }
        OutputFormat::Name => printer.out(&format!("{id}\n")),
        _ => printer.out(&format!("{id} {verb}\n")),
    }
}

/// Sends a new job resource (nothing with `--dry-run=client`), prints it, and with
/// `wait` follows it to its end through the watch engine. `resume` says how to follow
/// it again after Ctrl-C or a timeout; `{name}` stands for the resource's name.
pub async fn submit<K>(
    ctx: &crate::ctx::Ctx,
    printer: &Printer,
    mut object: K,
    dry_run: DryRun,
    wait: Option<std::time::Duration>,
    resume: &str,
) -> Result<(), CliError>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Serialize
        + DeserializeOwned
        + std::fmt::Debug,
{
    if dry_run == DryRun::Client {
        return print_resource(printer, &object, "created (dry run)");
    }
    object.meta_mut().namespace = Some(ctx.namespace.clone());
    let created = apply(&ctx.client, &ctx.namespace, &object, dry_run).await?;
    if dry_run == DryRun::Server {
        return print_resource(printer, &created, "created (server dry run)");
    }
    print_resource(printer, &created, "created")?;
    let Some(timeout) = wait else {
        return Ok(());
    };
    let name = created.name_any();
    crate::watch::job::follow(
        &ctx.client,
        &ctx.namespace,
        &kube::api::ApiResource::erase::<K>(&()),
        &name,
        timeout,
        printer,
        &resume.replace("{name}", &name),
    )
    .await
}

/// A timestamp for generated resource names: `20260101120000`.
pub fn name_stamp(now: k8s_openapi::jiff::Timestamp) -> String {
    now.strftime("%Y%m%d%H%M%S").to_string()
}

/// One instance after a write: `odoo/NAME VERB`, or the object as data.
pub fn print_instance(
    printer: &Printer,
    instance: &OdooInstance,
    verb: &str,
) -> Result<(), CliError> {
    match printer.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            // Like kubectl, managed fields are noise unless asked for.
            let mut shown = instance.clone();
            shown.metadata.managed_fields = None;
            printer.structured(&shown)
        }
        OutputFormat::Name => printer.out(&format!("odoo/{}\n", instance.name_any())),
        _ => printer.out(&format!("odoo/{} {verb}\n", instance.name_any())),
    }
}
