//! The steps of a migration, each idempotent: run again after a crash it finds its
//! own work done (or half done) and goes on from there.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;
use kube::api::Api;
use odoo_model::agent::CopyReport;
use odoo_model::cluster_migration::{MigrationPhase as P, OdooClusterMigrationStatus};
use odoo_model::{InstancePhase, OdooClusterMigration, Reason as R, names};

use super::copy_job;
use super::pass::{Next, Pass, switch_instance, temporary_name};
use crate::controller::Context;
use crate::pg::{self, compare};
use crate::runtime::batch::{self, Outcome};
use crate::runtime::error::Error;
use crate::runtime::observe;

/// How long the instance may take to become ready on the target before the
/// migration switches it back to the source.
const START_TIMEOUT: Duration = Duration::from_secs(600);
/// How often a waiting step looks again.
pub(super) const POLL: Duration = Duration::from_secs(2);

pub(super) async fn run(
    pass: &Pass<'_>,
    phase: P,
    status: &mut OdooClusterMigrationStatus,
) -> Result<Next, Error> {
    match phase {
        P::Pending => pending(pass, status).await,
        P::PreChecks => Ok(pre_checks(pass, status).await),
        P::Stopping => stopping(pass).await,
        P::Copying => copying(pass, status).await,
        P::Verifying => Ok(verifying(pass, status).await),
        P::Switching => switching(pass, status).await,
        P::Starting => Ok(starting(pass, status)),
        P::Succeeded | P::RolledBack | P::Failed => Ok(Next::Wait(
            status.message.clone().unwrap_or_default(),
            Duration::from_secs(3600),
        )),
    }
}

pub(super) fn source_cluster(status: &OdooClusterMigrationStatus) -> String {
    status.source_cluster.clone().unwrap_or_default()
}

pub(super) fn temporary(status: &OdooClusterMigrationStatus) -> String {
    status.temporary_database.clone().unwrap_or_default()
}

/// Queued behind another migration of the instance, or until the instance settled;
/// then fixes the source and the temporary name.
async fn pending(pass: &Pass<'_>, status: &mut OdooClusterMigrationStatus) -> Result<Next, Error> {
    let Pass {
        ctx, m, instance, ..
    } = *pass;
    if let Some(other) = other_migration(ctx, m).await? {
        return Ok(Next::Wait(
            format!("queued: waiting for OdooClusterMigration/{other} to finish"),
            Duration::from_secs(10),
        ));
    }
    let phase = instance.status.as_ref().and_then(|s| s.phase);
    if !matches!(
        phase,
        Some(
            InstancePhase::Running
                | InstancePhase::Degraded
                | InstancePhase::Stopped
                | InstancePhase::Starting
        )
    ) {
        return Ok(Next::Wait(
            format!(
                "queued: waiting for the instance to be settled (it is {})",
                phase.map_or("new".into(), |p| p.to_string())
            ),
            Duration::from_secs(10),
        ));
    }
    let source = instance.spec.database.cluster.clone().unwrap_or_default();
    status.source_cluster = Some(source.clone());
    status.temporary_database = Some(temporary_name(
        &pass.database(),
        &m.uid().unwrap_or_default(),
    ));
    status.previous_replicas = Some(instance.spec.replicas);
    status.start_time = Some(Time(k8s_openapi::jiff::Timestamp::now()));
    Ok(Next::Advance(
        P::PreChecks,
        format!(
            "checking cluster {} before moving from {source}",
            m.spec.target_cluster
        ),
    ))
}

/// Another migration of the same instance that goes first: one under way, or an
/// older one still waiting.
async fn other_migration(ctx: &Context, m: &OdooClusterMigration) -> Result<Option<String>, Error> {
    let api: Api<OdooClusterMigration> =
        Api::namespaced(ctx.client.clone(), &m.namespace().unwrap_or_default());
    let list = api
        .list(&Default::default())
        .await
        .map_err(Error::kube("listing OdooClusterMigrations"))?;
    let mine = m.creation_timestamp().map(|t| t.0);
    Ok(list
        .items
        .iter()
        .find(|o| {
            o.name_any() != m.name_any()
                && o.spec.instance_ref.name == m.spec.instance_ref.name
                && match o.status.as_ref().and_then(|s| s.phase).unwrap_or_default() {
                    P::Pending => o.creation_timestamp().map(|t| t.0) < mine,
                    P::Succeeded | P::RolledBack | P::Failed => false,
                    _ => true,
                }
        })
        .map(ResourceExt::name_any))
}

