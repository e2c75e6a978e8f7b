//! Moving an instance to another PostgreSQL cluster, with two real PostgreSQL
//! servers registered as clusters `main` and `other`.
//!
//! The data path (`odoo-agent copy`) runs for real against both servers: on the
//! simulated cluster kwok runs no containers, and the local-pods harness runs the
//! copy Job's agent on this machine whatever the instance's image. A populated
//! database migrates; a copy that misses rows written to the source after it fails
//! verification and rolls back to the source with nothing lost; a copy Job that
//! proves nothing (its image swallowed the agent's command) rolls back too; a
//! migration deleted while it copies drops its copy before it goes.

use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::cluster_migration::MigrationPhase;
use odoo_model::{InstancePhase, OdooClusterMigration, OdooInstance, names};
use odoo_operator::pg::compare;
use odoo_tests::agent::{Database, block_on, run_agent, superuser_sql_on};
use odoo_tests::operator::{OperatorProcess, operator_namespace_with, wait_for_phase};
use odoo_tests::postgres::{Postgres, shared_postgres, start_another};
use odoo_tests::process::free_port;
use odoo_tests::webhook::{WebhookCa, cert_paths, register, unregister};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

/// The second server, cluster `other`.
fn other_postgres() -> &'static Postgres {
    static PG: OnceLock<&'static Postgres> = OnceLock::new();
    PG.get_or_init(|| {
        let pg = start_another().unwrap_or_else(|e| panic!("starting PostgreSQL: {e:#}"));
        Box::leak(Box::new(pg))
    })
}

fn cluster(pg: &Postgres) -> odoo_operator::pg::PgCluster {
    let yaml = pg.cluster_yaml("x", &pg.host, true, "disable");
    odoo_operator::pg::clusters::parse(&yaml)
        .and_then(|c| c.get("x").cloned())
        .expect("cluster")
}

/// A database's inventory as the test sees it: read as the server's superuser
/// through the operator's own reader.
async fn inventory(
    pg: &Postgres,
    database: &str,
) -> Result<odoo_operator::pg::compare::Inventory, odoo_operator::pg::PgError> {
    let cluster = cluster(pg);
    let login = odoo_operator::pg::TenantLogin {
        role: cluster.admin_user.clone(),
        password: cluster.admin_password.clone(),
    };
    odoo_operator::pg::compare::inventory(&cluster, &login, database).await
}

// ---- The data path ----

/// `agent copy` from `source` into `target`, both as their owner.
fn copy(
    source: &Database,
    target: &Database,
    watch: &std::path::Path,
) -> odoo_tests::agent::AgentRun {
    let (mut args, mut env) = source.agent_args();
    args.insert(0, "copy".into());
    args.extend(
        [
            "--target-pg-host",
            &target.server.host,
            "--target-pg-port",
            &target.server.port.to_string(),
            "--target-pg-user",
            &target.role,
            "--target-pg-database",
            &target.name,
            "--target-pg-sslmode",
            "require",
        ]
        .map(str::to_owned),
    );
    env.push((
        "ODOO_AGENT_TARGET_PGPASSWORD".into(),
        target.password.clone(),
    ));
    run_agent(&args, &env, watch)
}

