//! Admission rules of the job resources, which depend on other objects: the
//! instance they name, the Secrets and volumes a backup needs, the backup a
//! restore reads. Checked on create only: their specs are immutable, and later
//! writes (finalizers, labels) must pass even after the instance is gone.

use std::collections::BTreeSet;

use odoo_model::backup_job::{BackupDestination, BackupTemplate};
use odoo_model::common::{JobPhase, S3Bucket};
use odoo_model::restore_job::RestoreSource;
use odoo_model::{
    OdooBackupJob, OdooBackupSchedule, OdooClusterMigration, OdooInitJob, OdooRestoreJob,
    OdooUpgradeJob,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::lookup::{Lookup, LookupError};
use super::verdict::Verdict;

/// Job kinds admission knows, by `kind`.
pub const KINDS: &[&str] = &[
    "OdooInitJob",
    "OdooUpgradeJob",
    "OdooBackupJob",
    "OdooRestoreJob",
    "OdooBackupSchedule",
    "OdooClusterMigration",
];

/// Checks a new job resource of `kind` in `namespace`.
pub(crate) async fn check<L: Lookup>(
    lookup: &L,
    kind: &str,
    namespace: &str,
    object: Value,
) -> Result<Verdict, Refusal> {
    let mut denials = Vec::new();
    let mut warnings = Vec::new();
    let instance = match kind {
        "OdooInitJob" => parse::<OdooInitJob>(object)?.spec.instance_ref.name,
        "OdooUpgradeJob" => parse::<OdooUpgradeJob>(object)?.spec.instance_ref.name,
        "OdooBackupJob" => {
            let job = parse::<OdooBackupJob>(object)?;
            denials.extend(destination(lookup, namespace, &job.spec.backup, false).await?);
            job.spec.instance_ref.name
        }
        "OdooBackupSchedule" => {
            let schedule = parse::<OdooBackupSchedule>(object)?;
            denials.extend(destination(lookup, namespace, &schedule.spec.template, true).await?);
            schedule.spec.instance_ref.name
        }
        "OdooRestoreJob" => {
            let job = parse::<OdooRestoreJob>(object)?;
            denials.extend(source(lookup, namespace, &job.spec.source).await?);
            job.spec.instance_ref.name
        }
        "OdooClusterMigration" => {
            let m = parse::<OdooClusterMigration>(object)?;
            let target = m.spec.target_cluster.clone();
            let clusters = lookup.pg_clusters().await?;
            if !clusters.contains(&target) {
                denials.push(format!(
                    "spec.targetCluster {target:?} is not in the operator's pg-clusters Secret \
                     (known: {}); add it there first or pick a known cluster.",
                    list(clusters.iter())
                ));
            }
            if let Some(i) = lookup
                .instance(namespace, &m.spec.instance_ref.name)
                .await?
                && i.spec.database.cluster.as_deref() == Some(target.as_str())
            {
                denials.push(format!(
                    "instance {:?} already runs on cluster {target:?}; nothing to migrate.",
                    m.spec.instance_ref.name
                ));
            }
            m.spec.instance_ref.name
        }
        other => return Err(Refusal(format!("admission does not handle kind {other}"))),
    };

    if lookup.instance(namespace, &instance).await?.is_none() {
        denials.insert(
            0,
            format!(
                "spec.instanceRef.name: OdooInstance {instance:?} does not exist in namespace \
                 {namespace:?}; create it first (kubectl odoo create {instance}) or fix the name."
            ),
        );
    }
    if kind != "OdooBackupSchedule" {
        let running = lookup.active_jobs(namespace, &instance).await?;
        if !running.is_empty() {
            warnings.push(format!(
                "instance {instance:?} is busy with {}; this {kind} is queued and starts when \
                 that finishes (one job per instance at a time).",
                list(running.iter())
            ));
        }
    }
    Ok(Verdict::from_parts(denials, warnings))
}

/// A request admission cannot judge; turned into a denial carrying the message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl From<LookupError> for Refusal {
    fn from(e: LookupError) -> Self {
        Refusal(format!("{e}; retry in a moment"))
    }
}

fn parse<T: DeserializeOwned>(object: Value) -> Result<T, Refusal> {
    serde_json::from_value(object).map_err(|e| Refusal(format!("the object cannot be read: {e}")))
}

fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let items: Vec<&str> = items.map(String::as_str).collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

