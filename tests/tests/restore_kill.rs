//! Crash safety of restores, asserted: the operator aborts at each crash point of a
//! restore (`ODOO_OPERATOR_CRASH_AT`, see operator/src/crash.rs), a fresh operator
//! takes over, and the restore must converge with nothing lost. Every step resumes
//! from the job's status alone, so each kill ends Succeeded: the archive's data and
//! files are live, and the previous database and files are kept as they were.
//!
//! The filestore switch is also made to fail after each of its steps (the agent's
//! `ODOO_AGENT_FAIL_AT`, set by the local-pods harness), with Keep and with Drop:
//! the live database and the live files always belong together, and nothing is
//! lost.
//!
//! The whole data path is real: the agent's pods run through the local-pods
//! harness against the real PostgreSQL server and local directories standing for
//! the volumes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kube::api::{Api, PostParams};
use odoo_model::restore_job::{OdooRestoreJobStatus, RestoreStep};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooRestoreJob, names};
use odoo_tests::agent::{Database, Snapshot, checksums, make_filestore};
use odoo_tests::local_pods::{LOCAL_IMAGE, LocalPods};
use odoo_tests::odoo_zip::odoo_made_zip;
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_of, scalar, superuser};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

/// How long anything may take on a busy machine: a bound that only ends a test
/// that would otherwise hang, never a measure.
const DEADLINE: Duration = Duration::from_secs(600);
const JOB: &str = "restore";
const MARKER: &str = "written before the restore";

async fn exists(db: &str) -> anyhow::Result<bool> {
    let row = superuser("postgres")
        .await?
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&db],
        )
        .await?;
    Ok(row.get::<_, i64>(0) == 1)
}

/// The marker the live database held before the restore, or None without the
/// table (the database is the archive's).
async fn marker(db: &str) -> anyhow::Result<Option<String>> {
    let client = superuser(db).await?;
    let table = client
        .query_one(
            "SELECT to_regclass('public.before_restore') IS NOT NULL",
            &[],
        )
        .await?;
    if !table.get::<_, bool>(0) {
        return Ok(None);
    }
    let row = client
        .query_one("SELECT note FROM before_restore", &[])
        .await?;
    Ok(Some(row.get(0)))
}

/// Row counts of the tables of the archive's database that restores compare.
async fn counts(db: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for table in ["res_partner", "sale_order", "ir_attachment"] {
        let sql = format!("SELECT count(*)::text FROM {table}");
        out.insert(table.to_owned(), scalar(db, &sql).await?);
    }
    Ok(out)
}

fn expected_counts(snapshot: &Snapshot) -> BTreeMap<String, String> {
    ["res_partner", "sale_order", "ir_attachment"]
        .into_iter()
        .map(|t| (t.to_owned(), snapshot.tables[t].0.to_string()))
        .collect()
}

/// An Odoo-made zip (17.0 manifest) of a populated database with 120 filestore
/// files and two scheduled actions; the database's snapshot.
fn archive(out: &Path, files: &Path) -> anyhow::Result<Snapshot> {
    let db = Database::create("kill_src", "kill_src_owner")?;
    db.populate_odoo_like(3)?;
    db.sql(
        "CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, key varchar NOT NULL UNIQUE, value text);
         INSERT INTO ir_config_parameter (key, value) VALUES
             ('database.uuid', '11111111-2222-4333-8444-555555555555'),
             ('database.secret', 'original-secret');
         CREATE TABLE ir_model_data (id serial PRIMARY KEY, module varchar, name varchar, model varchar, res_id int);
         CREATE TABLE ir_cron (id serial PRIMARY KEY, name varchar, active boolean);
         INSERT INTO ir_cron (name, active) VALUES ('autovacuum', true), ('send invoices', true);
         INSERT INTO ir_model_data (module, name, model, res_id) VALUES ('base', 'autovacuum_job', 'ir.cron', 1);",
    )?;
    make_filestore(files, 120, 7)?;
    odoo_made_zip(&db, files, true, out);
    db.snapshot()
}

