//! OdooInitJob: runs `odoo --init` once in a Kubernetes Job and records the outcome
//! in its own status (the Job may be garbage-collected later). An exit code of 0 is
//! not enough: the job succeeds only once the database shows every module it asked
//! for installed.

use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use kube::api::Api;
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use odoo_model::Reason;
use odoo_model::init_job::OdooInitJobStatus;
use odoo_model::{JobPhase, OdooInitJob, OdooInitJobSpec, OdooInstance, names};

use super::job::{self, Started};
use crate::build::pod;
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe;
use crate::validate::ValidInstance;

/// Name of the init job the operator creates on first provisioning.
pub fn auto_name(instance: &str) -> String {
    format!("{instance}-init")
}

/// The `CreateInitJob` action: an OdooInitJob from the instance's init spec. Its
/// name is fixed, so running the action twice changes nothing.
pub async fn create_for_instance(
    ctx: &Context,
    v: &ValidInstance,
    instance: &OdooInstance,
) -> Result<(), Error> {
    let name = auto_name(&v.name);
    // The watch of init jobs is authoritative once it has listed; before, ask.
    let exists = if ctx.caches.ready() {
        // An unreadable one too: its name is taken.
        crate::runtime::caches::get(&ctx.caches.init_jobs, &v.namespace, &name).is_some()
    } else {
        Api::<OdooInitJob>::namespaced(ctx.client.clone(), &v.namespace)
            .get_opt(&name)
            .await
            .map_err(Error::kube(format!("reading OdooInitJob {name}")))?
            .is_some()
    };
    if exists {
        return Ok(());
    }
    let spec = instance.spec.init.clone();
    let job = OdooInitJob::new(
        &name,
        OdooInitJobSpec {
            instance_ref: odoo_model::InstanceRef {
                name: v.name.clone(),
            },
            modules: spec.modules,
            demo: spec.demo,
            language: spec.language,
        },
    );
    job::apply_for_instance(ctx, v, job, "init").await?;
    Ok(())
}

/// The `odoo` arguments of an init run. Odoo 19 replaced `--without-demo` (demo data
/// was on by default) with `--with-demo` (off by default).
pub fn init_args(spec: &OdooInitJobSpec, database: &str, odoo_major: Option<u32>) -> Vec<String> {
    let mut args = vec![
        pod::config_flag(),
        format!("--database={database}"),
        format!("--init={}", spec.modules.join(",")),
    ];
    match (odoo_major.is_some_and(|m| m >= 19), spec.demo) {
        (true, true) => args.push("--with-demo".into()),
        (false, false) => args.push("--without-demo=all".into()),
        _ => {}
    }
    if let Some(lang) = &spec.language {
        args.push(format!("--load-language={lang}"));
    }
    args.extend(["--stop-after-init".into(), "--no-http".into()]);
    args
}

/// The Kubernetes Job of an init job.
pub fn build_job(job: &OdooInitJob, v: &ValidInstance) -> Job {
    let major = odoo_model::OdooVersion::of_image(&v.image).map(|v| v.major);
    let args = init_args(&job.spec, &v.database.name, major);
    crate::runtime::batch::odoo_job(job, job_name(job), v, "init", args)
}

fn job_name(job: &OdooInitJob) -> String {
    format!("{}-job", job.name_any())
}

