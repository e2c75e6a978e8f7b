//! `kubectl odoo report NAME [FILE.zip] [--no-redact]`: a support bundle — the
//! instance, its children (by label), its job resources, events, the logs of its
//! pods and jobs, and the operator's last log lines — in one zip. Secret values are
//! replaced by `REDACTED` (keys kept) unless `--no-redact`.

use std::io::Write;
use std::path::PathBuf;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Event, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, LogParams};
use kube::{Resource, ResourceExt};
use odoo_model::OdooInstance;
use odoo_model::labels::instance_selector;
use serde_json::Value;

use crate::commands::output_file::{FileHelp, OutputFile};
use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::output::{Printer, size};

/// Flags of `report`.
#[derive(clap::Args, Debug)]
#[command(file_help(
    "FILE.zip",
    "Zip file to write (default: odoo-report-NAME-TIMESTAMP.zip)",
    "The zip file to write, as a flag (the same as FILE.zip)"
))]
pub struct ReportArgs {
    /// Name of the instance.
    pub name: String,
    #[command(flatten)]
    pub file: OutputFile,
    /// Keep Secret values (they are replaced by REDACTED by default).
    #[arg(long)]
    pub no_redact: bool,
    /// Namespace of the operator, whose logs are included.
    #[arg(long, default_value = "odoo-operator", value_name = "NAMESPACE")]
    pub operator_namespace: String,
    /// Log lines per pod.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub log_lines: i64,
}

/// An object as the bundle stores it: no managed fields, Secret values redacted.
pub fn clean(mut object: Value, redact: bool) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    if redact && object.get("kind").and_then(Value::as_str) == Some("Secret") {
        for field in ["data", "stringData"] {
            if let Some(map) = object.get_mut(field).and_then(Value::as_object_mut) {
                for v in map.values_mut() {
                    *v = Value::String("REDACTED".into());
                }
            }
        }
        if let Some(ann) = object
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    object
}

/// The report being written.
struct Bundle {
    zip: zip::ZipWriter<std::fs::File>,
    /// Whether Secret values are replaced (see [`clean`]).
    redact: bool,
    /// The objects it holds, whose events it adds.
    names: Vec<String>,
}

impl Bundle {
    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), CliError> {
        let options = zip::write::SimpleFileOptions::default();
        self.zip
            .start_file(name, options)
            .map_err(|e| CliError::Failed(format!("writing {name} into the report: {e}")))?;
        self.zip.write_all(bytes)?;
        Ok(())
    }

    fn add_yaml(&mut self, name: &str, value: &Value) -> Result<(), CliError> {
        let text = serde_norway::to_string(value).map_err(|e| CliError::Failed(e.to_string()))?;
        self.add(name, text.as_bytes())
    }
}

/// Every object of `resource` in the namespace matching `params`, cleaned.
async fn objects(
    ctx: &Ctx,
    resource: &ApiResource,
    params: &ListParams,
    redact: bool,
) -> Result<Vec<(String, Value)>, CliError> {
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.client.clone(), &ctx.namespace, resource);
    let list = api
        .list(params)
        .await
        .map_err(CliError::api(format!("listing {}", resource.plural)))?;
    list.items
        .into_iter()
        .map(|mut o| {
            o.types = Some(kube::api::TypeMeta {
                api_version: resource.api_version.clone(),
                kind: resource.kind.clone(),
            });
            let name = o.name_any();
            let value = serde_json::to_value(&o).map_err(|e| CliError::Failed(e.to_string()))?;
            Ok((name, clean(value, redact)))
        })
        .collect()
}

async fn logs(ctx: &Ctx, namespace: &str, selector: &str, lines: i64) -> Vec<(String, String)> {
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), namespace);
    let Ok(list) = pods.list(&ListParams::default().labels(selector)).await else {
        return Vec::new();
    };
    let params = LogParams {
        tail_lines: Some(lines),
        ..Default::default()
    };
    let mut out = Vec::new();
    for pod in list.items {
        let name = pod.name_any();
        let text = pods
            .logs(&name, &params)
            .await
            .unwrap_or_else(|e| format!("(log not available: {})", crate::error::describe(&e)));
        out.push((name, text));
    }
    out
}

/// The zip to write: the argument, the flag, or a name with the instance and time.
fn report_path(args: &ReportArgs, stamp: &str) -> PathBuf {
    let default = || PathBuf::from(format!("odoo-report-{}-{stamp}.zip", args.name));
    args.file.path_or_else(default)
}