/// One restore killed at `point`: the instance, its old data, the archive, and the
/// operator that crashed there.
struct Killed {
    ns: TestNamespace,
    op_ns: String,
    args: Vec<String>,
    op: OperatorProcess,
    pods: LocalPods,
    instances: Api<OdooInstance>,
    restores: Api<OdooRestoreJob>,
    /// The instance's database name.
    database: String,
    /// The filestore volume's `filestore` directory.
    filestore: PathBuf,
    /// The live files before the restore.
    old_files: BTreeMap<String, String>,
    /// The archive's files and data.
    archive_files: BTreeMap<String, String>,
    archive_data: Snapshot,
}

impl Killed {
    /// Instance `shop` Running with Odoo's simulated init, a marker table and live
    /// files; an archive in claim `uploads`; a Move restore of it (neutralized, so
    /// the switch prepares the database for real); the operator started to abort at
    /// `point`. Returns once it did, having asserted that it reached the point.
    async fn at(point: &str, prefix: &str) -> anyhow::Result<Killed> {
        let mut k = Killed::start(Some(point), prefix, None, "Keep").await?;
        let exit = k.op.wait_exit(DEADLINE).await;
        let Some(exit) = exit else {
            panic!(
                "the operator never reached crash point {point}; restore status {:?}; pods run {:?}\n{}",
                k.restores.get(JOB).await.ok().and_then(|j| j.status),
                k.pods.runs(),
                k.op.log_tail(40)
            );
        };
        assert!(
            !exit.success(),
            "the operator aborted, it did not exit cleanly: {exit:?}"
        );
        assert!(
            k.op.crashed_at(point),
            "the operator exited ({exit:?}) without reaching crash point {point}:\n{}",
            k.op.log_tail(40)
        );
        Ok(k)
    }

