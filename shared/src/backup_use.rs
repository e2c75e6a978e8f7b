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
        let resolved = restore.status.as_ref().and_then(|s| s.location.as_ref());
        // The archive it resolved, whatever named it (an S3 key or a volume path
        // may be a backup's archive too).
        let by_location = resolved.and_then(|location| {
            backups
                .iter()
                .find(|b| b.status.as_ref().and_then(|s| s.location.as_ref()) == Some(location))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JobPhase;

    fn backup(name: &str, location: &str, minute: i64) -> OdooBackupJob {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupJob",
            "metadata": { "name": name },
            "spec": { "instanceRef": { "name": "shop" }, "destination": { "pvc": { "claimName": "b" } } },
            "status": { "phase": "Succeeded", "location": location,
                        "completionTime": format!("2026-01-01T00:{minute:02}:00Z") },
        }))
        .expect("a backup")
    }

    fn restore(name: &str, source: serde_json::Value, phase: Option<JobPhase>) -> OdooRestoreJob {
        let mut r: OdooRestoreJob = serde_json::from_value(serde_json::json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
            "metadata": { "name": name },
            "spec": { "instanceRef": { "name": "shop" }, "source": source },
        }))
        .expect("a restore");
        r.status = phase.map(|p| {
            let mut s = crate::OdooRestoreJobStatus::default();
            s.job.phase = Some(p);
            s
        });
        r
    }

    #[test]
    fn unfinished_restores_name_the_backups_they_read_however_they_name_them() {
        let backups = [
            backup("old", "/backup/old.zip", 1),
            backup("new", "/backup/new.zip", 2),
        ];
        let resolved = {
            let mut r = restore(
                "by-path",
                serde_json::json!({ "pvc": { "claimName": "b", "path": "old.zip" } }),
                Some(JobPhase::Running),
            );
            if let Some(s) = r.status.as_mut() {
                s.location = Some("/backup/old.zip".parse().expect("a path"));
            }
            r
        };
        let restores = [
            restore("by-name", serde_json::json!({ "backupJob": "old" }), None),
            restore(
                "latest",
                serde_json::json!({ "latestBackupOf": { "name": "shop" } }),
                None,
            ),
            resolved,
            restore(
                "done",
                serde_json::json!({ "backupJob": "new" }),
                Some(JobPhase::Succeeded),
            ),
        ];
        let used: Vec<(String, String)> = backups_in_use(&restores, &backups)
            .into_iter()
            .map(|u| (u.restore, u.backup))
            .collect();
        let pair = |r: &str, b: &str| (r.to_owned(), b.to_owned());
        assert_eq!(
            used,
            [
                pair("by-name", "old"),
                pair("latest", "new"),
                pair("by-path", "old")
            ]
        );
    }
}