#[test]
fn the_copy_agent_reproduces_a_populated_database_on_another_server() {
    let source = Database::create("mig_src", "mig_owner").expect("source");
    source.populate_odoo_like(20).expect("populate");
    source
        .sql(
            "CREATE EXTENSION citext; CREATE EXTENSION pg_trgm;
             CREATE INDEX res_partner_name_trgm ON res_partner USING gin (name gin_trgm_ops);
             CREATE SCHEMA reporting;
             CREATE TABLE reporting.daily (id bigserial PRIMARY KEY, day date, total numeric,
                 tag citext);
             INSERT INTO reporting.daily (day, total, tag)
                 SELECT date '2024-01-01' + g, g * 3.25, 'Tag' || (g % 17)
                 FROM generate_series(1, 5000) g;
             CREATE SEQUENCE reporting.batch_seq START 500;
             SELECT nextval('reporting.batch_seq'), nextval('reporting.batch_seq');",
        )
        .expect("extensions and a second schema");
    let target = Database::create_on(other_postgres(), "mig_tmp", "mig_owner").expect("target");
    let dir = tempfile::tempdir().expect("tempdir");

    let run = copy(&source, &target, dir.path());
    let report = run.assert_success();
    println!("{}", run.figures("copy"));
    assert_eq!(
        (&report["command"], &report["outcome"]),
        (&json!("copy"), &json!("done"))
    );
    assert!(
        report["size_bytes"].as_u64().unwrap_or(0) > 2_000_000,
        "{report}"
    );
    assert!(
        run.max_watched_bytes < 1024 * 1024,
        "nothing is staged on disk: {} bytes",
        run.max_watched_bytes
    );

    // What the operator's Verifying step compares, and the rows themselves.
    let original = block_on(inventory(shared_postgres(), &source.name)).expect("source inventory");
    let copied = block_on(inventory(other_postgres(), &target.name)).expect("copy inventory");
    assert_eq!(
        compare::differences(&original, &copied),
        Vec::<String>::new()
    );
    assert!(original.extensions.contains("citext") && original.extensions.contains("pg_trgm"));
    assert!(original.schemas.contains("reporting"));
    assert_eq!(original.tables.get("reporting.daily"), Some(&5000));
    assert_eq!(original.tables.get("public.res_partner"), Some(&40000));
    assert_eq!(
        original.sequences.get("reporting.batch_seq"),
        Some(&Some(501))
    );
    assert_eq!(
        source.snapshot().expect("snapshot"),
        target.snapshot().expect("snapshot"),
        "every public row is identical"
    );

    // A second copy into the now filled database is refused before writing.
    let again = copy(&source, &target, dir.path());
    assert_eq!(again.status.code(), Some(3), "{}", again.stderr);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    assert_eq!(
        block_on(inventory(other_postgres(), &target.name)).expect("inventory"),
        copied,
        "the refused copy left the target as it was"
    );
}

#[test]
fn a_copy_that_fails_after_it_began_commits_nothing() {
    let source = Database::create("mig_src", "mig_owner").expect("source");
    source
        .sql(
            "CREATE TABLE t (id int PRIMARY KEY, v text);
             INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 3000) g;
             CREATE SCHEMA reporting; CREATE TABLE reporting.r (id int);",
        )
        .expect("populate");
    // A schema is no relation, so the target passes the emptiness check; the dump's
    // CREATE SCHEMA then fails inside the transaction.
    let target = Database::create_on(other_postgres(), "mig_tmp", "mig_owner").expect("target");
    superuser_sql_on(
        other_postgres(),
        &target.name,
        "CREATE SCHEMA reporting AUTHORIZATION postgres;",
    )
    .expect("foreign schema");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = copy(&source, &target, dir.path());
    assert_eq!(run.status.code(), Some(4), "{}", run.stderr);
    assert!(run.stderr.contains("reporting"), "{}", run.stderr);
    let left = block_on(inventory(other_postgres(), &target.name)).expect("inventory");
    assert!(left.tables.is_empty(), "nothing was committed: {left:?}");
    let original = block_on(inventory(shared_postgres(), &source.name)).expect("inventory");
    assert_eq!(
        original.tables.get("public.t"),
        Some(&3000),
        "the source is intact"
    );
}

// ---- On the simulated cluster ----

const IMAGE: &str = "simulated/odoo:18.0-20250101";

/// `main` (the default, the shared server), `other` (a second server) and `down`
/// (a port nothing listens on).
fn clusters_yaml() -> String {
    let (main, other) = (shared_postgres(), other_postgres());
    format!(
        "{}{}down:\n  host: 127.0.0.1\n  port: {}\n  adminUser: postgres\n  adminPassword: x\n  sslMode: disable\n",
        main.cluster_yaml("main", &main.host, true, "disable"),
        other.cluster_yaml("other", &other.host, false, "disable"),
        free_port()
    )
}

async fn exists(pg: &Postgres, name: &str) -> bool {
    odoo_operator::pg::database_exists(&cluster(pg), name)
        .await
        .expect("query")
}

struct Setup {
    ns: TestNamespace,
    op_ns: String,
    args: Vec<String>,
    op: OperatorProcess,
    instances: Api<OdooInstance>,
    migrations: Api<OdooClusterMigration>,
    /// The stand-in kubelet: it runs the agent's pods.
    pods: odoo_tests::local_pods::LocalPods,
}

