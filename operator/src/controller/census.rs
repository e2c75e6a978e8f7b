//! The database census (`odoo_model::census`): every ten minutes, and soon after
//! the set of instances changes, the operator lists the databases its roles own on
//! each cluster and publishes them in a ConfigMap of its namespace, written only
//! when the list changed. `kubectl odoo backup orphans` compares it with the
//! instances that exist.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use odoo_model::census::{self, CensusEntry, DatabaseCensus};

use crate::runtime::context::Context;
use crate::runtime::observe;

/// How often the census is taken when nothing changes.
const PERIOD: Duration = Duration::from_secs(600);
/// How often the instances are looked at for a change.
const LOOK: Duration = Duration::from_secs(15);

/// Takes the census until the process stops.
pub async fn run(ctx: Arc<Context>) {
    let mut seen: Option<BTreeSet<String>> = None;
    let mut published: Option<Vec<CensusEntry>> = None;
    let mut taken: Option<Instant> = None;
    let mut look = tokio::time::interval(LOOK);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        look.tick().await;
        if !ctx.caches.ready() {
            continue;
        }
        let uids: BTreeSet<String> = ctx
            .caches
            .instances
            .state()
            .iter()
            .filter_map(|guard| guard.0.as_ref().ok()?.uid())
            .collect();
        let due = taken.is_none_or(|t| t.elapsed() >= PERIOD) || seen.as_ref() != Some(&uids);
        if !due {
            continue;
        }
        match take(&ctx).await {
            Ok(entries) => {
                if published.as_ref() != Some(&entries) {
                    match publish(&ctx, &entries).await {
                        Ok(()) => published = Some(entries),
                        Err(e) => {
                            // Tried again at the next look, not in ten minutes.
                            tracing::warn!(error = %e, "publishing the database census");
                            continue;
                        }
                    }
                }
                seen = Some(uids);
                taken = Some(Instant::now());
            }
            Err(e) => tracing::warn!(error = %e, "taking the database census"),
        }
    }
}

/// The marked databases of every cluster, in one order. A cluster that cannot be
/// asked fails the whole census: a partial one would hide databases.
async fn take(ctx: &Context) -> Result<Vec<CensusEntry>, String> {
    let clusters = observe::pg_clusters(ctx).await.map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    for (name, cluster) in clusters.iter() {
        let _permit = ctx.pg_pools.acquire(name).await;
        let marked = crate::pg::census::marked_databases(cluster)
            .await
            .map_err(|e| format!("cluster {name}: {}", e))?;
        entries.extend(marked.into_iter().map(|m| CensusEntry {
            cluster: name.to_owned(),
            database: m.database,
            role: m.role,
            instance_uid: m.instance_uid,
            size_bytes: m.size_bytes,
        }));
    }
    entries.sort();
    Ok(entries)
}

async fn publish(ctx: &Context, entries: &[CensusEntry]) -> Result<(), kube::Error> {
    let body = DatabaseCensus {
        taken_at: Some(k8s_openapi::jiff::Timestamp::now()),
        databases: entries.to_vec(),
    };
    let map = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {
            "name": census::CONFIG_MAP,
            "labels": { "app.kubernetes.io/managed-by": odoo_model::labels::OPERATOR_FIELD_MANAGER },
        },
        "data": { census::KEY: serde_json::to_string(&body).expect("a census serializes") },
    });
    Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.config.namespace)
        .patch(
            census::CONFIG_MAP,
            &PatchParams::apply(odoo_model::labels::OPERATOR_FIELD_MANAGER).force(),
            &Patch::Apply(map),
        )
        .await?;
    Ok(())
}
