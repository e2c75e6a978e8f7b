//! Which backups a restore in progress reads: what retention and `kubectl odoo
//! backup delete` leave alone, decided once for the operator and the plugin.

use kube::ResourceExt as _;

use crate::backup_job::latest_backup_of;
use crate::{OdooBackupJob, OdooRestoreJob};

/// A backup an unfinished restore reads, and that restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InUse {
    pub backup: String,
    pub restore: String,
}

/// The backups (of `backups`, one namespace's) that the unfinished restores of
/// `restores` read: named by `backupJob`, the one whose archive the restore
/// resolved, or, for `latestBackupOf` before it resolved one, the one it would take
/// now.
pub fn backups_in_use(restores: &[OdooRestoreJob], backups: &[OdooBackupJob]) -> Vec<InUse> {
    let mut used = Vec::new();
    for restore in restores {
        let finished = restore
            .status
            .as_ref()
            .and_then(|s| s.job.phase)
            .is_some_and(crate::JobPhase::is_finished);
        if finished {
            continue;
        }
        let source = &restore.spec.source;
        let resolved = restore.status.as_ref().and_then(|s| s.location.as_deref());
        // The archive it resolved, whatever named it (an S3 key or a volume path
        // may be a backup's archive too).
        let by_location = resolved.and_then(|location| {
            backups
                .iter()
                .find(|b| b.status.as_ref().and_then(|s| s.location.as_deref()) == Some(location))
        });
        let backup = source
            .backup_job
            .clone()
            .or_else(|| by_location.map(|b| b.name_any()))
            .or_else(|| {
                let of = source.latest_backup_of.as_ref()?;
                latest_backup_of(backups, &of.name).map(|l| l.job.name_any())
            });
        if let Some(backup) = backup {
            used.push(InUse {
                backup,
                restore: restore.name_any(),
            });
        }
    }
    used
}
