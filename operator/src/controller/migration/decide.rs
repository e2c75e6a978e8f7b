//! A pass over a migration, pure: an ended one stays as it is (or drops its source
//! when asked), one whose instance is gone fails, a deleted one undoes what it
//! made, and any other runs its step, then records what the step decided.

use odoo_model::OdooClusterMigration;
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};

use super::facts::{Effect, Facts};
use super::pass::{self, Next, Pass};
use super::record::{advanced, end, recorded, settled, settled_for};
use super::{ending, steps};
use crate::controller::job;
use crate::controller::step::{Ending, JobStep, On};

type Status = OdooClusterMigrationStatus;

/// A pass over a migration: pure.
pub(super) fn step(
    m: &OdooClusterMigration,
    f: &Facts,
) -> JobStep<OdooClusterMigrationStatus, Effect> {
    let current = m.status.clone().unwrap_or_default();
    let phase = current.phase.unwrap_or_default();
    let Some(instance) = f.seen.instance() else {
        if pass::finished(phase) {
            return JobStep::End(settled(current));
        }
        return JobStep::End(instance_missing(m, f, current));
    };
    if phase == P::Succeeded {
        return ending::drop_source(m, instance, f, current);
    }
    if pass::finished(phase) {
        return JobStep::End(settled(current));
    }
    // Before anything is made on the target: a deletion from here on removes
    // what was (see `clean_up`).
    if !job::holds_cleanup(m) && f.seen.held.is_none() {
        return JobStep::Hold;
    }
    let deleted = f.seen.deleting && ending::undone_on_deletion(phase, &current);
    if deleted {
        match f.copy_live {
            None => return JobStep::Do(Effect::ReadCopyLive),
            Some(true) if !f.copy_deleted => return JobStep::Do(Effect::DeleteCopy),
            Some(true) => {
                return JobStep::End(settled_for(current, ending::COPY_JOB_GOING));
            }
            Some(false) => {}
        }
    }
    let Some(clusters) = f.clusters.as_ref() else {
        return JobStep::Do(Effect::ReadClusters);
    };
    let p = Pass {
        m,
        instance,
        clusters,
        f,
    };
    let mut status = current;
    let next = if deleted {
        let why = "the migration was deleted before it ended".to_owned();
        Next::Fail(Reason::Deleted, why)
    } else {
        steps::run(&p, phase, &mut status)
    };
    match decide(&p, phase, status, next) {
        // The finalizer goes on the next pass, from the version this writes.
        JobStep::End(mut ending) if deleted => {
            ending.again = ending::FINALIZER_NEXT;
            JobStep::End(ending)
        }
        other => other,
    }
}

/// Records what a step decided.
pub(super) fn decide(
    p: &Pass<'_>,
    phase: P,
    mut status: Status,
    next: Next,
) -> JobStep<Status, Effect> {
    let Pass { m, f, .. } = *p;
    let ending = match next {
        Next::Do(effect) => return JobStep::Do(effect),
        Next::Advance(P::Succeeded, message) => end(
            m,
            f,
            status,
            P::Succeeded,
            Reason::RanOnTarget,
            message.clone(),
        )
        .told_both(false, Reason::MigrationSucceeded, &message),
        Next::Advance(to, message) => advanced(m, f, status, to, message),
        Next::Wait(message, again) => {
            status.message = Some(message);
            recorded(m, status, phase, again)
        }
        Next::Fail(why, message) => {
            let notes = match ending::undo(p, phase, &mut status) {
                ending::Undo::Do(effect) => return JobStep::Do(effect),
                ending::Undo::Done(notes) => notes,
            };
            let message = format!("{phase:?} failed: {message}. {notes}");
            end(m, f, status, P::RolledBack, why, message.clone())
                .told(On::Job, true, why, &message)
                .told(On::Instance, true, Reason::MigrationRolledBack, &message)
        }
    };
    JobStep::End(ending)
}

/// A migration whose instance is gone before it ended: nothing was moved.
pub(super) fn instance_missing(
    m: &OdooClusterMigration,
    f: &Facts,
    status: Status,
) -> Ending<Status> {
    let message = format!(
        "OdooInstance {} does not exist; nothing was moved",
        m.spec.instance_ref.name
    );
    end(
        m,
        f,
        status,
        P::Failed,
        Reason::InstanceMissing,
        message.clone(),
    )
    .told(On::Job, true, Reason::InstanceMissing, &message)
}
