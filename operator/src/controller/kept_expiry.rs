//! Kept databases expire. A restore or a Copy upgrade keeps the database it
//! replaced (`<db>_pre_restore_<time>`, `<db>_pre_upgrade_<time>`) with its files;
//! `spec.keptDatabases` says how many stay and for how long. The instance
//! controller lists them when the instance is settled and no job holds it (the
//! job that kept one may still go back to it), right after a job let go of it and
//! every ten minutes otherwise; it drops the oldest beyond the limits, one at a
//! time: the files first (a Job of the agent's filestore discard), then the
//! database, which the ownership check refuses when it is not this instance's.
//! Files that cannot go keep their database. The list, with sizes, is in
//! `status.keptDatabases`.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams};
use kube::runtime::controller::Action;
use odoo_model::Reason;
use odoo_model::agent::FilestoreCopyReport;
use odoo_model::kept::{KeptDatabase, KeptDatabases};
use odoo_model::{OdooInstance, names};

use super::db_names::dated;
use super::filestore_jobs::{FILES_CONTAINER, copy_request, filestore_job};
use super::job;
use super::schedule::parse_max_age;
use crate::runtime::agent_pod::{self, Agent};
use crate::runtime::batch;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// A new list is written to the status by the instance's next pass, at once.
const SHOW_LIST: Duration = Duration::from_secs(1);
/// The expiry Job removes files; its end wakes the instance through the Jobs'
/// watch, so this is a safety net.
const FILES_GOING: Duration = Duration::from_secs(5);
/// An ended expiry Job is being deleted: the next pass lists again (and starts
/// the next expiry) once it is gone.
const NEXT_EXPIRY: Duration = Duration::from_secs(2);

/// On the expiry Job: why its database goes.
const REASON_ANNOTATION: &str = "odoo-operator.dev/expired-because";
/// On the expiry Job: the kept database it is for (the Jobs' cache keeps their
/// metadata, not their pod template).
const KEPT_ANNOTATION: &str = "odoo-operator.dev/kept-database";
/// On the expiry Job: the size of its database when listed.
const SIZE_ANNOTATION: &str = "odoo-operator.dev/size-bytes";

/// Which of the databases `owned` (name, size) are kept databases of `database`:
/// exactly the names a restore or upgrade makes for it, newest first.
pub fn kept_of(database: &str, owned: &[(String, Option<i64>)]) -> Vec<KeptDatabase> {
    let mut kept: Vec<KeptDatabase> = owned
        .iter()
        .filter_map(|(name, size)| {
            let (stem, stamp) = name.split_at_checked(name.len().checked_sub(14)?)?;
            let civil = k8s_openapi::jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", stamp).ok()?;
            let at = civil
                .to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp();
            let reason = ["restore", "upgrade"]
                .into_iter()
                .find(|r| stem.ends_with(&format!("_pre_{r}_")))?;
            (dated(database, &format!("pre_{reason}"), at) == *name).then(|| KeptDatabase {
                name: name.clone(),
                reason: reason.into(),
                kept_at: Time(at),
                size_bytes: size.unwrap_or(0),
            })
        })
        .collect();
    kept.sort_by(|a, b| b.kept_at.0.cmp(&a.kept_at.0).then(b.name.cmp(&a.name)));
    kept
}

/// The kept databases (newest first) beyond the limits, each with why, oldest
/// first: the order they are dropped in.
pub fn expired<'a>(
    kept: &'a [KeptDatabase],
    limits: &KeptDatabases,
    now: Timestamp,
) -> Vec<(&'a KeptDatabase, String)> {
    let max_age: Option<SignedDuration> = limits.max_age.as_deref().and_then(parse_max_age);
    let mut expired: Vec<(&KeptDatabase, String)> = kept
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            if i >= limits.max_count as usize {
                return Some((
                    k,
                    format!("beyond keptDatabases.maxCount {}", limits.max_count),
                ));
            }
            let age = max_age?;
            (now.duration_since(k.kept_at.0) > age).then(|| {
                let limit = limits.max_age.clone().unwrap_or_default();
                (k, format!("older than keptDatabases.maxAge {limit}"))
            })
        })
        .collect();
    expired.reverse();
    expired
}

