//! The floor: the least any correct client must do to reach the state the operator
//! reaches. For each OdooInstance it writes the finalizer (a database must not
//! outlive nobody's knowing), provisions the same role and database, applies the
//! same child objects, built by the operator's own pure builders, each with one
//! request and in the only order that works (Deployments after the init Job), and
//! writes phase Running once the web Deployment is ready: the same finish line as
//! the operator's. No reads before writes, no other status, no events, no requeues.
//! PostgreSQL connections are bounded as the operator's are. Whatever the operator
//! spends above this is the price of reconciling.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt};
use odoo_model::labels::{INSTANCE_FINALIZER, OPERATOR_FIELD_MANAGER};
use odoo_model::{OdooInitJob, OdooInitJobSpec, OdooInstance};
use odoo_operator::build;
use odoo_operator::config::OperatorConfig;
use odoo_operator::controller::init_job;
use odoo_operator::controller::instance::{Workloads, children};
use odoo_operator::pg::clusters::{PgCluster, PgClusters};
use odoo_operator::validate::{ValidInstance, resolve, wanted_replicas};
use tokio::sync::Semaphore;

/// PostgreSQL's default `max_connections` is 100; the floor keeps well under it,
/// with the operator's default bound per cluster.
const PG_CONNECTIONS: usize = odoo_operator::pg::pool::DEFAULT_CONNECTIONS_PER_CLUSTER;

/// Names of the Jobs that completed and the Deployments that are ready, shared by
/// the instance tasks.
type Done = Arc<Mutex<BTreeSet<String>>>;

/// Runs until `instances` instances have every child applied, then waits to be
/// killed (the benchmark reads its memory and CPU time from `/proc` first).
pub async fn run(client: Client, operator_namespace: &str, instances: usize) -> anyhow::Result<()> {
    let secret: Secret = Api::namespaced(client.clone(), operator_namespace)
        .get("pg-clusters")
        .await
        .context("reading the pg-clusters Secret")?;
    let clusters = odoo_operator::pg::clusters::from_secret_data(&secret.data.unwrap_or_default())?;
    let floor = Arc::new(Floor {
        client: client.clone(),
        clusters,
        config: OperatorConfig {
            image: "simulated/odoo:18.0-20251001".into(),
            storage_size: "10Gi".into(),
            ..OperatorConfig::default()
        },
        pg: Semaphore::new(PG_CONNECTIONS),
        succeeded: Arc::default(),
        ready: Arc::default(),
    });
    tokio::spawn(follow(
        Api::<Job>::all(client.clone()),
        floor.succeeded.clone(),
        |job| job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0) > 0,
    ));
    tokio::spawn(follow(
        Api::<Deployment>::all(client.clone()),
        floor.ready.clone(),
        |d| {
            let wanted = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = d
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0);
            wanted > 0 && ready >= wanted
        },
    ));

    let mut started = BTreeSet::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut events =
        watcher::watcher(Api::<OdooInstance>::all(client), watcher::Config::default()).boxed();
    while started.len() < instances {
        let instance = match events.next().await {
            Some(Ok(Event::Apply(i) | Event::InitApply(i))) => i,
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                eprintln!("watching instances: {e}");
                continue;
            }
            None => anyhow::bail!("the instance watch ended"),
        };
        if started.insert(key(&instance)) {
            let floor = floor.clone();
            tasks.spawn(async move {
                let name = instance.name_any();
                floor
                    .instance(instance)
                    .await
                    .with_context(|| format!("instance {name}"))
            });
        }
    }
    drop(events);
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    eprintln!("floor: every child of {instances} instances applied");
    std::future::pending::<()>().await;
    Ok(())
}

struct Floor {
    client: Client,
    clusters: PgClusters,
    config: OperatorConfig,
    pg: Semaphore,
    succeeded: Done,
    ready: Done,
}