/// A pass over an init job that has work to do.
///
/// The instance and the Jobs are boxed: this future is held by every init job in
/// flight, and typed objects kept in it by value made it 18 KiB.
async fn reconcile(
    ctx: &Context,
    job: Arc<OdooInitJob>,
    instance: Option<Box<OdooInstance>>,
) -> Result<Action, Error> {
    let ns = job.namespace().unwrap_or_default();
    let Some(instance) = instance else {
        return write_status(
            ctx,
            &job,
            JobPhase::Pending,
            format!("waiting for OdooInstance {}", job.spec.instance_ref.name),
            None,
        )
        .await;
    };
    // The instance's configuration Secret must exist: it is what the Job mounts.
    if observe::secret(ctx, &ns, &names::config_secret(&instance.name_any()))
        .await?
        .is_none()
    {
        return write_status(
            ctx,
            &job,
            JobPhase::Pending,
            "waiting for the instance's database and configuration".into(),
            None,
        )
        .await;
    }
    let clusters = observe::pg_clusters(ctx).await?;
    let valid = crate::validate::resolve(&instance, &clusters)?;
    let name = job_name(&job);
    let recorded = job.status.as_ref().and_then(|s| s.job.job_name.as_deref()) == Some(&name);
    let live = crate::runtime::batch::job_unless_new(ctx, &ns, &name, recorded)
        .await?
        .map(Box::new);
    let Some(live) = live else {
        return start(ctx, &job, &valid, name).await;
    };
    match crate::runtime::batch::outcome(&live) {
        crate::runtime::batch::Outcome::Complete => completed(ctx, &job, &instance, name).await,
        crate::runtime::batch::Outcome::Failed => failed(ctx, &job, &instance, &ns, name).await,
        crate::runtime::batch::Outcome::Running => running(ctx, &job, name).await,
    }
}

/// Applies the Job, known missing, without another read, and records it running.
async fn start(
    ctx: &Context,
    job: &OdooInitJob,
    valid: &ValidInstance,
    name: String,
) -> Result<Action, Error> {
    let desired = Box::new(build_job(job, valid));
    crate::apply::apply_over(&ctx.client, desired.as_ref(), None).await?;
    drop(desired);
    running(ctx, job, name).await
}

/// The message of a running Job, so seeing it run writes nothing.
async fn running(ctx: &Context, job: &OdooInitJob, name: String) -> Result<Action, Error> {
    write_status(
        ctx,
        job,
        JobPhase::Running,
        format!("Job {name} running"),
        Some(name),
    )
    .await
}

/// A Job that exited 0 succeeds only when the database shows every module asked
/// for installed; otherwise it failed, and an event says what is missing.
async fn completed(
    ctx: &Context,
    job: &OdooInitJob,
    instance: &OdooInstance,
    name: String,
) -> Result<Action, Error> {
    let asked = asked_modules(&job.spec);
    match installed(ctx, instance, &asked).await? {
        Ok(()) => {
            let message = format!("modules {} installed", asked.join(","));
            finish(ctx, job, instance, JobPhase::Succeeded, message, Some(name)).await
        }
        Err(why) => {
            let message =
                format!("Job {name} exited successfully, but {why}; see kubectl logs job/{name}");
            ctx.event(job, true, Reason::InitFailed, message.clone())
                .await;
            finish(ctx, job, instance, JobPhase::Failed, message, Some(name)).await
        }
    }
}

/// A failed Job: the error Odoo ended with, when its log tells one, in the event
/// and the status.
async fn failed(
    ctx: &Context,
    job: &OdooInitJob,
    instance: &OdooInstance,
    ns: &str,
    name: String,
) -> Result<Action, Error> {
    let said = crate::runtime::batch::odoo_failure(ctx, ns, &name)
        .await?
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    let message = format!("Job {name} failed{said}; see kubectl logs job/{name}");
    ctx.event(job, true, Reason::InitFailed, message.clone())
        .await;
    finish(ctx, job, instance, JobPhase::Failed, message, Some(name)).await
}

/// The modules an init must leave installed: those it asked for, and `base`,
/// which Odoo installs whatever else it is asked.
fn asked_modules(spec: &OdooInitJobSpec) -> Vec<String> {
    let mut asked = vec!["base".to_owned()];
    asked.extend(spec.modules.iter().filter(|m| *m != "base").cloned());
    asked
}

