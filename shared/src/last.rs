//! What an instance's status records of its finished jobs: the last backup, the
//! last verified one, and the last upgrade rehearsal. Derived from the job
//! resources (pure), so the instance's own controller writes them: a job
//! controller never writes the instance's status.

use crate::backup_job::VerifyResult;
use crate::instance::{LastBackup, Rehearsal};
use crate::{JobPhase, OdooBackupJob, OdooUpgradeJob};

/// The backup as the instance records it, once it succeeded.
pub fn backup(job: &OdooBackupJob) -> Option<LastBackup> {
    let status = job.status.as_ref()?;
    if status.job.phase != Some(JobPhase::Succeeded) {
        return None;
    }
    Some(LastBackup {
        name: job.metadata.name.clone()?,
        completion_time: status.job.completion_time.clone()?,
        size_bytes: status.size_bytes,
        verified: status
            .verified
            .as_ref()
            .map(|v| v.result == VerifyResult::Passed),
    })
}

/// The rehearsal as the instance records it, once the rehearsal job finished.
pub fn rehearsal(job: &OdooUpgradeJob) -> Option<Rehearsal> {
    let status = job.status.as_ref()?;
    if !job.spec.rehearsal || !status.job.phase.is_some_and(JobPhase::is_finished) {
        return None;
    }
    Some(Rehearsal {
        job: job.metadata.name.clone()?,
        image: status.image.clone().or_else(|| job.spec.image.clone())?,
        succeeded: status.update_succeeded == Some(true),
        finished_at: status.job.completion_time.clone()?,
        duration_seconds: status.update_seconds,
        message: status.job.message.clone(),
    })
}

/// The newer of what the status holds and what the jobs show: a pruned or
/// deleted job leaves the status as it was.
pub fn newer_backup(stored: Option<LastBackup>, seen: Option<LastBackup>) -> Option<LastBackup> {
    match (stored, seen) {
        (Some(s), Some(n)) if n.completion_time.0 >= s.completion_time.0 => Some(n),
        (stored, None) | (stored @ Some(_), Some(_)) => stored,
        (None, seen) => seen,
    }
}

/// The newer rehearsal, as [`newer_backup`].
pub fn newer_rehearsal(stored: Option<Rehearsal>, seen: Option<Rehearsal>) -> Option<Rehearsal> {
    match (stored, seen) {
        (Some(s), Some(n)) if n.finished_at.0 >= s.finished_at.0 => Some(n),
        (stored, None) | (stored @ Some(_), Some(_)) => stored,
        (None, seen) => seen,
    }
}

/// The last backup and the last verified one among `jobs`.
pub fn backups<'a>(
    jobs: impl IntoIterator<Item = &'a OdooBackupJob>,
) -> (Option<LastBackup>, Option<LastBackup>) {
    let done: Vec<LastBackup> = jobs.into_iter().filter_map(backup).collect();
    let newest = |only_verified: bool| {
        done.iter()
            .filter(|b| !only_verified || b.verified == Some(true))
            .max_by_key(|b| (b.completion_time.0, b.name.clone()))
            .cloned()
    };
    (newest(false), newest(true))
}

/// The last rehearsal among `jobs`.
pub fn rehearsals<'a>(jobs: impl IntoIterator<Item = &'a OdooUpgradeJob>) -> Option<Rehearsal> {
    jobs.into_iter()
        .filter_map(rehearsal)
        .max_by_key(|r| (r.finished_at.0, r.job.clone()))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use k8s_openapi::jiff::Timestamp;

    use super::*;
    use crate::backup_job::{BackupVerification, OdooBackupJobSpec, OdooBackupJobStatus};
    use crate::common::JobStatusCommon;
    use crate::upgrade_job::{OdooUpgradeJobSpec, OdooUpgradeJobStatus};

    fn at(seconds: i64) -> Time {
        Time(Timestamp::from_second(1_700_000_000 + seconds).expect("a time"))
    }

    fn backup_job(name: &str, phase: JobPhase, done: i64, verified: Option<bool>) -> OdooBackupJob {
        let mut job = OdooBackupJob::new(name, OdooBackupJobSpec::default());
        job.status = Some(OdooBackupJobStatus {
            job: JobStatusCommon {
                phase: Some(phase),
                completion_time: Some(at(done)),
                ..Default::default()
            },
            size_bytes: Some(done * 10),
            verified: verified.map(|passed| BackupVerification {
                result: if passed {
                    VerifyResult::Passed
                } else {
                    VerifyResult::Failed
                },
                ..Default::default()
            }),
            ..Default::default()
        });
        job
    }

    #[test]
    fn the_last_backup_and_the_last_verified_one_come_from_succeeded_jobs() {
        let jobs = [
            backup_job("old-verified", JobPhase::Succeeded, 10, Some(true)),
            backup_job("newer", JobPhase::Succeeded, 20, None),
            backup_job("failed-verify", JobPhase::Succeeded, 25, Some(false)),
            backup_job("failed", JobPhase::Failed, 30, None),
        ];
        let (last, verified) = backups(&jobs);
        let last = last.expect("a backup");
        assert_eq!(last.name, "failed-verify");
        assert_eq!(last.verified, Some(false));
        assert_eq!(last.size_bytes, Some(250));
        assert_eq!(verified.map(|b| b.name).as_deref(), Some("old-verified"));
        assert_eq!(backups(&[]), (None, None));
    }

    #[test]
    fn a_pruned_job_leaves_the_newer_record_in_place() {
        let stored = backup(&backup_job("b", JobPhase::Succeeded, 50, None));
        let older = backup(&backup_job("a", JobPhase::Succeeded, 40, None));
        assert_eq!(newer_backup(stored.clone(), older.clone()), stored);
        assert_eq!(newer_backup(older.clone(), stored.clone()), stored);
        assert_eq!(newer_backup(None, older.clone()), older);
        assert_eq!(newer_backup(stored.clone(), None), stored);
    }

    #[test]
    fn a_rehearsal_is_recorded_once_its_job_finished() {
        let mut job = OdooUpgradeJob::new(
            "try",
            OdooUpgradeJobSpec {
                rehearsal: true,
                image: Some("odoo:18.0-b".into()),
                ..Default::default()
            },
        );
        job.status = Some(OdooUpgradeJobStatus {
            job: JobStatusCommon {
                phase: Some(JobPhase::Running),
                ..Default::default()
            },
            ..Default::default()
        });
        assert_eq!(rehearsal(&job), None);
        let status = job.status.as_mut().expect("status");
        status.job.phase = Some(JobPhase::Failed);
        status.job.completion_time = Some(at(5));
        status.update_succeeded = Some(false);
        status.update_seconds = Some(42);
        let r = rehearsals([&job]).expect("recorded");
        assert_eq!((r.job.as_str(), r.image.as_str()), ("try", "odoo:18.0-b"));
        assert!(!r.succeeded);
        assert_eq!(r.duration_seconds, Some(42));
        // A real upgrade is no rehearsal.
        job.spec.rehearsal = false;
        assert_eq!(rehearsal(&job), None);
    }
}
