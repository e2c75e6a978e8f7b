//! Restore jobs on the simulated cluster with the whole data path real: the
//! operator orchestrates against the real API server and PostgreSQL; the job pods'
//! agent commands run on this machine through the local-pods harness (kwok runs no
//! containers), reading archives from a directory standing for a volume.

use std::path::Path;
use std::time::Duration;

use kube::ResourceExt;
use kube::api::{Api, PostParams};
use odoo_model::restore_job::{OdooRestoreJobStatus, RestoreStep};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob, names};
use odoo_tests::TestNamespace;
use odoo_tests::agent::{Database, Snapshot, checksums, make_filestore};
use odoo_tests::hostile::{Expect, REFUSAL_REASONS, corpus, roles, roles_changed, zip_with_dump};
use odoo_tests::local_pods::{LOCAL_IMAGE, LocalPods};
use odoo_tests::odoo_zip::odoo_made_zip;
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::plugin::odoo;
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_of, scalar, superuser};
use odoo_tests::s3::{CREDENTIALS_SECRET, create_credentials, shared_s3};
use odoo_tests::simulated_cluster;
use serde_json::json;

/// Whether `db` carries Odoo's neutralized mark.
async fn neutralized(db: &str) -> anyhow::Result<bool> {
    let sql = "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'";
    // Odoo's own neutralization writes `true`, the statements for older images `True`.
    Ok(scalar(db, sql).await?.eq_ignore_ascii_case("true"))
}

struct Setup {
    ns: TestNamespace,
    op: OperatorProcess,
    pods: LocalPods,
    instances: Api<OdooInstance>,
    restores: Api<OdooRestoreJob>,
    /// The instance's database name.
    database: String,
}

/// An instance `shop` Running on the local image, its live database marked with a
/// `before_restore` table and its filestore with one file.
async fn running_shop(prefix: &str) -> anyhow::Result<Setup> {
    shop(prefix, json!({ "enabled": true }), InstancePhase::Running).await
}

/// [`running_shop`] with the spec's `init` given, once in `phase`.
async fn shop(
    prefix: &str,
    init: serde_json::Value,
    phase: InstancePhase,
) -> anyhow::Result<Setup> {
    shop_on(prefix, LOCAL_IMAGE, init, phase).await
}

/// [`shop`] on `image`.
async fn shop_on(
    prefix: &str,
    image: &str,
    init: serde_json::Value,
    phase: InstancePhase,
) -> anyhow::Result<Setup> {
    shop_with(
        prefix,
        json!({ "image": image, "replicas": 1, "init": init }),
        phase,
    )
    .await
}

/// [`shop`] of `spec`.
async fn shop_with(
    prefix: &str,
    spec: serde_json::Value,
    phase: InstancePhase,
) -> anyhow::Result<Setup> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, prefix).await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let pods = ns.local_pods()?;
    let instances: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": spec,
    }))?;
    instances.create(&PostParams::default(), &instance).await?;
    let running = wait_for_phase(&instances, "shop", phase, &op).await;
    let database = running.spec.database.name.clone().expect("defaulted name");
    // The modules are the (simulated) init's; the tenant's data, owned by the
    // instance's role, is written here.
    let owner = names::database_role(&ns.name, "shop");
    superuser(&database)
        .await?
        .batch_execute(&format!(
            "CREATE TABLE before_restore (note text); \
             INSERT INTO before_restore VALUES ('written before the restore'); \
             ALTER TABLE before_restore OWNER TO \"{owner}\";"
        ))
        .await?;
    let live_files = pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore")
        .join(&database)
        .join("ab");
    std::fs::create_dir_all(&live_files)?;
    std::fs::write(
        live_files.join("before"),
        "a file written before the restore",
    )?;
    let restores = ns.api();
    Ok(Setup {
        ns,
        op,
        pods,
        instances,
        restores,
        database,
    })
}

async fn create_restore(s: &Setup, name: &str, spec: serde_json::Value) -> anyhow::Result<()> {
    let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": { "name": "uploads" },
        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } },
    }))?;
    let _ = s.ns.api().create(&PostParams::default(), &claim).await;
    let job: OdooRestoreJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
        "metadata": { "name": name },
        "spec": spec,
    }))?;
    s.restores.create(&PostParams::default(), &job).await?;
    Ok(())
}