    /// The same restore with the operator started to crash at `crash` (or not), the
    /// filestore switch's pods failing at the steps `fail_switch_at` names, and
    /// `previousDatabase` as given. Returns once the restore is created.
    async fn start(
        crash: Option<&str>,
        prefix: &str,
        fail_switch_at: Option<&str>,
        previous_database: &str,
    ) -> anyhow::Result<Killed> {
        let cp = simulated_cluster();
        let ns = TestNamespace::new(cp, prefix).await?;
        let op_ns = operator_namespace(&ns, shared_postgres()).await?;
        let args = vec!["--watch-namespace".to_owned(), ns.name.clone()];
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = crash
            .map(|point| (odoo_tests::operator::CRASH_AT, point))
            .into_iter()
            .collect();
        let op = OperatorProcess::start_with_env(cp, &op_ns, &arg_refs, &env)?;
        let pods = ns.local_pods()?;
        pods.fail_at("switch-filestore", fail_switch_at);
        let instances: Api<OdooInstance> = ns.api();
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": "shop" },
            "spec": { "image": LOCAL_IMAGE, "replicas": 1, "init": { "enabled": true } },
        }))?;
        instances.create(&PostParams::default(), &instance).await?;
        let running = wait_for_phase(&instances, "shop", InstancePhase::Running, &op).await;
        let database = running.spec.database.name.clone().expect("defaulted name");

        // A marker of the old data, owned by the instance's role (the modules are the
        // simulated init's).
        let owner = names::database_role(&ns.name, "shop");
        superuser(&database)
            .await?
            .batch_execute(&format!(
                "CREATE TABLE before_restore (note text); \
                 INSERT INTO before_restore VALUES ('{MARKER}'); \
                 ALTER TABLE before_restore OWNER TO \"{owner}\";"
            ))
            .await?;
        let filestore = pods
            .claim_dir(&names::filestore_pvc("shop"))
            .join("filestore");
        let live = filestore.join(&database);
        make_filestore(&live, 30, 99)?;
        std::fs::create_dir_all(live.join("ab"))?;
        std::fs::write(live.join("ab/before"), "a file written before the restore")?;
        let old_files = checksums(&live)?;

        let files = tempfile::tempdir()?;
        let zip = pods.claim_dir("uploads").join("shop.zip");
        let (zip2, files2) = (zip.clone(), files.path().to_path_buf());
        let archive_data = tokio::task::spawn_blocking(move || archive(&zip2, &files2)).await??;
        let archive_files = checksums(files.path())?;
        let sha = odoo_model::agent::hex(&<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(
            &zip,
        )?));
        let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(
            json!({
                "metadata": { "name": "uploads" },
                "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } },
            }),
        )?;
        ns.api().create(&PostParams::default(), &claim).await?;
        let restores: Api<OdooRestoreJob> = ns.api();
        let job: OdooRestoreJob = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
            "metadata": { "name": JOB },
            "spec": {
                "instanceRef": { "name": "shop" },
                "source": { "pvc": { "claimName": "uploads", "path": "shop.zip" } },
                "sha256": sha, "mode": "Move", "neutralize": true,
                "previousDatabase": previous_database,
            },
        }))?;
        restores.create(&PostParams::default(), &job).await?;
        Ok(Killed {
            ns,
            op_ns,
            args,
            op,
            pods,
            instances,
            restores,
            database,
            filestore,
            old_files,
            archive_files,
            archive_data,
        })
    }

    /// The restore's status as the crashed operator left it.
    async fn status(&self) -> anyhow::Result<OdooRestoreJobStatus> {
        Ok(self.restores.get(JOB).await?.status.unwrap_or_default())
    }

    /// A fresh operator, without a crash point.
    fn restart(&mut self) -> anyhow::Result<()> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.op = OperatorProcess::start(simulated_cluster(), &self.op_ns, &args)?;
        Ok(())
    }

    /// Follows the restore to its end.
    async fn finish(&self) -> anyhow::Result<OdooRestoreJobStatus> {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            let status = self.status().await?;
            if status.job.phase.is_some_and(JobPhase::is_finished) {
                return Ok(status);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!(
            "the restore never finished: {:?}; pods run {:?}\n{}",
            self.status().await?,
            self.pods.runs(),
            self.op.log_tail(40)
        );
    }

    /// How many pods of agent `command` ran.
    fn ran(&self, command: &str) -> usize {
        self.pods
            .runs()
            .iter()
            .filter(|r| r.command == command)
            .count()
    }

    /// How many pods of Job `job` ran.
    fn ran_job(&self, job: &str) -> usize {
        let prefix = format!("{job}-");
        self.pods
            .runs()
            .iter()
            .filter(|r| r.pod.starts_with(&prefix))
            .count()
    }

    /// The restore ended Succeeded with nothing lost: the archive's data and files
    /// are live, prepared; the previous database and files are kept untouched; each
    /// agent step ran once; the instance runs again.
    async fn converged_to_the_archive(self) -> anyhow::Result<()> {
        let status = self.finish().await?;
        let message = status.job.message.clone().unwrap_or_default();
        assert_eq!(
            status.job.phase,
            Some(JobPhase::Succeeded),
            "{message}\npods run: {:?}\n{}",
            self.pods.runs(),
            self.op.log_tail(40)
        );
        let kept = status.previous_database_name.clone().expect("kept name");
        assert!(
            // The name is cut to fit, keeping at least 36 bytes of the database's.
            kept.starts_with(&self.database[..self.database.len().min(36)])
                && kept.contains("_pre_restore_"),
            "{kept}"
        );

        // The archive's data is live, neutralized; the old database is kept whole.
        assert_eq!(
            counts(&self.database).await?,
            expected_counts(&self.archive_data)
        );
        assert_eq!(
            marker(&self.database).await?,
            None,
            "the live database is the restored one"
        );
        // Odoo's own `odoo neutralize` (the image is 18.0) marks it `true`.
        assert_eq!(
            scalar(
                &self.database,
                "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'"
            )
            .await?,
            "true"
        );
        assert_eq!(
            scalar(
                &self.database,
                "SELECT string_agg(name || '=' || active, ',' ORDER BY id) FROM ir_cron"
            )
            .await?,
            "autovacuum=true,send invoices=false"
        );
        assert_eq!(
            scalar(
                &self.database,
                "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'"
            )
            .await?,
            "11111111-2222-4333-8444-555555555555",
            "Move keeps the archive's identity"
        );
        assert_eq!(marker(&kept).await?.as_deref(), Some(MARKER));
        assert_eq!(
            scalar(
                &kept,
                "SELECT latest_version FROM ir_module_module WHERE name = 'base'"
            )
            .await?,
            "17.0.1.0",
            "the previous database, as its init left it"
        );
        assert!(
            databases_of(&self.database, "restoring").await?.is_empty(),
            "no temporary database is left"
        );

        // The archive's files are live; the old ones are kept under the kept name.
        assert_eq!(
            checksums(&self.filestore.join(&self.database))?,
            self.archive_files
        );
        assert_eq!(checksums(&self.filestore.join(&kept))?, self.old_files);

        // Nothing ran twice: the resumed operator found each Job it had made.
        assert_eq!(self.ran("restore"), 1, "{:?}", self.pods.runs());
        assert_eq!(self.ran("switch-filestore"), 1, "{:?}", self.pods.runs());
        // Odoo neutralized it, then opened it, once each.
        assert_eq!(
            self.ran_job("restore-neutralize"),
            1,
            "{:?}",
            self.pods.runs()
        );
        assert_eq!(self.ran_job("restore-open"), 1, "{:?}", self.pods.runs());

        let instance =
            wait_for_phase(&self.instances, "shop", InstancePhase::Running, &self.op).await;
        assert_eq!(
            instance.spec.database.name.as_deref(),
            Some(self.database.as_str())
        );
        self.ns.delete().await;
        Ok(())
    }
}

