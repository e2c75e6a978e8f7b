//! What the commands that write share: `--dry-run`, server-side apply with the
//! plugin's field manager, how a written resource is printed, and submitting a job
//! resource to follow it.

use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use odoo_model::OdooInstance;
use odoo_model::labels::PLUGIN_FIELD_MANAGER;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, View, without_managed_fields};
use crate::watch::followed::Followed;

/// `--dry-run` values, as with kubectl.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

/// The flags of a command that writes. Each command names what it writes in the
/// help of `--dry-run` and `-o` (with [`WriteHelp`]), so the help reads as before.
#[derive(clap::Args, Debug, Clone)]
pub struct WriteFlags {
    /// Asks nothing; accepted as on the commands that do ask, so a script can pass
    /// --yes to every command that changes something.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// none: write it; client: print it without sending it; server: have the API
    /// server validate it without storing it.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: DryRun,
    /// Output format of the written object.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// What a command that writes says of its write flags. Used as clap's raw method
/// attributes on the command's flags, which clap calls on the `Command` once the
/// flags are added: `#[command(write_help(DRY_RUN, OUTPUT), wait_flags_last())]`.
pub trait WriteHelp {
    /// The help of `--dry-run` and `-o`, naming what the command writes.
    fn write_help(self, dry_run: &'static str, output: &'static str) -> Self;

    /// After [`WriteHelp::write_help`] on flags that flatten `WaitArgs` after the
    /// write flags: `mut_arg` moves an argument last, so `--wait` and `--timeout`
    /// are moved after the write flags again to keep the order.
    fn wait_flags_last(self) -> Self;
}

impl WriteHelp for clap::Command {
    fn write_help(self, dry_run: &'static str, output: &'static str) -> Self {
        self.mut_arg("dry_run", |a| a.help(dry_run))
            .mut_arg("output", |a| a.help(output))
    }

    fn wait_flags_last(self) -> Self {
        self.mut_arg("wait", |a| a).mut_arg("timeout", |a| a)
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
    printer.show(&AfterWrite {
        id,
        verb,
        data: without_managed_fields(object),
    })
}

/// What a write printed: `ID VERB` as a table, `ID` as a name, the object written
/// (or the body that would be) as data.
pub struct AfterWrite<'a, T> {
    /// `KIND/NAME`.
    pub id: String,
    pub verb: &'a str,
    pub data: T,
}

impl<T: Serialize> View for AfterWrite<'_, T> {
    fn data(&self) -> impl Serialize {
        &self.data
    }

    fn table(&self, _wide: bool, _color: bool) -> String {
        format!("{} {}\n", self.id, self.verb)
    }

    fn names(&self) -> Option<String> {
        Some(format!("{}\n", self.id))
    }
}

/// Sends a new job resource (nothing with `--dry-run=client`), prints it, and with
/// `wait` follows it to its end through the watch engine.
pub async fn submit<K>(
    ctx: &Ctx,
    printer: &Printer,
    mut object: K,
    dry_run: DryRun,
    wait: Option<std::time::Duration>,
) -> Result<(), CliError>
where
    K: Followed + Serialize,
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
    crate::watch::job::follow::<K>(
        &ctx.client,
        &ctx.namespace,
        &created.name_any(),
        timeout,
        printer,
        &created.follow_again(&ctx.namespace),
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
    printer.show(&AfterWrite {
        id: format!("odoo/{}", instance.name_any()),
        verb,
        data: without_managed_fields(instance),
    })
}