async fn destination<L: Lookup>(
    lookup: &L,
    namespace: &str,
    template: &BackupTemplate,
    repeated: bool,
) -> Result<Vec<String>, Refusal> {
    let BackupDestination { s3, pvc } = &template.destination;
    let mut denials = Vec::new();
    if let Some(s3) = s3 {
        denials.extend(bucket(lookup, namespace, "destination.s3", &s3.bucket).await?);
        if repeated && !template_has_unique_part(&s3.key) {
            denials.push(format!(
                "destination.s3.key {:?} has no {{timestamp}}: every scheduled backup would \
                 overwrite the previous one. Add {{timestamp}} to the key.",
                s3.key
            ));
        }
    }
    if let Some(pvc) = pvc {
        denials.extend(claim(lookup, namespace, "destination.pvc", &pvc.claim_name).await?);
        if repeated && !template_has_unique_part(&pvc.path) {
            denials.push(format!(
                "destination.pvc.path {:?} has no {{timestamp}}: every scheduled backup would \
                 overwrite the previous one. Add {{timestamp}} to the path.",
                pvc.path
            ));
        }
    }
    Ok(denials)
}

fn template_has_unique_part(template: &str) -> bool {
    template.contains("{timestamp}")
}

async fn source<L: Lookup>(
    lookup: &L,
    namespace: &str,
    source: &RestoreSource,
) -> Result<Vec<String>, Refusal> {
    let mut denials = Vec::new();
    if let Some(name) = &source.backup_job {
        let jobs = lookup.backup_jobs(namespace).await?;
        match jobs
            .iter()
            .find(|j| j.metadata.name.as_deref() == Some(name))
        {
            None => denials.push(format!(
                "source.backupJob: OdooBackupJob {name:?} does not exist in namespace \
                 {namespace:?}; list backups with kubectl odoo backup list."
            )),
            Some(job) => {
                let phase = job.status.as_ref().and_then(|s| s.job.phase);
                if phase == Some(JobPhase::Failed) {
                    denials.push(format!(
                        "source.backupJob: OdooBackupJob {name:?} failed and has no archive; \
                         pick a succeeded backup (kubectl odoo backup list)."
                    ));
                }
            }
        }
    }
    if let Some(s3) = &source.s3 {
        denials.extend(bucket(lookup, namespace, "source.s3", &s3.bucket).await?);
    }
    if let Some(pvc) = &source.pvc {
        denials.extend(claim(lookup, namespace, "source.pvc", &pvc.claim_name).await?);
    }
    if let Some(of) = &source.latest_backup_of {
        let jobs = lookup.backup_jobs(namespace).await?;
        let any = jobs.iter().any(|j| {
            j.spec.instance_ref.name == of.name
                && j.status.as_ref().and_then(|s| s.job.phase) == Some(JobPhase::Succeeded)
        });
        if !any {
            denials.push(format!(
                "source.latestBackupOf: instance {:?} has no succeeded backup in namespace \
                 {namespace:?}; take one first (kubectl odoo backup create {}).",
                of.name, of.name
            ));
        }
    }
    Ok(denials)
}

async fn bucket<L: Lookup>(
    lookup: &L,
    namespace: &str,
    field: &str,
    bucket: &S3Bucket,
) -> Result<Vec<String>, Refusal> {
    let mut denials = Vec::new();
    let endpoint = bucket.endpoint.as_str();
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        || endpoint.split("://").nth(1).is_none_or(str::is_empty)
    {
        denials.push(format!(
            "{field}.endpoint {endpoint:?} is not an http(s) URL; write it like \
             https://s3.example.com."
        ));
    }
    let creds = &bucket.credentials;
    match lookup.secret_keys(namespace, &creds.secret_name).await? {
        None => denials.push(format!(
            "{field}.credentials.secretName: Secret {:?} does not exist in namespace \
             {namespace:?}; create it with the keys {} and {}.",
            creds.secret_name, creds.access_key_id_key, creds.secret_access_key_key
        )),
        Some(keys) => {
            let missing: BTreeSet<&String> =
                [&creds.access_key_id_key, &creds.secret_access_key_key]
                    .into_iter()
                    .filter(|k| !keys.contains(*k))
                    .collect();
            if !missing.is_empty() {
                denials.push(format!(
                    "{field}.credentials: Secret {:?} has no key {}; add it or point \
                     accessKeyIdKey/secretAccessKeyKey at the keys it has ({}).",
                    creds.secret_name,
                    list(missing.into_iter()),
                    list(keys.iter())
                ));
            }
        }
    }
    Ok(denials)
}

async fn claim<L: Lookup>(
    lookup: &L,
    namespace: &str,
    field: &str,
    name: &str,
) -> Result<Vec<String>, Refusal> {
    Ok(if lookup.pvc_exists(namespace, name).await? {
        Vec::new()
    } else {
        vec![format!(
            "{field}.claimName: PersistentVolumeClaim {name:?} does not exist in namespace \
             {namespace:?}; create it first or name an existing claim."
        )]
    })
}