/// Killed once the load Job is created and recorded: the restarted operator follows
/// that Job (it does not load twice) and goes on.
#[tokio::test]
async fn killed_while_loading_the_restore_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("restore-loading", "kill-loading").await?;
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Loading), "{st:?}");
    assert_eq!(st.job.job_name.as_deref(), Some("restore-load"), "{st:?}");
    let temporary = st.temporary_database.clone().expect("temporary name");
    assert!(exists(&temporary).await?, "{temporary} was created");
    assert_eq!(marker(&k.database).await?.as_deref(), Some(MARKER));
    k.restart()?;
    k.converged_to_the_archive().await
}

/// Killed once the archive is loaded and checked and the Opening step recorded,
/// before Odoo ran on it: the restarted operator has Odoo open it, stops the
/// instance and switches.
#[tokio::test]
async fn killed_once_loaded_before_the_instance_stopped_the_restore_converges() -> anyhow::Result<()>
{
    let mut k = Killed::at("restore-loaded", "kill-loaded").await?;
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Opening), "{st:?}");
    assert!(!st.database_switched, "{st:?}");
    let temporary = st.temporary_database.clone().expect("temporary name");
    assert!(exists(&temporary).await?, "{temporary} holds the load");
    assert_eq!(counts(&temporary).await?, expected_counts(&k.archive_data));
    assert_eq!(marker(&k.database).await?.as_deref(), Some(MARKER));
    assert_eq!(k.ran("restore"), 1);
    k.restart()?;
    k.converged_to_the_archive().await
}

/// Killed once Odoo's first run on the loaded database (its neutralization) is
/// created and recorded: the restarted operator follows that Job, then has Odoo
/// open the database, and switches; the live database served meanwhile.
#[tokio::test]
async fn killed_while_odoo_opens_the_restore_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("restore-opening", "kill-opening").await?;
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Opening), "{st:?}");
    assert_eq!(
        st.job.job_name.as_deref(),
        Some("restore-neutralize"),
        "{st:?}"
    );
    assert!(!st.database_switched, "{st:?}");
    let instance = k.instances.get("shop").await?;
    assert_ne!(
        instance.status.and_then(|s| s.phase),
        Some(InstancePhase::Restoring),
        "the instance serves while Odoo opens the restore"
    );
    assert_eq!(marker(&k.database).await?.as_deref(), Some(MARKER));
    k.restart()?;
    k.converged_to_the_archive().await
}

/// Killed with the instance Restoring and stopped, before the databases were
/// prepared and renamed.
#[tokio::test]
async fn killed_restoring_before_the_rename_the_restore_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("restore-before-rename", "kill-prerename").await?;
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Switching), "{st:?}");
    assert!(!st.database_switched, "{st:?}");
    let instance = k.instances.get("shop").await?;
    assert_eq!(
        instance.status.and_then(|s| s.phase),
        Some(InstancePhase::Restoring)
    );
    let temporary = st.temporary_database.clone().expect("temporary name");
    assert!(exists(&temporary).await?, "not renamed yet");
    assert_eq!(marker(&k.database).await?.as_deref(), Some(MARKER));
    k.restart()?;
    k.converged_to_the_archive().await
}

