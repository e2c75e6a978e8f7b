//! Crash safety of cluster migrations, asserted: with a real copy (the local-pods
//! harness runs the copy Job's agent against two real PostgreSQL servers, clusters
//! `main` and `other`), the operator aborts at a crash point of each step that
//! changes something (`ODOO_OPERATOR_CRASH_AT`, see operator/src/crash.rs), a fresh
//! operator takes over, and the migration must converge with nothing lost. Every
//! step resumes from the migration's status and what it finds in PostgreSQL and
//! the API server, so each kill ends Succeeded: the target holds every row of the
//! source, the instance runs on the target, and the source is kept as it was.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use odoo_model::cluster_migration::{MigrationPhase, OdooClusterMigrationStatus};
use odoo_model::{InstancePhase, OdooClusterMigration, OdooInstance, names};
use odoo_operator::pg::compare::Inventory;
use odoo_tests::agent::superuser_sql_on;
use odoo_tests::local_pods::{LOCAL_IMAGE, LocalPods};
use odoo_tests::operator::{OperatorProcess, operator_namespace_with, wait_for_phase};
use odoo_tests::postgres::{Postgres, shared_postgres, start_another};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

/// How long anything may take on a busy machine: a bound that only ends a test
/// that would otherwise hang, never a measure.
const DEADLINE: Duration = Duration::from_secs(600);
const MIGRATION: &str = "move";

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

fn clusters_yaml() -> String {
    let (main, other) = (shared_postgres(), other_postgres());
    format!(
        "{}{}",
        main.cluster_yaml("main", &main.host, true, "disable"),
        other.cluster_yaml("other", &other.host, false, "disable"),
    )
}

async fn exists(pg: &Postgres, name: &str) -> bool {
    odoo_operator::pg::database_exists(&cluster(pg), name)
        .await
        .expect("query")
}

/// One migration killed at `point`.
struct Killed {
    ns: TestNamespace,
    op_ns: String,
    args: Vec<String>,
    op: OperatorProcess,
    pods: LocalPods,
    instances: Api<OdooInstance>,
    migrations: Api<OdooClusterMigration>,
    database: String,
    /// The source database before the migration.
    source: Inventory,
}