/// Follows the job to its end; returns it with the instance's recorded transitions
/// by then.
async fn follow(s: &Setup, name: &str) -> anyhow::Result<(OdooRestoreJob, Vec<String>)> {
    for _ in 0..1200 {
        let job = s.restores.get(name).await?;
        if job
            .status
            .as_ref()
            .and_then(|st| st.job.phase)
            .is_some_and(JobPhase::is_finished)
        {
            return Ok((job, s.ns.transitions("shop").await));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!(
        "restore {name} never finished; pods run: {:?}\n{}",
        s.pods.runs(),
        s.op.log_tail(40)
    );
}

/// The status of a restore that must have succeeded; its message and the pods run
/// otherwise.
fn succeeded(s: &Setup, job: OdooRestoreJob) -> OdooRestoreJobStatus {
    let status = job.status.unwrap_or_default();
    assert_eq!(
        status.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}\n{:?}",
        status.job.message,
        s.pods.runs()
    );
    status
}

/// An Odoo-made zip (17.0 manifest) of a populated database with 200 files, with
/// an `ir_config_parameter`, an `ir_cron` and an `ir_mail_server` table.
fn archive(out: &Path, files: &Path) -> anyhow::Result<Database> {
    let db = Database::create("restore_src", "restore_src_owner")?;
    db.populate_odoo_like(3)?;
    db.sql(
        "CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, key varchar NOT NULL UNIQUE, value text);
         INSERT INTO ir_config_parameter (key, value) VALUES
             ('database.uuid', '11111111-2222-4333-8444-555555555555'),
             ('database.secret', 'original-secret'), ('database.create_date', '2020-01-01 00:00:00');
         CREATE TABLE ir_model_data (id serial PRIMARY KEY, module varchar, name varchar, model varchar, res_id int);
         CREATE TABLE ir_cron (id serial PRIMARY KEY, name varchar, active boolean);
         INSERT INTO ir_cron (name, active) VALUES ('autovacuum', true), ('send invoices', true);
         INSERT INTO ir_model_data (module, name, model, res_id) VALUES ('base', 'autovacuum_job', 'ir.cron', 1);
         CREATE TABLE ir_mail_server (id serial PRIMARY KEY, name varchar, smtp_host varchar, smtp_port int,
             smtp_encryption varchar, smtp_authentication varchar, active boolean, sequence int);
         INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_encryption, smtp_authentication, active, sequence)
             VALUES ('production relay', 'smtp.example.com', 587, 'starttls', 'login', true, 10);",
    )?;
    make_filestore(files, 200, 7)?;
    odoo_made_zip(&db, files, true, out);
    Ok(db)
}

/// Restore job `name` of [`archive`], made as `full.zip` on the claim `uploads`.
async fn restore_full_zip(s: &Setup, name: &str, neutralize: bool) -> anyhow::Result<()> {
    let files = tempfile::tempdir()?;
    let zip = s.pods.claim_dir("uploads").join("full.zip");
    let dir = files.path().to_path_buf();
    tokio::task::spawn_blocking(move || archive(&zip, &dir)).await??;
    create_restore(
        s,
        name,
        json!({ "instanceRef": { "name": "shop" }, "neutralize": neutralize,
                "source": { "pvc": { "claimName": "uploads", "path": "full.zip" } } }),
    )
    .await
}

/// What `kubectl odoo restore --into` makes: a new instance without init, resting
/// Uninitialized, and a restore job for it. The restore fills it and it starts.
#[tokio::test]
async fn a_restore_fills_a_new_instance_waiting_uninitialized() -> anyhow::Result<()> {
    let s = shop(
        "restore-new",
        json!({ "enabled": false }),
        InstancePhase::Uninitialized,
    )
    .await?;
    restore_full_zip(&s, "into-new", true).await?;
    let (job, _) = follow(&s, "into-new").await?;
    succeeded(&s, job);
    let phases =
        s.ns.wait_for_transition("shop", InstancePhase::Restoring, Duration::from_secs(120))
            .await;
    // Waiting for its database, never initialized: Uninitialized, then Restoring.
    let at = |p: &str| phases.iter().position(|x| x == p);
    assert!(
        at("Uninitialized").is_some() && at("Uninitialized") < at("Restoring"),
        "{phases:?}"
    );
    assert!(at("Initializing").is_none(), "{phases:?}");
    let running = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    // The restore initialized it: `kubectl get` and `status` no longer say it is empty.
    let conditions = running.status.unwrap_or_default().conditions;
    let initialized = conditions.iter().find(|c| c.type_ == "Initialized");
    assert_eq!(
        initialized.map(|c| (c.status.as_str(), c.reason.as_str())),
        Some(("True", "Restored")),
        "{conditions:?}"
    );
    assert!(neutralized(&s.database).await?, "marked neutralized");
    s.ns.delete().await;
    Ok(())
}

