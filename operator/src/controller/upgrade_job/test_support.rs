//! The upgrade tests' job: `up`, of the instance `shop` in `team`, to
//! `odoo:19.0-b`; each test adds the status it starts from.

use odoo_model::{OdooUpgradeJob, OdooUpgradeJobSpec};

pub fn job() -> OdooUpgradeJob {
    let mut job = OdooUpgradeJob::new(
        "up",
        OdooUpgradeJobSpec {
            instance_ref: odoo_model::InstanceRef::new("shop"),
            image: Some("odoo:19.0-b".into()),
            ..Default::default()
        },
    );
    job.metadata.uid = Some("uid-1".into());
    job.metadata.namespace = Some("team".into());
    job
}
