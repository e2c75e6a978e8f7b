//! What a migration's steps ask for, done: reads of the cluster and of both
//! PostgreSQL clusters, and the changes each step makes. Each records its outcome
//! in the pass's facts; a failure that is a step's is kept as the message the step
//! fails with, any other error ends the pass (retried with backoff).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use odoo_model::agent::CopyReport;
use odoo_model::cluster_migration::MigrationPhase as P;
use odoo_model::labels::CLUSTER_MIGRATION_ANNOTATION;
use odoo_model::{OdooClusterMigration, OdooInstance, names};
use serde_json::json;

use super::copy_job;
use super::facts::{Effect, Facts, Prepared, Side};
use super::pass::{database, source_cluster, temporary};
use crate::controller::job;
use crate::controller::step::Apply;
use crate::pg::clusters::{PgCluster, PgClusters};
use crate::pg::restore::{drop_database, rename_database};
use crate::pg::{self, PgError, compare};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::error::needed;
use crate::runtime::{agent_pod, batch, observe};
use crate::validate::ValidInstance;

impl Apply<OdooClusterMigration> for Effect {
    async fn apply(
        self,
        ctx: &Context,
        m: &OdooClusterMigration,
        f: &mut Facts,
    ) -> Result<(), Error> {
        let ns = m.namespace().unwrap_or_default();
        match self {
            Effect::ReadClusters => f.clusters = Some(observe::pg_clusters(ctx).await?),
            Effect::ReadAhead => f.ahead = Some(ahead(ctx, m).await?),
            Effect::ReadNewer => {
                let instance = f.seen.needed()?;
                let all = crate::runtime::caches::readable_of_instance(
                    &ctx.caches.migrations,
                    instance,
                    |m: &OdooClusterMigration| m.spec.instance_ref.name.as_str(),
                );
                f.newer = Some(super::ending::newer_migration(m, &all));
            }
            Effect::ReadCopyLive => {
                let live = batch::live_job(ctx, &ns, &copy_job::name(m)).await?;
                f.copy_live = Some(live.is_some());
            }
            Effect::DeleteCopy => {
                let name = copy_job::name(m);
                Api::<Job>::namespaced(ctx.client.clone(), &ns)
                    .delete(&name, &DeleteParams::foreground())
                    .await
                    .map_err(Error::kube(format!("deleting Job {name}")))?;
                f.copy_deleted = true;
            }
            Effect::ReadCopy => {
                let name = copy_job::name(m);
                let run = agent_pod::run_of::<CopyReport>(ctx, &ns, &name, copy_job::CONTAINER);
                f.copy = Some(run.await?);
            }
            effect @ (Effect::ReadPods
            | Effect::Prepare
            | Effect::StartCopy
            | Effect::ReadLogin
            | Effect::PointAtTarget
            | Effect::PointAtSource
            | Effect::DropSource) => on_the_instance(ctx, m, f, effect).await?,
            effect => on_postgres(m, f, effect).await?,
        }
        Ok(())
    }
}

/// Why an effect on PostgreSQL cannot be done: a step asks for one only once the
/// pass read the clusters (see `runtime::error::needed`).
const NO_CLUSTERS: &str = "a migration step asked for an effect before reading the clusters";

