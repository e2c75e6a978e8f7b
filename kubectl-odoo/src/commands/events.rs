//! `kubectl odoo events NAME`: the Kubernetes events of an instance and its children,
//! oldest first (newest last, next to the prompt).
//!
//! Events are listed per object name with a field selector (`involvedObject.name=…`),
//! for the instance, its fixed-name children and the pods, ReplicaSets and Jobs that
//! carry its label, never as a namespace-wide list. An event counts only when its
//! object's kind matches too, so a ConfigMap that happens to share a name stays out.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, ListParams};
use kube::{Client, ResourceExt};
use odoo_model::labels::instance_selector;
use odoo_model::{OdooInstance, names};
use serde::de::DeserializeOwned;

use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::list::{self, Columns};
use crate::output::{Printer, age};

/// Flags of `events`.
#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// Name of the instance.
    pub name: String,
    /// Only events of these types, comma-separated: Normal, Warning.
    #[arg(long, value_enum, value_delimiter = ',', ignore_case = true)]
    pub types: Vec<EventType>,
    /// Output format (wide adds COUNT and FROM).
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Event types, spelled as Kubernetes does.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    #[value(name = "Normal")]
    Normal,
    #[value(name = "Warning")]
    Warning,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// An object whose events belong to the instance.
pub type Involved = (&'static str, String);

/// The instance and the children the operator names after it (kind, name).
pub fn fixed_objects(instance: &str, tls_secret: Option<&str>) -> BTreeSet<Involved> {
    let tls = tls_secret.map_or_else(|| names::tls_secret(instance), str::to_owned);
    BTreeSet::from([
        ("OdooInstance", instance.to_owned()),
        ("Service", names::service(instance)),
        ("Ingress", names::ingress(instance)),
        ("Deployment", names::web_deployment(instance)),
        ("Deployment", names::cron_deployment(instance)),
        ("Secret", names::config_secret(instance)),
        ("Secret", names::db_secret(instance)),
        ("Secret", names::admin_secret(instance)),
        ("Secret", tls.clone()),
        // cert-manager names the Certificate after the Secret it fills.
        ("Certificate", tls),
        ("PersistentVolumeClaim", names::filestore_pvc(instance)),
        ("OdooInitJob", format!("{instance}-init")),
        ("Job", format!("{instance}-init-job")),
    ])
}

/// Whether `event` is about one of `objects` and of a wanted type.
pub fn belongs(event: &Event, objects: &BTreeSet<Involved>, types: &[EventType]) -> bool {
    let o = &event.involved_object;
    let about = match (o.kind.as_deref(), o.name.as_deref()) {
        (Some(kind), Some(name)) => objects
            .iter()
            .any(|(k, n)| *k == kind && n.as_str() == name),
        _ => false,
    };
    about
        && (types.is_empty()
            || types
                .iter()
                .any(|t| event.type_.as_deref() == Some(t.as_str())))
}

/// When the event last happened, as `kubectl events` reads it.
pub fn last_seen(e: &Event) -> Option<Time> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref().map(|t| Time(t.0)))
        .or_else(|| e.last_timestamp.clone())
        .or_else(|| e.event_time.as_ref().map(|t| Time(t.0)))
        .or_else(|| e.first_timestamp.clone())
        .or_else(|| e.metadata.creation_timestamp.clone())
}

/// Oldest first, so the newest event is printed last.
pub fn sort(events: &mut [Event]) {
    events.sort_by(|a, b| {
        last_seen(a)
            .map(|t| t.0)
            .cmp(&last_seen(b).map(|t| t.0))
            .then_with(|| a.metadata.name.cmp(&b.metadata.name))
    });
}

/// One table row.
pub fn row(e: &Event, wide: bool) -> Vec<String> {
    let o = &e.involved_object;
    let mut row = vec![
        age(last_seen(e).as_ref()),
        e.type_.clone().unwrap_or_else(|| "-".into()),
        e.reason.clone().unwrap_or_else(|| "-".into()),
        format!(
            "{}/{}",
            o.kind.as_deref().unwrap_or("-"),
            o.name.as_deref().unwrap_or("-")
        ),
        e.message
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    ];
    if wide {
        let count = e
            .series
            .as_ref()
            .and_then(|s| s.count)
            .or(e.count)
            .unwrap_or(1);
        let from = e
            .reporting_component
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| e.source.as_ref().and_then(|s| s.component.clone()))
            .unwrap_or_else(|| "-".into());
        row.extend([count.to_string(), from]);
    }
    row
}