pub async fn run(ctx: &LazyCtx, args: ReportArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = ctx.namespace.clone();
    let redact = !args.no_redact;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    let instance = crate::read::get(&instances, &args.name, &ns).await?;
    let stamp = crate::commands::write::name_stamp(k8s_openapi::jiff::Timestamp::now());
    let path = report_path(&args, &stamp);
    let file = std::fs::File::create(&path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let mut bundle = Bundle {
        zip: zip::ZipWriter::new(file),
        redact,
        names: vec![args.name.clone()],
    };
    let mut instance_value =
        serde_json::to_value(&instance).map_err(|e| CliError::Failed(e.to_string()))?;
    instance_value = clean(instance_value, redact);
    bundle.add_yaml("instance.yaml", &instance_value)?;

    add_children(ctx, &mut bundle, &args.name).await?;
    add_jobs(ctx, &mut bundle, &args.name).await?;
    add_events(ctx, &mut bundle).await?;
    add_logs(ctx, &mut bundle, &args).await?;
    bundle
        .zip
        .finish()
        .map_err(|e| CliError::Failed(format!("finishing {}: {e}", path.display())))?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    printer.out(&format!("{} ({})\n", path.display(), size(bytes as i64)))?;
    if !redact {
        printer.warn("the report contains Secret values; share it with care");
    }
    Ok(())
}

/// The instance's children, found by its label.
async fn add_children(ctx: &Ctx, bundle: &mut Bundle, instance: &str) -> Result<(), CliError> {
    let children = [
        ApiResource::erase::<Deployment>(&()),
        ApiResource::erase::<Service>(&()),
        ApiResource::erase::<Ingress>(&()),
        ApiResource::erase::<PersistentVolumeClaim>(&()),
        ApiResource::erase::<ConfigMap>(&()),
        ApiResource::erase::<Secret>(&()),
        ApiResource::erase::<Job>(&()),
        ApiResource::erase::<Pod>(&()),
    ];
    let by_label = ListParams::default().labels(&instance_selector(instance));
    add_objects(ctx, bundle, "children", &children, &by_label, |_| true).await
}

/// The job resources and schedules, which name the instance in their spec (they
/// carry no label of it): the project's kinds but the instance, as its CRDs list
/// them, so a kind added to the model is in the bundle too.
fn job_resources() -> Vec<ApiResource> {
    let resource = |crd: &CustomResourceDefinition| {
        let version = crd.spec.versions.iter().find(|v| v.storage)?;
        let names = &crd.spec.names;
        let gvk = GroupVersionKind::gvk(&crd.spec.group, &version.name, &names.kind);
        Some(ApiResource::from_gvk_with_plural(&gvk, &names.plural))
    };
    odoo_model::crds::all()
        .iter()
        .filter(|crd| crd.spec.names.kind != OdooInstance::kind(&()))
        .filter_map(resource)
        .collect()
}

/// Those of [`job_resources`] that name the instance.
async fn add_jobs(ctx: &Ctx, bundle: &mut Bundle, instance: &str) -> Result<(), CliError> {
    let jobs = job_resources();
    let names_instance =
        |v: &Value| v.pointer("/spec/instanceRef/name").and_then(Value::as_str) == Some(instance);
    add_objects(
        ctx,
        bundle,
        "jobs",
        &jobs,
        &ListParams::default(),
        names_instance,
    )
    .await
}

/// The objects of `resources` matching `params` that `keep` keeps, as
/// `FOLDER/PLURAL/NAME.yaml`; the bundle then adds their events too.
async fn add_objects(
    ctx: &Ctx,
    bundle: &mut Bundle,
    folder: &str,
    resources: &[ApiResource],
    params: &ListParams,
    keep: impl Fn(&Value) -> bool,
) -> Result<(), CliError> {
    for resource in resources {
        for (name, value) in objects(ctx, resource, params, bundle.redact).await? {
            if keep(&value) {
                let plural = &resource.plural;
                bundle.add_yaml(&format!("{folder}/{plural}/{name}.yaml"), &value)?;
                bundle.names.push(name);
            }
        }
    }
    Ok(())
}

/// One event as `events.txt` lists it.
fn event_line(event: Event) -> String {
    format!(
        "{} {} {}/{} {}: {}\n",
        event
            .last_timestamp
            .as_ref()
            .map(|t| t.0.to_string())
            .unwrap_or_default(),
        event.type_.unwrap_or_default(),
        event.involved_object.kind.unwrap_or_default(),
        event.involved_object.name.unwrap_or_default(),
        event.reason.unwrap_or_default(),
        event.message.unwrap_or_default()
    )
}

/// The events of everything collected.
async fn add_events(ctx: &Ctx, bundle: &mut Bundle) -> Result<(), CliError> {
    let events: Api<Event> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    let lines: String = events
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing events"))?
        .items
        .into_iter()
        .filter(|e| {
            e.involved_object
                .name
                .as_ref()
                .is_some_and(|n| bundle.names.contains(n))
        })
        .map(event_line)
        .collect();
    bundle.add("events.txt", lines.as_bytes())
}

/// Logs: the instance's pods (jobs' pods carry the label too), then the operator's.
async fn add_logs(ctx: &Ctx, bundle: &mut Bundle, args: &ReportArgs) -> Result<(), CliError> {
    let ns = &ctx.namespace;
    for (pod, text) in logs(ctx, ns, &instance_selector(&args.name), args.log_lines).await {
        bundle.add(&format!("logs/{pod}.log"), text.as_bytes())?;
    }
    for (pod, text) in logs(
        ctx,
        &args.operator_namespace,
        "app.kubernetes.io/name=odoo-operator",
        args.log_lines,
    )
    .await
    {
        bundle.add(&format!("operator/{pod}.log"), text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_values_are_redacted_and_keys_kept() {
        let secret = json!({"kind": "Secret", "metadata": {"name": "s", "managedFields": []},
            "data": {"password": "c2VjcmV0"}});
        let cleaned = clean(secret.clone(), true);
        assert_eq!(cleaned["data"]["password"], "REDACTED");
        assert!(cleaned["metadata"].get("managedFields").is_none());
        assert_eq!(clean(secret, false)["data"]["password"], "c2VjcmV0");
    }

    #[test]
    fn every_job_kind_and_the_schedules_are_collected() {
        let jobs = job_resources();
        let plurals: Vec<&str> = jobs.iter().map(|r| r.plural.as_str()).collect();
        assert_eq!(
            plurals,
            [
                "odooinitjobs",
                "odooupgradejobs",
                "odoobackupjobs",
                "odoorestorejobs",
                "odoobackupschedules",
                "odooclustermigrations"
            ]
        );
        // As the API server serves them (group, version, kind).
        assert_eq!(jobs[0], ApiResource::erase::<odoo_model::OdooInitJob>(&()));
    }
}
