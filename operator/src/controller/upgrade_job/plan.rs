//! The pure half of an upgrade on a copy: the names of the copy and of the kept
//! database, and the Jobs of each step (stream the database, copy or remove the
//! files, `odoo -u` on the copy, switch the files).

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::agent::{CopyRequest, env};
use odoo_model::{OdooUpgradeJob, names};

use crate::build::{self, pod};
use crate::controller::db_names;
use crate::controller::filestore_jobs;
use crate::runtime::agent_pod::{self, AgentRun};
use crate::runtime::batch;
use crate::validate::ValidInstance;

/// The component of every Job an upgrade runs.
pub const COMPONENT: &str = "upgrade";

/// The copy's agent container, where its report is read from (the filestore
/// Jobs' are in `filestore_jobs`).
pub const COPY_CONTAINER: &str = "copy";

/// The copy the update runs on: one per job, so a retried step finds its own.
pub fn copy_name(database: &str, job: &OdooUpgradeJob) -> String {
    db_names::per_job(database, "upgrading", &job.uid().unwrap_or_default())
}

/// The name the replaced database and files are kept under.
pub fn kept_name(database: &str, at: k8s_openapi::jiff::Timestamp) -> String {
    db_names::dated(database, "pre_upgrade", at)
}

pub fn update_job_name(job: &OdooUpgradeJob) -> String {
    format!("{}-job", job.name_any())
}

pub fn copy_job_name(job: &OdooUpgradeJob) -> String {
    format!("{}-copy", job.name_any())
}

pub fn files_job_name(job: &OdooUpgradeJob) -> String {
    format!("{}-files", job.name_any())
}

pub fn discard_job_name(job: &OdooUpgradeJob) -> String {
    format!("{}-discard", job.name_any())
}

/// What an update that exited 0 must have written, and since when: the modules it
/// was asked for (every installed one for none), since the database's clock when
/// it was recorded to start. `None` for a job whose start was not recorded (one
/// begun by an operator that did not record it).
pub fn written<'a>(
    job: &'a OdooUpgradeJob,
    status: &odoo_model::upgrade_job::OdooUpgradeJobStatus,
) -> Option<crate::pg::compare::Written<'a>> {
    Some(crate::pg::compare::Written {
        since: status.update_started.as_ref()?.0,
        modules: &job.spec.modules,
    })
}

/// The `odoo` arguments of an update run.
pub fn update_args(modules: &[String], database: &str) -> Vec<String> {
    let modules = if modules.is_empty() {
        "all".to_owned()
    } else {
        modules.join(",")
    };
    vec![
        pod::config_flag(),
        format!("--database={database}"),
        format!("--update={modules}"),
        "--stop-after-init".into(),
        "--no-http".into(),
    ]
}

/// `odoo -u` with `image` on `database` (the live one in place, or the copy).
pub fn update_job(job: &OdooUpgradeJob, v: &ValidInstance, image: &str, database: &str) -> Job {
    batch::odoo_job(
        job,
        update_job_name(job),
        v,
        image,
        COMPONENT,
        update_args(&job.spec.modules, database),
    )
}

/// The database streamed into the empty copy (`odoo-agent copy`, source and target
/// on the instance's cluster, both as its role) while sessions are open.
pub fn copy_job(job: &OdooUpgradeJob, v: &ValidInstance, copy: &str, agent_image: &str) -> Job {
    let request = CopyRequest {
        source: agent_pod::connection(v, &v.database.name),
        target: agent_pod::connection(v, copy),
    };
    let secrets = [
        agent_pod::pg_password(env::PG, v),
        agent_pod::pg_password(env::TARGET_PG, v),
    ];
    let request = agent_pod::Requested::new(&request).with_secrets(secrets);
    let run = AgentRun::new(copy_job_name(job), COMPONENT, COPY_CONTAINER, request);
    agent_pod::build(job, v, run, agent_image)
}

/// The live files linked under the copy's name, or (`discard`) that copy removed.
/// Both are safe to repeat.
pub fn files_job(
    job: &OdooUpgradeJob,
    v: &ValidInstance,
    copy: &str,
    discard: bool,
    agent_image: &str,
) -> Job {
    let name = if discard {
        discard_job_name(job)
    } else {
        files_job_name(job)
    };
    let request = filestore_jobs::copy_request(v, copy, discard);
    filestore_jobs::filestore_job(job, name, COMPONENT, v, &request, agent_image)
}

