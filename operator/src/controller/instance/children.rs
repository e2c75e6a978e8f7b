//! The instance's children: built from the resolved instance alone (pure, so the
//! benchmark's floor builds exactly the same objects), then applied with
//! server-side apply, skipping what the caches show unchanged.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;

use super::decide::Workloads;
use super::effects::Passwords;
use crate::build;
use crate::controller::error::Error;
use crate::controller::{Context, caches};
use crate::validate::ValidInstance;

/// Every object the instance keeps in place, in the order they are applied.
#[derive(Debug, Clone)]
pub struct Children {
    /// odoo.conf.
    pub config: Secret,
    pub filestore: PersistentVolumeClaim,
    pub service: Service,
    pub ingress: Option<Ingress>,
    /// Web and cron, when the phase manages them.
    pub deployments: Option<[Deployment; 2]>,
}

/// The children of `valid` with its passwords and, when the phase manages them,
/// the Deployments' replicas and image.
pub fn children(
    valid: &ValidInstance,
    db_password: &str,
    admin_password: &str,
    workloads: Option<&Workloads>,
) -> Children {
    let conf = build::odoo_conf::render(valid, db_password, admin_password);
    // Pods roll when odoo.conf changes: its hash is in their template.
    let hash = build::odoo_conf::hash(&conf);
    let deployments = workloads.map(|w| {
        let mut v = valid.clone();
        v.replicas = w.web_replicas;
        v.cron_replicas = w.cron_replicas;
        v.image = w.image.clone();
        [
            build::deployment::web(&v, &hash),
            build::deployment::cron(&v, &hash),
        ]
    });
    Children {
        config: build::config_secret::config_secret(valid, &conf),
        filestore: build::pvc::filestore_pvc(valid),
        service: build::service::service(valid),
        ingress: build::ingress::ingress(valid),
        deployments,
    }
}

/// The children the phase keeps, built once for the pass; `None` when it keeps none
/// (the master password was read only then).
pub fn desired(
    valid: Option<&ValidInstance>,
    passwords: Option<&Passwords>,
    workloads: Option<&Workloads>,
) -> Option<Children> {
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
pub async fn apply_inputs(ctx: &Context, desired: Option<&Children>) -> Result<(), Error> {
    let Some(desired) = desired else {
        return Ok(());
    };
    let c = &ctx.caches;
    caches::apply(ctx, &c.secrets, &desired.config).await?;
    caches::apply(ctx, &c.pvcs, &desired.filestore).await?;
    Ok(())
}

/// What serves: the Deployments when the phase manages them, then the Service and
/// the Ingress when the phase serves (`serving`). The Deployments first: a new
/// Service waits for its cluster IP, and the pods need not.
pub async fn apply_serving(
    ctx: &Context,
    desired: Option<&Children>,
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
    for deployment in desired.deployments.iter().flatten() {
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
        caches::apply(ctx, &c.deployments, deployment).await?;
    }
    if serving {
        caches::apply(ctx, &c.services, &desired.service).await?;
        if let Some(ingress) = &desired.ingress {
            caches::apply(ctx, &c.ingresses, ingress).await?;
        }
    }
    Ok(())
}