impl Killed {
    /// Instance `shop` Running on `main` with rows, a second schema, a sequence
    /// and an extension; a migration to `other`; the operator started to abort at
    /// `point`. Returns once it did, having asserted that it reached the point.
    async fn at(point: &str, prefix: &str) -> anyhow::Result<Killed> {
        let cp = simulated_cluster();
        let ns = TestNamespace::new(cp, prefix).await?;
        let op_ns = operator_namespace_with(&ns, &clusters_yaml()).await?;
        let args = vec![
            "--watch-namespace".to_owned(),
            ns.name.clone(),
            "--agent-image".into(),
            "odoo-operator:test".into(),
        ];
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut op = OperatorProcess::start_with_env(
            cp,
            &op_ns,
            &arg_refs,
            &[(odoo_tests::operator::CRASH_AT, point)],
        )?;
        let pods = ns.local_pods()?;
        let instances: Api<OdooInstance> = ns.api();
        let instance: OdooInstance = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "metadata": { "name": "shop" },
            "spec": { "image": LOCAL_IMAGE, "replicas": 1 },
        }))?;
        instances.create(&PostParams::default(), &instance).await?;
        let running = wait_for_phase(&instances, "shop", InstancePhase::Running, &op).await;
        assert_eq!(running.spec.database.cluster.as_deref(), Some("main"));
        let database = running.spec.database.name.clone().expect("database name");
        let role = names::database_role(&ns.name, "shop");
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
        tokio::task::spawn_blocking(move || superuser_sql_on(shared_postgres(), &db, &sql))
            .await??;
        let source = inventory(shared_postgres(), &database).await?;
        assert_eq!(source.tables.get("public.res_partner"), Some(&20000));

        let migrations: Api<OdooClusterMigration> = ns.api();
        let m: OdooClusterMigration = serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooClusterMigration",
            "metadata": { "name": MIGRATION },
            "spec": { "instanceRef": { "name": "shop" }, "targetCluster": "other" },
        }))?;
        migrations.create(&PostParams::default(), &m).await?;

        let Some(exit) = op.wait_exit(DEADLINE).await else {
            panic!(
                "the operator never reached crash point {point}; migration status {:?}; pods run {:?}\n{}",
                migrations.get(MIGRATION).await.ok().and_then(|m| m.status),
                pods.runs(),
                op.log_tail(40)
            );
        };
        assert!(
            !exit.success(),
            "the operator aborted, it did not exit cleanly: {exit:?}"
        );
        assert!(
            op.crashed_at(point),
            "the operator exited ({exit:?}) without reaching crash point {point}:\n{}",
            op.log_tail(40)
        );
        Ok(Killed {
            ns,
            op_ns,
            args,
            op,
            pods,
            instances,
            migrations,
            database,
            source,
        })
    }

    /// The migration's status as the crashed operator left it.
    async fn status(&self) -> anyhow::Result<OdooClusterMigrationStatus> {
        Ok(self
            .migrations
            .get(MIGRATION)
            .await?
            .status
            .unwrap_or_default())
    }

    async fn instance(&self) -> anyhow::Result<OdooInstance> {
        Ok(self.instances.get("shop").await?)
    }

    /// A fresh operator, without a crash point.
    fn restart(&mut self) -> anyhow::Result<()> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.op = OperatorProcess::start(simulated_cluster(), &self.op_ns, &args)?;
        Ok(())
    }

    fn copies(&self) -> usize {
        self.pods
            .runs()
            .iter()
            .filter(|r| r.command == "copy")
            .count()
    }

    async fn odoo_conf(&self) -> anyhow::Result<String> {
        let secret: Secret = self.ns.api().get(&names::config_secret("shop")).await?;
        let data = secret.data.unwrap_or_default();
        Ok(String::from_utf8(
            data.get("odoo.conf")
                .map(|b| b.0.clone())
                .unwrap_or_default(),
        )?)
    }

    /// The migration ended Succeeded with nothing lost: the target holds what the
    /// source held, the copy ran once, the instance runs on the target, the source
    /// is kept as it was and no temporary database is left.
    async fn converged_to_the_target(self) -> anyhow::Result<()> {
        let start = Instant::now();
        let status = loop {
            let status = self.status().await?;
            if matches!(
                status.phase,
                Some(
                    MigrationPhase::Succeeded | MigrationPhase::RolledBack | MigrationPhase::Failed
                )
            ) {
                break status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the migration never ended: {status:?}\npods run {:?}\n{}",
                self.pods.runs(),
                self.op.log_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let message = status.message.clone().unwrap_or_default();
        assert_eq!(
            status.phase,
            Some(MigrationPhase::Succeeded),
            "{message}\npods run {:?}\n{}",
            self.pods.runs(),
            self.op.log_tail(40)
        );
        assert!(status.switched && status.ran_on_target, "{status:?}");
        assert_eq!(status.source_cluster.as_deref(), Some("main"));
        assert_eq!(self.copies(), 1, "copied once: {:?}", self.pods.runs());

        // The target holds every row, sequence, extension and schema of the source.
        let target = inventory(other_postgres(), &self.database).await?;
        assert_eq!(target.tables, self.source.tables);
        assert_eq!(target.sequences, self.source.sequences);
        assert_eq!(target.extensions, self.source.extensions);
        assert_eq!(target.schemas, self.source.schemas);
        let temp = status.temporary_database.clone().expect("temporary name");
        assert!(!exists(other_postgres(), &temp).await, "{temp} is renamed");
        // The source is kept, untouched.
        let source = inventory(shared_postgres(), &self.database).await?;
        assert_eq!(source, self.source);

        let instance =
            wait_for_phase(&self.instances, "shop", InstancePhase::Running, &self.op).await;
        assert_eq!(instance.spec.database.cluster.as_deref(), Some("other"));
        let conf = self.odoo_conf().await?;
        assert!(
            conf.contains(&format!("db_port = {}", other_postgres().port)),
            "{conf}"
        );
        self.ns.delete().await;
        Ok(())
    }
}

/// Killed at Stopping, the instance told to stop (Migrating): the restarted
/// operator keeps it down, copies, and moves it.
#[tokio::test]
async fn killed_while_stopping_the_migration_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("migration-stopping", "mkill-stopping").await?;
    let st = k.status().await?;
    assert_eq!(st.phase, Some(MigrationPhase::Stopping), "{st:?}");
    let instance = k.instance().await?;
    assert_eq!(
        instance.status.and_then(|s| s.phase),
        Some(InstancePhase::Migrating)
    );
    let temp = st.temporary_database.clone().expect("temporary name");
    assert!(!exists(other_postgres(), &temp).await, "nothing copied yet");
    k.restart()?;
    k.converged_to_the_target().await
}