/// What reads or changes the instance, its pods, its Secret, its copy Job.
async fn on_the_instance(
    ctx: &Context,
    m: &OdooClusterMigration,
    f: &mut Facts,
    effect: Effect,
) -> Result<(), Error> {
    let (instance, clusters) = (f.seen.needed()?, needed(f.clusters.as_ref(), NO_CLUSTERS)?);
    let status = m.status.clone().unwrap_or_default();
    let source = || {
        valid(
            instance,
            clusters,
            &source_cluster(&status),
            &database(instance),
        )
    };
    let target = || {
        valid(
            instance,
            clusters,
            &m.spec.target_cluster,
            &temporary(&status),
        )
    };
    match effect {
        Effect::ReadPods => {
            // The instance was told to stop (Migrating), the migration is at
            // Stopping: a restarted operator must keep it down and go on copying.
            crate::crash::point("migration-stopping");
            f.pods_left = Some(pods_left(ctx, instance).await?);
        }
        Effect::Prepare => {
            let (source, target) = (source()?, target()?);
            let cluster = cluster(clusters, &m.spec.target_cluster)?;
            let temp = temporary(&status);
            let ns = instance.namespace().unwrap_or_default();
            f.prepared = Some(prepare(ctx, &ns, &source, &target, cluster, &temp).await?);
        }
        Effect::StartCopy => {
            let job = copy_job::build(m, &source()?, &target()?, &ctx.config.agent_image);
            crate::apply::apply(&ctx.client, &job).await?;
            // The temporary database and the copy Job exist; the status still says
            // only Copying: a restarted operator finds the Job by its name.
            crate::crash::point("migration-copying");
            f.copy_started = true;
        }
        Effect::ReadLogin => {
            let login = match source() {
                Ok(v) => job::tenant_of(ctx, &v).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            f.login = Some(login);
        }
        Effect::PointAtTarget => f.pointed = Some(point_at_target(ctx, m, instance).await?),
        Effect::PointAtSource => {
            point_at(ctx, m, instance, &source_cluster(&status))
                .await
                .map_err(Error::kube("switching the instance back to the source"))?;
            f.undone.pointed_back = true;
        }
        Effect::DropSource => {
            let name = source_cluster(&status);
            let source = cluster(clusters, &name)?;
            f.source_dropped = Some(drop_source(ctx, instance, source, &name).await?);
        }
        _ => {}
    }
    Ok(())
}

/// What reads or changes the databases on either cluster: a failure is the
/// step's, kept as its message.
async fn on_postgres(m: &OdooClusterMigration, f: &mut Facts, effect: Effect) -> Result<(), Error> {
    let (instance, clusters) = (f.seen.needed()?, needed(f.clusters.as_ref(), NO_CLUSTERS)?);
    let status = m.status.clone().unwrap_or_default();
    let (database, temp) = (database(instance), temporary(&status));
    let target = cluster(clusters, &m.spec.target_cluster)?;
    let source = || cluster(clusters, &source_cluster(&status));
    let text = |e: PgError| e.to_string();
    let owner = crate::controller::database::instance_owner(instance);
    match effect {
        Effect::ReadMajor(Side::Target) => {
            f.target_major = Some(pg::server_major_version(target).await.map_err(text));
        }
        Effect::ReadMajor(Side::Source) => {
            f.source_major = Some(pg::server_major_version(source()?).await.map_err(text));
        }
        Effect::ReadTargetTaken => {
            f.target_taken = Some(pg::database_exists(target, &database).await.map_err(text));
        }
        Effect::ReadInventory(side) => {
            let Some(Ok(login)) = &f.login else {
                return Ok(());
            };
            match side {
                Side::Source => {
                    let read = compare::inventory(source()?, login, &database).await;
                    f.source_inventory = Some(read.map_err(text));
                }
                Side::Target => {
                    let read = compare::inventory(target, login, &temp).await;
                    f.copy_inventory = Some(read.map_err(text));
                }
            }
        }
        Effect::ReadNames => {
            let temporary = pg::database_exists(target, &temp).await;
            let live = pg::database_exists(target, &database).await;
            f.names_on_target = Some(match (temporary, live) {
                (Ok(t), Ok(d)) => Ok((t, d)),
                (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
            });
        }
        Effect::Rename => {
            f.renamed = Some(
                rename_database(target, &temp, &database)
                    .await
                    .map_err(text),
            );
        }
        Effect::ReadLiveOnTarget => {
            let live = pg::database_exists(target, &database).await;
            f.undone.live_on_target = Some(matches!(live, Ok(true)));
        }
        Effect::RenameBack => {
            let renamed = rename_database(target, &database, &temp).await;
            f.undone.renamed_back = Some(renamed.map_err(text));
        }
        Effect::DropTemporary => {
            let dropped = drop_database(target, &temp, &owner, false).await;
            f.undone.dropped_temporary = Some(dropped.map_err(text));
        }
        Effect::DropRenamed => {
            f.undone.dropped_renamed =
                Some(match drop_database(target, &database, &owner, true).await {
                    Ok(()) => Ok(None),
                    Err(e @ PgError::NotOurs { .. }) => Ok(Some(e.to_string())),
                    Err(e) => Err(e.to_string()),
                });
        }
        _ => {}
    }
    Ok(())
}

fn cluster<'a>(clusters: &'a PgClusters, name: &str) -> Result<&'a PgCluster, Error> {
    clusters
        .get(name)
        .map_err(|e| Error::PgClusters(e.to_string()))
}