/// Nothing is stopped until the target is known, reachable, not older than the
/// source, and free of a database of the instance's name.
async fn pre_checks(pass: &Pass<'_>, status: &OdooClusterMigrationStatus) -> Next {
    let target_name = &pass.m.spec.target_cluster;
    let source_name = source_cluster(status);
    if *target_name == source_name {
        return Next::Fail(
            R::SameCluster,
            format!("the instance's database is on {source_name} already"),
        );
    }
    let (source, target) = match (pass.cluster(&source_name), pass.cluster(target_name)) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) | (_, Err(e)) => return Next::Fail(R::UnknownCluster, e),
    };
    let target_major = match pg::server_major_version(target).await {
        Ok(v) => v,
        Err(e) => return Next::unreachable(R::TargetUnreachable, target_name, e),
    };
    let source_major = match pg::server_major_version(source).await {
        Ok(v) => v,
        Err(e) => return Next::unreachable(R::SourceUnreachable, &source_name, e),
    };
    if target_major < source_major {
        return Next::Fail(
            R::OlderTarget,
            format!(
                "cluster {target_name} runs PostgreSQL {target_major}, older than {source_name}'s {source_major}"
            ),
        );
    }
    let database = pass.database();
    match pg::database_exists(target, &database).await {
        Ok(false) => {}
        Ok(true) => {
            return Next::Fail(
                R::TargetDatabaseExists,
                format!("cluster {target_name} already has a database named {database}"),
            );
        }
        Err(e) => return Next::unreachable(R::TargetUnreachable, target_name, e),
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
async fn stopping(pass: &Pass<'_>) -> Result<Next, Error> {
    let instance = pass.instance;
    let phase = instance.status.as_ref().and_then(|s| s.phase);
    if phase != Some(InstancePhase::Migrating) {
        return Ok(Next::Wait(
            format!(
                "waiting for the instance to stop (it is {})",
                phase.map_or("new".into(), |p| p.to_string())
            ),
            POLL,
        ));
    }
    // The instance was told to stop (Migrating), the migration is at Stopping: a
    // restarted operator must keep it down and go on copying.
    crate::crash::point("migration-stopping");
    let api: Api<Deployment> = Api::namespaced(pass.ctx.client.clone(), &pass.ns());
    let mut left = 0;
    for name in [
        names::web_deployment(&instance.name_any()),
        names::cron_deployment(&instance.name_any()),
    ] {
        let d = api
            .get_opt(&name)
            .await
            .map_err(Error::kube(format!("reading Deployment {name}")))?;
        left += d.map_or(0, |d| {
            let wanted = d.spec.and_then(|s| s.replicas).unwrap_or(0);
            let running = d.status.and_then(|s| s.replicas).unwrap_or(0);
            wanted.max(running)
        });
    }
    if left > 0 {
        return Ok(Next::Wait(
            format!("waiting for {left} web and cron pods to stop"),
            POLL,
        ));
    }
    Ok(Next::Advance(
        P::Copying,
        format!(
            "instance stopped; copying {} to {} on {}",
            pass.database(),
            pass.m.spec.target_cluster,
            pass.m.spec.target_cluster
        ),
    ))
}

/// Role and empty temporary database on the target (as the instance's role, with
/// its password), then the copy Job.
async fn copying(pass: &Pass<'_>, status: &mut OdooClusterMigrationStatus) -> Result<Next, Error> {
    let Pass { ctx, m, .. } = *pass;
    let ns = pass.ns();
    let job_name = copy_job::name(m);
    let live = crate::runtime::batch::live_job(ctx, &ns, &job_name).await?;
    let Some(live) = live else {
        let target_name = &m.spec.target_cluster;
        let source = pass.valid(&source_cluster(status), &pass.database())?;
        let target = pass.valid(target_name, &temporary(status))?;
        let Some(password) = observe::secret_value(ctx, &ns, &source.db_secret, "password").await?
        else {
            return Ok(Next::Fail(
                R::NoPassword,
                format!("Secret {} has no password", source.db_secret),
            ));
        };
        let cluster = pass.cluster(target_name).map_err(Error::PgClusters)?;
        let temp = temporary(status);
        if let Err(e) =
            pg::ensure_role_and_database(cluster, &target.owner(), &password, &temp).await
        {
            return Ok(Next::Fail(
                R::PrepareTargetFailed,
                format!("cluster {target_name}: {e}"),
            ));
        }
        let job = copy_job::build(m, &source, &target, &ctx.config.agent_image);
        crate::apply::apply(&ctx.client, &job).await?;
        // The temporary database and the copy Job exist; the status still says only
        // Copying: a restarted operator finds the Job by its name.
        crate::crash::point("migration-copying");
        return Ok(Next::Wait(
            format!("Job {job_name} copies the database"),
            POLL,
        ));
    };
    let outcome = batch::outcome(&live);
    if outcome == Outcome::Running {
        return Ok(Next::Wait(
            format!("Job {job_name} copies the database"),
            POLL,
        ));
    }
    let left =
        crate::runtime::agent_pod::report::<CopyReport>(ctx, &ns, &job_name, copy_job::CONTAINER)
            .await?;
    let logs = format!("logs: kubectl logs job/{job_name} -n {ns}");
    match crate::runtime::agent_pod::taken(outcome == Outcome::Complete, left) {
        Ok(r) => {
            status.progress = Some(format!("{} bytes of SQL copied", r.size_bytes));
            Ok(Next::Advance(
                P::Verifying,
                "copied; comparing the copy with the source".into(),
            ))
        }
        Err(why) => Ok(Next::Fail(R::CopyFailed, format!("{why}; {logs}"))),
    }
}

/// Both databases read as the instance's role (on the target too, where the copy
/// step recreated it with the same password), compared fact by fact.
async fn verifying(pass: &Pass<'_>, status: &mut OdooClusterMigrationStatus) -> Next {
    let target_name = &pass.m.spec.target_cluster;
    let source_name = source_cluster(status);
    let (Ok(source), Ok(target)) = (pass.cluster(&source_name), pass.cluster(target_name)) else {
        return Next::Fail(
            R::UnknownCluster,
            "a cluster left the pg-clusters Secret".into(),
        );
    };
    let login = match pass.valid(&source_name, &pass.database()) {
        Ok(v) => pass.tenant_login(&v).await,
        Err(e) => Err(e.to_string()),
    };
    let login = match login {
        Ok(login) => login,
        Err(e) => return Next::Fail(R::NoPassword, e),
    };
    let original = match compare::inventory(source, &login, &pass.database()).await {
        Ok(i) => i,
        Err(e) => {
            return Next::Fail(R::VerificationFailed, format!("reading the source: {e}"));
        }
    };
    let copy = match compare::inventory(target, &login, &temporary(status)).await {
        Ok(i) => i,
        Err(e) => return Next::Fail(R::VerificationFailed, format!("reading the copy: {e}")),
    };
    let differences = compare::differences(&original, &copy);
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
            R::VerificationFailed,
            format!(
                "the copy differs from the source in {} ways: {}",
                differences.len(),
                shown.join("; ")
            ),
        );
    }
    Next::Advance(
        P::Switching,
        format!(
            "verified: {tables} tables with equal row counts, {} sequences, extensions {:?}, schemas {:?}",
            original.sequences.len(),
            original.extensions,
            original.schemas
        ),
    )
}

