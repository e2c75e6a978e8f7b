//! `kubectl odoo list`: the instances of a namespace (or all), as a table or data.

use kube::api::{Api, ListParams};
use odoo_model::OdooInstance;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::Printer;

/// Flags of `list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// List instances in every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Only instances matching this label selector.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

pub async fn run(global: &GlobalArgs, args: ListArgs) -> Result<(), CliError> {
    let ctx = Ctx::resolve(global).await?;
    let api: Api<OdooInstance> = if args.all_namespaces {
        Api::all(ctx.client.clone())
    } else {
        Api::namespaced(ctx.client.clone(), &ctx.namespace)
    };
    let mut params = ListParams::default();
    if let Some(s) = &args.selector {
        params = params.labels(s);
    }
    let list = api
        .list(&params)
        .await
        .map_err(CliError::api("listing OdooInstances"))?;
    let printer = Printer::new(args.output, global.color);
    crate::commands::print_instances(&printer, &list.items, args.all_namespaces)
}
