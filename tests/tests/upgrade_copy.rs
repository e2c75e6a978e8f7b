//! Upgrades on a copy (strategy Copy, the default), against the real PostgreSQL
//! server: a failing update leaves the live database as it was, a succeeding one
//! switches to the updated copy and keeps the previous database, a rehearsal
//! changes nothing on the instance and records its outcome, and an operator
//! killed at each step converges with nothing lost.
//!
//! Simulated: Odoo's own `odoo -u`. The local-pods harness runs the simulated
//! image's stand-in (tests/src/local_pods/simulated_odoo.rs), which rewrites the
//! module rows as an update does, or fails at once for the image
//! `simulated/odoo:19.0-fails-in-jobs`. Where a test needs the update to change the
//! tenant's data, the test itself writes into the copy while the copy's files are
//! being linked (that agent step is held), as a module's migration would.
//! Everything else is real: the operator's template copy, checks, renames and
//! drops, and the agent's streamed copy, file links, file switch and removal (run
//! by the local-pods harness).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams, PostParams};
use odoo_model::upgrade_job::{CopyMethod, OdooUpgradeJobStatus, UpgradeStep};
use odoo_model::{InstancePhase, JobPhase, OdooInstance, OdooUpgradeJob, names};
use odoo_tests::agent::{checksums, make_filestore};
use odoo_tests::local_pods::{LOCAL_IMAGE, LocalPods};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::plugin::{odoo, text};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_of, scalar, superuser};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

/// A bound that only ends a test that would otherwise hang, never a measure.
const DEADLINE: Duration = Duration::from_secs(600);
/// A newer build of the instance's series: its update Job completes.
const NEWER: &str = "simulated/odoo:17.0-20260101";
/// Its update Job's pod fails.
const FAILING: &str = "simulated/odoo:19.0-fails-in-jobs";
/// The tables whose contents are compared.
const TABLES: [&str; 2] = ["ir_module_module", "res_partner"];

/// Row count and a checksum of every row, per table: equal fingerprints mean the
/// same contents, byte for byte as PostgreSQL prints the rows.
async fn fingerprint(db: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for table in TABLES {
        let sql = format!(
            "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM {table} t"
        );
        out.insert(table.to_owned(), scalar(db, &sql).await?);
    }
    Ok(out)
}

/// `db` holds the data `before` fingerprinted, and its module rows were rewritten
/// since (by the update).
async fn updated_from(db: &str, before: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let now = fingerprint(db).await?;
    assert_eq!(now["res_partner"], before["res_partner"], "the data");
    assert_ne!(
        now["ir_module_module"], before["ir_module_module"],
        "the update rewrote the modules"
    );
    Ok(())
}

/// The database's identity in the catalog: a rename keeps it, a copy has another.
async fn oid(db: &str) -> anyhow::Result<String> {
    scalar(
        "postgres",
        &format!("SELECT oid::text FROM pg_database WHERE datname = '{db}'"),
    )
    .await
}

/// Instance `shop` Running on [`LOCAL_IMAGE`] with an Odoo-like database (base
/// installed at 17.0, 300 partners) and 40 filestore files; the agent's pods run
/// through the local-pods harness.
struct Fixture {
    ns: TestNamespace,
    op_ns: String,
    args: Vec<String>,
    op: OperatorProcess,
    pods: LocalPods,
    instances: Api<OdooInstance>,
    upgrades: Api<OdooUpgradeJob>,
    database: String,
    filestore: PathBuf,
    files: BTreeMap<String, String>,
    original: BTreeMap<String, String>,
    original_oid: String,
}