/// Name of the upgrade job an image change creates: one per target image, so an
/// automatic upgrade that failed is not created again for the same image.
pub fn auto_name(instance: &str, image: &str) -> String {
    format!("{instance}-upgrade-{}", &build::odoo_conf::hash(image)[..8])
}

/// The deployments that must be down before the update: cron always, web too when
/// the update cannot share the database with it.
pub fn must_stop(instance: &str, stop_web: bool) -> Vec<String> {
    let mut deployments = vec![names::cron_deployment(instance)];
    if stop_web {
        deployments.push(names::web_deployment(instance));
    }
    deployments
}

#[cfg(test)]
mod tests {
    use super::super::test_support::job;
    use super::*;

    /// The recorded start survives the status's round trip to the microsecond: a
    /// start cut to the second would let rows an init wrote in that second pass
    /// for the update's.
    #[test]
    fn the_recorded_start_keeps_its_microseconds() -> Result<(), Box<dyn std::error::Error>> {
        let since: k8s_openapi::jiff::Timestamp = "2026-12-03T23:08:22.123456Z".parse()?;
        let status = odoo_model::upgrade_job::OdooUpgradeJobStatus {
            update_started: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(
                since,
            )),
            ..Default::default()
        };
        let stored: odoo_model::upgrade_job::OdooUpgradeJobStatus =
            serde_json::from_value(serde_json::to_value(&status)?)?;
        let j = job();
        let written = written(&j, &stored).ok_or("no start")?;
        assert_eq!(written.since, since);
        assert!(written.modules.is_empty());
        let unrecorded = odoo_model::upgrade_job::OdooUpgradeJobStatus::default();
        assert!(super::written(&j, &unrecorded).is_none());
        Ok(())
    }

    #[test]
    fn every_module_is_updated_unless_some_are_named() {
        let args = update_args(&[], "shop");
        assert!(args.contains(&"--update=all".to_owned()), "{args:?}");
        assert!(args.contains(&"--stop-after-init".to_owned()));
        let args = update_args(&["sale".into(), "stock".into()], "shop");
        assert!(args.contains(&"--update=sale,stock".to_owned()), "{args:?}");
    }

    #[test]
    fn auto_names_differ_per_image_and_stay_short() {
        let a = auto_name("shop", "odoo:18.0-20250101");
        assert_ne!(a, auto_name("shop", "odoo:18.0-20250201"));
        assert_eq!(a, auto_name("shop", "odoo:18.0-20250101"));
        assert!(a.len() < 30, "{a}");
    }

    #[test]
    fn the_update_of_a_copy_runs_the_target_image_on_the_copy() {
        let v = crate::build::sample();
        let j = update_job(&job(), &v, "odoo:19.0-1", "shop_upgrading_1");
        let pod = j.spec.and_then(|s| s.template.spec).expect("pod");
        let c = &pod.containers[0];
        assert_eq!(c.image.as_deref(), Some("odoo:19.0-1"));
        let args = c.args.clone().unwrap_or_default();
        assert!(
            args.contains(&"--database=shop_upgrading_1".to_owned()),
            "{args:?}"
        );
    }

    #[test]
    fn the_files_job_names_source_and_copy_and_discards_only_when_asked() {
        let v = crate::build::sample();
        let value = |j: &Job, n: &str| {
            j.spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .and_then(|p| {
                    p.containers[0]
                        .env
                        .as_ref()?
                        .iter()
                        .find(|e| e.name == n)
                        .and_then(|e| e.value.clone())
                })
        };
        let make = files_job(&job(), &v, "copy_1", false, "op:1");
        assert_eq!(make.metadata.name.as_deref(), Some("up-files"));
        assert_eq!(value(&make, env::LIVE), Some(v.database.name.clone()));
        assert_eq!(value(&make, env::COPY).as_deref(), Some("copy_1"));
        assert_eq!(value(&make, env::DISCARD), None);
        let discard = files_job(&job(), &v, "copy_1", true, "op:1");
        assert_eq!(discard.metadata.name.as_deref(), Some("up-discard"));
        assert_eq!(value(&discard, env::DISCARD).as_deref(), Some("true"));
    }

    #[test]
    fn copy_and_kept_names_fit_and_say_what_they_are() {
        let long = "a".repeat(63);
        let copy = copy_name(&long, &job());
        assert!(copy.len() <= 63 && copy.contains("_upgrading_"), "{copy}");
        let at: k8s_openapi::jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
        assert_eq!(kept_name("shop", at), "shop_pre_upgrade_20260102030405");
    }
}