/// An init that exited 0, checked on the database as the operator reads it (as
/// the instance's role): every module asked for installed. Odoo only logs a module
/// name it does not know, and an image whose `odoo` does nothing exits 0 too.
async fn installed(
    ctx: &Context,
    instance: &OdooInstance,
    asked: &[String],
) -> Result<Result<(), String>, Error> {
    let (v, cluster) = super::job::valid_instance_on_cluster(ctx, instance).await?;
    let login = super::job::tenant_of(ctx, &v).await?;
    let read = crate::pg::compare::not_installed(&cluster, &login, &v.database.name, asked).await;
    let read =
        crate::pg::tenant_read(read).map_err(|e| super::job::db_error(&v.database.cluster, e))?;
    Ok(match read {
        Ok(Some(missing)) if missing.is_empty() => Ok(()),
        Ok(Some(missing)) => Err(format!(
            "Odoo did not install {}: not a module of this image (Odoo ignores a name it does not know), or not installable",
            missing.join(", ")
        )),
        Ok(None) => {
            Err("the database has no ir_module_module: Odoo initialized nothing".to_owned())
        }
        Err(why) => Err(why),
    })
}

/// Records the outcome, then tells the instance's webhook (once the outcome is
/// stored, so a failed write does not announce it twice).
async fn finish(
    ctx: &Context,
    job: &OdooInitJob,
    instance: &OdooInstance,
    phase: JobPhase,
    message: String,
    job_name: Option<String>,
) -> Result<Action, Error> {
    let action = write_status(ctx, job, phase, message.clone(), job_name).await?;
    let kind = OdooInitJob::kind(&());
    ctx.callbacks
        .job_finished(instance, &kind, &job.name_any(), phase, &message);
    Ok(action)
}

async fn write_status(
    ctx: &Context,
    job: &OdooInitJob,
    phase: JobPhase,
    message: String,
    job_name: Option<String>,
) -> Result<Action, Error> {
    let current = job.status.clone().unwrap_or_default();
    let mut next = OdooInitJobStatus {
        job: current.job.clone(),
    };
    next.job.message = Some(message);
    next.job.job_name = job_name.or(current.job.job_name.clone());
    crate::runtime::batch::stamp(&mut next.job, phase, job.meta().generation);
    job::write_status(ctx, job, &current, &next).await?;
    Ok(match phase {
        p if p.is_finished() => Action::await_change(),
        JobPhase::Pending => Action::requeue(WAITING),
        _ => Action::requeue(LOOK_AGAIN),
    })
}

/// How soon a Pending init job looks again. It waits on the instance and its
/// configuration Secret, which the instance's pass writes just before the init job:
/// the Secrets watch may bring it a moment after the init job, and nothing else
/// would wake the init job for its look-again.
const WAITING: std::time::Duration = std::time::Duration::from_secs(2);

/// A running init job is woken by its batch Job's outcome (the shared Jobs watch)
/// and nothing else it reads changes meanwhile, so the look-again is only a safety
/// net: at a thousand new instances, whose init pods queue for minutes, a 30-second
/// one was half of the init jobs' passes.
const LOOK_AGAIN: std::time::Duration = std::time::Duration::from_secs(300);

impl job::Reconcile for OdooInitJob {
    fn reconcile(ctx: &Context, started: Started<Self>) -> job::Reconciling<'_> {
        Box::pin(reconcile(ctx, started.job, started.instance.map(Box::new)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(demo: bool) -> OdooInitJobSpec {
        OdooInitJobSpec {
            modules: vec!["base".into(), "sale".into()],
            demo,
            ..Default::default()
        }
    }

    #[test]
    fn base_is_always_asked_for_once() {
        assert_eq!(asked_modules(&spec(false)), ["base", "sale"]);
        let only_sale = OdooInitJobSpec {
            modules: vec!["sale".into()],
            ..Default::default()
        };
        assert_eq!(asked_modules(&only_sale), ["base", "sale"]);
    }

    #[test]
    fn demo_flags_follow_the_odoo_version() {
        assert!(init_args(&spec(false), "db", Some(18)).contains(&"--without-demo=all".to_owned()));
        assert!(
            !init_args(&spec(true), "db", Some(18))
                .iter()
                .any(|a| a.contains("demo"))
        );
        assert!(init_args(&spec(true), "db", Some(19)).contains(&"--with-demo".to_owned()));
        assert!(
            !init_args(&spec(false), "db", Some(19))
                .iter()
                .any(|a| a.contains("demo"))
        );
        assert!(init_args(&spec(false), "db", Some(18)).contains(&"--init=base,sale".to_owned()));
    }
}