impl Fixture {
    async fn new(prefix: &str, crash_at: Option<&str>) -> anyhow::Result<Fixture> {
        let cp = simulated_cluster();
        let ns = TestNamespace::new(cp, prefix).await?;
        let op_ns = operator_namespace(&ns, shared_postgres()).await?;
        let args = vec!["--watch-namespace".to_owned(), ns.name.clone()];
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = crash_at
            .map(|p| vec![(odoo_tests::operator::CRASH_AT, p)])
            .unwrap_or_default();
        let op = OperatorProcess::start_with_env(cp, &op_ns, &arg_refs, &env)?;
        let pods = ns.local_pods()?;
        let instances: Api<OdooInstance> = ns.api();
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": "shop" },
            "spec": {
                "image": LOCAL_IMAGE, "replicas": 1,
                "init": { "enabled": true, "modules": ["base", "sale"] },
            },
        }))?;
        instances.create(&PostParams::default(), &instance).await?;
        let running = wait_for_phase(&instances, "shop", InstancePhase::Running, &op).await;
        let database = running.spec.database.name.clone().expect("defaulted name");
        // The tenant's data, owned by the instance's role; the module rows are the
        // (simulated) init's.
        let owner = names::database_role(&ns.name, "shop");
        superuser(&database)
            .await?
            .batch_execute(&format!(
                "CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, email varchar); \
                 INSERT INTO res_partner (name, email) \
                     SELECT 'partner ' || i, 'p' || i || '@example.com' FROM generate_series(1, 300) i; \
                 ALTER TABLE res_partner OWNER TO \"{owner}\";"
            ))
            .await?;
        let filestore = pods
            .claim_dir(&names::filestore_pvc("shop"))
            .join("filestore");
        make_filestore(&filestore.join(&database), 40, 18)?;
        let files = checksums(&filestore.join(&database))?;
        let original = fingerprint(&database).await?;
        let original_oid = oid(&database).await?;
        Ok(Fixture {
            upgrades: ns.api(),
            ns,
            op_ns,
            args,
            op,
            pods,
            instances,
            database,
            filestore,
            files,
            original,
            original_oid,
        })
    }

    async fn upgrade(&self, name: &str, image: &str, rehearsal: bool) -> anyhow::Result<()> {
        let job: OdooUpgradeJob = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooUpgradeJob",
            "metadata": { "name": name },
            "spec": { "instanceRef": { "name": "shop" }, "image": image, "rehearsal": rehearsal },
        }))?;
        self.upgrades.create(&PostParams::default(), &job).await?;
        Ok(())
    }

    async fn status(&self, name: &str) -> anyhow::Result<OdooUpgradeJobStatus> {
        Ok(self.upgrades.get(name).await?.status.unwrap_or_default())
    }

    /// Follows the job to its end.
    async fn finish(&self, name: &str) -> anyhow::Result<OdooUpgradeJobStatus> {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            let status = self.status(name).await?;
            if status.job.phase.is_some_and(JobPhase::is_finished) {
                return Ok(status);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!(
            "{name} never finished: {:?}; pods run {:?}\n{}",
            self.status(name).await?,
            self.pods.runs(),
            self.op.log_tail(40)
        );
    }

    /// Waits until a pod of agent `command` is held, and returns the job's status.
    async fn held(&self, name: &str, command: &str) -> anyhow::Result<OdooUpgradeJobStatus> {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            if !self.pods.held_pods().is_empty() {
                return self.status(name).await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "no {command} pod was held: {:?}\n{}",
            self.status(name).await?,
            self.op.log_tail(40)
        );
    }

    /// Waits until the instance's `status.activeJob` is `want`, and panics at the
    /// deadline with what it is.
    async fn active_job(&self, want: Option<&str>) -> anyhow::Result<()> {
        let start = Instant::now();
        let mut seen = None;
        while start.elapsed() < DEADLINE {
            seen = self
                .instances
                .get("shop")
                .await?
                .status
                .and_then(|s| s.active_job);
            if seen.as_deref() == want {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!(
            "status.activeJob stayed {seen:?}, not {want:?}\n{}",
            self.op.log_tail(40)
        );
    }

    async fn web(&self) -> anyhow::Result<Deployment> {
        Ok(self
            .ns
            .api::<Deployment>()
            .get(&names::web_deployment("shop"))
            .await?)
    }

    /// Reasons of the instance's events, in the order they were recorded.
    /// The instance once its own controller recorded a rehearsal of `image`.
    async fn rehearsal_recorded(&self, image: &str) -> anyhow::Result<OdooInstance> {
        let instances = &self.instances;
        Ok(self
            .op
            .until("the instance recorded the rehearsal", || async {
                let instance = instances.get("shop").await.ok()?;
                let status = instance.status.as_ref()?;
                (status.last_rehearsal.as_ref()?.image == image).then_some(instance)
            })
            .await)
    }

    async fn instance_events(&self) -> anyhow::Result<Vec<String>> {
        let events: Api<Event> = self.ns.api();
        let list = events
            .list(&ListParams::default().fields("involvedObject.kind=OdooInstance"))
            .await?;
        Ok(list.items.into_iter().filter_map(|e| e.reason).collect())
    }

    /// No copy is left: neither its database nor its files.
    async fn no_copy_left(&self, status: &OdooUpgradeJobStatus) -> anyhow::Result<()> {
        let copy = status.copy_database.clone().expect("the copy's name");
        assert!(copy.contains("_upgrading_"), "{copy}");
        assert!(
            databases_of(&self.database, "upgrading").await?.is_empty(),
            "the copy's database is dropped"
        );
        assert!(
            !self.filestore.join(&copy).exists(),
            "the copy's files are removed"
        );
        assert!(!self.filestore.join(format!("{copy}.partial")).exists());
        Ok(())
    }

    /// The live database and files are exactly as before the upgrade.
    async fn live_untouched(&self) -> anyhow::Result<()> {
        assert_eq!(fingerprint(&self.database).await?, self.original);
        assert_eq!(
            oid(&self.database).await?,
            self.original_oid,
            "the same database"
        );
        assert_eq!(checksums(&self.filestore.join(&self.database))?, self.files);
        Ok(())
    }

    /// A fresh operator, without a crash point.
    fn restart(&mut self) -> anyhow::Result<()> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.op = OperatorProcess::start(simulated_cluster(), &self.op_ns, &args)?;
        Ok(())
    }

    fn ran(&self, command: &str) -> usize {
        self.pods
            .runs()
            .iter()
            .filter(|r| r.command == command)
            .count()
    }
}

/// The simulated `odoo -u` that fails halfway: it has changed the copy's schema and
/// data (committed, as Odoo commits module by module) before its pod fails.
#[tokio::test]
async fn a_failing_upgrade_on_a_copy_leaves_the_live_database_untouched() -> anyhow::Result<()> {
    let f = Fixture::new("upcopy-fail", None).await?;
    f.pods.hold("copy-filestore");
    f.upgrade("to-19", FAILING, false).await?;
    let st = f.held("to-19", "copy-filestore").await?;
    assert_eq!(st.step, Some(UpgradeStep::Copying), "{st:?}");
    assert_eq!(st.copy_method, Some(CopyMethod::Template), "{st:?}");
    let web = f.web().await?;
    assert_eq!(
        web.spec.and_then(|s| s.replicas),
        Some(0),
        "web is stopped before the database is copied"
    );
    let copy = st.copy_database.clone().expect("copy");
    assert_eq!(fingerprint(&copy).await?, f.original, "a faithful copy");
    superuser(&copy)
        .await?
        .batch_execute(
            "ALTER TABLE res_partner ADD COLUMN migrated boolean DEFAULT true; \
             UPDATE ir_module_module SET latest_version = '19.0.1.0' WHERE name = 'sale'; \
             DELETE FROM res_partner WHERE id > 250;",
        )
        .await?;
    f.pods.release("copy-filestore");

    let st = f.finish("to-19").await?;
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(st.job.phase, Some(JobPhase::Failed), "{message}");
    assert_eq!(st.update_succeeded, Some(false), "{st:?}");
    assert!(message.contains("was not touched"), "{message}");
    assert!(message.contains("failed on the copy"), "{message}");
    f.live_untouched().await?;
    f.no_copy_left(&st).await?;
    assert!(
        databases_of(&f.database, "pre_upgrade").await?.is_empty(),
        "nothing was switched"
    );

    // The old image serves the untouched database again (the spec never named the
    // failing image, so the instance settles back to Running).
    let instance = wait_for_phase(&f.instances, "shop", InstancePhase::Running, &f.op).await;
    assert_eq!(
        instance.status.and_then(|s| s.image).as_deref(),
        Some(LOCAL_IMAGE)
    );
    let web = f.web().await?;
    let spec = web.spec.expect("spec");
    assert_eq!(spec.replicas, Some(1), "web serves again");
    let image = spec.template.spec.expect("pod").containers[0].image.clone();
    assert_eq!(image.as_deref(), Some(LOCAL_IMAGE));
    assert!(
        f.instance_events()
            .await?
            .contains(&"UpgradeFailed".to_owned())
    );
    f.ns.delete().await;
    Ok(())
}

/// An image whose `odoo -u` exits 0 having written nothing fails on the copy, which
/// goes; the live database is as it was and the old image serves again.
#[tokio::test]
async fn an_update_on_a_copy_whose_odoo_does_nothing_fails() -> anyhow::Result<()> {
    let f = Fixture::new("upcopy-idle", None).await?;
    // The fixture's series, so only the missing writes give it away.
    let idle = "simulated/odoo:17.0-does-nothing";
    f.upgrade("idle", idle, false).await?;
    let st = f.finish("idle").await?;
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(st.job.phase, Some(JobPhase::Failed), "{message}");
    assert_eq!(st.update_succeeded, Some(false), "{st:?}");
    assert!(
        message.contains("did not update base, sale") && message.contains("was not touched"),
        "{message}"
    );
    f.live_untouched().await?;
    f.no_copy_left(&st).await?;
    let instance = wait_for_phase(&f.instances, "shop", InstancePhase::Running, &f.op).await;
    assert_eq!(
        instance.status.and_then(|s| s.image).as_deref(),
        Some(LOCAL_IMAGE)
    );
    f.ns.delete().await;
    Ok(())
}

/// The simulated `odoo -u` that succeeds: it changed the copy, which becomes the
/// live database; the previous one is kept as it was, under a dated name.
#[tokio::test]
async fn a_succeeding_upgrade_switches_to_the_updated_copy_and_keeps_the_previous_database()
-> anyhow::Result<()> {
    let f = Fixture::new("upcopy-ok", None).await?;
    f.pods.hold("copy-filestore");
    f.upgrade("to-newer", NEWER, false).await?;
    let st = f.held("to-newer", "copy-filestore").await?;
    // The instance names the job that holds it while it runs.
    f.active_job(Some("OdooUpgradeJob/to-newer")).await?;
    let copy = st.copy_database.clone().expect("copy");
    superuser(&copy)
        .await?
        .batch_execute(
            "INSERT INTO res_partner (name, email) VALUES ('added by the update', 'u@example.com');",
        )
        .await?;
    let updated = fingerprint(&copy).await?;
    let copy_oid = oid(&copy).await?;
    f.pods.release("copy-filestore");

    let st = f.finish("to-newer").await?;
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(st.job.phase, Some(JobPhase::Succeeded), "{message}");
    f.active_job(None).await?;
    let kept = st.previous_database_name.clone().expect("kept");
    assert!(
        // The name is cut to fit, keeping at least 36 bytes of the database's.
        kept.starts_with(&f.database[..f.database.len().min(36)]) && kept.contains("_pre_upgrade_"),
        "{kept}"
    );
    assert!(message.contains(&kept), "{message}");
    // The live name holds the updated copy; the kept name the original database.
    updated_from(&f.database, &updated).await?;
    assert_eq!(oid(&f.database).await?, copy_oid);
    assert_eq!(fingerprint(&kept).await?, f.original);
    assert_eq!(oid(&kept).await?, f.original_oid);
    assert!(databases_of(&f.database, "upgrading").await?.is_empty());
    // The files: the linked copy is live, the previous ones are kept.
    assert_eq!(checksums(&f.filestore.join(&f.database))?, f.files);
    assert_eq!(checksums(&f.filestore.join(&kept))?, f.files);
    assert!(!f.filestore.join(&copy).exists());

    let start = Instant::now();
    loop {
        let i = f.instances.get("shop").await?;
        let s = i.status.clone().unwrap_or_default();
        if s.phase == Some(InstancePhase::Running) && s.image.as_deref() == Some(NEWER) {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the new image never ran: {s:?}\n{}",
            f.op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    f.ns.delete().await;
    Ok(())
}

/// `previousDatabase: Drop` drops the replaced database and files only once the
/// instance runs the target on the upgraded database: a stopped instance keeps
/// them (the job waits at Starting and says why); scaled up, it runs the target
/// and they go.
#[tokio::test]
async fn a_dropped_previous_database_waits_until_the_target_runs() -> anyhow::Result<()> {
    let f = Fixture::new("upcopy-drop", None).await?;
    let scale = |replicas: i32| {
        let instances = f.instances.clone();
        async move {
            instances
                .patch(
                    "shop",
                    &kube::api::PatchParams::default(),
                    &kube::api::Patch::Merge(json!({ "spec": { "replicas": replicas } })),
                )
                .await
        }
    };
    scale(0).await?;
    wait_for_phase(&f.instances, "shop", InstancePhase::Stopped, &f.op).await;
    let job: OdooUpgradeJob = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooUpgradeJob",
        "metadata": { "name": "drop-later" },
        "spec": { "instanceRef": { "name": "shop" }, "image": NEWER, "previousDatabase": "Drop" },
    }))?;
    f.upgrades.create(&PostParams::default(), &job).await?;

    let start = Instant::now();
    let st = loop {
        let st = f.status("drop-later").await?;
        let message = st.job.message.clone().unwrap_or_default();
        assert!(
            !st.job.phase.is_some_and(JobPhase::is_finished),
            "ended while the instance is stopped: {message}"
        );
        if st.step == Some(UpgradeStep::Starting) && message.contains("(it is Stopped)") {
            break st;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "never waited at Starting: {st:?}\n{}",
            f.op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(st.job.phase, Some(JobPhase::Running));
    let kept = st.previous_database_name.clone().expect("kept");
    assert_eq!(fingerprint(&kept).await?, f.original);
    assert_eq!(checksums(&f.filestore.join(&kept))?, f.files);

    scale(1).await?;
    let st = f.finish("drop-later").await?;
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(st.job.phase, Some(JobPhase::Succeeded), "{message}");
    assert!(
        message.contains("were dropped") && message.contains(&kept),
        "{message}"
    );
    assert_eq!(st.previous_database_name, None);
    assert!(databases_of(&f.database, "pre_upgrade").await?.is_empty());
    assert!(!f.filestore.join(&kept).exists());
    assert_eq!(checksums(&f.filestore.join(&f.database))?, f.files);
    let i = f.instances.get("shop").await?.status.unwrap_or_default();
    assert_eq!(i.image.as_deref(), Some(NEWER));
    f.ns.delete().await;
    Ok(())
}

/// An upgrade deleted while it copies removes what it made before it goes (its
/// finalizer): the running files Job, then the copy's database and files, as
/// after a failure; the live database and files are untouched.
#[tokio::test]
async fn an_upgrade_deleted_in_flight_removes_its_copy() -> anyhow::Result<()> {
    let f = Fixture::new("upcopy-deleted", None).await?;
    f.pods.hold("copy-filestore");
    f.upgrade("deleted", NEWER, false).await?;
    let st = f.held("deleted", "copy-filestore").await?;
    let copy = st.copy_database.clone().expect("copy");
    assert_eq!(
        databases_of(&f.database, "upgrading").await?,
        vec![copy.clone()]
    );
    let job = f.upgrades.get("deleted").await?;
    assert!(
        job.metadata
            .finalizers
            .iter()
            .flatten()
            .any(|x| x == odoo_model::labels::JOB_CLEANUP_FINALIZER),
        "{:?}",
        job.metadata.finalizers
    );
    // What a files copy that got halfway leaves.
    std::fs::create_dir_all(f.filestore.join(format!("{copy}.partial")).join("ab"))?;

    f.upgrades
        .delete("deleted", &kube::api::DeleteParams::default())
        .await?;
    // The cleanup stops the held pod (its Job goes, foreground), then discards
    // with a pod of the same command: that one runs.
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = f.ns.api();
    let start = Instant::now();
    while jobs.get_opt("deleted-files").await?.is_some() {
        assert!(start.elapsed() < DEADLINE, "the held files Job never went");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    f.pods.release("copy-filestore");
    let start = Instant::now();
    while f.upgrades.get_opt("deleted").await?.is_some() {
        assert!(
            start.elapsed() < DEADLINE,
            "the upgrade never went: {:?}\n{}",
            f.status("deleted").await?,
            f.op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    f.no_copy_left(&st).await?;
    f.live_untouched().await?;
    f.ns.delete().await;
    Ok(())
}

/// A rehearsal copies the running database (streamed: its sessions stay), updates
/// the copy and drops it; the instance keeps its phase, image and pods, and its
/// status records the outcome, which the plan of a real upgrade then shows. The
/// plugin runs as a blocking child process: the harness's pods run on another
/// worker meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehearsal_changes_nothing_on_the_instance_and_records_its_outcome() -> anyhow::Result<()>
{
    let f = Fixture::new("upcopy-rehearse", None).await?;
    let web_generation = f.web().await?.metadata.generation;
    let out = odoo(
        simulated_cluster(),
        &f.ns.name,
        &[
            "upgrade",
            "shop",
            "--image",
            NEWER,
            "--rehearse",
            "--wait",
            "--timeout",
            "10m",
        ],
    )?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}\npods run: {:?}\n{}",
        text(&out.stdout),
        text(&out.stderr),
        f.pods.runs(),
        f.op.log_tail(40)
    );
    assert!(
        text(&out.stderr).contains("nothing changes on shop"),
        "{}",
        text(&out.stderr)
    );
    let jobs = f.upgrades.list(&ListParams::default()).await?.items;
    assert_eq!(jobs.len(), 1);
    let st = jobs[0].status.clone().unwrap_or_default();
    assert_eq!(st.copy_method, Some(CopyMethod::Streamed), "{st:?}");
    assert_eq!(st.update_succeeded, Some(true), "{st:?}");
    f.no_copy_left(&st).await?;
    f.live_untouched().await?;
    assert_eq!(f.ran("copy"), 1, "{:?}", f.pods.runs());

    let instance = f.rehearsal_recorded(NEWER).await?;
    let status = instance.status.clone().unwrap_or_default();
    assert_eq!(status.phase, Some(InstancePhase::Running));
    assert_eq!(status.image.as_deref(), Some(LOCAL_IMAGE));
    let rehearsal = status.last_rehearsal.clone().expect("recorded");
    assert!(rehearsal.succeeded, "{rehearsal:?}");
    assert_eq!(rehearsal.image, NEWER);
    // The recorded transitions: none since the instance first ran.
    let events = f.instance_events().await?;
    assert!(
        !events
            .iter()
            .any(|r| r == "PhaseUpgrading" || r == "PhaseStopped"),
        "{events:?}"
    );
    assert!(events.contains(&"Rehearsed".to_owned()), "{events:?}");
    let web = f.web().await?;
    assert_eq!(
        web.metadata.generation, web_generation,
        "web was never changed"
    );

    // The plan of the real upgrade shows the rehearsal.
    let out = odoo(
        simulated_cluster(),
        &f.ns.name,
        &["upgrade", "shop", "--image", NEWER, "--dry-run=server"],
    )?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stderr);
    assert!(plan.contains(&format!("rehearsed {NEWER}")), "{plan}");
    assert!(plan.contains("succeeded"), "{plan}");

    // A failing rehearsal: exit 3, recorded as failed, still nothing changed.
    let out = odoo(
        simulated_cluster(),
        &f.ns.name,
        &[
            "upgrade",
            "shop",
            "--image",
            FAILING,
            "--rehearse",
            "--wait",
            "--timeout",
            "10m",
        ],
    )?;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let status = f
        .rehearsal_recorded(FAILING)
        .await?
        .status
        .unwrap_or_default();
    let rehearsal = status.last_rehearsal.expect("recorded");
    assert!(!rehearsal.succeeded, "{rehearsal:?}");
    assert_eq!(rehearsal.image, FAILING);
    assert_eq!(status.phase, Some(InstancePhase::Running));
    f.live_untouched().await?;
    f.ns.delete().await;
    Ok(())
}

/// The operator aborts at `point` during an upgrade to `image`, a fresh one takes
/// over; returns the fixture and the job's status as the crash left it.
async fn killed(
    point: &str,
    prefix: &str,
    image: &str,
) -> anyhow::Result<(Fixture, OdooUpgradeJobStatus)> {
    let mut f = Fixture::new(prefix, Some(point)).await?;
    f.upgrade("up", image, false).await?;
    let exit = f.op.wait_exit(DEADLINE).await;
    assert!(
        exit.is_some_and(|e| !e.success()) && f.op.crashed_at(point),
        "the operator did not abort at {point}: {exit:?}; {:?}\n{}",
        f.status("up").await?,
        f.op.log_tail(40)
    );
    let st = f.status("up").await?;
    f.restart()?;
    Ok((f, st))
}

/// After a kill on the way to success: Succeeded, the copy (the original's data,
/// its modules rewritten by the update) is live under a new identity, the
/// original is kept whole, each agent step ran once, and the new image runs.
async fn converged_upgraded(f: Fixture) -> anyhow::Result<()> {
    let st = f.finish("up").await?;
    let message = st.job.message.clone().unwrap_or_default();
    assert_eq!(
        st.job.phase,
        Some(JobPhase::Succeeded),
        "{message}\n{}",
        f.op.log_tail(40)
    );
    let kept = st.previous_database_name.clone().expect("kept");
    updated_from(&f.database, &f.original).await?;
    assert_ne!(oid(&f.database).await?, f.original_oid, "the copy is live");
    assert_eq!(fingerprint(&kept).await?, f.original);
    assert_eq!(oid(&kept).await?, f.original_oid, "the original is kept");
    assert!(databases_of(&f.database, "upgrading").await?.is_empty());
    assert_eq!(checksums(&f.filestore.join(&f.database))?, f.files);
    assert_eq!(checksums(&f.filestore.join(&kept))?, f.files);
    assert_eq!(f.ran("copy-filestore"), 1, "{:?}", f.pods.runs());
    assert_eq!(f.ran("switch-filestore"), 1, "{:?}", f.pods.runs());
    let start = Instant::now();
    loop {
        let s = f.instances.get("shop").await?.status.unwrap_or_default();
        if s.phase == Some(InstancePhase::Running) && s.image.as_deref() == Some(NEWER) {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "never ran {NEWER}: {s:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    f.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn killed_once_the_database_is_copied_the_upgrade_converges() -> anyhow::Result<()> {
    let (f, st) = killed("upgrade-database-copied", "upkill-dbcopied", NEWER).await?;
    assert_eq!(st.step, Some(UpgradeStep::Copying), "{st:?}");
    converged_upgraded(f).await
}

#[tokio::test]
async fn killed_once_the_files_are_copied_the_upgrade_converges() -> anyhow::Result<()> {
    let (f, st) = killed("upgrade-copied", "upkill-copied", NEWER).await?;
    assert_eq!(st.step, Some(UpgradeStep::Upgrading), "{st:?}");
    converged_upgraded(f).await
}

#[tokio::test]
async fn killed_once_the_copy_is_updated_the_upgrade_converges() -> anyhow::Result<()> {
    let (f, st) = killed("upgrade-updated", "upkill-updated", NEWER).await?;
    assert_eq!(st.step, Some(UpgradeStep::Switching), "{st:?}");
    assert_eq!(oid(&f.database).await?, f.original_oid, "not switched yet");
    converged_upgraded(f).await
}

#[tokio::test]
async fn killed_before_the_rename_the_upgrade_converges() -> anyhow::Result<()> {
    let (f, st) = killed("upgrade-before-rename", "upkill-prerename", NEWER).await?;
    assert!(!st.database_switched, "{st:?}");
    assert_eq!(oid(&f.database).await?, f.original_oid, "not switched yet");
    converged_upgraded(f).await
}

#[tokio::test]
async fn killed_after_the_rename_the_upgrade_converges() -> anyhow::Result<()> {
    let (f, st) = killed("upgrade-after-rename", "upkill-renamed", NEWER).await?;
    assert!(
        !st.database_switched,
        "the crash came before the status write: {st:?}"
    );
    assert_ne!(oid(&f.database).await?, f.original_oid, "already switched");
    converged_upgraded(f).await
}

#[tokio::test]
async fn killed_after_the_filestore_switch_the_upgrade_converges() -> anyhow::Result<()> {
    let (f, st) = killed("upgrade-after-filestore-switch", "upkill-fileswitch", NEWER).await?;
    assert!(st.database_switched, "{st:?}");
    converged_upgraded(f).await
}

/// Killed after a failed update dropped the copy's database, before its files were
/// removed: the restarted operator finishes the cleanup; the live database was
/// never touched.
#[tokio::test]
async fn killed_while_discarding_a_failed_copy_the_live_database_stays_untouched()
-> anyhow::Result<()> {
    let (f, st) = killed("upgrade-copy-dropped", "upkill-discard", FAILING).await?;
    assert_eq!(st.step, Some(UpgradeStep::Discarding), "{st:?}");
    let st = f.finish("up").await?;
    assert_eq!(st.job.phase, Some(JobPhase::Failed), "{st:?}");
    f.live_untouched().await?;
    f.no_copy_left(&st).await?;
    wait_for_phase(&f.instances, "shop", InstancePhase::Running, &f.op).await;
    f.ns.delete().await;
    Ok(())
}
