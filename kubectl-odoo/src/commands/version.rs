//! `kubectl odoo version`: plugin vs CRD vs operator versions.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ListParams};
use kube::{CustomResourceExt, ResourceExt};
use odoo_model::OdooInstance;
use odoo_model::crds::MODEL_VERSION_ANNOTATION;
use odoo_model::labels::{LEADER_LEASE, OPERATOR_VERSION_ANNOTATION};
use serde::Serialize;

use crate::ctx::{Ctx, LazyCtx};
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, View};

/// Flags of `version`.
#[derive(clap::Args, Debug)]
pub struct VersionArgs {
    /// Print only the plugin's version; do not contact the cluster.
    #[arg(long)]
    pub client: bool,
    /// Output format (table, json or yaml).
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// The versions found.
#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    pub plugin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Where the operator was found when it has no Deployment (it runs outside the
    /// cluster): the holder of its leader Lease.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_holder: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

pub async fn run(ctx: &LazyCtx, args: VersionArgs, printer: &Printer) -> Result<(), CliError> {
    let mut versions = Versions {
        plugin: crate::VERSION.to_owned(),
        ..Default::default()
    };
    if !args.client {
        let ctx = ctx.get().await?;
        versions.crd = crd_version(ctx).await?;
        versions.operator = operator_version(ctx).await?;
        if versions.operator.is_none()
            && let Some((version, holder)) = leader_version(ctx).await
        {
            versions.operator = Some(version);
            versions.operator_holder = Some(holder);
        }
        versions.warnings = skew_warnings(&versions);
    }
    printer.show(&Shown {
        versions: &versions,
        client: args.client,
    })
}

/// The versions as `version` prints them: with `client`, the plugin's alone.
struct Shown<'a> {
    versions: &'a Versions,
    client: bool,
}

impl View for Shown<'_> {
    fn data(&self) -> impl Serialize {
        self.versions
    }

    fn table(&self, _wide: bool, _color: bool) -> String {
        let versions = self.versions;
        let mut text = format!("Plugin:   {}\n", versions.plugin);
        if !self.client {
            text.push_str(&format!(
                "CRDs:     {}\n",
                versions.crd.as_deref().unwrap_or("not installed")
            ));
            let operator = match (&versions.operator, &versions.operator_holder) {
                (Some(v), Some(holder)) => format!("{v} (outside the cluster; leader {holder})"),
                (Some(v), None) => v.clone(),
                (None, _) => "not found".into(),
            };
            text.push_str(&format!("Operator: {operator}\n"));
        }
        text
    }

    fn after_table(&self, printer: &Printer) {
        for w in &self.versions.warnings {
            printer.warn(w);
        }
    }
}

async fn crd_version(ctx: &Ctx) -> Result<Option<String>, CliError> {
    let api: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let crd = api
        .get_opt(OdooInstance::crd_name())
        .await
        .map_err(CliError::api("reading the OdooInstance CRD"))?;
    Ok(crd.map(|crd| {
        crd.annotations()
            .get(MODEL_VERSION_ANNOTATION)
            .cloned()
            .unwrap_or_else(|| "unknown".to_owned())
    }))
}

/// The operator's version from its Deployment's version label, when the operator runs
/// in the cluster (an out-of-cluster operator has no Deployment to find).
async fn operator_version(ctx: &Ctx) -> Result<Option<String>, CliError> {
    let api: Api<Deployment> = Api::all(ctx.client.clone());
    let params = ListParams::default().labels("app.kubernetes.io/name=odoo-operator");
    match api.list_metadata(&params).await {
        Ok(list) => Ok(list.items.into_iter().find_map(|d| {
            d.metadata
                .labels
                .and_then(|l| l.get("app.kubernetes.io/version").cloned())
        })),
        // Users without cluster-wide read on Deployments still get the other versions.
        Err(e) if odoo_model::api_error::is_forbidden(&e) => Ok(None),
        Err(e) => Err(CliError::api("looking for the operator Deployment")(e)),
    }
}

/// The version on the leader Lease of an operator that holds it now, and who
/// holds it (`namespace/holder`): how an operator without a Deployment is found.
/// None when no live Lease can be read (or the user may not list Leases).
async fn leader_version(ctx: &Ctx) -> Option<(String, String)> {
    let api: Api<Lease> = Api::all(ctx.client.clone());
    let params = ListParams::default().fields(&format!("metadata.name={LEADER_LEASE}"));
    let now = k8s_openapi::jiff::Timestamp::now();
    api.list(&params)
        .await
        .ok()?
        .items
        .into_iter()
        .find_map(|lease| {
            let spec = lease.spec.as_ref()?;
            let holder = spec.holder_identity.clone().filter(|h| !h.is_empty())?;
            let renewed = spec.renew_time.as_ref()?.0;
            let secs = i64::from(spec.lease_duration_seconds.unwrap_or(15));
            if now.duration_since(renewed).as_secs() > secs {
                return None;
            }
            let version = lease
                .annotations()
                .get(OPERATOR_VERSION_ANNOTATION)?
                .clone();
            Some((
                version,
                format!("{}/{holder}", lease.namespace().unwrap_or_default()),
            ))
        })
}

fn skew_warnings(v: &Versions) -> Vec<String> {
    let mut warnings = Vec::new();
    match &v.crd {
        None => warnings
            .push("the CRDs are not installed in this cluster; install the chart first".to_owned()),
        Some(crd) if crd != &v.plugin => warnings.push(format!(
            "plugin {} and CRDs {crd} differ; upgrade the older one so fields are not lost",
            v.plugin
        )),
        Some(_) => {}
    }
    if let Some(op) = v.operator.as_ref().filter(|op| *op != &v.plugin) {
        warnings.push(format!("plugin {} and operator {op} differ", v.plugin));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_is_reported_only_when_versions_differ() {
        let same = Versions {
            plugin: "1.0.0".into(),
            crd: Some("1.0.0".into()),
            ..Default::default()
        };
        assert!(skew_warnings(&same).is_empty());
        let old_crd = Versions {
            plugin: "1.1.0".into(),
            crd: Some("1.0.0".into()),
            ..Default::default()
        };
        assert_eq!(skew_warnings(&old_crd).len(), 1);
        let missing = Versions {
            plugin: "1.1.0".into(),
            ..Default::default()
        };
        assert!(skew_warnings(&missing)[0].contains("not installed"));
    }
}