/// Killed after the databases were renamed, before the status recorded it: the
/// restarted operator finds the rename done (and the temporary name gone) and
/// switches the filestore.
#[tokio::test]
async fn killed_after_the_rename_before_the_filestore_switch_the_restore_converges()
-> anyhow::Result<()> {
    let mut k = Killed::at("restore-after-rename", "kill-renamed").await?;
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Switching), "{st:?}");
    assert!(!st.database_switched, "the status does not know: {st:?}");
    let temporary = st.temporary_database.clone().expect("temporary name");
    let kept = st.previous_database_name.clone().expect("kept name");
    assert!(!exists(&temporary).await?, "renamed away");
    assert_eq!(marker(&k.database).await?, None, "the archive's is live");
    assert_eq!(marker(&kept).await?.as_deref(), Some(MARKER));
    assert_eq!(
        checksums(&k.filestore.join(&k.database))?,
        k.old_files,
        "the files are not switched yet"
    );
    k.restart()?;
    k.converged_to_the_archive().await
}

/// Killed after the filestore switch Job succeeded and its report was taken,
/// before Succeeded was written: the restarted operator takes the report again.
#[tokio::test]
async fn killed_after_the_filestore_switch_the_restore_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("restore-after-filestore-switch", "kill-switched").await?;
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Switching), "{st:?}");
    assert!(st.database_switched, "{st:?}");
    assert_eq!(st.job.phase, Some(JobPhase::Running), "{st:?}");
    assert_eq!(
        checksums(&k.filestore.join(&k.database))?,
        k.archive_files,
        "the files are switched"
    );
    assert_eq!(k.ran("switch-filestore"), 1);
    k.restart()?;
    k.converged_to_the_archive().await
}

/// With Drop, killed once Odoo ran on the restored database and the previous files
/// were removed, before their database was dropped: the restarted operator drops
/// it, and the restore ends with the archive live and nothing of the previous
/// state left half.
#[tokio::test]
async fn killed_between_the_previous_files_and_their_database_the_restore_drops_both()
-> anyhow::Result<()> {
    let point = "kept-before-drop";
    let mut k = Killed::start(Some(point), "kill-drop", None, "Drop").await?;
    let exit = k.op.wait_exit(DEADLINE).await;
    assert!(
        exit.is_some() && k.op.crashed_at(point),
        "the operator never reached {point}: {:?}\n{}",
        k.status().await?,
        k.op.log_tail(40)
    );
    let st = k.status().await?;
    assert_eq!(st.step, Some(RestoreStep::Starting), "{st:?}");
    let kept = st
        .previous_database_name
        .clone()
        .expect("kept until dropped");
    assert_eq!(marker(&kept).await?.as_deref(), Some(MARKER));
    assert!(
        !k.filestore.join(&kept).exists(),
        "the previous files went first"
    );
    k.restart()?;
    let status = k.finish().await?;
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Succeeded), "{message}");
    assert!(message.contains("ran on it"), "{message}");
    assert_eq!(status.previous_database_name, None);
    assert!(!exists(&kept).await?, "{kept} dropped");
    assert_eq!(
        marker(&k.database).await?,
        None,
        "the archive's data is live"
    );
    assert_eq!(checksums(&k.filestore.join(&k.database))?, k.archive_files);
    wait_for_phase(&k.instances, "shop", InstancePhase::Running, &k.op).await;
    k.ns.delete().await;
    Ok(())
}

/// The live database and the live files are the old ones, together; the archive
/// left nothing behind; the instance runs again.
async fn old_data_and_files_are_live(k: &Killed) -> anyhow::Result<()> {
    assert_eq!(marker(&k.database).await?.as_deref(), Some(MARKER));
    assert_eq!(checksums(&k.filestore.join(&k.database))?, k.old_files);
    assert!(databases_of(&k.database, "restoring").await?.is_empty());
    wait_for_phase(&k.instances, "shop", InstancePhase::Running, &k.op).await;
    Ok(())
}