impl Setup {
    /// An operator for a fresh namespace, and instance `shop` Running on `main`.
    async fn new(prefix: &str, spec: serde_json::Value, extra: &[String]) -> anyhow::Result<Setup> {
        let cp = simulated_cluster();
        let ns = TestNamespace::new(cp, prefix).await?;
        let op_ns = operator_namespace_with(&ns, &clusters_yaml()).await?;
        let mut args = vec![
            "--watch-namespace".to_owned(),
            ns.name.clone(),
            "--agent-image".into(),
            "odoo-operator:test".into(),
        ];
        args.extend(extra.iter().cloned());
        let op = start_operator(&op_ns, &args)?;
        let instances: Api<OdooInstance> = ns.api();
        // Agent pods of any image wait for the harness: without it a copy Job
        // would never end.
        let pods = ns.local_pods()?;
        let mut spec = spec;
        if spec.get("image").is_none() {
            spec["image"] = json!(IMAGE);
        }
        spec["replicas"] = json!(1);
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": "shop" }, "spec": spec,
        }))?;
        instances.create(&PostParams::default(), &instance).await?;
        wait_for_phase(&instances, "shop", InstancePhase::Running, &op).await;
        let migrations = ns.api();
        Ok(Setup {
            ns,
            op_ns,
            args,
            op,
            instances,
            migrations,
            pods,
        })
    }

    fn restart(&mut self) -> anyhow::Result<()> {
        self.op.kill();
        self.op = start_operator(&self.op_ns, &self.args)?;
        Ok(())
    }

    async fn migrate(&self, name: &str, to: &str) -> anyhow::Result<()> {
        let m: OdooClusterMigration = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooClusterMigration",
            "metadata": { "name": name },
            "spec": { "instanceRef": { "name": "shop" }, "targetCluster": to },
        }))?;
        self.migrations.create(&PostParams::default(), &m).await?;
        Ok(())
    }

    async fn phase(&self, name: &str) -> Option<MigrationPhase> {
        self.migrations
            .get(name)
            .await
            .ok()
            .and_then(|m| m.status)
            .and_then(|s| s.phase)
    }

    /// Follows the migration to an end state; returns it and the instance's
    /// recorded transitions by then.
    async fn finish(&self, name: &str) -> (OdooClusterMigration, Vec<String>) {
        for _ in 0..1200 {
            let m = self.migrations.get(name).await.expect("migration");
            if matches!(
                m.status.as_ref().and_then(|s| s.phase),
                Some(
                    MigrationPhase::Succeeded | MigrationPhase::RolledBack | MigrationPhase::Failed
                )
            ) {
                return (m, self.ns.transitions("shop").await);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!(
            "migration {name} did not end: {:?}\n{}",
            self.migrations.get(name).await.ok().and_then(|m| m.status),
            self.op.log_tail(40)
        );
    }

    /// [`Setup::finish`], asserting the end state; returns the status and its message.
    async fn ends_in(
        &self,
        name: &str,
        phase: MigrationPhase,
    ) -> (
        odoo_model::cluster_migration::OdooClusterMigrationStatus,
        String,
        Vec<String>,
    ) {
        let (m, seen) = self.finish(name).await;
        let st = m.status.unwrap_or_default();
        let message = st.message.clone().unwrap_or_default();
        assert_eq!(st.phase, Some(phase), "{message}\n{}", self.op.log_tail(40));
        (st, message, seen)
    }

    /// The messages of the events with `reason`, once there is one.
    async fn events(&self, reason: &str) -> Vec<String> {
        self.ns
            .events_eventually(reason)
            .await
            .into_iter()
            .filter_map(|e| e.message)
            .collect()
    }

    /// The instance's database name and role.
    /// Waits until migration `name`'s copy pod waits, held (see `LocalPods::hold`).
    async fn held_copy_pod(&self, name: &str) {
        let start = std::time::Instant::now();
        while self.pods.held_pods().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "no copy pod: {:?}\n{}",
                self.migrations.get(name).await.ok().and_then(|m| m.status),
                self.op.log_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn database(&self) -> (String, String) {
        let i = self.instances.get("shop").await.expect("instance");
        (
            i.spec.database.name.clone().expect("database name"),
            names::database_role(&self.ns.name, "shop"),
        )
    }

    async fn odoo_conf(&self) -> String {
        let secret: Secret = self
            .ns
            .api()
            .get(&names::config_secret("shop"))
            .await
            .expect("config secret");
        let data = secret.data.unwrap_or_default();
        String::from_utf8(
            data.get("odoo.conf")
                .map(|b| b.0.clone())
                .unwrap_or_default(),
        )
        .unwrap_or_default()
    }
}

fn start_operator(op_ns: &str, args: &[String]) -> anyhow::Result<OperatorProcess> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    OperatorProcess::start(simulated_cluster(), op_ns, &args)
}

#[tokio::test]
async fn an_unreachable_target_is_refused_before_anything_stops() -> anyhow::Result<()> {
    let s = Setup::new("mig-down", json!({}), &[]).await?;
    s.migrate("to-nowhere", "down").await?;
    let (st, message, seen) = s.ends_in("to-nowhere", MigrationPhase::RolledBack).await;
    assert!(!st.switched);
    assert!(message.contains("PreChecks failed"), "{message}");
    assert!(message.contains("cluster down"), "{message}");
    assert!(
        !seen.iter().any(|p| p == "Migrating"),
        "the instance never stopped: {seen:?}"
    );
    assert!(!s.events("TargetUnreachable").await.is_empty());
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_copy_that_does_not_verify_rolls_back_to_the_source() -> anyhow::Result<()> {
    let mut s = Setup::new("mig-verify", json!({}), &[]).await?;
    let (database, role) = s.database().await;
    // The copy runs while the operator is down; then rows are written to the
    // source (a straggler the stop missed): the copy lacks them.
    s.pods.hold("copy");
    s.migrate("move", "other").await?;
    let start = std::time::Instant::now();
    s.held_copy_pod("move").await;
    s.op.kill();
    s.pods.release("copy");
    while !s.pods.runs().iter().any(|r| r.command == "copy") {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the copy never ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sql = format!(
        "SET ROLE \"{role}\";
         CREATE TABLE sale_order (id serial PRIMARY KEY, amount numeric);
         INSERT INTO sale_order (amount) SELECT g FROM generate_series(1, 5000) g;"
    );
    let db = database.clone();
    tokio::task::spawn_blocking(move || superuser_sql_on(shared_postgres(), &db, &sql)).await??;
    s.restart()?;
    let (st, message, _) = s.ends_in("move", MigrationPhase::RolledBack).await;
    assert!(message.contains("Verifying failed"), "{message}");
    assert!(
        message.contains("table public.sale_order is missing"),
        "{message}"
    );
    assert!(message.contains("was dropped"), "{message}");
    s.ns.wait_for_transition("shop", InstancePhase::Migrating, Duration::from_secs(120))
        .await;
    assert!(!s.events("VerificationFailed").await.is_empty());
    assert!(!s.events("MigrationRolledBack").await.is_empty());
    let temp = st.temporary_database.clone().expect("temporary database");
    assert!(!exists(other_postgres(), &temp).await, "temp dropped");
    assert!(!exists(other_postgres(), &database).await);

    // Serving from the source again, with every row.
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    assert!(
        s.odoo_conf()
            .await
            .contains(&format!("db_port = {}", shared_postgres().port))
    );
    let inv = inventory(shared_postgres(), &database).await?;
    assert_eq!(inv.tables.get("public.sale_order"), Some(&5000));
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_copy_job_that_proves_nothing_rolls_back() -> anyhow::Result<()> {
    // The image's entrypoint swallows the agent's command: the copy pod exits 0
    // without a report.
    let mut s = Setup::new(
        "mig-job",
        json!({ "image": odoo_tests::local_pods::SWALLOWING_IMAGE }),
        &[],
    )
    .await?;
    s.migrate("move", "other").await?;
    // Killed once mid-way: the restarted operator picks the step up from status.
    for _ in 0..600 {
        if matches!(
            s.phase("move").await,
            Some(MigrationPhase::Stopping | MigrationPhase::Copying)
        ) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.restart()?;
    let (st, message, _) = s.ends_in("move", MigrationPhase::RolledBack).await;
    assert!(message.contains("Copying failed"), "{message}");
    assert!(message.contains("nothing proves"), "{message}");
    assert!(message.contains("kubectl logs job/move-copy"), "{message}");
    assert!(!s.events("CopyFailed").await.is_empty());
    let temp = st.temporary_database.clone().expect("temporary database");
    assert!(!exists(other_postgres(), &temp).await, "temp dropped");
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn the_switch_passes_the_webhook_and_survives_operator_restarts() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let ca = WebhookCa::new()?;
    let certs = tempfile::tempdir()?;
    ca.issue(certs.path())?;
    let (cert, key) = cert_paths(certs.path());
    let port = free_port();
    let webhook = [
        "--webhook-cert".to_owned(),
        cert.display().to_string(),
        "--webhook-key".into(),
        key.display().to_string(),
        "--webhook-addr".into(),
        format!("127.0.0.1:{port}"),
        "--operator-user".into(),
        "odoo-operator".into(),
    ];
    let mut s = Setup::new("mig-ok", json!({}), &webhook).await?;
    let config = format!("{}-webhook", s.ns.name);
    register(&s.ns.client, &config, &s.ns.name, port, &ca.ca_pem).await?;
    let _ = cp;

    // A plain edit is refused.
    let refused = s
        .instances
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "database": { "cluster": "other" } } })),
        )
        .await
        .expect_err("a plain cluster change must be refused");
    assert!(
        refused
            .to_string()
            .contains("kubectl odoo migrate-cluster shop --to other"),
        "{refused}"
    );

    let (database, _) = s.database().await;
    s.migrate("move", "other").await?;
    // Killed at two points of the flow; each restart converges from status alone.
    for stop_at in [
        &[MigrationPhase::Stopping, MigrationPhase::Copying][..],
        &[MigrationPhase::Starting][..],
    ] {
        for _ in 0..1200 {
            match s.phase("move").await {
                Some(p) if stop_at.contains(&p) => break,
                Some(MigrationPhase::Succeeded | MigrationPhase::RolledBack) => break,
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        s.restart()?;
    }
    let (st, _, _) = s.ends_in("move", MigrationPhase::Succeeded).await;
    assert!(st.switched && st.ran_on_target && !st.source_dropped);
    assert_eq!(st.source_cluster.as_deref(), Some("main"));
    s.ns.wait_for_transition("shop", InstancePhase::Migrating, Duration::from_secs(120))
        .await;
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("other"));
    assert!(
        s.odoo_conf()
            .await
            .contains(&format!("db_port = {}", other_postgres().port))
    );
    assert!(
        exists(other_postgres(), &database).await,
        "renamed into place"
    );
    assert!(
        exists(shared_postgres(), &database).await,
        "the source is kept"
    );
    assert!(!s.events("MigrationSucceeded").await.is_empty());

    // Dropping the source on request.
    s.migrations
        .patch(
            "move",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "dropSourceAfter": true } })),
        )
        .await?;
    let mut dropped = false;
    for _ in 0..300 {
        if s.migrations
            .get("move")
            .await
            .ok()
            .and_then(|m| m.status)
            .is_some_and(|s| s.source_dropped)
        {
            dropped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dropped, "{}", s.op.log_tail(30));
    assert!(
        !exists(shared_postgres(), &database).await,
        "source dropped"
    );
    assert!(exists(other_postgres(), &database).await);
    unregister(&s.ns.client, &config).await;
    s.ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_populated_database_migrates_with_the_copy_job_really_running() -> anyhow::Result<()> {
    use odoo_tests::local_pods::LOCAL_IMAGE;
    let s = Setup::new("mig-real", json!({ "image": LOCAL_IMAGE }), &[]).await?;
    let pods = &s.pods;
    let (database, role) = s.database().await;
    let sql = format!(
        "SET ROLE \"{role}\";
         CREATE EXTENSION IF NOT EXISTS citext;
         CREATE TABLE res_partner (id serial PRIMARY KEY, email citext, name text);
         INSERT INTO res_partner (email, name)
             SELECT 'p' || g || '@example.com', 'partner ' || g FROM generate_series(1, 20000) g;
         CREATE SCHEMA reporting;
         CREATE SEQUENCE reporting.report_seq START 500;
         SELECT nextval('reporting.report_seq') FROM generate_series(1, 42);
         CREATE TABLE reporting.daily (id bigint DEFAULT nextval('reporting.report_seq'), total numeric);
         INSERT INTO reporting.daily (total) SELECT g FROM generate_series(1, 3000) g;"
    );
    let db = database.clone();
    tokio::task::spawn_blocking(move || superuser_sql_on(shared_postgres(), &db, &sql)).await??;
    let source = inventory(shared_postgres(), &database).await?;

    s.migrate("move", "other").await?;
    let (st, message, _) = s.ends_in("move", MigrationPhase::Succeeded).await;
    s.ns.wait_for_transition("shop", InstancePhase::Migrating, Duration::from_secs(120))
        .await;
    let copies: Vec<_> = pods
        .runs()
        .into_iter()
        .filter(|r| r.command == "copy")
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(copies[0].exit_code, 0, "{}", copies[0].output);
    assert_eq!(st.source_cluster.as_deref(), Some("main"), "{message}");

    // The target holds the same rows, sequences, extensions and schemas.
    let target = inventory(other_postgres(), &database).await?;
    assert_eq!(target.tables.get("public.res_partner"), Some(&20000));
    assert_eq!(target.tables.get("reporting.daily"), Some(&3000));
    assert_eq!(target.tables, source.tables);
    assert_eq!(target.sequences, source.sequences);
    assert_eq!(target.extensions, source.extensions);
    assert_eq!(target.schemas, source.schemas);
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("other"));
    assert!(
        exists(shared_postgres(), &database).await,
        "the source is kept until dropped on request"
    );
    s.ns.delete().await;
    Ok(())
}

