//! Nothing is Succeeded without proof, on the simulated cluster with the whole data
//! path real: the operator against the real API server, PostgreSQL and S3 server,
//! and the real agent run by the local-pods harness for every agent pod, whatever
//! its image. Two of the harness's test images stand for agents that prove
//! nothing: one whose entrypoint swallows the agent's command (exit 0, no report),
//! one whose report carries a wrong SHA-256.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, PostParams};
use odoo_model::backup_job::VerifyResult;
use odoo_model::{InstancePhase, JobPhase, OdooBackupJob, OdooInstance, OdooRestoreJob, names};
use odoo_tests::agent::{Database, checksums, make_filestore};
use odoo_tests::local_pods::{LOCAL_IMAGE, LocalPods, SWALLOWING_IMAGE, WRONG_DIGEST_IMAGE};
use odoo_tests::odoo_zip::odoo_made_zip;
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::plugin::{command, text};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_of, superuser};
use odoo_tests::s3::{create_credentials, shared_s3};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;
use sha2::{Digest, Sha256};

const BUCKET: &str = "proof";

async fn count(db: &str, table: &str) -> anyhow::Result<i64> {
    let row = superuser(db)
        .await?
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await?;
    Ok(row.get(0))
}

/// Whether `message` says `what`, however it spells SHA-256.
fn said(message: &str, what: &str) -> bool {
    message
        .to_lowercase()
        .replace("sha-256", "sha256")
        .contains(what)
}

/// What a restore must bring back: every table's rows (count and digest of the
/// sorted rows), every sequence's value, the extensions.
async fn fingerprint(db: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let client = superuser(db).await?;
    let mut out = BTreeMap::new();
    for row in client
        .query(
            "SELECT schemaname || '.' || tablename FROM pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .await?
    {
        let table: String = row.get(0);
        let rows = client
            .query_one(
                &format!(
                    "SELECT count(*)::text || ' ' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) \
                     FROM {table} t"
                ),
                &[],
            )
            .await?;
        out.insert(format!("table {table}"), rows.get(0));
    }
    for row in client
        .query(
            "SELECT schemaname || '.' || sequencename, coalesce(last_value::text, 'unused') FROM pg_sequences",
            &[],
        )
        .await?
    {
        out.insert(format!("sequence {}", row.get::<_, String>(0)), row.get(1));
    }
    for row in client
        .query("SELECT extname::text, extversion FROM pg_extension", &[])
        .await?
    {
        out.insert(format!("extension {}", row.get::<_, String>(0)), row.get(1));
    }
    Ok(out)
}

fn sha256(bytes: &[u8]) -> String {
    odoo_model::agent::hex(&Sha256::digest(bytes))
}

struct Setup {
    ns: TestNamespace,
    op: OperatorProcess,
    pods: LocalPods,
}

impl Setup {
    async fn new(prefix: &str) -> anyhow::Result<Setup> {
        let cp = simulated_cluster();
        let ns = TestNamespace::new(cp, prefix).await?;
        let op_ns = operator_namespace(&ns, shared_postgres()).await?;
        let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
        let pods = ns.local_pods()?;
        shared_s3().create_bucket(BUCKET)?;
        create_credentials(&ns).await?;
        let claim: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": { "name": "uploads" },
            "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } },
        }))?;
        ns.api::<PersistentVolumeClaim>()
            .create(&PostParams::default(), &claim)
            .await?;
        Ok(Setup { ns, op, pods })
    }

    /// A Running instance of `image` whose database holds what Odoo's (simulated)
    /// init would leave, plus 500 partners, and one file in its filestore.
    async fn instance(&self, name: &str, image: &str) -> anyhow::Result<String> {
        let api: Api<OdooInstance> = self.ns.api();
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": name },
            "spec": {
                "image": image, "replicas": 1,
                "init": { "modules": ["base", "web"] },
            },
        }))?;
        api.create(&PostParams::default(), &instance).await?;
        let running = wait_for_phase(&api, name, InstancePhase::Running, &self.op).await;
        let database = running.spec.database.name.clone().expect("defaulted name");
        let owner = names::database_role(&self.ns.name, name);
        superuser(&database)
            .await?
            .batch_execute(&format!(
                "CREATE TABLE res_partner (id serial PRIMARY KEY, name text); \
                 INSERT INTO res_partner (name) SELECT 'partner ' || g FROM generate_series(1, 500) g; \
                 ALTER TABLE res_partner OWNER TO \"{owner}\";"
            ))
            .await?;
        let dir = self
            .pods
            .claim_dir(&names::filestore_pvc(name))
            .join("filestore")
            .join(&database)
            .join("3f");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("3f2a"), "an attachment")?;
        Ok(database)
    }

    async fn backup(&self, name: &str, instance: &str) -> anyhow::Result<OdooBackupJob> {
        self.start_backup(name, instance, "None").await?;
        let api: Api<OdooBackupJob> = self.ns.api();
        self.finished(&api, name, |j| j.status.as_ref().and_then(|s| s.job.phase))
            .await
    }

    /// Creates a backup job to the bucket with `verify`, without waiting.
    async fn start_backup(&self, name: &str, instance: &str, verify: &str) -> anyhow::Result<()> {
        let job: OdooBackupJob = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooBackupJob",
            "metadata": { "name": name },
            "spec": { "instanceRef": { "name": instance }, "verify": verify, "destination": { "s3": {
                "endpoint": shared_s3().endpoint, "bucket": BUCKET, "region": "us-east-1",
                "forcePathStyle": true,
                "credentials": { "secretName": "s3-creds" },
                "key": "{namespace}/{instance}/{timestamp}.{ext}",
            } } },
        }))?;
        let api: Api<OdooBackupJob> = self.ns.api();
        api.create(&PostParams::default(), &job).await?;
        Ok(())
    }

    async fn restore(&self, name: &str, spec: serde_json::Value) -> anyhow::Result<OdooRestoreJob> {
        let job: OdooRestoreJob = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
            "metadata": { "name": name }, "spec": spec,
        }))?;
        let api: Api<OdooRestoreJob> = self.ns.api();
        api.create(&PostParams::default(), &job).await?;
        self.finished(&api, name, |j| j.status.as_ref().and_then(|s| s.job.phase))
            .await
    }

    /// The job once finished, polled against a generous deadline.
    async fn finished<K>(
        &self,
        api: &Api<K>,
        name: &str,
        phase: fn(&K) -> Option<JobPhase>,
    ) -> anyhow::Result<K>
    where
        K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            let job = api.get(name).await?;
            if phase(&job).is_some_and(JobPhase::is_finished) {
                return Ok(job);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!(
            "{name} never finished; pods run: {:?}\n{}",
            self.pods.runs(),
            self.op.log_tail(40)
        );
    }
}

