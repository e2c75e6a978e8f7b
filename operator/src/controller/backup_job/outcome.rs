//! How a pass over a backup ends, pure: the success (recorded in the bucket's own
//! index first), the failure (said on the job and its instance), and when a job
//! still at work looks again.

use std::time::Duration;

use odoo_model::backup_job::OdooBackupJobStatus;
use odoo_model::{JobPhase, OdooBackupJob, Reason};

use super::super::step::{Again, Ending, JobStep};
use super::facts::{Effect, Facts};

/// What a step over a backup job decides.
pub type Step = JobStep<OdooBackupJobStatus, Effect>;

/// A queued backup looks again this often: another job of its instance finishing,
/// or the instance settling, does not wake it.
pub const QUEUED: Again = Again::After(Duration::from_secs(10));

/// The next pass comes at once after one that recorded what the next needs first:
/// the archive's location before its Job (a retried pass writes the same object),
/// the proof before the verification, a verification before the end.
pub const NEXT_STEP: Again = Again::After(Duration::from_secs(1));

/// A backup's running Job wakes it through the Jobs watch: this is a safety net.
pub const AGENT_WORKING: Again = Again::After(Duration::from_secs(30));

/// A running verification is looked at this often besides its Job's changes.
pub const VERIFYING: Again = Again::After(Duration::from_secs(10));

/// Ends the pass with `status` in `phase`, and no event.
pub fn end(status: OdooBackupJobStatus, phase: JobPhase, again: Again) -> Step {
    JobStep::End(Ending::new(status, phase, again))
}

/// Ends the pass with the job's status as it is: nothing new to record.
pub fn unchanged(job: &OdooBackupJob, again: Again) -> Step {
    let status = job.status.clone().unwrap_or_default();
    let phase = status.job.phase.unwrap_or(JobPhase::Pending);
    end(status, phase, again)
}

/// Ends the job Succeeded (the instance records it as its last backup), once the
/// bucket's own record is written, so recovery without this cluster finds the
/// backup.
pub fn succeed(f: &Facts, mut status: OdooBackupJobStatus) -> Step {
    match &f.indexed {
        None => JobStep::Do(Effect::WriteIndex(Box::new(status))),
        Some(Ok(())) => end(status, JobPhase::Succeeded, Again::OnChange),
        // A refusal (credentials limited to the archives' prefix, a bucket policy)
        // must not hold every later backup of the instance behind this one: the
        // backup is stored and proven, so it succeeds, and says what is missing.
        Some(Err(e)) => {
            let why = format!(
                "the backup is stored, but its bucket index record is not: {e} (kubectl odoo backup list --from-s3 will not show it)"
            );
            let said = status.job.message.take().unwrap_or_default();
            status.job.message = Some(format!("{said}; {why}"));
            let ending = Ending::new(status, JobPhase::Succeeded, Again::OnChange);
            JobStep::End(ending.warning(Reason::IndexRecordFailed, why))
        }
    }
}

/// Ends the job Failed with a Warning event `reason` on it and its instance.
pub fn fail(mut status: OdooBackupJobStatus, reason: Reason, message: String) -> Step {
    status.job.message = Some(message.clone());
    JobStep::End(
        Ending::new(status, JobPhase::Failed, Again::OnChange).told_both(true, reason, message),
    )
}