/// A settled instance's pass: finishes an expiry under way, or lists the kept
/// databases when due and starts the expiry of the oldest beyond the limits.
/// `Some` when the pass should come back soon.
pub async fn expire(
    ctx: &Context,
    instance: &OdooInstance,
    v: &ValidInstance,
    busy: bool,
) -> Result<Option<Action>, Error> {
    let uid = instance.uid().unwrap_or_default();
    let ns = v.namespace.clone();
    let name = names::expire_job(&v.name);
    // The Jobs' watch says whether one runs: no read per pass of every instance.
    if let Some(live) = batch::job_unless_new(ctx, &ns, &name, false).await? {
        return finish(ctx, instance, v, &live).await.map(Some);
    }
    if !ctx.kept_lists.due(&uid, busy) {
        return Ok(None);
    }
    let cluster = job::cluster_of(ctx, v).await?;
    // One connection among provisioning's bounded ones: an operator starting with
    // many instances lists each once, not all at once.
    let _permit = ctx.pg_pools.acquire(&v.database.cluster).await;
    let owned = crate::pg::kept::owned_candidates(&cluster, &v.database.role)
        .await
        .map_err(|e| job::db_error(&v.database.cluster, e))?;
    let owned: Vec<(String, Option<i64>)> =
        owned.into_iter().map(|o| (o.name, o.size_bytes)).collect();
    let kept = kept_of(&v.database.name, &owned);
    tracing::debug!(instance = %v.name, kept = kept.len(), "listed kept databases");
    let doomed = expired(&kept, &instance.spec.kept_databases, Timestamp::now())
        .first()
        .map(|(k, why)| ((*k).clone(), why.clone()));
    let changed = ctx.kept_lists.shown(&uid).as_ref() != Some(&kept);
    ctx.kept_lists.record(&uid, kept);
    let Some((oldest, why)) = doomed else {
        // The status shows the list: a new one is written by the next pass.
        return Ok(changed.then(|| Action::requeue(SHOW_LIST)));
    };
    let request = copy_request(v, &oldest.name, true);
    let mut files = filestore_job(instance, name, "kept", v, &request, &ctx.config.agent_image);
    files.metadata.annotations = Some(
        [
            (KEPT_ANNOTATION.to_owned(), oldest.name.clone()),
            (REASON_ANNOTATION.to_owned(), why),
            (SIZE_ANNOTATION.to_owned(), oldest.size_bytes.to_string()),
        ]
        .into(),
    );
    crate::apply::apply(&ctx.client, &files).await?;
    tracing::info!(instance = %v.name, database = %oldest.name, "expiring a kept database");
    Ok(Some(Action::requeue(FILES_GOING)))
}