impl Floor {
    async fn instance(&self, mut instance: OdooInstance) -> anyhow::Result<()> {
        let api: Api<OdooInstance> = Api::namespaced(
            self.client.clone(),
            &instance.namespace().unwrap_or_default(),
        );
        let name = instance.name_any();
        api.patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"metadata": {"finalizers": [INSTANCE_FINALIZER]}})),
        )
        .await
        .context("writing the finalizer")?;
        // The operator writes these defaults into the spec; the floor only needs them.
        if let Some((patch, _)) =
            odoo_operator::defaults::for_instance(&instance, &self.config, Ok(&self.clusters))?
        {
            let mut spec = serde_json::to_value(&instance.spec)?;
            json_merge(&mut spec, &patch["spec"]);
            instance.spec = serde_json::from_value(spec)?;
        }
        let valid = resolve(&instance, &self.clusters)?;
        let cluster = self.clusters.get(&valid.database.cluster)?;
        let db_password = self.password_secret(&valid, &valid.db_secret).await?;
        let admin_password = self
            .password_secret(&valid, &valid.admin_password.name)
            .await?;
        self.provision(cluster, &valid, &db_password).await?;

        // The operator's own children, Deployments at the replicas and image a
        // Running instance has.
        let (web_replicas, cron_replicas) = wanted_replicas(&instance.spec);
        let workloads = Workloads {
            web_replicas,
            cron_replicas,
            image: valid.images.spec.clone(),
        };
        let children = children(&valid, &db_password, &admin_password, Some(&workloads));
        self.apply(&children.config).await?;
        self.apply(&children.filestore).await?;
        self.apply(&children.service).await?;
        if let Some(ingress) = &children.ingress {
            self.apply(ingress).await?;
        }
        let job = self.init_job(&instance, &valid);
        self.apply(&job).await?;
        wait_for(&self.succeeded, &key(&job)).await;
        for deployment in children.deployments().iter().flatten() {
            self.apply(deployment).await?;
        }
        let web = format!(
            "{}/{}",
            valid.namespace,
            odoo_model::names::web_deployment(&name)
        );
        wait_for(&self.ready, &web).await;
        api.patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"status": {"phase": "Running"}})),
        )
        .await
        .context("writing phase Running")?;
        Ok(())
    }

    async fn provision(
        &self,
        cluster: &PgCluster,
        valid: &ValidInstance,
        password: &str,
    ) -> anyhow::Result<()> {
        let _permit = self.pg.acquire().await?;
        odoo_operator::pg::provision::ensure_role_and_database(
            cluster,
            &valid.owner(),
            password,
            &valid.database.name,
        )
        .await?;
        Ok(())
    }

    /// The init Job the operator's init controller would build, owned by the instance
    /// (there is no OdooInitJob resource here to own it).
    fn init_job(&self, instance: &OdooInstance, valid: &ValidInstance) -> Job {
        let mut init = OdooInitJob::new(
            &init_job::auto_name(&valid.name),
            OdooInitJobSpec {
                instance_ref: odoo_model::InstanceRef {
                    name: valid.name.clone(),
                },
                modules: instance.spec.init.modules.clone(),
                demo: instance.spec.init.demo,
                language: instance.spec.init.language.clone(),
            },
        );
        init.metadata.namespace = Some(valid.namespace.clone());
        let mut job = init_job::build_job(&init, valid);
        job.metadata.owner_references = Some(vec![build::meta::owner_reference(valid)]);
        job
    }

    async fn password_secret(&self, valid: &ValidInstance, name: &str) -> anyhow::Result<String> {
        let password = odoo_operator::pg::generate_password();
        let secret = build::config_secret::password_secret(valid, name, &password);
        Api::<Secret>::namespaced(self.client.clone(), &valid.namespace)
            .create(&PostParams::default(), &secret)
            .await
            .with_context(|| format!("creating Secret {name}"))?;
        Ok(password)
    }

    async fn apply<K: odoo_operator::apply::Object>(&self, object: &K) -> anyhow::Result<()> {
        let name = object.name_any();
        let api: Api<K> =
            Api::namespaced(self.client.clone(), &object.namespace().unwrap_or_default());
        api.patch(
            &name,
            &PatchParams::apply(OPERATOR_FIELD_MANAGER).force(),
            &Patch::Apply(object),
        )
        .await
        .with_context(|| format!("applying {} {name}", K::kind(&())))?;
        Ok(())
    }
}

/// Keeps the names of the objects that are `done`, from one watch.
async fn follow<K>(api: Api<K>, names: Done, done: fn(&K) -> bool)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let mut events = watcher::watcher(api, watcher::Config::default()).boxed();
    while let Some(event) = events.next().await {
        if let Ok(Event::Apply(o) | Event::InitApply(o)) = event
            && done(&o)
        {
            names.lock().expect("names").insert(key(&o));
        }
    }
}

/// `namespace/name`: the instances may be spread over namespaces.
fn key<K: ResourceExt>(object: &K) -> String {
    format!(
        "{}/{}",
        object.namespace().unwrap_or_default(),
        object.name_any()
    )
}

/// Until `name` is in `names`.
async fn wait_for(names: &Done, name: &str) {
    while !names.lock().expect("names").contains(name) {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// RFC 7386 merge of `patch` into `target`.
fn json_merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    json_merge(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}