/// A database of the instance's name created on the target while the copy runs
/// (another tenant's, a DBA's): the switch cannot take the name, the migration
/// rolls back, and that database is left as it is. Only the copy this migration
/// made, which carries the instance's marker, may be dropped there.
#[tokio::test]
async fn a_database_made_on_the_target_during_the_copy_is_left_alone() -> anyhow::Result<()> {
    let s = Setup::new("mig-squat", json!({}), &[]).await?;
    let (database, _) = s.database().await;
    s.pods.hold("copy");
    s.migrate("move", "other").await?;
    s.held_copy_pod("move").await;
    let db = database.clone();
    tokio::task::spawn_blocking(move || {
        superuser_sql_on(other_postgres(), "postgres", &format!("CREATE DATABASE \"{db}\""))?;
        superuser_sql_on(
            other_postgres(),
            &db,
            "CREATE TABLE squatter (note text); INSERT INTO squatter VALUES ('not the operator''s');",
        )
    })
    .await??;
    s.pods.release("copy");
    let (_, message, _) = s.ends_in("move", MigrationPhase::RolledBack).await;
    assert!(message.contains("Switching"), "{message}");
    assert!(exists(other_postgres(), &database).await, "{message}");
    let db = database.clone();
    let note = tokio::task::spawn_blocking(move || {
        odoo_tests::agent::superuser_rows_on(other_postgres(), &db, "SELECT note FROM squatter")
    })
    .await??;
    assert_eq!(note, ["not the operator's"]);
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    s.ns.delete().await;
    Ok(())
}