/// An Odoo-made zip (17.0) in the uploads claim, and its SHA-256.
async fn odoo_zip(s: &Setup) -> anyhow::Result<(String, String)> {
    let uploads = s.pods.claim_dir("uploads");
    let zip = uploads.join("odoo17.zip");
    let zip2 = zip.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let db = Database::create("proof_src", "proof_src_owner")?;
        db.populate_odoo_like(2)?;
        let files = tempfile::tempdir()?;
        make_filestore(files.path(), 20, 5)?;
        odoo_made_zip(&db, files.path(), true, &zip2);
        Ok(())
    })
    .await??;
    Ok(("odoo17.zip".into(), sha256(&std::fs::read(&zip)?)))
}

#[tokio::test]
async fn a_backup_of_any_image_is_in_the_bucket_with_its_digest_and_restores_every_row()
-> anyhow::Result<()> {
    let s = Setup::new("proof-ok").await?;
    // LOCAL_IMAGE is a plain tag: nothing in the harness knows it.
    let database = s.instance("shop", LOCAL_IMAGE).await?;
    superuser(&database)
        .await?
        .batch_execute("CREATE EXTENSION pg_trgm; SELECT setval('res_partner_id_seq', 4242)")
        .await?;
    let before = fingerprint(&database).await?;
    let files_before = checksums(
        &s.pods
            .claim_dir(&names::filestore_pvc("shop"))
            .join("filestore")
            .join(&database),
    )?;
    let job = s.backup("first", "shop").await?;
    let status = job.status.clone().unwrap_or_default();
    assert_eq!(
        status.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}\n{:?}",
        status.job.message,
        s.pods.runs()
    );
    let message = status.job.message.clone().unwrap_or_default();
    assert!(message.contains("checked in the bucket"), "{message}");

    // The object is in the bucket with the recorded digest, and the digest object
    // beside it says the same.
    let location = status
        .location
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let key = location
        .strip_prefix(&format!("s3://{BUCKET}/"))
        .expect("an s3 location");
    let object = shared_s3().get(BUCKET, key).await?;
    assert_eq!(Some(sha256(&object)), status.sha256);
    assert_eq!(status.size_bytes, Some(object.len() as i64));
    let digest = shared_s3().get(BUCKET, &format!("{key}.sha256")).await?;
    assert!(
        String::from_utf8_lossy(&digest).starts_with(status.sha256.as_deref().unwrap_or("-")),
        "{}",
        String::from_utf8_lossy(&digest)
    );

    // What a user runs next: the download checks the digest.
    let dir = tempfile::tempdir()?;
    let out = command(
        simulated_cluster(),
        &s.ns.name,
        &["backup", "download", "first", "first.zip"],
    )
    .current_dir(dir.path())
    .output()?;
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("sha256 verified"), "{out:?}");

    // Damage, then restore the backup in place: every row, sequence, extension
    // and file is back.
    superuser(&database)
        .await?
        .batch_execute("DELETE FROM res_partner WHERE id > 7; SELECT nextval('res_partner_id_seq')")
        .await?;
    let files = s
        .pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore")
        .join(&database);
    std::fs::remove_dir_all(files.join("3f"))?;
    let restored = s
        .restore(
            "undo",
            json!({ "instanceRef": { "name": "shop" }, "source": { "backupJob": "first" },
                    "mode": "Move", "previousDatabase": "Drop" }),
        )
        .await?;
    let st = restored.status.unwrap_or_default();
    assert_eq!(
        st.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}\n{:?}",
        st.job.message,
        s.pods.runs()
    );
    assert_eq!(count(&database, "res_partner").await?, 500);
    assert_eq!(fingerprint(&database).await?, before);
    assert_eq!(checksums(&files)?, files_before);
    assert!(!files_before.is_empty());
    let runs: Vec<String> = s.pods.runs().into_iter().map(|r| r.command).collect();
    for command in ["backup", "restore", "switch-filestore"] {
        assert!(
            runs.iter().any(|c| c == command),
            "{command} ran for real: {runs:?}"
        );
    }
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn an_agent_that_proves_nothing_fails_the_backup_and_the_restore_and_the_live_rows_stay()
-> anyhow::Result<()> {
    let s = Setup::new("proof-none").await?;
    let (path, sha) = odoo_zip(&s).await?;
    for (name, image, says) in [
        ("swallows", SWALLOWING_IMAGE, "no report"),
        ("lies", WRONG_DIGEST_IMAGE, "sha256"),
    ] {
        let database = s.instance(name, image).await?;

        let backup = s.backup(&format!("{name}-backup"), name).await?;
        let st = backup.status.unwrap_or_default();
        let message = st.job.message.clone().unwrap_or_default();
        assert_eq!(st.job.phase, Some(JobPhase::Failed), "{name}: {message}");
        assert!(
            said(&message, says),
            "{name}: the message says why: {message}"
        );
        assert!(
            message.contains("kubectl logs job/"),
            "{name}: and where to look: {message}"
        );

        let restore = s
            .restore(
                &format!("{name}-restore"),
                json!({ "instanceRef": { "name": name },
                        "source": { "pvc": { "claimName": "uploads", "path": path } },
                        "sha256": sha, "mode": "Move" }),
            )
            .await?;
        let st = restore.status.unwrap_or_default();
        let message = st.job.message.clone().unwrap_or_default();
        assert_eq!(st.job.phase, Some(JobPhase::Failed), "{name}: {message}");
        assert!(
            said(&message, says) && message.contains("was not touched"),
            "{name}: {message}"
        );
        // The live database is the one it was, with every row.
        assert_eq!(count(&database, "res_partner").await?, 500, "{name}");
        assert_eq!(count(&database, "ir_module_module").await?, 2, "{name}");
        assert!(
            databases_of(&database, "restoring").await?.is_empty(),
            "{name}: the temporary database is dropped"
        );
        assert!(
            databases_of(&database, "pre_restore").await?.is_empty(),
            "{name}: nothing was switched"
        );
    }
    let failed = s.ns.warnings("BackupFailed").await;
    assert!(failed.len() >= 2, "{failed:?}");
    s.ns.delete().await;
    Ok(())
}