/// The expiry Job ended: its files gone, the database goes too; files that
/// could not go keep their database (tried again at the next listing). Either way
/// the Job goes.
async fn finish(
    ctx: &Context,
    instance: &OdooInstance,
    v: &ValidInstance,
    live: &k8s_openapi::api::batch::v1::Job,
) -> Result<Action, Error> {
    let taken = match agent_pod::run_in::<FilestoreCopyReport>(ctx, live, FILES_CONTAINER).await? {
        Agent::Ended(taken) => taken,
        Agent::Missing | Agent::Running => return Ok(Action::requeue(FILES_GOING)),
    };
    let ns = v.namespace.clone();
    let name = live.name_any();
    let jobs = Api::<k8s_openapi::api::batch::v1::Job>::namespaced(ctx.client.clone(), &ns);
    // The Jobs' cache drops annotations: what this one is for is read once, here.
    let Some(full) = jobs
        .get_opt(&name)
        .await
        .map_err(Error::kube(format!("reading Job {name}")))?
    else {
        return Ok(Action::requeue(NEXT_EXPIRY));
    };
    let annotation = |key: &str| full.annotations().get(key).cloned().unwrap_or_default();
    let kept = annotation(KEPT_ANNOTATION);
    let dropped = match taken {
        Ok(_) if !kept.is_empty() => {
            let cluster = job::cluster_of(ctx, v).await?;
            crate::pg::restore::drop_database(&cluster, &kept, &v.owner(), false)
                .await
                .map_err(|e| job::db_error(&v.database.cluster, e))?;
            let message = format!(
                "dropped the kept database {kept} ({} bytes) and its files: {}",
                annotation(SIZE_ANNOTATION),
                annotation(REASON_ANNOTATION)
            );
            ctx.event(instance, false, Reason::KeptDatabaseDropped, message)
                .await;
            true
        }
        Ok(_) => false,
        Err(why) => {
            let message = format!(
                "the files of the kept database {kept} could not be removed, so it stays: {why}; logs: kubectl logs job/{name} -n {ns}"
            );
            ctx.event(instance, true, Reason::KeptDatabaseDropFailed, message)
                .await;
            false
        }
    };
    match jobs.delete(&name, &DeleteParams::background()).await {
        Ok(_) => {}
        Err(e) if odoo_model::api_error::is_not_found(&e) => {}
        Err(e) => return Err(Error::kube(format!("deleting Job {name}"))(e)),
    }
    // The next one goes at once; after a failure, at the next listing.
    if dropped {
        ctx.kept_lists.stale(&instance.uid().unwrap_or_default());
    }
    Ok(Action::requeue(NEXT_EXPIRY))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    #[test]
    fn kept_databases_are_exactly_the_names_restores_and_upgrades_make() {
        let owned = vec![
            ("shop_pre_restore_20260102030405".to_owned(), Some(10)),
            ("shop_pre_upgrade_20260103030405".to_owned(), None),
            // Another database's kept one, a tenant's own name, a bad date.
            ("shopx_pre_restore_20260102030405".to_owned(), Some(1)),
            ("shop_pre_restore_backup".to_owned(), Some(1)),
            ("shop_pre_restore_20261399999999".to_owned(), Some(1)),
            ("shop".to_owned(), Some(1)),
        ];
        let kept = kept_of("shop", &owned);
        let names: Vec<&str> = kept.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "shop_pre_upgrade_20260103030405",
                "shop_pre_restore_20260102030405"
            ]
        );
        assert_eq!(kept[0].reason, "upgrade");
        assert_eq!(kept[1].size_bytes, 10);
        assert_eq!(kept[1].kept_at.0, at("2026-01-02T03:04:05Z"));
        // A long database name is cut the way the restore cut it.
        let long = "d".repeat(60);
        let name = dated(&long, "pre_restore", at("2026-01-02T03:04:05Z"));
        assert_eq!(kept_of(&long, &[(name, Some(1))]).len(), 1);
    }

    #[test]
    fn the_oldest_beyond_the_count_or_the_age_expire_first() {
        let kept = kept_of(
            "shop",
            &[
                ("shop_pre_restore_20260110000000".into(), Some(1)),
                ("shop_pre_restore_20260105000000".into(), Some(1)),
                ("shop_pre_upgrade_20260101000000".into(), Some(1)),
            ],
        );
        let limits = |max_count, max_age: Option<&str>| KeptDatabases {
            max_count,
            max_age: max_age.map(str::to_owned),
        };
        let now = at("2026-01-11T00:00:00Z");
        let names = |e: Vec<(&KeptDatabase, String)>| -> Vec<String> {
            e.into_iter().map(|(k, _)| k.name.clone()).collect()
        };
        assert_eq!(
            names(expired(&kept, &limits(1, None), now)),
            [
                "shop_pre_upgrade_20260101000000",
                "shop_pre_restore_20260105000000"
            ]
        );
        assert_eq!(
            names(expired(&kept, &limits(3, Some("7d")), now)),
            ["shop_pre_upgrade_20260101000000"]
        );
        assert!(expired(&kept, &KeptDatabases::default(), now).is_empty());
        let why = expired(&kept, &limits(0, None), now);
        assert_eq!(why.len(), 3);
        assert!(why[0].1.contains("maxCount 0"), "{}", why[0].1);
    }
}