/// A Staging instance's restores are neutralized though the job does not ask:
/// a copy of production there must not mail customers or run their crons.
#[tokio::test]
async fn a_restore_into_a_staging_instance_is_neutralized_unasked() -> anyhow::Result<()> {
    let spec = json!({ "image": LOCAL_IMAGE, "replicas": 1, "init": { "enabled": true },
                       "environment": "Staging" });
    let s = shop_with("restore-staging", spec, InstancePhase::Running).await?;
    restore_full_zip(&s, "unasked", false).await?;
    let (job, _) = follow(&s, "unasked").await?;
    let status = succeeded(&s, job);
    let message = status.job.message.unwrap_or_default();
    assert!(
        message.contains("; neutralized by Odoo's own `odoo neutralize`"),
        "{message}"
    );
    assert!(neutralized(&s.database).await?, "marked neutralized");
    assert_eq!(
        scalar(
            &s.database,
            "SELECT string_agg(name || '=' || active, ',' ORDER BY id) FROM ir_cron"
        )
        .await?,
        "autovacuum=true,send invoices=false"
    );
    s.ns.delete().await;
    Ok(())
}

/// The environment's other meaning: network and admission policies select an
/// environment's pods by their label. A Staging instance's pods, its
/// Deployments' and its jobs', say `staging`; once it is made Production, its
/// Deployments' pods say `production`.
#[tokio::test]
async fn an_instances_pods_carry_its_environment_and_follow_a_change() -> anyhow::Result<()> {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::batch::v1::Job;
    use kube::api::{ListParams, Patch, PatchParams};
    use odoo_model::labels::{ENVIRONMENT_LABEL, instance_selector};

    fn environment(template: &k8s_openapi::api::core::v1::PodTemplateSpec) -> Option<String> {
        let labels = template.metadata.as_ref()?.labels.as_ref()?;
        labels.get(ENVIRONMENT_LABEL).cloned()
    }
    let spec = json!({ "image": LOCAL_IMAGE, "replicas": 1, "init": { "enabled": true },
                       "environment": "Staging" });
    let s = shop_with("environment-label", spec, InstancePhase::Running).await?;
    let deployments: Api<Deployment> = s.ns.api();
    let pods_of = |name: &'static str| {
        let deployments = deployments.clone();
        async move {
            let d = deployments.get(name).await.ok()?;
            environment(&d.spec?.template)
        }
    };
    for name in ["shop-web", "shop-cron"] {
        assert_eq!(pods_of(name).await.as_deref(), Some("staging"), "{name}");
    }
    let jobs =
        s.ns.api::<Job>()
            .list(&ListParams::default().labels(&instance_selector("shop")))
            .await?
            .items;
    assert!(!jobs.is_empty(), "the instance's init ran as a Job");
    for job in &jobs {
        let template = &job.spec.as_ref().expect("a job spec").template;
        assert_eq!(environment(template).as_deref(), Some("staging"), "{job:?}");
    }

    s.instances
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "environment": "Production" } })),
        )
        .await?;
    for name in ["shop-web", "shop-cron"] {
        s.op.until(&format!("{name}'s pods labelled production"), || async {
            (pods_of(name).await.as_deref() == Some("production")).then_some(())
        })
        .await;
    }
    s.ns.delete().await;
    Ok(())
}

/// A restore whose archive loads and passes the checks, on an instance whose
/// Odoo then fails on it (`image`), ends Failed before the instance ever stops:
/// the temporary database is dropped and the live one serves as it was.
async fn odoo_refuses_it_before_the_switch(
    prefix: &str,
    image: &str,
    neutralize: bool,
    why: &str,
) -> anyhow::Result<()> {
    let s = shop_on(
        prefix,
        image,
        json!({ "enabled": true }),
        InstancePhase::Running,
    )
    .await?;
    restore_full_zip(&s, "refused", neutralize).await?;
    let (job, phases) = follow(&s, "refused").await?;
    let status = job.status.unwrap_or_default();
    let message = status.job.message.unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains(why)
            && message.contains("the temporary database was dropped")
            && message.contains("was not touched"),
        "{message}"
    );
    assert!(
        !phases.iter().any(|p| p == "Restoring"),
        "the instance never stopped: {phases:?}"
    );
    // The archive did load: Odoo was the one to refuse it.
    let ran: Vec<_> = s
        .pods
        .runs()
        .into_iter()
        .map(|r| (r.command, r.exit_code))
        .collect();
    assert!(ran.contains(&("restore".to_owned(), 0)), "{ran:?}");
    wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(
        scalar(&s.database, "SELECT note FROM before_restore").await?,
        "written before the restore"
    );
    assert!(
        databases_of(&s.database, "restoring").await?.is_empty(),
        "the temporary database is dropped"
    );
    assert!(!s.ns.warnings("RestoreFailed").await.is_empty());
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_restore_odoo_cannot_open_is_dropped_before_the_switch() -> anyhow::Result<()> {
    odoo_refuses_it_before_the_switch(
        "restore-unopened",
        odoo_tests::local_pods::simulated_odoo::CANNOT_OPEN,
        false,
        "opening",
    )
    .await
}

