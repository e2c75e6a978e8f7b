//! The steps of a migration, each idempotent: run again after a crash it finds its
//! own work done (or half done) and goes on from there. Pure: each decides from
//! what the pass has learnt, or asks for the next thing to learn or do.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use odoo_model::InstancePhase;
use odoo_model::Reason;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};

use super::copy_job;
use super::facts::{Effect, Prepared, Side};
use super::pass::{Next, POLL, Pass, QUEUED, source_cluster, temporary, temporary_name};
use crate::runtime::agent_pod::Agent;

type Status = OdooClusterMigrationStatus;

/// How long the instance may take to become ready on the target before the
/// migration switches it back to the source.
const START_TIMEOUT: Duration = Duration::from_secs(600);

pub(super) fn run(p: &Pass<'_>, phase: P, status: &mut Status) -> Next {
    match phase {
        P::Pending => pending(p, status),
        P::PreChecks => pre_checks(p, status),
        P::Stopping => stopping(p),
        P::Copying => copying(p, status),
        P::Verifying => verifying(p, status),
        P::Switching => switching(p, status),
        P::Starting => starting(p, status),
        P::Succeeded | P::RolledBack | P::Failed => {
            Next::Wait(status.message.clone().unwrap_or_default(), POLL)
        }
    }
}

/// Queued behind another migration of the instance, or until the instance settled;
/// then fixes the source and the temporary name.
fn pending(p: &Pass<'_>, status: &mut Status) -> Next {
    let Pass { m, instance, f, .. } = *p;
    match &f.ahead {
        None => return Next::Do(Effect::ReadAhead),
        Some(Some(other)) => {
            let message = format!("queued: waiting for OdooClusterMigration/{other} to finish");
            return Next::Wait(message, QUEUED);
        }
        Some(None) => {}
    }
    if !instance.phase().is_some_and(InstancePhase::is_settled) {
        let message = format!(
            "queued: waiting for the instance to be settled (it is {})",
            instance.phase_text()
        );
        return Next::Wait(message, QUEUED);
    }
    let source = instance.spec.database.cluster.clone().unwrap_or_default();
    status.source_cluster = Some(source.clone());
    status.temporary_database = Some(temporary_name(&p.database(), &m.uid().unwrap_or_default()));
    status.previous_replicas = Some(instance.spec.replicas);
    status.start_time = Some(Time(f.seen.now));
    Next::Advance(
        P::PreChecks,
        format!(
            "checking cluster {} before moving from {source}",
            p.target()
        ),
    )
}

/// Nothing is stopped until the target is known, reachable, not older than the
/// source, and free of a database of the instance's name.
fn pre_checks(p: &Pass<'_>, status: &Status) -> Next {
    let (target_name, f) = (p.target(), p.f);
    let source_name = source_cluster(status);
    if *target_name == source_name {
        let message = format!("the instance's database is on {source_name} already");
        return Next::Fail(Reason::SameCluster, message);
    }
    if let (Err(e), _) | (_, Err(e)) = (p.cluster(&source_name), p.cluster(target_name)) {
        return Next::Fail(Reason::UnknownCluster, e);
    }
    let target_major = match &f.target_major {
        None => return Next::Do(Effect::ReadMajor(Side::Target)),
        Some(Ok(v)) => *v,
        Some(Err(e)) => return Next::unreachable(Reason::TargetUnreachable, target_name, e),
    };
    let source_major = match &f.source_major {
        None => return Next::Do(Effect::ReadMajor(Side::Source)),
        Some(Ok(v)) => *v,
        Some(Err(e)) => return Next::unreachable(Reason::SourceUnreachable, &source_name, e),
    };
    if target_major < source_major {
        return Next::Fail(
            Reason::OlderTarget,
            format!(
                "cluster {target_name} runs PostgreSQL {target_major}, older than {source_name}'s {source_major}"
            ),
        );
    }
    let database = p.database();
    match &f.target_taken {
        None => return Next::Do(Effect::ReadTargetTaken),
        Some(Ok(false)) => {}
        Some(Ok(true)) => {
            return Next::Fail(
                Reason::TargetDatabaseExists,
                format!("cluster {target_name} already has a database named {database}"),
            );
        }
        Some(Err(e)) => return Next::unreachable(Reason::TargetUnreachable, target_name, e),
    }
    Next::Advance(
        P::Stopping,
        format!(
            "{target_name} runs PostgreSQL {target_major} ({source_name}: {source_major}); stopping the instance"
        ),
    )
}