/// The instance resolved with its database on `cluster` under `database`,
/// running the image the database is at (with the matching pg_dump).
fn valid(
    instance: &OdooInstance,
    clusters: &PgClusters,
    cluster: &str,
    database: &str,
) -> Result<ValidInstance, Error> {
    Ok(crate::validate::resolve_on(
        instance, clusters, cluster, database,
    )?)
}

/// Another migration of the same instance that goes first: one under way, or an
/// older one still waiting.
async fn ahead(ctx: &Context, m: &OdooClusterMigration) -> Result<Option<String>, Error> {
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

/// Web and cron pods wanted or still running.
async fn pods_left(ctx: &Context, instance: &OdooInstance) -> Result<i32, Error> {
    let api: Api<Deployment> = Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    );
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
    Ok(left)
}

/// Role and empty temporary database on the target, as the instance's role with
/// its password.
async fn prepare(
    ctx: &Context,
    ns: &str,
    source: &ValidInstance,
    target: &ValidInstance,
    cluster: &PgCluster,
    temp: &str,
) -> Result<Prepared, Error> {
    let password = observe::secret_value(ctx, ns, &source.db_secret, "password").await?;
    let Some(password) = password else {
        return Ok(Prepared::NoPassword(source.db_secret.clone()));
    };
    Ok(
        match pg::ensure_role_and_database(cluster, &target.owner(), &password, temp).await {
            Ok(_) => Prepared::Done,
            Err(e) => Prepared::Failed(e.to_string()),
        },
    )
}

/// Points the instance at the target (unless it does already), between the two
/// crash points a restarted operator must converge from. A refusal of the webhook
/// is the step's failure.
async fn point_at_target(
    ctx: &Context,
    m: &OdooClusterMigration,
    instance: &OdooInstance,
) -> Result<Result<(), String>, Error> {
    // The copy has the live name on the target, the instance still names the
    // source, and nothing of it is in the status.
    crate::crash::point("migration-switching");
    let target = m.spec.target_cluster.as_str();
    if instance.spec.database.cluster.as_deref() != Some(target)
        && let Err(e) = point_at(ctx, m, instance, target).await
    {
        return match e {
            kube::Error::Api(s) if (400..500).contains(&s.code) && s.code != 409 => {
                Ok(Err(s.message))
            }
            other => Err(Error::kube("switching spec.database.cluster")(other)),
        };
    }
    // The instance names the target, the status does not say `switched` yet.
    crate::crash::point("migration-switched");
    Ok(Ok(()))
}

/// Points the instance at `cluster` in the one write the admission webhook lets
/// through: by the operator, naming the migration in the same request.
async fn point_at(
    ctx: &Context,
    m: &OdooClusterMigration,
    instance: &OdooInstance,
    cluster: &str,
) -> Result<(), kube::Error> {
    let api: Api<OdooInstance> = Api::namespaced(
        ctx.client.clone(),
        &instance.namespace().unwrap_or_default(),
    );
    let patch = json!({
        "metadata": { "annotations": { CLUSTER_MIGRATION_ANNOTATION: m.name_any() } },
        "spec": { "database": { "cluster": cluster } },
    });
    api.patch(
        &instance.name_any(),
        &PatchParams::default(),
        &Patch::Merge(patch),
    )
    .await
    .map(|_| ())
}

/// Drops the source database and the instance's role there (kept if something
/// else still needs it); whether the role went too.
async fn drop_source(
    ctx: &Context,
    instance: &OdooInstance,
    source: &PgCluster,
    source_name: &str,
) -> Result<bool, Error> {
    let owner = crate::controller::database::instance_owner(instance);
    let password = observe::secret_value(
        ctx,
        &instance.namespace().unwrap_or_default(),
        &names::db_secret(&instance.name_any()),
        "password",
    )
    .await?
    .unwrap_or_default();
    let scope = pg::DropScope::Database;
    let database = database(instance);
    match pg::drop_database_and_role(source, &owner, &password, &database, scope).await {
        Ok(dropped) => Ok(dropped.role),
        Err(e) => Err(job::db_error(source_name, e)),
    }
}