#[tokio::test]
async fn a_neutralize_that_marks_nothing_fails_the_restore() -> anyhow::Result<()> {
    odoo_refuses_it_before_the_switch(
        "restore-unneutralized",
        odoo_tests::local_pods::simulated_odoo::NEUTRALIZE_DOES_NOTHING,
        true,
        "not marked neutralized",
    )
    .await
}

#[tokio::test]
async fn a_failed_restore_leaves_the_old_database_serving() -> anyhow::Result<()> {
    let s = running_shop("restore-fail").await?;
    // A truncated archive: the agent's verification pass refuses it before loading.
    let uploads = s.pods.claim_dir("uploads");
    let files = tempfile::tempdir()?;
    let zip = uploads.join("full.zip");
    let (zip2, files2) = (zip.clone(), files.path().to_path_buf());
    tokio::task::spawn_blocking(move || archive(&zip2, &files2)).await??;
    let bytes = std::fs::read(&zip)?;
    std::fs::write(uploads.join("truncated.zip"), &bytes[..bytes.len() / 2])?;
    create_restore(
        &s,
        "from-truncated",
        json!({ "instanceRef": { "name": "shop" }, "source": { "pvc": { "claimName": "uploads", "path": "truncated.zip" } } }),
    )
    .await?;
    let (job, phases) = follow(&s, "from-truncated").await?;
    let status = job.status.unwrap_or_default();
    let message = status.job.message.unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains("loading the archive failed") && message.contains("was not touched"),
        "{message}"
    );
    assert!(
        !phases.iter().any(|p| p == "Restoring"),
        "the instance never stopped for a load that failed: {phases:?}"
    );
    let restore_runs: Vec<_> = s
        .pods
        .runs()
        .into_iter()
        .filter(|r| r.command == "restore")
        .collect();
    assert_eq!(restore_runs.len(), 1, "{restore_runs:?}");
    assert_eq!(
        restore_runs[0].exit_code, 3,
        "refused before writing: {}",
        restore_runs[0].output
    );

    // Still serving the same database, with what was written before.
    wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(
        scalar(&s.database, "SELECT note FROM before_restore").await?,
        "written before the restore"
    );
    assert!(
        databases_of(&s.database, "restoring").await?.is_empty(),
        "the temporary database is dropped"
    );
    let warnings = s.ns.warnings("RestoreFailed").await;
    assert!(!warnings.is_empty(), "a RestoreFailed warning event");
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_restore_switches_in_the_archive_neutralized_and_keeps_the_previous_database()
-> anyhow::Result<()> {
    let s = running_shop("restore-ok").await?;
    let uploads = s.pods.claim_dir("uploads");
    let files = tempfile::tempdir()?;
    let zip = uploads.join("shop.zip");
    let (zip2, files2) = (zip.clone(), files.path().to_path_buf());
    let source = tokio::task::spawn_blocking(move || archive(&zip2, &files2)).await??;
    let source_snapshot = tokio::task::spawn_blocking(move || source.snapshot()).await??;
    let sha = odoo_model::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(
        &zip,
    )?));
    create_restore(
        &s,
        "staging-copy",
        json!({
            "instanceRef": { "name": "shop" },
            "source": { "pvc": { "claimName": "uploads", "path": "shop.zip" } },
            "sha256": sha, "mode": "Copy", "neutralize": true,
        }),
    )
    .await?;
    let (job, _) = follow(&s, "staging-copy").await?;
    let status = succeeded(&s, job);
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.sha256.as_deref(), Some(sha.as_str()));
    // Stopped for the switch.
    s.ns.wait_for_transition("shop", InstancePhase::Restoring, Duration::from_secs(120))
        .await;
    let kept = status.previous_database_name.clone().expect("kept name");
    assert!(message.contains(&kept), "{message}");
    wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;

    // The live name holds the archive's data; the previous database is kept.
    let counts = |t: &str| format!("SELECT count(*)::text FROM {t}");
    for table in ["res_partner", "sale_order", "ir_attachment"] {
        assert_eq!(
            scalar(&s.database, &counts(table)).await?,
            source_snapshot.tables[table].0.to_string(),
            "{table}"
        );
    }
    assert!(
        superuser(&s.database)
            .await?
            .query("SELECT 1 FROM before_restore", &[])
            .await
            .is_err(),
        "the live database is the restored one"
    );
    assert_eq!(
        scalar(&kept, "SELECT note FROM before_restore").await?,
        "written before the restore"
    );
    // Copy: a new identity. Neutralized: crons off but the autovacuum, mail off.
    let uuid = scalar(
        &s.database,
        "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'",
    )
    .await?;
    assert_ne!(uuid, "11111111-2222-4333-8444-555555555555");
    assert_eq!(uuid.len(), 36, "{uuid}");
    assert_eq!(
        scalar(
            &s.database,
            "SELECT string_agg(name || '=' || active, ',' ORDER BY id) FROM ir_cron"
        )
        .await?,
        "autovacuum=true,send invoices=false"
    );
    assert_eq!(
        scalar(
            &s.database,
            "SELECT count(*)::text FROM ir_mail_server WHERE active AND smtp_host <> 'invalid'"
        )
        .await?,
        "0"
    );
    assert!(neutralized(&s.database).await?, "marked neutralized");
    assert!(databases_of(&s.database, "restoring").await?.is_empty());

    // The filestore: the archive's files under the live name, the old ones kept.
    let root = s
        .pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore");
    assert_eq!(
        checksums(&root.join(&s.database))?,
        checksums(files.path())?
    );
    assert!(root.join(&kept).join("ab/before").exists());
    let restored = s.ns.events("Restored").await;
    assert!(!restored.is_empty(), "a Restored event");
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_backup_taken_in_the_cluster_restores_as_the_latest_backup_of_the_instance()
-> anyhow::Result<()> {
    let s = running_shop("restore-roundtrip").await?;
    let live_files = s
        .pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore")
        .join(&s.database);
    make_filestore(&live_files, 100, 3)?;
    let files_before = checksums(&live_files)?;
    superuser(&s.database)
        .await?
        .batch_execute(
            "CREATE TABLE res_partner (id serial PRIMARY KEY, name text);
             INSERT INTO res_partner (name) SELECT 'partner ' || g FROM generate_series(1, 5000) g;
             ALTER TABLE res_partner OWNER TO CURRENT_USER;",
        )
        .await?;
    let owner = names::database_role(&s.ns.name, "shop");
    superuser(&s.database)
        .await?
        .batch_execute(&format!(
            "ALTER TABLE res_partner OWNER TO \"{owner}\"; ALTER TABLE before_restore OWNER TO \"{owner}\";"
        ))
        .await?;

    // A backup job to a volume, run for real: its status gets size and checksum.
    let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": { "name": "backups" },
        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } },
    }))?;
    s.ns.api().create(&PostParams::default(), &claim).await?;
    let backups: Api<odoo_model::OdooBackupJob> = s.ns.api();
    let backup: odoo_model::OdooBackupJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupJob",
        "metadata": { "name": "nightly" },
        "spec": { "instanceRef": { "name": "shop" }, "destination": { "pvc": { "claimName": "backups" } } },
    }))?;
    backups.create(&PostParams::default(), &backup).await?;
    let mut done = None;
    for _ in 0..600 {
        let b = backups.get("nightly").await?;
        if b.status
            .as_ref()
            .and_then(|st| st.job.phase)
            .is_some_and(JobPhase::is_finished)
        {
            done = Some(b);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = done
        .expect("the backup finished")
        .status
        .unwrap_or_default();
    assert_eq!(
        status.job.phase,
        Some(JobPhase::Succeeded),
        "{:?} {:?}",
        status.job.message,
        s.pods.runs()
    );
    assert!(status.size_bytes.unwrap_or(0) > 100_000, "{status:?}");
    assert_eq!(status.sha256.as_deref().map(str::len), Some(64));

    // Damage after the backup, then restore the instance's latest backup in place,
    // identity kept and the damaged copy dropped.
    superuser(&s.database)
        .await?
        .batch_execute("DELETE FROM res_partner WHERE id > 10")
        .await?;
    std::fs::remove_dir_all(
        live_files.join(
            files_before
                .keys()
                .next()
                .expect("a file")
                .split('/')
                .next()
                .expect("dir"),
        ),
    )?;
    create_restore(
        &s,
        "undo",
        json!({
            "instanceRef": { "name": "shop" }, "source": { "latestBackupOf": { "name": "shop" } },
            "mode": "Move", "previousDatabase": "Drop",
        }),
    )
    .await?;
    let (job, _) = follow(&s, "undo").await?;
    let st = succeeded(&s, job);
    assert_eq!(
        st.sha256, status.sha256,
        "the backup's checksum was verified"
    );
    assert_eq!(st.previous_database_name, None, "dropped");
    assert_eq!(
        scalar(&s.database, "SELECT count(*)::text FROM res_partner").await?,
        "5000"
    );
    assert_eq!(checksums(&live_files)?, files_before);
    assert!(databases_of(&s.database, "pre_restore").await?.is_empty());
    let root = live_files.parent().expect("filestore root").to_path_buf();
    let leftovers: Vec<_> = std::fs::read_dir(&root)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != &s.database)
        .collect();
    assert!(
        leftovers.is_empty(),
        "previous files dropped too: {leftovers:?}"
    );
    wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    s.ns.delete().await;
    Ok(())
}

