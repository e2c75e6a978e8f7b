//! What the instance's status records of its finished jobs (the last backup, the
//! last verified one, the last rehearsal), read from the job caches. The instance
//! controller writes them; the job controllers only finish their jobs.

use odoo_model::instance::{LastBackup, Rehearsal};
use odoo_model::{OdooBackupJob, OdooInstance, OdooUpgradeJob};

use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe::of_instance;

/// The records the instance's finished jobs give.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    pub last_backup: Option<LastBackup>,
    pub last_verified_backup: Option<LastBackup>,
    pub last_rehearsal: Option<Rehearsal>,
}

/// The records `instance`'s finished backups and rehearsals give.
pub async fn records(ctx: &Context, instance: &OdooInstance) -> Result<Records, Error> {
    let backups: Vec<OdooBackupJob> = of_instance(ctx, &ctx.caches.backup_jobs, instance, |j| {
        &j.spec.instance_ref.name
    })
    .await?;
    let (last_backup, last_verified_backup) = odoo_model::last::backups(&backups);
    Ok(Records {
        last_backup,
        last_verified_backup,
        last_rehearsal: last_rehearsal(ctx, instance).await?,
    })
}

/// The newest finished rehearsal of `instance`.
pub async fn last_rehearsal(
    ctx: &Context,
    instance: &OdooInstance,
) -> Result<Option<Rehearsal>, Error> {
    let upgrades: Vec<OdooUpgradeJob> = of_instance(ctx, &ctx.caches.upgrade_jobs, instance, |j| {
        &j.spec.instance_ref.name
    })
    .await?;
    Ok(odoo_model::last::rehearsals(&upgrades))
}
