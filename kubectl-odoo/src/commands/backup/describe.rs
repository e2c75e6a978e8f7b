//! `kubectl odoo backup describe JOB`: everything a backup recorded, and its events.

use k8s_openapi::api::core::v1::Event;
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use odoo_model::OdooBackupJob;
use serde::Serialize;

use crate::commands::backup::destination::describe_destination;
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, View, age, size};

/// Flags of `backup describe`.
#[derive(clap::Args, Debug)]
pub struct DescribeArgs {
    /// Name of the OdooBackupJob.
    pub name: String,
    /// Output format: table (the description), json or yaml (the resource and its
    /// events).
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// The resource and its events, as `-o json|yaml` prints them.
#[derive(Serialize)]
struct Described {
    backup: OdooBackupJob,
    events: Vec<EventLine>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventLine {
    type_: String,
    reason: String,
    age: String,
    message: String,
}

pub async fn run(ctx: &LazyCtx, args: DescribeArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let mut backup = crate::read::get(&api, &args.name, ns).await?;
    backup.metadata.managed_fields = None;
    let events: Api<Event> = Api::namespaced(ctx.client.clone(), ns);
    let mut found = events
        .list(&ListParams::default().fields(&format!(
            "involvedObject.name={},involvedObject.kind=OdooBackupJob",
            args.name
        )))
        .await
        .map_err(CliError::api("listing events"))?
        .items;
    found.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    let events = found
        .iter()
        .map(|e| EventLine {
            type_: e.type_.clone().unwrap_or_default(),
            reason: e.reason.clone().unwrap_or_default(),
            age: age(e.last_timestamp.as_ref()),
            message: e.message.clone().unwrap_or_default(),
        })
        .collect();
    printer.show(&Described { backup, events })
}

impl View for Described {
    fn data(&self) -> impl Serialize {
        self
    }

    fn table(&self, _wide: bool, _color: bool) -> String {
        text(self)
    }
}

fn text(d: &Described) -> String {
    let b = &d.backup;
    let s = b.status.clone().unwrap_or_default();
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let time = |t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
        t.map(|t| t.0.to_string()).unwrap_or_else(|| "-".into())
    };
    let fields = [
        ("Name", b.name_any()),
        ("Namespace", b.namespace().unwrap_or_default()),
        ("Instance", b.spec.instance_ref.name.clone()),
        ("Phase", crate::commands::backup::list::phase(b)),
        ("Message", or_dash(s.job.message.clone())),
        ("Format", format!("{:?}", b.spec.backup.format)),
        ("Filestore", b.spec.backup.with_filestore.to_string()),
        (
            "Destination",
            describe_destination(&b.spec.backup.destination),
        ),
        (
            "Location",
            or_dash(s.location.as_ref().map(ToString::to_string)),
        ),
        (
            "Size",
            s.size_bytes
                .map(|n| format!("{} ({n} bytes)", size(n)))
                .unwrap_or_else(|| "-".into()),
        ),
        ("SHA-256", or_dash(s.sha256.clone())),
        ("Odoo", or_dash(s.odoo_version.clone())),
        ("PostgreSQL", or_dash(s.pg_version.clone())),
        ("Started", time(s.job.start_time.as_ref())),
        ("Completed", time(s.job.completion_time.as_ref())),
        (
            "Duration",
            s.duration_seconds
                .map(|d| format!("{d}s"))
                .unwrap_or_else(|| "-".into()),
        ),
        ("Job", or_dash(s.job.job_name.clone())),
        ("Age", age(b.creation_timestamp().as_ref())),
    ];
    let mut out: String = fields
        .iter()
        .map(|(k, v)| format!("{:<12} {v}\n", format!("{k}:")))
        .collect();
    out.push_str("Events:");
    if d.events.is_empty() {
        out.push_str("      <none>\n");
    } else {
        out.push('\n');
        out.push_str(&crate::output::table(
            &["  TYPE", "REASON", "AGE", "MESSAGE"],
            d.events.iter().map(|e| {
                vec![
                    format!("  {}", e.type_),
                    e.reason.clone(),
                    e.age.clone(),
                    e.message.clone(),
                ]
            }),
        ));
    }
    out
}
