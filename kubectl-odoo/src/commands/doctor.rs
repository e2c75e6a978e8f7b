//! `kubectl odoo doctor`: checks that the pieces the plugin relies on are in place —
//! the CRDs (and their model version against the plugin's), the user's RBAC for the
//! plugin's verbs (SelfSubjectAccessReview), the operator's Deployment and version,
//! the pg-clusters Secret (cluster names only; no secret value is ever printed).
//! Each check passes or fails with a hint; exit 0 when all pass, 1 otherwise.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::ResourceExt;
use kube::api::{Api, ListParams, PostParams};
use odoo_model::crds::MODEL_VERSION_ANNOTATION;
use serde::Serialize;

use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, View};

/// Flags of `doctor`.
#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// Namespace of the operator and its pg-clusters Secret.
    #[arg(long, default_value = "odoo-operator", value_name = "NAMESPACE")]
    pub operator_namespace: String,
    /// Output format: table (✓/✗ lines) or json/yaml.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// One check's outcome.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

fn check(name: impl Into<String>, ok: bool, detail: impl Into<String>, hint: &str) -> Check {
    Check {
        name: name.into(),
        ok,
        detail: detail.into(),
        hint: if ok { String::new() } else { hint.to_owned() },
    }
}

/// The project's API group.
const GROUP: &str = odoo_model::API_GROUP;

/// What the plugin's commands need in the namespace, written as a Role's rules are:
/// (API group, resources, verbs); each verb on each resource is asked for. A
/// server-side apply is a patch, and a create as well when the object is new; a
/// watch begins with a list. The project's rules are granted by the chart's `-edit`
/// ClusterRole (a test checks it), the others by the built-in `edit` role.
const NEEDED: &[(&str, &[&str], &[&str])] = &[
    // Read by nearly every command; listed by list, completion and -l; watched by
    // status --watch and --wait; applied (create, patch) by create and restore
    // --into; applied by stop, start, scale and delete (the deletion policy);
    // deleted by delete.
    (
        GROUP,
        &["odooinstances"],
        &["get", "list", "watch", "create", "patch", "delete"],
    ),
    // The other kinds, read: status (an instance's jobs), logs --job, report (all
    // that name the instance), backup list, describe, download and delete, restore
    // --from-backup and --latest-of, and the destination backup create, backup
    // schedule and restore --from-file take from a backup or a schedule.
    (
        GROUP,
        &[
            "odooinitjobs",
            "odooupgradejobs",
            "odoobackupjobs",
            "odoorestorejobs",
            "odoobackupschedules",
            "odooclustermigrations",
        ],
        &["get", "list"],
    ),
    // Applied new by upgrade, backup create, restore and migrate-cluster, and by
    // backup schedule (which also updates one); backup delete patches a backup's
    // annotation asking for its archive's deletion, or calling it off.
    (
        GROUP,
        &[
            "odooupgradejobs",
            "odoobackupjobs",
            "odoorestorejobs",
            "odooclustermigrations",
            "odoobackupschedules",
        ],
        &["create", "patch"],
    ),
    // Followed to their end by --wait of upgrade, backup create, restore and
    // migrate-cluster; backup delete waits for the backup to go.
    (
        GROUP,
        &[
            "odooupgradejobs",
            "odoobackupjobs",
            "odoorestorejobs",
            "odooclustermigrations",
        ],
        &["watch"],
    ),
    // backup delete.
    (GROUP, &["odoobackupjobs"], &["delete"]),
    // Pods: status (web addresses, a running job's log), logs, report, --wait's log
    // tail; events lists them for theirs; delete --purge --wait names those holding
    // the volume. Their logs: logs, report, status and --wait.
    ("", &["pods"], &["list"]),
    ("", &["pods/log"], &["get"]),
    // Events: status, events, backup describe and delete, report; status --watch
    // and --wait watch the instance's. Read only, as the built-in edit role grants.
    ("", &["events"], &["list", "watch"]),
    // The instance's Deployments: status and report; status --watch watches them.
    ("apps", &["deployments"], &["list", "watch"]),
    // The instance's ReplicaSets and Jobs, for events; the Jobs for status and report.
    ("apps", &["replicasets"], &["list"]),
    ("batch", &["jobs"], &["list"]),
    // The filestore claim: status, delete --purge --wait; report lists the
    // instance's claims.
    ("", &["persistentvolumeclaims"], &["get", "list"]),
    // S3 credentials: backup download, backup list and orphans --from-s3, restore
    // --from-file and --from-s3 --latest-of; report lists the instance's Secrets
    // (values redacted).
    ("", &["secrets"], &["get", "list"]),
    // The rest of the instance's children, for report.
    ("", &["configmaps", "services"], &["list"]),
    ("networking.k8s.io", &["ingresses"], &["list"]),
];