/// Waits until the instance is Migrating and no web or cron pod is left: nothing
/// writes to the source while it is copied.
fn stopping(p: &Pass<'_>) -> Next {
    if p.instance.phase() != Some(InstancePhase::Migrating) {
        let message = format!(
            "waiting for the instance to stop (it is {})",
            p.instance.phase_text()
        );
        return Next::Wait(message, POLL);
    }
    match p.f.pods_left {
        None => Next::Do(Effect::ReadPods),
        Some(left) if left > 0 => Next::Wait(
            format!("waiting for {left} web and cron pods to stop"),
            POLL,
        ),
        Some(_) => Next::Advance(
            P::Copying,
            format!(
                "instance stopped; copying {} to {} on {}",
                p.database(),
                p.target(),
                p.target()
            ),
        ),
    }
}

/// Role and empty temporary database on the target (as the instance's role, with
/// its password), then the copy Job.
fn copying(p: &Pass<'_>, status: &mut Status) -> Next {
    let (f, job_name) = (p.f, copy_job::name(p.m));
    let copies = || Next::Wait(format!("Job {job_name} copies the database"), POLL);
    if f.copy_started {
        return copies();
    }
    match &f.copy {
        None => Next::Do(Effect::ReadCopy),
        Some(Agent::Missing) => match &f.prepared {
            None => Next::Do(Effect::Prepare),
            Some(Prepared::Done) => Next::Do(Effect::StartCopy),
            Some(Prepared::NoPassword(secret)) => Next::Fail(
                Reason::NoPassword,
                format!("Secret {secret} has no password"),
            ),
            Some(Prepared::Failed(e)) => Next::Fail(
                Reason::PrepareTargetFailed,
                format!("cluster {}: {e}", p.target()),
            ),
        },
        Some(Agent::Running) => copies(),
        Some(Agent::Ended(Ok(r))) => {
            status.progress = Some(format!("{} bytes of SQL copied", r.size_bytes));
            Next::Advance(
                P::Verifying,
                "copied; comparing the copy with the source".into(),
            )
        }
        Some(Agent::Ended(Err(why))) => {
            let ns = p.instance.namespace().unwrap_or_default();
            let logs = format!("logs: kubectl logs job/{job_name} -n {ns}");
            Next::Fail(Reason::CopyFailed, format!("{why}; {logs}"))
        }
    }
}

/// Both databases read as the instance's role (on the target too, where the copy
/// step recreated it with the same password), compared fact by fact.
fn verifying(p: &Pass<'_>, status: &mut Status) -> Next {
    let f = p.f;
    if p.cluster(&source_cluster(status)).is_err() || p.cluster(p.target()).is_err() {
        let message = "a cluster left the pg-clusters Secret".into();
        return Next::Fail(Reason::UnknownCluster, message);
    }
    match &f.login {
        None => return Next::Do(Effect::ReadLogin),
        Some(Err(e)) => return Next::Fail(Reason::NoPassword, e.clone()),
        Some(Ok(_)) => {}
    }
    let original = match &f.source_inventory {
        None => return Next::Do(Effect::ReadInventory(Side::Source)),
        Some(Ok(i)) => i,
        Some(Err(e)) => {
            return Next::Fail(
                Reason::VerificationFailed,
                format!("reading the source: {e}"),
            );
        }
    };
    let copy = match &f.copy_inventory {
        None => return Next::Do(Effect::ReadInventory(Side::Target)),
        Some(Ok(i)) => i,
        Some(Err(e)) => {
            return Next::Fail(Reason::VerificationFailed, format!("reading the copy: {e}"));
        }
    };
    let differences = crate::pg::compare::differences(original, copy);
    let tables = original.tables.len();
    let matching = original
        .tables
        .iter()
        .filter(|(t, n)| copy.tables.get(*t) == Some(n))
        .count();
    status.progress = Some(format!("{matching}/{tables} tables match"));
    if !differences.is_empty() {
        let shown: Vec<&str> = differences.iter().take(5).map(String::as_str).collect();
        return Next::Fail(
            Reason::VerificationFailed,
            format!(
                "the copy differs from the source in {}: {}",
                counted(differences.len(), "way", "ways"),
                shown.join("; ")
            ),
        );
    }
    Next::Advance(
        P::Switching,
        format!(
            "verified: {} with equal row counts, {}, extensions ({}), schemas ({})",
            counted(tables, "table", "tables"),
            counted(original.sequences.len(), "sequence", "sequences"),
            listed(&original.extensions),
            listed(&original.schemas)
        ),
    )
}

