//! The ends of a migration: undoing a failed (or deleted) one, and dropping the
//! source database of a finished one when the user asked for it. Pure: each asks
//! for what it does, and says what came of it once done.

use std::time::Duration;

use kube::ResourceExt;
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};
use odoo_model::{OdooClusterMigration, OdooInstance};

use super::facts::{Effect, Facts};
use super::pass::{Pass, database, source_cluster, temporary};
use super::record::{recorded, settled};
use crate::controller::step::{Again, JobStep, On};

type Status = OdooClusterMigrationStatus;

/// A deleted migration's copy Job is going: look again this soon.
pub(super) const COPY_JOB_GOING: Again = Again::After(Duration::from_secs(2));
/// A deleted migration rolled back: its finalizer goes on the next pass, from the
/// version this pass writes.
pub(super) const FINALIZER_NEXT: Again = Again::After(Duration::from_secs(1));

/// Where undoing stands.
#[derive(Debug, PartialEq)]
pub(super) enum Undo {
    Do(Effect),
    /// Undone: what the user should know.
    Done(String),
}

/// Whether a migration deleted at `phase` rolls back: before the switch nothing of
/// it is live. Once the instance points at the target it runs to its end.
pub(super) fn undone_on_deletion(phase: P, status: &Status) -> bool {
    match phase {
        P::Copying | P::Verifying => true,
        P::Switching => !status.switched,
        _ => false,
    }
}

/// Undoes what the failed step `at` and those before it did; says what the user
/// should know once done. The source database was never written to.
pub(super) fn undo(p: &Pass<'_>, at: P, status: &mut Status) -> Undo {
    let (target_name, u) = (p.target(), &p.f.undone);
    let source = source_cluster(status);
    let temp = temporary(status);
    let target_known = p.cluster(target_name).is_ok();
    // A pass that crashed between pointing the instance at the target and recording
    // `switched` left the instance on the target with `switched` unset: that is a
    // switch to undo all the same, or the rolled-back instance would start on the
    // target.
    let pointed_at_target = at == P::Switching && p.instance_on(target_name);
    if status.switched || pointed_at_target {
        // Back to the source; the copy is kept aside, as the instance may have
        // written to it while starting.
        let kept = match (target_known, u.live_on_target, &u.renamed_back) {
            (true, None, _) => return Undo::Do(Effect::ReadLiveOnTarget),
            (true, Some(true), None) => return Undo::Do(Effect::RenameBack),
            (true, Some(true), Some(Ok(()))) => {
                format!(" The copy on {target_name} is kept as {temp}; drop it when done.")
            }
            (true, Some(true), Some(Err(e))) => {
                format!(" The copy on {target_name} could not be renamed back ({e}).")
            }
            _ => String::new(),
        };
        if !p.instance_on(&source) && !u.pointed_back {
            return Undo::Do(Effect::PointAtSource);
        }
        status.switched = false;
        return Undo::Done(format!("The instance was switched back to {source}.{kept}"));
    }
    if !matches!(at, P::Copying | P::Verifying | P::Switching) {
        return Undo::Done(format!(
            "Nothing was changed; the instance runs on {source}."
        ));
    }
    if !target_known {
        return Undo::Done(format!(
            "The temporary database {temp} on {target_name} may remain: the cluster is gone from the pg-clusters Secret."
        ));
    }
    let mut dropped = match &u.dropped_temporary {
        None => return Undo::Do(Effect::DropTemporary),
        Some(dropped) => dropped.clone(),
    };
    // A rename that happened before the spec switch failed: that copy is no one's.
    // Whether it happened, the database of that name says: only the copy this
    // migration made carries the instance's marker. One created on the target
    // meanwhile (another tenant's, a DBA's, the tenant's own) is left alone.
    let mut left_alone = String::new();
    if dropped.is_ok() && at == P::Switching && !p.instance_on(target_name) {
        match &u.dropped_renamed {
            None => return Undo::Do(Effect::DropRenamed),
            Some(Ok(None)) => {}
            Some(Ok(Some(not_ours))) => left_alone = format!(" On {target_name}, {not_ours}."),
            Some(Err(e)) => dropped = Err(e.clone()),
        }
    }
    Undo::Done(match dropped {
        Ok(()) => format!(
            "The temporary database {temp} on {target_name} was dropped; the instance starts again on {source}.{left_alone}"
        ),
        Err(e) => format!(
            "The temporary database {temp} on {target_name} could not be dropped ({e}); drop it by hand. The instance starts again on {source}."
        ),
    })
}

/// With `spec.dropSourceAfter`, drops the source database and the instance's role
/// there (kept if something else still needs it), once.
pub(super) fn drop_source(
    m: &OdooClusterMigration,
    instance: &OdooInstance,
    f: &Facts,
    mut status: Status,
) -> JobStep<Status, Effect> {
    let source_name = source_cluster(&status);
    if !m.spec.drop_source_after
        || status.source_dropped
        || instance.spec.database.cluster.as_deref() == Some(source_name.as_str())
    {
        return JobStep::End(settled(status));
    }
    // A later migration may have brought the instance back to this source (or is
    // bringing it there): its database there is live again, not this migration's
    // leftover. Only the newest migration of an instance drops its source.
    match &f.newer {
        None => return JobStep::Do(Effect::ReadNewer),
        Some(Some(newer)) => {
            let kept = format!(
                "dropSourceAfter ignored: migration {newer} came after this one, and the database on {source_name} may be live again; drop it by hand if it is not"
            );
            if status.message.as_deref() == Some(kept.as_str()) {
                return JobStep::End(settled(status));
            }
            status.message = Some(kept.clone());
            let ending = recorded(m, status, P::Succeeded, Again::OnChange);
            return JobStep::End(ending.told(On::Job, true, Reason::SourceKept, &kept));
        }
        Some(None) => {}
    }
    if f.clusters.is_none() {
        return JobStep::Do(Effect::ReadClusters);
    }
    let Some(role_dropped) = f.source_dropped else {
        return JobStep::Do(Effect::DropSource);
    };
    let database = database(instance);
    let role = crate::controller::database::instance_owner(instance).role;
    let dropped = if role_dropped {
        format!("dropped database {database} and role {role} on {source_name}")
    } else {
        format!(
            "dropped database {database} on {source_name}; role {role} is still used there and was kept"
        )
    };
    status.source_dropped = true;
    status.message = Some(dropped.clone());
    let ending = recorded(m, status, P::Succeeded, Again::OnChange).told_both(
        false,
        Reason::SourceDropped,
        &dropped,
    );
    JobStep::End(ending)
}

/// The name of a migration of the same instance created after `m`, if any.
pub(super) fn newer_migration(
    m: &OdooClusterMigration,
    all: &[OdooClusterMigration],
) -> Option<String> {
    let created = m.creation_timestamp();
    all.iter()
        .filter(|o| o.name_any() != m.name_any())
        .filter(|o| o.creation_timestamp() > created)
        .map(ResourceExt::name_any)
        .next()
}

#[cfg(test)]
#[path = "ending_tests.rs"]
mod tests;