/// A migration deleted while it copies removes what it made on the target before
/// it goes (its finalizer): the copy Job goes, the temporary database is dropped,
/// and the instance runs again on the source, which was only read.
#[tokio::test]
async fn a_migration_deleted_while_copying_removes_its_copy() -> anyhow::Result<()> {
    let s = Setup::new("mig-deleted", json!({}), &[]).await?;
    let (database, role) = s.database().await;
    let sql = format!(
        "SET ROLE \"{role}\";
         CREATE TABLE sale_order (id serial PRIMARY KEY, amount numeric);
         INSERT INTO sale_order (amount) SELECT g FROM generate_series(1, 700) g;"
    );
    let db = database.clone();
    tokio::task::spawn_blocking(move || superuser_sql_on(shared_postgres(), &db, &sql)).await??;
    s.pods.hold("copy");
    s.migrate("move", "other").await?;
    s.held_copy_pod("move").await;
    let m = s.migrations.get("move").await?;
    assert!(
        m.finalizers()
            .iter()
            .any(|f| f == odoo_model::labels::JOB_CLEANUP_FINALIZER),
        "{:?}",
        m.finalizers()
    );
    let temp = m
        .status
        .and_then(|st| st.temporary_database)
        .expect("temporary name");
    assert!(exists(other_postgres(), &temp).await, "the copy was made");

    s.migrations
        .delete("move", &kube::api::DeleteParams::default())
        .await?;
    let start = std::time::Instant::now();
    while s.migrations.get_opt("move").await?.is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the migration never went: {}",
            s.op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(!exists(other_postgres(), &temp).await, "{temp} stays");
    assert!(!exists(other_postgres(), &database).await);
    let rolled_back = s.events("MigrationRolledBack").await;
    assert!(
        rolled_back.iter().any(|m| m.contains("was deleted")),
        "{rolled_back:?}"
    );
    let instance = wait_for_phase(&s.instances, "shop", InstancePhase::Running, &s.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    let inv = inventory(shared_postgres(), &database).await?;
    assert_eq!(inv.tables.get("public.sale_order"), Some(&700));
    s.ns.delete().await;
    Ok(())
}