/// Renames the copy into place, then points the instance at the target.
async fn switching(
    pass: &Pass<'_>,
    status: &mut OdooClusterMigrationStatus,
) -> Result<Next, Error> {
    let target_name = pass.m.spec.target_cluster.clone();
    let Ok(target) = pass.cluster(&target_name) else {
        return Ok(Next::Fail(
            R::UnknownCluster,
            format!("{target_name} is gone"),
        ));
    };
    let (database, temp) = (pass.database(), temporary(status));
    let exists = |name: String| async move { pg::database_exists(target, &name).await };
    let renamed = match (exists(temp.clone()).await, exists(database.clone()).await) {
        // Renamed before a crash.
        (Ok(false), Ok(true)) => Ok(()),
        (Ok(true), Ok(false)) => crate::pg::restore::rename_database(target, &temp, &database)
            .await
            .map_err(|e| e.to_string()),
        (Ok(t), Ok(d)) => Err(format!(
            "expected {temp} (found: {t}) and no {database} (found: {d}) on {target_name}"
        )),
        (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
    };
    if let Err(e) = renamed {
        return Ok(Next::Fail(R::RenameFailed, e));
    }
    // The copy has the live name on the target, the instance still names the
    // source, and nothing of it is in the status.
    crate::crash::point("migration-switching");
    if pass.instance.spec.database.cluster.as_deref() != Some(target_name.as_str())
        && let Err(e) = switch_instance(pass, &target_name).await
    {
        return match e {
            kube::Error::Api(s) if (400..500).contains(&s.code) && s.code != 409 => {
                Ok(Next::Fail(R::SwitchRefused, s.message))
            }
            other => Err(Error::kube("switching spec.database.cluster")(other)),
        };
    }
    // The instance names the target, the status does not say `switched` yet.
    crate::crash::point("migration-switched");
    status.switched = true;
    Ok(Next::Advance(
        P::Starting,
        format!("the instance now uses {database} on {target_name}; starting it"),
    ))
}

/// Done once the instance settled on the target for the spec that names it.
fn starting(pass: &Pass<'_>, status: &mut OdooClusterMigrationStatus) -> Next {
    let instance = pass.instance;
    let s = instance.status.clone().unwrap_or_default();
    let current = s.observed_generation == instance.metadata.generation
        && instance.spec.database.cluster.as_deref() == Some(pass.m.spec.target_cluster.as_str());
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
                pass.m.spec.target_cluster,
                source_cluster(status),
                if pass.m.spec.drop_source_after {
                    " until dropped now"
                } else {
                    " until spec.dropSourceAfter is set"
                }
            ),
        );
    }
    let waited = super::pass::step_started(status).map_or(Duration::ZERO, |t| {
        let secs = (k8s_openapi::jiff::Timestamp::now() - t)
            .total(k8s_openapi::jiff::Unit::Second)
            .unwrap_or(0.0);
        Duration::from_secs_f64(secs.max(0.0))
    });
    if waited > START_TIMEOUT {
        return Next::Fail(
            R::StartFailed,
            format!(
                "the instance was not ready on the target within {}s (it is {})",
                START_TIMEOUT.as_secs(),
                s.phase.map_or("new".into(), |p| p.to_string())
            ),
        );
    }
    Next::Wait(
        format!(
            "waiting for the instance to run on {} (it is {})",
            pass.m.spec.target_cluster,
            s.phase.map_or("new".into(), |p| p.to_string())
        ),
        POLL,
    )
}