/// A restore `name` of an Odoo-made archive (see [`archive`]) on claim `uploads`,
/// with `spec` added to its spec.
async fn restore_archive(s: &Setup, name: &str, spec: serde_json::Value) -> anyhow::Result<()> {
    let uploads = s.pods.claim_dir("uploads");
    let files = tempfile::tempdir()?;
    let (zip, dir) = (uploads.join("full.zip"), files.path().to_path_buf());
    tokio::task::spawn_blocking(move || archive(&zip, &dir)).await??;
    let mut full = json!({ "instanceRef": { "name": "shop" },
                           "source": { "pvc": { "claimName": "uploads", "path": "full.zip" } } });
    if let (Some(full), Some(extra)) = (full.as_object_mut(), spec.as_object()) {
        full.extend(extra.clone());
    }
    create_restore(s, name, full).await
}

/// Sets the instance's web replicas.
async fn scale(s: &Setup, replicas: i32) -> anyhow::Result<()> {
    s.instances
        .patch(
            "shop",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({ "spec": { "replicas": replicas } })),
        )
        .await?;
    Ok(())
}

/// `previousDatabase: Drop` drops the replaced database only once Odoo ran on the
/// restored one: a stopped instance keeps it (the job waits at Starting and says
/// why), and it goes when the instance runs again.
#[tokio::test]
async fn a_dropped_previous_database_waits_until_the_instance_runs_on_the_restored_one()
-> anyhow::Result<()> {
    let s = running_shop("restore-drop-waits").await?;
    scale(&s, 0).await?;
    wait_for_phase(&s.instances, "shop", InstancePhase::Stopped, &s.op).await;
    restore_archive(&s, "drop-later", json!({ "previousDatabase": "Drop" })).await?;

    // Switched, and waiting: the instance is stopped, so nothing ran on the
    // restored database and the previous one stays.
    let mut waiting = None;
    let mut last = String::new();
    for _ in 0..2000 {
        let job = s.restores.get("drop-later").await?;
        let st = job.status.unwrap_or_default();
        let message = st.job.message.clone().unwrap_or_default();
        last = format!("{:?} {:?}: {message}", st.job.phase, st.step);
        assert!(
            !st.job.phase.is_some_and(JobPhase::is_finished),
            "ended while the instance is stopped: {message}"
        );
        if st.step == Some(RestoreStep::Starting) && message.contains("(it is Stopped)") {
            waiting = Some(st);
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let st = waiting.unwrap_or_else(|| {
        panic!(
            "the restore never waited at Starting for the stopped instance; it is {last}; transitions {:?}",
            s.pods.runs()
        )
    });
    assert_eq!(st.job.phase, Some(JobPhase::Running));
    let kept = st.previous_database_name.clone().expect("kept name");
    assert_eq!(
        scalar(&kept, "SELECT note FROM before_restore").await?,
        "written before the restore"
    );
    assert_eq!(
        scalar(&s.database, "SELECT count(*)::text FROM res_partner").await?,
        "40000",
        "the archive's data is live"
    );

    // Running again on the restored database: the previous one goes.
    scale(&s, 1).await?;
    let (job, _) = follow(&s, "drop-later").await?;
    let st = succeeded(&s, job);
    let message = st.job.message.clone().unwrap_or_default();
    assert!(
        message.contains("ran on it") && message.contains(&kept) && message.contains("files"),
        "{message}"
    );
    assert_eq!(st.previous_database_name, None);
    assert!(databases_of(&s.database, "pre_restore").await?.is_empty());
    s.ns.delete().await;
    Ok(())
}

/// A pod of the instance that is terminating may still hold connections and
/// write: the switch waits until it is gone, not only until the Deployment stops
/// counting it. The web pod is held terminating by a finalizer; the restore says
/// what it waits for, the live database stays the previous one, and once the pod
/// is gone the restore switches and succeeds.
#[tokio::test]
async fn the_switch_waits_for_terminating_pods() -> anyhow::Result<()> {
    const HOLD: &str = "test.odoo-operator.dev/hold";
    let s = running_shop("restore-held-pod").await?;
    let pods: Api<k8s_openapi::api::core::v1::Pod> = s.ns.api();
    let selector = format!("{}=shop", odoo_model::labels::INSTANCE_LABEL);
    let web: Vec<String> = pods
        .list(&kube::api::ListParams::default().labels(&selector))
        .await?
        .items
        .into_iter()
        .map(|p| p.name_any())
        .filter(|n| n.starts_with(&names::web_deployment("shop")))
        .collect();
    assert_eq!(web.len(), 1, "one web pod: {web:?}");
    let hold = |finalizers: serde_json::Value| {
        kube::api::Patch::Merge(json!({ "metadata": { "finalizers": finalizers } }))
    };
    pods.patch(&web[0], &Default::default(), &hold(json!([HOLD])))
        .await?;

    restore_archive(&s, "past-terminating", json!({})).await?;
    let mut last = String::new();
    let mut waited = false;
    for _ in 0..2000 {
        let st = s
            .restores
            .get("past-terminating")
            .await?
            .status
            .unwrap_or_default();
        last = st.job.message.clone().unwrap_or_default();
        assert!(
            !st.database_switched,
            "switched under a terminating pod: {last}"
        );
        if last.contains("to be gone") {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(waited, "never waited for the terminating pod: {last}");
    let held = pods.get(&web[0]).await?;
    let all: Vec<_> = pods
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .map(|p| (p.name_any(), p.metadata.deletion_timestamp.is_some()))
        .collect();
    assert!(
        held.metadata.deletion_timestamp.is_some(),
        "the pod is terminating: {last}; pods {all:?}"
    );
    assert_eq!(
        scalar(&s.database, "SELECT note FROM before_restore").await?,
        "written before the restore",
        "the live database is still the previous one"
    );

    pods.patch(&web[0], &Default::default(), &hold(json!(null)))
        .await?;
    let (job, _) = follow(&s, "past-terminating").await?;
    succeeded(&s, job);
    wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    s.ns.delete().await;
    Ok(())
}

/// A restore deleted while it loads removes what it made before it goes (its
/// finalizer): the load Job, the temporary database and the files under the
/// temporary name. The live database and files were never touched.
#[tokio::test]
async fn a_restore_deleted_while_loading_removes_its_temporary_database_and_files()
-> anyhow::Result<()> {
    let s = running_shop("restore-deleted").await?;
    s.pods.hold("restore");
    restore_archive(&s, "deleted", json!({})).await?;
    let mut held = false;
    for _ in 0..2000 {
        if !s.pods.held_pods().is_empty() {
            held = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(held, "the load pod never started: {:?}", s.pods.runs());
    let job = s.restores.get("deleted").await?;
    assert!(
        job.finalizers()
            .iter()
            .any(|f| f == odoo_model::labels::JOB_CLEANUP_FINALIZER),
        "{:?}",
        job.finalizers()
    );
    let temporary = job
        .status
        .and_then(|st| st.temporary_database)
        .expect("temporary name");
    assert_eq!(
        databases_of(&s.database, "restoring").await?,
        vec![temporary.clone()]
    );
    // What a load that got halfway leaves on the volume.
    let filestore = s
        .pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore");
    std::fs::create_dir_all(filestore.join(&temporary).join("ab"))?;
    std::fs::write(filestore.join(&temporary).join("ab/half"), "half loaded")?;
    let live_files = checksums(&filestore.join(&s.database))?;

    s.restores
        .delete("deleted", &kube::api::DeleteParams::default())
        .await?;
    let mut gone = false;
    for _ in 0..2000 {
        if s.restores.get_opt("deleted").await?.is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(gone, "the restore never went: {}", s.op.log_tail(40));
    assert!(databases_of(&s.database, "restoring").await?.is_empty());
    assert!(!filestore.join(&temporary).exists(), "its files stay");
    assert!(!s.ns.events_eventually("CleanedUp").await.is_empty());
    assert_eq!(
        scalar(&s.database, "SELECT note FROM before_restore").await?,
        "written before the restore"
    );
    assert_eq!(checksums(&filestore.join(&s.database))?, live_files);
    wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    s.ns.delete().await;
    Ok(())
}

/// What the operator checks a restore against (`base` installed, of the image's
/// series), added after a hostile case's own SQL so that nothing but the attack can
/// make the restore fail.
const ODOO_TABLES: &str = "\nCREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar NOT NULL UNIQUE, \
     state varchar, latest_version varchar);\n\
     INSERT INTO ir_module_module (name, state, latest_version) VALUES ('base', 'installed', '17.0.1.3');\n";

/// Runs `f` on a thread of its own: the sync helpers of the agent tests start a
/// runtime of their own, which cannot nest in the test's.
fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().expect("helper thread")
}

/// The content of `db` (every table's rows and every sequence), read as superuser.
fn fingerprint(db: &str) -> Snapshot {
    let db = Database {
        name: db.to_owned(),
        role: String::new(),
        password: String::new(),
        server: shared_postgres(),
    };
    off_runtime(move || db.snapshot().expect("snapshot"))
}

/// The hostile corpus (`tests/src/hostile.rs`: shell commands, `\connect` into the
/// live database, `\copy … to program`, `\set` with backticks, a SECURITY DEFINER
/// function, a trojan `ir_module_module` view, `ALTER DATABASE … SET search_path`,
/// a row-security policy with a side effect, untrusted extensions and more)
/// restored as a user would: `kubectl odoo restore shop --from-file ARCHIVE --yes
/// --wait`, which uploads it to S3 and has the operator restore it into the live
/// instance. Zips and plain SQL alternate.
///
/// Each case ends Failed, or Succeeded when what it loads is harmless. After each:
/// no shell command ran, no role of the cluster changed, and the database and files
/// that were live are unchanged, still live after a failure and kept under the
/// recorded name after a success.
#[tokio::test]
async fn hostile_archives_from_a_file_fail_or_load_harmlessly() -> anyhow::Result<()> {
    const BUCKET: &str = "hostile-uploads";
    let s = running_shop("restore-hostile").await?;
    create_credentials(&s.ns).await?;
    let s3 = shared_s3();
    s3.create_bucket(BUCKET)?;
    let work = tempfile::tempdir()?;
    let sentinel = work.path().join("pwned");
    let role = s
        .instances
        .get("shop")
        .await?
        .spec
        .database
        .role
        .expect("defaulted role");
    let roles_before = off_runtime(roles);
    let files = s
        .pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore");
    let mut seen = std::collections::BTreeSet::new();
    let mut outcomes = Vec::new();
    for (i, case) in corpus(&sentinel, &s.database, &role)
        .into_iter()
        .enumerate()
    {
        let what = case.what;
        let mut sql = case.sql.clone();
        if !case.defines_modules() {
            sql.push_str(ODOO_TABLES);
        }
        let archive = if i % 2 == 0 {
            let zip = work.path().join(format!("case-{i}.zip"));
            zip_with_dump(&sql, &zip);
            zip
        } else {
            let plain = work.path().join(format!("case-{i}.sql"));
            std::fs::write(&plain, &sql)?;
            plain
        };
        let live_before = fingerprint(&s.database);
        let files_before = checksums(&files.join(&s.database))?;

        let args: Vec<String> = [
            "restore",
            "shop",
            "--from-file",
            &archive.display().to_string(),
            "--s3-endpoint",
            &s3.endpoint,
            "--bucket",
            BUCKET,
            "--credentials-secret",
            CREDENTIALS_SECRET,
            "--yes",
            "--wait",
            "--timeout",
            "10m",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        let ns = s.ns.name.clone();
        let out = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            odoo(simulated_cluster(), &ns, &args)
        })
        .await??;
        let created: Vec<OdooRestoreJob> = s
            .restores
            .list(&Default::default())
            .await?
            .items
            .into_iter()
            .filter(|j| !seen.contains(&j.name_any()))
            .collect();
        assert_eq!(created.len(), 1, "{what}: {out:?}");
        let job = created.into_iter().next().expect("one job");
        seen.insert(job.name_any());
        let status = job.status.unwrap_or_default();
        let message = status.job.message.clone().unwrap_or_default();
        let phase = status.job.phase.expect("finished");
        println!("{what}: {phase:?}: {message}");
        outcomes.push((what, phase));

        match phase {
            JobPhase::Failed => {
                assert_eq!(out.status.code(), Some(3), "{what}: {out:?}");
                assert_eq!(fingerprint(&s.database), live_before, "{what}");
                assert_eq!(checksums(&files.join(&s.database))?, files_before, "{what}");
            }
            JobPhase::Succeeded => {
                assert_eq!(case.expect, Expect::Contained, "{what}: {message}");
                assert!(out.status.success(), "{what}: {out:?}");
                let kept = status.previous_database_name.expect("kept name");
                assert_eq!(fingerprint(&kept), live_before, "{what}: kept database");
                assert_eq!(
                    checksums(&files.join(&kept))?,
                    files_before,
                    "{what}: kept files"
                );
            }
            other => panic!("{what}: ended {other:?}: {message}"),
        }
        if case.expect == Expect::Refused {
            assert_eq!(phase, JobPhase::Failed, "{what}");
            assert!(
                REFUSAL_REASONS.iter().any(|r| message.contains(r)),
                "{what}: {message}"
            );
        }
        assert!(!sentinel.exists(), "{what}: a shell command ran");
        let changed = roles_changed(&roles_before, &off_runtime(roles));
        assert!(changed.is_empty(), "{what}: roles altered: {changed:?}");
        assert_eq!(
            scalar(
                &s.database,
                "SELECT count(*)::text FROM pg_tables WHERE tablename = 'pwned'"
            )
            .await?,
            "0",
            "{what}"
        );
        assert!(databases_of(&s.database, "restoring").await?.is_empty());
        wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    }
    // The corpus exercises both ends: archives refused up front, and archives that
    // load and still reach nothing.
    assert!(
        outcomes.iter().any(|(_, p)| *p == JobPhase::Succeeded),
        "{outcomes:?}"
    );
    s.ns.delete().await;
    Ok(())
}
