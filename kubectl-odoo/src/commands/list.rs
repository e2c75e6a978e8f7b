//! `kubectl odoo list`: the instances of a namespace (or all), as a table or data.

use kube::ResourceExt;
use odoo_model::OdooInstance;

use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::list::{self, Columns};
use crate::output::{Printer, age};

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

pub async fn run(ctx: &LazyCtx, args: ListArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let selection = crate::fleet::Selection {
        selector: args.selector,
        all_namespaces: args.all_namespaces,
        max_parallel: None,
    };
    let items = selection.list(ctx).await?;
    print(printer, &items, args.all_namespaces)
}

/// How instances show in a list.
const COLUMNS: Columns<OdooInstance> = Columns {
    kind: "odoo",
    header: &[
        "NAME",
        "PHASE",
        "VERSION",
        "READY",
        "URL",
        "LAST BACKUP",
        "AGE",
    ],
    wide: &["IMAGE", "CLUSTER", "LAST VERIFIED"],
    row,
};

/// Instances as a table, names, or a List object; `namespaces` when they come from
/// several.
pub fn print(printer: &Printer, items: &[OdooInstance], namespaces: bool) -> Result<(), CliError> {
    list::print(
        printer,
        &COLUMNS,
        items,
        namespaces,
        "No Odoo instances found.",
    )
}

fn row(i: &OdooInstance, wide: bool) -> Vec<String> {
    let status = i.status.clone().unwrap_or_default();
    let mut row = vec![
        i.name_any(),
        status
            .phase
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into()),
        status.odoo_version.unwrap_or_else(|| "-".into()),
        status.ready.unwrap_or_else(|| "-".into()),
        status.url.unwrap_or_else(|| "-".into()),
        // How long ago: what a platform team scans the list for.
        age(status.last_backup.as_ref().map(|b| &b.completion_time)),
        age(i.creation_timestamp().as_ref()),
    ];
    if wide {
        row.push(i.spec.image.clone().unwrap_or_else(|| "-".into()));
        row.push(
            i.spec
                .database
                .cluster
                .clone()
                .unwrap_or_else(|| "-".into()),
        );
        row.push(age(status
            .last_verified_backup
            .as_ref()
            .map(|b| &b.completion_time)));
    }
    row
}