/// The object key of a backup's `s3://` location.
fn key_of(status: &odoo_model::OdooBackupJobStatus) -> String {
    let location = status.location.as_ref().and_then(|l| l.as_s3());
    location.map(|(_, key)| key.to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn verify_archive_catches_a_byte_flipped_in_the_bucket_after_upload() -> anyhow::Result<()> {
    let s = Setup::new("verify-archive").await?;
    s.instance("shop", LOCAL_IMAGE).await?;
    let api: Api<OdooBackupJob> = s.ns.api();
    let phase = |j: &OdooBackupJob| j.status.as_ref().and_then(|s| s.job.phase);

    // Untouched, the archive reads back whole.
    s.start_backup("sound", "shop", "Archive").await?;
    let sound = s.finished(&api, "sound", phase).await?;
    let st = sound.status.unwrap_or_default();
    assert_eq!(
        st.job.phase,
        Some(JobPhase::Succeeded),
        "{:?}",
        st.job.message
    );
    let verified = st.verified.expect("verified");
    assert_eq!(
        verified.result,
        VerifyResult::Passed,
        "{}",
        verified.message
    );

    // The verification waits while a byte of the stored object is flipped.
    s.pods.hold("verify");
    s.start_backup("flipped", "shop", "Archive").await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while s.pods.held_pods().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no verify pod: {:?}",
            s.pods.runs()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let stored = api.get("flipped").await?.status.unwrap_or_default();
    let key = key_of(&stored);
    let mut object = shared_s3().get(BUCKET, &key).await?;
    let middle = object.len() / 2;
    object[middle] ^= 0x01;
    shared_s3().put(BUCKET, &key, object).await?;
    s.pods.release("verify");

    let flipped = s.finished(&api, "flipped", phase).await?;
    let st = flipped.status.unwrap_or_default();
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(st.job.phase, Some(JobPhase::Failed), "{message}");
    let verified = st.verified.expect("verified");
    assert_eq!(
        verified.result,
        VerifyResult::Failed,
        "{}",
        verified.message
    );
    assert!(message.contains("verification"), "{message}");
    let warnings = s.ns.warnings("BackupVerifyFailed").await;
    assert!(!warnings.is_empty(), "a BackupVerifyFailed warning");
    assert_eq!(
        s.op.metric(
            "odoo_operator_backup_verifications_total{method=\"Archive\",result=\"failed\"}"
        ),
        1.0
    );

    // The list says which backup held up.
    let out = command(simulated_cluster(), &s.ns.name, &["backup", "list"]).output()?;
    let listed = text(&out.stdout);
    assert!(listed.contains("VERIFIED"), "{listed}");
    assert!(
        listed
            .lines()
            .any(|l| l.contains("flipped") && l.contains("Archive failed")),
        "{listed}"
    );
    assert!(
        listed
            .lines()
            .any(|l| l.contains("sound") && l.contains("Archive passed")),
        "{listed}"
    );
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn verify_restore_loads_the_backup_and_finds_the_rows_of_the_dumps_snapshot()
-> anyhow::Result<()> {
    let s = Setup::new("verify-restore").await?;
    let database = s.instance("shop", LOCAL_IMAGE).await?;
    // More than 10 MB of rows, and more in another table.
    superuser(&database)
        .await?
        .batch_execute(
            "INSERT INTO res_partner (name) \
             SELECT md5(g::text) || repeat('x', 60) FROM generate_series(1, 150000) g; \
             CREATE TABLE mail_message (id bigserial PRIMARY KEY, body text); \
             INSERT INTO mail_message (body) SELECT repeat('message ', 20) FROM generate_series(1, 20000);",
        )
        .await?;
    let owner = names::database_role(&s.ns.name, "shop");
    superuser(&database)
        .await?
        .batch_execute(&format!("ALTER TABLE mail_message OWNER TO \"{owner}\""))
        .await?;
    let size: i64 = superuser(&database)
        .await?
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await?
        .get(0);
    assert!(size >= 10 << 20, "{size} bytes");

    s.start_backup("checked", "shop", "Restore").await?;
    let api: Api<OdooBackupJob> = s.ns.api();
    let job = s
        .finished(&api, "checked", |j| {
            j.status.as_ref().and_then(|s| s.job.phase)
        })
        .await?;
    let st = job.status.unwrap_or_default();
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(st.job.phase, Some(JobPhase::Succeeded), "{message}");
    let verified = st.verified.expect("verified");
    assert_eq!(
        verified.result,
        VerifyResult::Passed,
        "{}",
        verified.message
    );
    let counts = st.row_counts.expect("the snapshot's row counts");
    assert_eq!(counts.rows, 150_500 + 20_000 + 2, "{counts:?}");
    assert!(
        verified.message.contains("equal to the dump's snapshot"),
        "{}",
        verified.message
    );
    assert!(
        databases_of(&database, "verify").await?.is_empty(),
        "the scratch database is dropped"
    );
    s.ns.delete().await;
    Ok(())
}