/// Killed once the copy Job is created: the restarted operator follows that Job
/// (it does not copy twice) and goes on.
#[tokio::test]
async fn killed_while_copying_the_migration_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("migration-copying", "mkill-copying").await?;
    let st = k.status().await?;
    assert_eq!(st.phase, Some(MigrationPhase::Copying), "{st:?}");
    let jobs: Api<Job> = k.ns.api();
    assert!(jobs.get_opt("move-copy").await?.is_some(), "the copy Job");
    let temp = st.temporary_database.clone().expect("temporary name");
    assert!(exists(other_postgres(), &temp).await, "{temp} was created");
    k.restart()?;
    k.converged_to_the_target().await
}

/// Killed at Switching after the copy was renamed into place, before the instance
/// was pointed at the target: the restarted operator finds the rename done.
#[tokio::test]
async fn killed_while_switching_after_the_rename_the_migration_converges() -> anyhow::Result<()> {
    let mut k = Killed::at("migration-switching", "mkill-switching").await?;
    let st = k.status().await?;
    assert_eq!(st.phase, Some(MigrationPhase::Switching), "{st:?}");
    assert!(!st.switched, "{st:?}");
    let temp = st.temporary_database.clone().expect("temporary name");
    assert!(!exists(other_postgres(), &temp).await, "renamed away");
    assert!(
        exists(other_postgres(), &k.database).await,
        "renamed into place"
    );
    let instance = k.instance().await?;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    k.restart()?;
    k.converged_to_the_target().await
}

/// Killed at Switching after the instance was pointed at the target, before the
/// status recorded it: the restarted operator finds the switch done.
#[tokio::test]
async fn killed_while_switching_after_the_spec_switch_the_migration_converges() -> anyhow::Result<()>
{
    let mut k = Killed::at("migration-switched", "mkill-switched").await?;
    let st = k.status().await?;
    assert_eq!(st.phase, Some(MigrationPhase::Switching), "{st:?}");
    assert!(!st.switched, "the status does not know: {st:?}");
    let instance = k.instance().await?;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("other"));
    assert_eq!(
        instance.status.and_then(|s| s.phase),
        Some(InstancePhase::Migrating),
        "still down"
    );
    k.restart()?;
    k.converged_to_the_target().await
}

/// Killed at Switching after the instance was pointed at the target; then the copy
/// vanishes from the target (dropped by hand) before a fresh operator resumes. The
/// switch cannot complete: the migration rolls back, and the instance must be
/// pointed back at the source, untouched, not left naming a target without its
/// data although the status never recorded the switch.
#[tokio::test]
async fn a_switch_that_fails_after_a_kill_points_the_instance_back_at_the_source()
-> anyhow::Result<()> {
    let mut k = Killed::at("migration-switched", "mkill-undo").await?;
    assert!(!k.status().await?.switched);
    assert_eq!(
        k.instance().await?.spec.database.cluster.as_deref(),
        Some("other")
    );
    let drop = format!("DROP DATABASE \"{}\" WITH (FORCE)", k.database);
    tokio::task::spawn_blocking(move || superuser_sql_on(other_postgres(), "postgres", &drop))
        .await??;
    k.restart()?;

    let start = Instant::now();
    let status = loop {
        let status = k.status().await?;
        if matches!(
            status.phase,
            Some(MigrationPhase::Succeeded | MigrationPhase::RolledBack | MigrationPhase::Failed)
        ) {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the migration never ended: {status:?}\n{}",
            k.op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let message = status.message.clone().unwrap_or_default();
    assert_eq!(
        status.phase,
        Some(MigrationPhase::RolledBack),
        "{message}\n{}",
        k.op.log_tail(40)
    );
    assert!(message.contains("Switching failed"), "{message}");
    assert!(message.contains("switched back to main"), "{message}");
    assert!(!status.switched, "{status:?}");

    let instance = wait_for_phase(&k.instances, "shop", InstancePhase::Running, &k.op).await;
    assert_eq!(instance.spec.database.cluster.as_deref(), Some("main"));
    let conf = k.odoo_conf().await?;
    assert!(
        conf.contains(&format!("db_port = {}", shared_postgres().port)),
        "{conf}"
    );
    let source = inventory(shared_postgres(), &k.database).await?;
    assert_eq!(source, k.source, "the source is untouched");
    k.ns.delete().await;
    Ok(())
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