pub async fn run(ctx: &LazyCtx, args: DoctorArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let mut checks = crds(ctx).await?;
    checks.extend(rbac(ctx).await?);
    let (operator, operator_ns) = operator(ctx, &args.operator_namespace).await?;
    checks.push(operator);
    checks.push(pg_clusters(ctx, &operator_ns).await?);
    printer.show(checks.as_slice())?;
    let failed = checks.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} checks failed",
            checks.len()
        )));
    }
    Ok(())
}

impl View for [Check] {
    fn data(&self) -> impl Serialize {
        self
    }

    fn table(&self, _wide: bool, color: bool) -> String {
        let mark = |ok: bool| {
            let (style, text) = if ok {
                (console::Style::new().green(), "✓")
            } else {
                (console::Style::new().red(), "✗")
            };
            style.force_styling(color).apply_to(text).to_string()
        };
        let mut text = String::new();
        for c in self {
            text.push_str(&format!("{} {}: {}\n", mark(c.ok), c.name, c.detail));
            if !c.hint.is_empty() {
                text.push_str(&format!("    fix: {}\n", c.hint));
            }
        }
        text
    }
}

async fn crds(ctx: &Ctx) -> Result<Vec<Check>, CliError> {
    let api: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let mut checks = Vec::new();
    for crd in odoo_model::crds::all() {
        let name = crd.name_any();
        let found = match api.get_opt(&name).await {
            Ok(found) => found,
            Err(e) if odoo_model::api_error::is_forbidden(&e) => {
                checks.push(check(format!("CRD {name}"), false, "cannot read CRDs (forbidden)",
                    "ask an administrator for get on customresourcedefinitions, or run doctor as one"));
                continue;
            }
            Err(e) => return Err(CliError::api(format!("reading CRD {name}"))(e)),
        };
        checks.push(match found {
            None => check(
                format!("CRD {name}"),
                false,
                "not installed",
                "install the operator's Helm chart (it ships the CRDs)",
            ),
            Some(live) => {
                let version = live
                    .annotations()
                    .get(MODEL_VERSION_ANNOTATION)
                    .cloned()
                    .unwrap_or_else(|| "unknown".into());
                check(
                    format!("CRD {name}"),
                    version == odoo_model::MODEL_VERSION,
                    format!("version {version} (plugin {})", odoo_model::MODEL_VERSION),
                    "upgrade the chart's CRDs or the plugin so their versions match",
                )
            }
        });
    }
    Ok(checks)
}

/// Every (group, resource, verb) of [`NEEDED`], in its order: what the plugin's
/// commands need in a namespace.
pub fn asked() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    NEEDED.iter().flat_map(|&(group, resources, verbs)| {
        let on = move |&resource| verbs.iter().map(move |&verb| (group, resource, verb));
        resources.iter().flat_map(on)
    })
}

/// Whether the user may `verb` the `resource` (`pods/log`: a subresource) of
/// `group` in `namespace`, as a SelfSubjectAccessReview answers.
async fn allowed(
    api: &Api<SelfSubjectAccessReview>,
    namespace: &str,
    (group, resource, verb): (&str, &str, &str),
) -> Result<bool, CliError> {
    let (resource, subresource) = match resource.split_once('/') {
        Some((r, s)) => (r, Some(s.to_owned())),
        None => (resource, None),
    };
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(namespace.into()),
                verb: Some(verb.into()),
                resource: Some(resource.into()),
                subresource,
                group: Some(group.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(CliError::api("asking the API server what you may do"))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// The denied questions by resource, in the order first asked, as
/// `get/list/watch odooinstances`: one item a resource, however many rules name it.
fn denied<'a>(questions: impl Iterator<Item = (&'a str, &'a str, &'a str)>) -> Vec<String> {
    let mut by_resource: Vec<(&str, Vec<&str>)> = Vec::new();
    for (_, resource, verb) in questions {
        match by_resource.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, verbs)) => verbs.push(verb),
            None => by_resource.push((resource, vec![verb])),
        }
    }
    by_resource
        .into_iter()
        .map(|(resource, verbs)| format!("{} {resource}", verbs.join("/")))
        .collect()
}

async fn rbac(ctx: &Ctx) -> Result<Vec<Check>, CliError> {
    let api: Api<SelfSubjectAccessReview> = Api::all(ctx.client.clone());
    // Some fifty questions of one round trip each: a few at a time.
    let answers: Vec<bool> = futures::stream::iter(asked())
        .map(|question| allowed(&api, &ctx.namespace, question))
        .buffered(8)
        .try_collect()
        .await?;
    let denied = denied(
        asked()
            .zip(answers)
            .filter(|(_, allowed)| !allowed)
            .map(|(q, _)| q),
    );
    Ok(vec![check(
        format!("RBAC in namespace {}", ctx.namespace),
        denied.is_empty(),
        if denied.is_empty() {
            "every verb the plugin uses is allowed".to_owned()
        } else {
            format!("denied: {}", denied.join(", "))
        },
        "ask for the built-in edit role in this namespace (a RoleBinding to the ClusterRole edit): the chart adds the project's kinds to edit and admin",
    )])
}

