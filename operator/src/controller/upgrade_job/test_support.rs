//! The upgrade tests' job: `up`, of the instance `shop` in `team`, to
//! `odoo:19.0-b`; each test adds the status it starts from. And how every
//! upgrade ends once its database is upgraded (`adopted`).

use odoo_model::upgrade_job::OdooUpgradeJobStatus;
use odoo_model::{JobPhase, OdooUpgradeJob, OdooUpgradeJobSpec};

use super::facts::{Effect, Facts, Step};
use crate::controller::step::{Ending, JobStep, ended};

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

/// Every upgrade ends alike once its database is upgraded: it adopts the target
/// into the instance's spec, then succeeds. The ending, for the test to read.
pub fn adopted(step: impl Fn(&Facts) -> Step, f: &mut Facts) -> Ending<OdooUpgradeJobStatus> {
    assert_eq!(step(f), JobStep::Do(Effect::Adopt));
    f.adopted = true;
    let e = ended(step(f));
    assert_eq!(e.phase, JobPhase::Succeeded);
    e
}