/// A filestore switch that fails before it moved anything, or after it set the
/// live files aside and put them back: the previous database comes back with its
/// files (with Keep and with Drop), and nothing is dropped.
#[tokio::test]
async fn a_switch_failing_before_the_files_moved_puts_the_old_database_back_with_its_files()
-> anyhow::Result<()> {
    for (point, previous) in [
        ("switch-before-keep", "Keep"),
        ("switch-after-keep", "Drop"),
    ] {
        let k = Killed::start(None, "switch-undone", Some(point), previous).await?;
        let status = k.finish().await?;
        let message = status.job.message.clone().unwrap_or_default();
        assert_eq!(
            status.job.phase,
            Some(JobPhase::Failed),
            "{point}: {message}"
        );
        assert!(
            message.contains("is back in place") && message.contains(point),
            "{point}: {message}"
        );
        old_data_and_files_are_live(&k).await?;
        k.ns.delete().await;
    }
    Ok(())
}

/// The switch is done but the previous files, asked to be removed (Drop), cannot
/// be: the previous database stays with them, and the restore succeeds.
#[tokio::test]
async fn previous_files_left_by_a_switch_keep_their_database() -> anyhow::Result<()> {
    let k = Killed::start(None, "switch-left", Some("switch-removing"), "Drop").await?;
    let status = k.finish().await?;
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Succeeded), "{message}");
    let kept = status
        .previous_database_name
        .clone()
        .expect("kept, not dropped");
    assert!(message.contains("could not be removed"), "{message}");
    assert_eq!(
        marker(&k.database).await?,
        None,
        "the archive's data is live"
    );
    assert_eq!(checksums(&k.filestore.join(&k.database))?, k.archive_files);
    assert_eq!(marker(&kept).await?.as_deref(), Some(MARKER));
    assert_eq!(checksums(&k.filestore.join(&kept))?, k.old_files);
    k.ns.delete().await;
    Ok(())
}

/// The switch fails after the live files were set aside and cannot put them back:
/// where the files are is not the old state, so the old database does not come
/// back either. Nothing is reverted or dropped, the restore waits saying so, and a
/// rerun of the switch (its Job deleted) finishes it.
#[tokio::test]
async fn a_half_switched_filestore_is_never_paired_with_the_old_database() -> anyhow::Result<()> {
    let k = Killed::start(
        None,
        "switch-half",
        Some("switch-after-keep,switch-undo"),
        "Drop",
    )
    .await?;
    let start = Instant::now();
    let status = loop {
        let status = k.status().await?;
        if status
            .job
            .message
            .as_deref()
            .is_some_and(|m| m.contains("may have moved"))
        {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no word of the half switch: {status:?}\n{}",
            k.op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(status.job.phase, Some(JobPhase::Running), "{status:?}");
    assert!(status.database_switched);
    let kept = status.previous_database_name.clone().expect("kept");
    // Nothing is lost: the old data and files are kept together, the archive's
    // data is live and its files wait under the temporary name.
    assert_eq!(marker(&kept).await?.as_deref(), Some(MARKER));
    assert_eq!(checksums(&k.filestore.join(&kept))?, k.old_files);
    assert_eq!(marker(&k.database).await?, None);
    let temporary = status.temporary_database.clone().expect("temporary");
    assert_eq!(checksums(&k.filestore.join(&temporary))?, k.archive_files);
    assert!(!k.ns.events_eventually("SwitchUnknown").await.is_empty());

    // The volume is fine again; the switch runs once more and finishes.
    k.pods.fail_at("switch-filestore", None);
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = k.ns.api();
    jobs.delete(
        &format!("{JOB}-switch"),
        &kube::api::DeleteParams::background(),
    )
    .await?;
    let status = k.finish().await?;
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Succeeded), "{message}");
    assert_eq!(checksums(&k.filestore.join(&k.database))?, k.archive_files);
    assert_eq!(marker(&k.database).await?, None);
    k.ns.delete().await;
    Ok(())
}