/// The operator's Deployment (by label, in any namespace) and the namespace it runs
/// in (for the pg-clusters Secret).
async fn operator(ctx: &Ctx, default_ns: &str) -> Result<(Check, String), CliError> {
    let api: Api<Deployment> = Api::all(ctx.client.clone());
    let params = ListParams::default().labels("app.kubernetes.io/name=odoo-operator");
    let list = match api.list(&params).await {
        Ok(list) => list.items,
        Err(e) if odoo_model::api_error::is_forbidden(&e) => {
            return Ok((
                check(
                    "operator",
                    false,
                    "cannot list Deployments cluster-wide (forbidden)",
                    "ask an administrator, or check the operator with kubectl -n odoo-operator get deploy",
                ),
                default_ns.to_owned(),
            ));
        }
        Err(e) => return Err(CliError::api("looking for the operator Deployment")(e)),
    };
    let Some(d) = list.first() else {
        return Ok((
            check(
                "operator",
                false,
                "no Deployment labelled app.kubernetes.io/name=odoo-operator",
                "install the operator's Helm chart",
            ),
            default_ns.to_owned(),
        ));
    };
    let ns = d.namespace().unwrap_or_else(|| default_ns.to_owned());
    let ready = d
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let version = d
        .labels()
        .get("app.kubernetes.io/version")
        .cloned()
        .unwrap_or_else(|| "unknown".into());
    Ok((
        check(
            "operator",
            ready > 0,
            format!("{ns}/{} version {version}, {ready} ready", d.name_any()),
            "look at its pods: kubectl -n <namespace> describe deploy -l app.kubernetes.io/name=odoo-operator",
        ),
        ns,
    ))
}

/// Cluster names from the Secret's clusters.yaml, and whether one is the default.
pub fn cluster_names(yaml: &str) -> Result<(Vec<String>, Option<String>), String> {
    let clusters: BTreeMap<String, serde_json::Value> =
        serde_norway::from_str(yaml).map_err(|e| format!("clusters.yaml does not parse: {e}"))?;
    let default = clusters
        .iter()
        .find(|(_, c)| c.get("default").and_then(serde_json::Value::as_bool) == Some(true))
        .map(|(n, _)| n.clone());
    Ok((clusters.into_keys().collect(), default))
}

async fn pg_clusters(ctx: &Ctx, ns: &str) -> Result<Check, CliError> {
    let name = format!("pg-clusters Secret {ns}/pg-clusters");
    let hint = "create it with a clusters.yaml key listing the PostgreSQL clusters (see the chart's README)";
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), ns);
    let secret = match api.get_opt("pg-clusters").await {
        Ok(s) => s,
        Err(e) if odoo_model::api_error::is_forbidden(&e) => {
            return Ok(check(
                name,
                false,
                "cannot read it (forbidden)",
                "run doctor as a user who may read Secrets in the operator's namespace",
            ));
        }
        Err(e) => return Err(CliError::api("reading the pg-clusters Secret")(e)),
    };
    let Some(secret) = secret else {
        return Ok(check(name, false, "missing", hint));
    };
    let yaml = secret
        .data
        .as_ref()
        .and_then(|d| d.get("clusters.yaml"))
        .map(|v| String::from_utf8_lossy(&v.0).into_owned());
    let Some(yaml) = yaml else {
        return Ok(check(name, false, "has no clusters.yaml key", hint));
    };
    Ok(match cluster_names(&yaml) {
        Ok((names, Some(default))) if !names.is_empty() => check(
            name,
            true,
            format!("clusters {} (default {default})", names.join(", ")),
            hint,
        ),
        Ok((names, _)) => check(
            name,
            false,
            format!(
                "clusters [{}] but none is marked default: true",
                names.join(", ")
            ),
            "mark one cluster default: true",
        ),
        Err(e) => check(name, false, e, hint),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names_and_the_default_are_read_without_values() {
        let (names, default) =
            cluster_names("main:\n  host: pg\n  default: true\nold:\n  host: pg-old\n")
                .expect("parses");
        assert_eq!(names, ["main", "old"]);
        assert_eq!(default.as_deref(), Some("main"));
        assert!(cluster_names("- not a map").is_err());
    }

    #[test]
    fn denied_verbs_are_said_once_a_resource_in_the_order_asked() {
        let questions = [
            (GROUP, "odooinstances", "get"),
            (GROUP, "odoobackupjobs", "get"),
            (GROUP, "odooinstances", "create"),
            ("", "pods/log", "get"),
            (GROUP, "odoobackupjobs", "delete"),
        ];
        assert_eq!(
            denied(questions.into_iter()),
            [
                "get/create odooinstances",
                "get/delete odoobackupjobs",
                "get pods/log"
            ]
        );
    }
}