/// Renames the copy into place, then points the instance at the target.
fn switching(p: &Pass<'_>, status: &mut Status) -> Next {
    let (f, target_name) = (p.f, p.target());
    if p.cluster(target_name).is_err() {
        return Next::Fail(Reason::UnknownCluster, format!("{target_name} is gone"));
    }
    let (database, temp) = (p.database(), temporary(status));
    match &f.names_on_target {
        None => return Next::Do(Effect::ReadNames),
        // Renamed before a crash.
        Some(Ok((false, true))) => {}
        Some(Ok((true, false))) => match &f.renamed {
            None => return Next::Do(Effect::Rename),
            Some(Ok(())) => {}
            Some(Err(e)) => return Next::Fail(Reason::RenameFailed, e.clone()),
        },
        Some(Ok((t, d))) => {
            return Next::Fail(
                Reason::RenameFailed,
                format!(
                    "expected {temp} (found: {t}) and no {database} (found: {d}) on {target_name}"
                ),
            );
        }
        Some(Err(e)) => return Next::Fail(Reason::RenameFailed, e.clone()),
    }
    match &f.pointed {
        None => Next::Do(Effect::PointAtTarget),
        Some(Err(refused)) => Next::Fail(Reason::SwitchRefused, refused.clone()),
        Some(Ok(())) => {
            status.switched = true;
            Next::Advance(
                P::Starting,
                format!("the instance now uses {database} on {target_name}; starting it"),
            )
        }
    }
}

/// Done once the instance settled on the target for the spec that names it.
fn starting(p: &Pass<'_>, status: &mut Status) -> Next {
    let Pass { m, instance, f, .. } = *p;
    let s = instance.status.clone().unwrap_or_default();
    let current =
        s.observed_generation == instance.metadata.generation && p.instance_on(p.target());
    if current
        && matches!(
            s.phase,
            Some(InstancePhase::Running | InstancePhase::Stopped)
        )
    {
        status.ran_on_target = true;
        return Next::Advance(
            P::Succeeded,
            format!(
                "{} runs on {}; the source database on {} is kept{}",
                instance.name_any(),
                p.target(),
                source_cluster(status),
                if m.spec.drop_source_after {
                    " until dropped now"
                } else {
                    " until spec.dropSourceAfter is set"
                }
            ),
        );
    }
    let waited = super::pass::step_started(status).map_or(Duration::ZERO, |t| {
        let secs = (f.seen.now - t)
            .total(k8s_openapi::jiff::Unit::Second)
            .unwrap_or(0.0);
        Duration::from_secs_f64(secs.max(0.0))
    });
    if waited > START_TIMEOUT {
        return Next::Fail(
            Reason::StartFailed,
            format!(
                "the instance was not ready on the target within {}s (it is {})",
                START_TIMEOUT.as_secs(),
                instance.phase_text()
            ),
        );
    }
    Next::Wait(
        format!(
            "waiting for the instance to run on {} (it is {})",
            p.target(),
            instance.phase_text()
        ),
        POLL,
    )
}

/// `1 table`, `2 tables`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A set of names as a user reads it: `plpgsql, citext`, or `none` (a tenant's
/// names without their control characters: [`crate::pg::compare::shown`]).
fn listed(names: &std::collections::BTreeSet<String>) -> String {
    if names.is_empty() {
        return "none".into();
    }
    let names: Vec<String> = names.iter().map(|n| crate::pg::compare::shown(n)).collect();
    names.join(", ")
}

#[cfg(test)]
#[path = "steps_tests.rs"]
mod tests;
