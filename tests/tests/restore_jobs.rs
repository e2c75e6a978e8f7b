//! Restore jobs on the simulated cluster with the whole data path real: the
//! operator orchestrates against the real API server and PostgreSQL; the job pods'
//! agent commands run on this machine through the local-pods harness (kwok runs no
//! containers), reading archives from a directory standing for a volume.

use std::path::Path;
use std::time::Duration;

use kube::api::{Api, PostParams};
use odoo_model::restore_job::OdooRestoreJobStatus;
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob, names};
use odoo_tests::TestNamespace;
use odoo_tests::agent::{Database, checksums, make_filestore};
use odoo_tests::local_pods::{LOCAL_IMAGE, LocalPods};
use odoo_tests::odoo_zip::odoo_made_zip;
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_of, scalar, superuser};
use odoo_tests::simulated_cluster;
use serde_json::json;

/// Whether `db` carries Odoo's neutralized mark.
async fn neutralized(db: &str) -> anyhow::Result<bool> {
    let sql = "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'";
    Ok(scalar(db, sql).await? == "True")
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
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, prefix).await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let pods = LocalPods::start(ns.client.clone(), &ns.name)?;
    let instances: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "image": LOCAL_IMAGE, "replicas": 1, "init": init },
    }))?;
    instances.create(&PostParams::default(), &instance).await?;
    let running = wait_for_phase(&instances, "shop", phase, &op).await;
    let database = running.spec.database.name.clone().expect("defaulted name");
    // Odoo's init is simulated: what it leaves behind that restores check (base
    // installed, of the image's series) is written here in its place, owned by the
    // instance's role as Odoo's tables are.
    let owner = names::database_role(&ns.name, "shop");
    superuser(&database)
        .await?
        .batch_execute(&format!(
            "CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar NOT NULL UNIQUE, \
                 state varchar, latest_version varchar); \
             INSERT INTO ir_module_module (name, state, latest_version) VALUES ('base', 'installed', '17.0.1.3'); \
             CREATE TABLE before_restore (note text); \
             INSERT INTO before_restore VALUES ('written before the restore'); \
             ALTER TABLE ir_module_module OWNER TO \"{owner}\"; \
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
    let files = tempfile::tempdir()?;
    let zip = s.pods.claim_dir("uploads").join("full.zip");
    let (zip2, files2) = (zip.clone(), files.path().to_path_buf());
    tokio::task::spawn_blocking(move || archive(&zip2, &files2)).await??;
    create_restore(
        &s,
        "into-new",
        json!({ "instanceRef": { "name": "shop" }, "neutralize": true,
                "source": { "pvc": { "claimName": "uploads", "path": "full.zip" } } }),
    )
    .await?;
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

/// Every role's superuser bit: a tenant made superuser shows here.
async fn superusers() -> anyhow::Result<Vec<String>> {
    Ok(superuser("postgres")
        .await?
        .query(
            "SELECT rolname::text FROM pg_roles WHERE rolsuper ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// A zip whose dump.sql is `sql`, written where a restore's pvc source reads it.
fn hostile_zip(out: &Path, sql: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(out)?);
    zip.start_file("dump.sql", zip::write::SimpleFileOptions::default())?;
    zip.write_all(sql.as_bytes())?;
    zip.finish()?;
    Ok(())
}

/// Archives written by an attacker, restored through the operator as
/// `kubectl odoo restore --from-file` has it do (a volume source): a shell command,
/// a `\connect` into the live database, and an `ir_module_module` that is a view
/// over a function making the tenant superuser when it runs as one (the read that
/// checks a restore). Each restore fails naming why; no command ran, the live
/// database is unchanged and no role was made superuser.
#[tokio::test]
async fn hostile_archives_fail_and_change_nothing() -> anyhow::Result<()> {
    let s = running_shop("restore-hostile").await?;
    let uploads = s.pods.claim_dir("uploads");
    let sentinel = uploads.join("pwned");
    let role = s
        .instances
        .get("shop")
        .await?
        .spec
        .database
        .role
        .expect("defaulted role");
    let superusers_before = superusers().await?;
    let cases = [
        (
            "shell",
            format!("SELECT 1;\n\\! touch {}\n", sentinel.display()),
            "meta-command",
        ),
        (
            "connect",
            format!(
                "CREATE TABLE a (x int);\n\\connect {}\nCREATE TABLE pwned (x int);\n",
                s.database
            ),
            "meta-command",
        ),
        (
            "trojan",
            format!(
                "CREATE FUNCTION trojan() RETURNS TABLE(name varchar, state varchar, latest_version varchar) \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE {role} SUPERUSER'; END IF; \
                 RETURN QUERY SELECT 'base'::varchar, 'installed'::varchar, '17.0.1.3'::varchar; END $$;\n\
                 CREATE VIEW ir_module_module AS SELECT * FROM trojan();\n"
            ),
            "is a view, not a table",
        ),
    ];
    for (what, sql, why) in cases {
        hostile_zip(&uploads.join(format!("{what}.zip")), &sql)?;
        let name = format!("hostile-{what}");
        create_restore(
            &s,
            &name,
            json!({ "instanceRef": { "name": "shop" },
                    "source": { "pvc": { "claimName": "uploads", "path": format!("{what}.zip") } } }),
        )
        .await?;
        let (job, _) = follow(&s, &name).await?;
        let status = job.status.unwrap_or_default();
        let message = status.job.message.unwrap_or_default();
        assert_eq!(
            status.job.phase,
            Some(JobPhase::Failed),
            "{what}: {message}"
        );
        assert!(message.contains(why), "{what}: {message}");
        assert!(!sentinel.exists(), "{what}: a shell command ran");
        assert_eq!(superusers().await?, superusers_before, "{what}");
        assert_eq!(
            scalar(&s.database, "SELECT note FROM before_restore").await?,
            "written before the restore",
            "{what}"
        );
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
    s.ns.delete().await;
    Ok(())
}
