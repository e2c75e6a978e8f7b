//! The instance's children: built from the resolved instance alone (pure, so the
//! benchmark's floor builds exactly the same objects), then applied with
//! server-side apply, skipping what the caches show unchanged.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;

use super::decide::Workloads;
use super::effects::Passwords;
use kube::ResourceExt;

use crate::build;
use crate::runtime::caches;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// Every object the instance keeps in place, in the order they are applied.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    /// odoo.conf.
    pub config: Secret,
    pub filestore: PersistentVolumeClaim,
    pub service: Service,
    pub ingress: Option<Ingress>,
    /// What web and cron are built from, when the phase manages them.
    workloads: Option<Serving<'a>>,
}

/// The Deployments' inputs: they are built where they are applied
/// ([`Children::deployments`]). Built with the others, a pass held them through all
/// its other requests: at a thousand new instances they were a twentieth of the
/// operator's heap.
#[derive(Debug, Clone)]
struct Serving<'a> {
    valid: &'a ValidInstance,
    workloads: &'a Workloads,
    /// odoo.conf's hash: pods roll when it changes, as it is in their template.
    conf_hash: String,
}

impl Children<'_> {
    /// Web and cron, when the phase manages them.
    pub fn deployments(&self) -> Option<[Deployment; 2]> {
        let s = self.workloads.as_ref()?;
        Some([
            build::deployment::web(s.valid, s.workloads, &s.conf_hash),
            build::deployment::cron(s.valid, s.workloads, &s.conf_hash),
        ])
    }
}

/// The children of `valid` with its passwords and, when the phase manages them,
/// the Deployments' replicas and image.
pub fn children<'a>(
    valid: &'a ValidInstance,
    db_password: &str,
    admin_password: &str,
    workloads: Option<&'a Workloads>,
) -> Children<'a> {
    let conf = build::odoo_conf::render(valid, db_password, admin_password);
    let workloads = workloads.map(|workloads| Serving {
        valid,
        workloads,
        conf_hash: build::odoo_conf::hash(&conf),
    });
    Children {
        config: build::config_secret::config_secret(valid, &conf),
        filestore: build::pvc::filestore_pvc(valid),
        service: build::service::service(valid),
        ingress: build::ingress::ingress(valid),
        workloads,
    }
}

/// The children the phase keeps, built once for the pass; `None` when it keeps none
/// (the master password was read only then).
pub fn desired<'a>(
    valid: Option<&'a ValidInstance>,
    passwords: Option<&Passwords>,
    workloads: Option<&'a Workloads>,
) -> Option<Children<'a>> {
    match (valid, passwords) {
        (
            Some(valid),
            Some(Passwords {
                db,
                admin: Some(admin),
            }),
        ) => Some(children(valid, db, admin, workloads)),
        _ => None,
    }
}

/// What a job of the instance mounts: odoo.conf and the filestore claim. Applied
/// before the pass's one-shot action, so a job it creates finds them.
pub async fn apply_inputs(ctx: &Context, desired: Option<&Children<'_>>) -> Result<(), Error> {
    let Some(desired) = desired else {
        return Ok(());
    };
    let c = &ctx.caches;
    apply(ctx, &c.secrets, &desired.config).await?;
    apply(ctx, &c.pvcs, &desired.filestore).await?;
    Ok(())
}

/// What serves: the Deployments when the phase manages them, then the Service and
/// the Ingress when the phase serves (`serving`). The Deployments first: a new
/// Service waits for its cluster IP, and the pods need not.
pub async fn apply_serving(
    ctx: &Context,
    desired: Option<&Children<'_>>,
    workloads: Option<&Workloads>,
    serving: bool,
) -> Result<(), Error> {
    let Some(desired) = desired else {
        return Ok(());
    };
    let c = &ctx.caches;
    // Held at zero replicas (before the first start, while stopped, restored or
    // migrated): a Deployment that does not exist yet is not made just to run
    // nothing. It is made once, at the replicas it serves with.
    let down = workloads.is_some_and(|w| w.web_replicas == 0 && w.cron_replicas == 0);
    // Boxed, as is each apply: this future is held through the requests.
    let deployments = desired.deployments().map(Box::new);
    for deployment in deployments.iter().flat_map(|d| d.iter()) {
        let missing = || {
            caches::get(
                &c.deployments,
                deployment.metadata.namespace.as_deref().unwrap_or_default(),
                deployment.metadata.name.as_deref().unwrap_or_default(),
            )
            .is_none()
        };
        if down && c.ready() && missing() {
            continue;
        }
        Box::pin(apply(ctx, &c.deployments, deployment)).await?;
    }
    if serving {
        apply(ctx, &c.services, &desired.service).await?;
        if let Some(ingress) = &desired.ingress {
            apply(ctx, &c.ingresses, ingress).await?;
        }
    }
    Ok(())
}

/// Applies a child the instance controller watches: compared with the cached
/// view of it when the caches are ready, with a fresh read otherwise.
async fn apply<K, V>(
    ctx: &Context,
    store: &kube::runtime::reflector::Store<V>,
    desired: &K,
) -> Result<bool, crate::apply::ApplyError>
where
    K: crate::apply::Object,
    V: crate::runtime::live::AsJson + kube::Resource<DynamicType = ()> + Clone + 'static,
{
    if !ctx.caches.ready() {
        return crate::apply::apply(&ctx.client, desired).await;
    }
    let name = desired.name_any();
    let live = caches::get(store, &desired.namespace().unwrap_or_default(), &name)
        .map(|live| live.to_value())
        .transpose()
        .map_err(|source| crate::apply::ApplyError::Serialize {
            kind: crate::apply::kind_of::<K>(),
            name,
            source,
        })?;
    crate::apply::apply_over_json(&ctx.client, desired, live.as_ref()).await
}
