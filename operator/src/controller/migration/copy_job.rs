//! The copy Job of a migration: `odoo-operator agent copy` in the instance's own
//! image (its pg_dump matches the source), from the live database on the source
//! cluster into the temporary database on the target, both as the instance's role.

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::OdooClusterMigration;
use odoo_model::agent::{CopyRequest, env};

use crate::runtime::agent_pod::{self, AgentRun};
use crate::validate::ValidInstance;

/// The container that runs the agent, whose termination message is the report.
pub const CONTAINER: &str = "copy";

pub fn name(m: &OdooClusterMigration) -> String {
    format!("{}-copy", m.name_any())
}

/// Pure: `source` is the instance as it runs (database on the source cluster),
/// `target` the same instance with the database resolved to the temporary one on
/// the target cluster.
pub fn build(
    m: &OdooClusterMigration,
    source: &ValidInstance,
    target: &ValidInstance,
    agent_image: &str,
) -> Job {
    let request = CopyRequest {
        source: agent_pod::connection(source, &source.database.name),
        target: agent_pod::connection(target, &target.database.name),
    };
    let secrets = [
        agent_pod::pg_password(env::PG, source),
        agent_pod::pg_password(env::TARGET_PG, target),
    ];
    let request = agent_pod::Requested::new(&request).with_secrets(secrets);
    let run = AgentRun::new(name(m), "migration", CONTAINER, request);
    agent_pod::build(m, source, run, agent_image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use odoo_model::cluster_migration::OdooClusterMigrationSpec;

    #[test]
    fn the_agent_copies_from_the_source_into_the_temporary_database() {
        let source = crate::build::sample();
        let mut target = source.clone();
        target.database.host = "pg-other".into();
        target.database.name = "shop_mig_1234".into();
        let mut m = OdooClusterMigration::new(
            "move",
            OdooClusterMigrationSpec {
                instance_ref: odoo_model::InstanceRef::new(&source.name),
                target_cluster: "other".into(),
                drop_source_after: false,
            },
        );
        m.metadata.namespace = Some(source.namespace.clone());
        let job = build(&m, &source, &target, "odoo-operator:9.9");
        assert_eq!(job.metadata.name.as_deref(), Some("move-copy"));
        let pod = job.spec.and_then(|s| s.template.spec).expect("pod");
        let c = &pod.containers[0];
        assert_eq!(c.image.as_deref(), Some(source.images.database.as_str()));
        assert_eq!(c.command.as_ref().expect("command")[1], "copy");
        let env = c.env.clone().unwrap_or_default();
        let value = |n: &str| {
            env.iter()
                .find(|e| e.name == n)
                .and_then(|e| e.value.clone())
        };
        assert_eq!(value("PGHOST"), Some(source.database.host.clone()));
        assert_eq!(value("PGDATABASE"), Some(source.database.name.clone()));
        assert_eq!(
            value("ODOO_AGENT_TARGET_PGHOST").as_deref(),
            Some("pg-other")
        );
        assert_eq!(
            value("ODOO_AGENT_TARGET_PGDATABASE").as_deref(),
            Some("shop_mig_1234")
        );
        let password = env
            .iter()
            .find(|e| e.name == "ODOO_AGENT_TARGET_PGPASSWORD")
            .expect("target password");
        assert!(password.value.is_none(), "the password is never inlined");
        assert_eq!(
            pod.init_containers.expect("init")[0].image.as_deref(),
            Some("odoo-operator:9.9")
        );
    }
}