pub async fn run(ctx: &LazyCtx, args: EventsArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = &ctx.namespace;
    let name = &args.name;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    let instance = crate::read::read(&instances, name).await?;
    let tls_secret = instance
        .as_ref()
        .and_then(|i| i.spec.ingress.as_ref())
        .and_then(|i| i.tls_secret_name.clone());
    let mut objects = fixed_objects(name, tls_secret.as_deref());
    if instance.is_some() {
        let selector = instance_selector(name);
        objects.extend(labelled::<Pod>(&ctx.client, ns, "Pod", &selector).await?);
        objects.extend(labelled::<ReplicaSet>(&ctx.client, ns, "ReplicaSet", &selector).await?);
        objects.extend(labelled::<Job>(&ctx.client, ns, "Job", &selector).await?);
    }
    let mut events = events_of(&ctx.client, ns, &objects, &args.types).await?;
    if instance.is_none() {
        if events.is_empty() {
            return Err(crate::read::not_found::<OdooInstance>(name, ns));
        }
        printer.warn(&format!(
            "odoo/{name} not found in namespace {ns}; showing the events left by an earlier instance of that name"
        ));
    }
    sort(&mut events);
    list::print(
        printer,
        &COLUMNS,
        &events,
        false,
        &format!("No events found for odoo/{name} in namespace {ns}."),
    )
}

/// How events show in a list (oldest first: the caller sorts them).
const COLUMNS: Columns<Event> = Columns {
    kind: "event",
    header: &["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    wide: &["COUNT", "FROM"],
    row,
};

/// Names of the instance's children of kind `K`, found by its label. Without the
/// right to list them, their events are left out rather than failing the command.
async fn labelled<K>(
    client: &Client,
    ns: &str,
    kind: &'static str,
    selector: &str,
) -> Result<Vec<Involved>, CliError>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    <K as kube::Resource>::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    match api
        .list_metadata(&ListParams::default().labels(selector))
        .await
    {
        Ok(list) => Ok(list.items.iter().map(|o| (kind, o.name_any())).collect()),
        Err(e) if odoo_model::api_error::is_forbidden(&e) => Ok(Vec::new()),
        Err(e) => Err(CliError::api(format!(
            "listing the {kind}s of the instance"
        ))(e)),
    }
}

/// The events of `objects`: one list per distinct name, filtered by the server on
/// the name (and a single type), then on the kind here. The lists run concurrently.
async fn events_of(
    client: &Client,
    ns: &str,
    objects: &BTreeSet<Involved>,
    types: &[EventType],
) -> Result<Vec<Event>, CliError> {
    let api: Api<Event> = Api::namespaced(client.clone(), ns);
    let names: BTreeSet<&String> = objects.iter().map(|(_, n)| n).collect();
    let type_filter = match types {
        [only] => format!(",type={}", only.as_str()),
        _ => String::new(),
    };
    let mut lists = tokio::task::JoinSet::new();
    for name in names {
        let api = api.clone();
        let fields = format!("involvedObject.name={name}{type_filter}");
        lists.spawn(async move {
            api.list(&ListParams::default().fields(&fields))
                .await
                .map_err(CliError::api("listing events"))
        });
    }
    let mut found = BTreeMap::new();
    while let Some(list) = lists.join_next().await {
        let list = list.map_err(|e| CliError::Failed(format!("listing events: {e}")))??;
        for e in list.items {
            if belongs(&e, objects, types) {
                found.insert(e.uid().unwrap_or_else(|| e.name_any()), e);
            }
        }
    }
    Ok(found.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, name: &str, type_: &str, seen: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("{name}.{seen}"), "namespace": "team"},
            "involvedObject": {"kind": kind, "name": name, "namespace": "team"},
            "type": type_,
            "reason": "Test",
            "message": "line one\nline two",
            "lastTimestamp": seen,
        }))
        .expect("valid event")
    }

    #[test]
    fn only_the_instance_and_its_children_count() {
        let objects = fixed_objects("shop", None);
        let normal = |kind, name| event(kind, name, "Normal", "2025-01-01T00:00:00Z");
        for (kind, name, counts) in [
            ("OdooInstance", "shop", true),
            ("Deployment", "shop-web", true),
            // Same name, other kind; other name.
            ("ConfigMap", "shop", false),
            ("Deployment", "blog-web", false),
        ] {
            assert_eq!(
                belongs(&normal(kind, name), &objects, &[]),
                counts,
                "{kind}/{name}"
            );
        }
        // With types asked for, only those.
        let instance = normal("OdooInstance", "shop");
        assert!(!belongs(&instance, &objects, &[EventType::Warning]));
    }

    #[test]
    fn newest_last_and_one_line_messages() {
        let mut events = vec![
            event("OdooInstance", "shop", "Normal", "2025-01-02T00:00:00Z"),
            event("OdooInstance", "shop", "Warning", "2025-01-01T00:00:00Z"),
        ];
        sort(&mut events);
        assert_eq!(events[0].type_.as_deref(), Some("Warning"));
        let r = row(&events[1], true);
        assert_eq!(
            &r[1..],
            [
                "Normal",
                "Test",
                "OdooInstance/shop",
                "line one line two",
                "1",
                "-"
            ]
        );
    }
}
