//! OdooInitJob: runs `odoo --init` once in a Kubernetes Job and records the outcome
//! in its own status (the Job may be garbage-collected later). An exit code of 0 is
//! not enough: the job succeeds only once the database shows every module it asked
//! for installed.

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use kube::api::Api;
use odoo_model::Reason;
use odoo_model::init_job::OdooInitJobStatus;
use odoo_model::{JobPhase, OdooInitJob, OdooInitJobSpec, OdooInstance, names};

use super::job::{self, Started};
use super::step::{self, Again, Apply, Ending, JobStep, Seen, StepFn, Stepper};
use crate::build::pod;
use crate::runtime::batch::{self, Outcome};
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
            instance_ref: odoo_model::InstanceRef::new(&v.name),
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
    let major = odoo_model::OdooVersion::of_image(&v.images.database).map(|v| v.major);
    let args = init_args(&job.spec, &v.database.name, major);
    let image = &v.images.database;
    crate::runtime::batch::odoo_job(job, job_name(job), v, image, "init", args)
}

fn job_name(job: &OdooInitJob) -> String {
    format!("{}-job", job.name_any())
}

/// What a pass over an init job has learnt.
///
/// The instance is boxed: this is held by every init job's pass in flight, and an
/// instance kept in it by value made the future 18 KiB.
#[derive(Debug, Default)]
pub struct Facts {
    seen: Seen<OdooInitJob>,
    /// Whether the instance's configuration Secret (what the Job mounts) exists.
    config: Option<bool>,
    /// The batch Job's outcome; `Some(None)` when it does not exist.
    batch: Option<Option<Outcome>>,
    /// The batch Job was applied by this pass.
    started: bool,
    /// Whether the database shows every module asked for installed, or why not.
    installed: Option<Result<(), String>>,
    /// The error Odoo's log ended with, if it tells one.
    failure: Option<Option<String>>,
}

/// What a step over an init job asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    ReadConfig,
    ReadBatch,
    /// Applies the batch Job, known missing, without another read.
    Start,
    ReadInstalled,
    ReadFailure,
}

/// A pass over an init job that has work to do: pure.
fn step(job: &OdooInitJob, f: &Facts) -> JobStep<OdooInitJobStatus, Effect> {
    let name = job_name(job);
    let end = |phase, message: String| JobStep::End(ending(job, phase, message));
    if f.seen.instance.is_none() {
        let message = format!("waiting for OdooInstance {}", job.spec.instance_ref.name);
        return end(JobPhase::Pending, message);
    }
    match f.config {
        None => return JobStep::Do(Effect::ReadConfig),
        Some(false) => {
            let message = "waiting for the instance's database and configuration".to_owned();
            return end(JobPhase::Pending, message);
        }
        Some(true) => {}
    }
    let running = || end(JobPhase::Running, format!("Job {name} running"));
    if f.started {
        return running();
    }
    match f.batch {
        None => JobStep::Do(Effect::ReadBatch),
        Some(None) => JobStep::Do(Effect::Start),
        Some(Some(Outcome::Running)) => running(),
        Some(Some(Outcome::Complete)) => match &f.installed {
            None => JobStep::Do(Effect::ReadInstalled),
            Some(Ok(())) => {
                let asked = asked_modules(&job.spec).join(",");
                end(JobPhase::Succeeded, format!("modules {asked} installed"))
            }
            Some(Err(why)) => failed(job, format!("Job {name} exited successfully, but {why}")),
        },
        Some(Some(Outcome::Failed)) => match &f.failure {
            None => JobStep::Do(Effect::ReadFailure),
            Some(said) => {
                let said = said.as_ref().map(|e| format!(": {e}")).unwrap_or_default();
                failed(job, format!("Job {name} failed{said}"))
            }
        },
    }
}

/// Failed, with a Warning event saying why and where the log is.
fn failed(job: &OdooInitJob, why: String) -> JobStep<OdooInitJobStatus, Effect> {
    let name = job_name(job);
    let message = format!("{why}; see kubectl logs job/{name}");
    JobStep::End(
        ending(job, JobPhase::Failed, message.clone()).warning(Reason::InitFailed, message),
    )
}

/// The job's next status: `message`, and the batch Job once there is one.
fn ending(job: &OdooInitJob, phase: JobPhase, message: String) -> Ending<OdooInitJobStatus> {
    let mut next = job.status.clone().unwrap_or_default();
    next.job.message = Some(message);
    if matches!(phase, JobPhase::Running) || phase.is_finished() {
        next.job.job_name = Some(job_name(job));
    }
    let again = match phase {
        p if p.is_finished() => Again::OnChange,
        JobPhase::Pending => Again::After(WAITING),
        _ => Again::After(LOOK_AGAIN),
    };
    Ending::new(next, phase, again)
}

impl Apply<OdooInitJob> for Effect {
    async fn apply(self, ctx: &Context, job: &OdooInitJob, f: &mut Facts) -> Result<(), Error> {
        let ns = job.namespace().unwrap_or_default();
        let name = job_name(job);
        let instance = f.seen.needed()?;
        match self {
            Effect::ReadConfig => {
                let secret = names::config_secret(&instance.name_any());
                f.config = Some(observe::secret(ctx, &ns, &secret).await?.is_some());
            }
            Effect::ReadBatch => {
                let recorded =
                    job.status.as_ref().and_then(|s| s.job.job_name.as_deref()) == Some(&name);
                let live = batch::job_unless_new(ctx, &ns, &name, recorded).await?;
                f.batch = Some(live.as_ref().map(batch::outcome));
            }
            Effect::Start => {
                let valid = super::job::valid_instance(ctx, instance).await?;
                let desired = Box::new(build_job(job, &valid));
                crate::apply::apply_over(&ctx.client, desired.as_ref(), None).await?;
                f.started = true;
            }
            Effect::ReadInstalled => {
                f.installed = Some(installed(ctx, instance, &asked_modules(&job.spec)).await?);
            }
            Effect::ReadFailure => f.failure = Some(batch::odoo_failure(ctx, &ns, &name).await?),
        }
        Ok(())
    }
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
        Box::pin(step::drive(ctx, started))
    }
}

impl Stepper for OdooInitJob {
    type Facts = Facts;
    type Effect = Effect;
    const STEP: StepFn<Self> = step;
}

impl AsMut<Seen<OdooInitJob>> for Facts {
    fn as_mut(&mut self) -> &mut Seen<OdooInitJob> {
        &mut self.seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::step::{On, ended, message, told};

    fn init_job() -> OdooInitJob {
        let mut job = OdooInitJob::new(
            "shop-init",
            OdooInitJobSpec {
                instance_ref: odoo_model::InstanceRef::new("shop"),
                modules: vec!["sale".into()],
                ..Default::default()
            },
        );
        job.metadata.namespace = Some("team".into());
        job
    }

    fn with_instance() -> Facts {
        let mut f = Facts::default();
        f.seen.instance = Some(Box::new(OdooInstance::new("shop", Default::default())));
        f
    }

    /// The instance and its configuration seen, and the batch Job ended.
    fn batch_ended(outcome: Outcome) -> Facts {
        let mut f = with_instance();
        f.config = Some(true);
        f.batch = Some(Some(outcome));
        f
    }

    #[test]
    fn waits_for_its_instance_and_configuration_without_starting() {
        let job = init_job();
        let e = ended(step(&job, &Facts::default()));
        assert_eq!(e.phase, JobPhase::Pending);
        assert_eq!(message(&e), "waiting for OdooInstance shop");
        assert_eq!(e.again, Again::After(WAITING));
        let mut f = with_instance();
        assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadConfig));
        f.config = Some(false);
        let e = ended(step(&job, &f));
        assert_eq!(e.phase, JobPhase::Pending);
        assert_eq!(e.status.job.job_name, None);
    }

    #[test]
    fn starts_its_batch_job_once_and_records_it_running() {
        let job = init_job();
        let mut f = with_instance();
        f.config = Some(true);
        assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadBatch));
        f.batch = Some(None);
        assert_eq!(step(&job, &f), JobStep::Do(Effect::Start));
        f.started = true;
        let e = ended(step(&job, &f));
        assert_eq!(e.phase, JobPhase::Running);
        assert_eq!(e.status.job.job_name.as_deref(), Some("shop-init-job"));
        assert_eq!(e.again, Again::After(LOOK_AGAIN));
        assert!(e.events.is_empty());
    }

    #[test]
    fn an_exit_0_succeeds_only_with_every_module_installed() {
        let job = init_job();
        let mut f = batch_ended(Outcome::Complete);
        assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadInstalled));
        f.installed = Some(Ok(()));
        let e = ended(step(&job, &f));
        assert_eq!(e.phase, JobPhase::Succeeded);
        assert_eq!(message(&e), "modules base,sale installed");
        assert_eq!(e.again, Again::OnChange);
        f.installed = Some(Err("Odoo did not install sale".into()));
        let e = ended(step(&job, &f));
        assert_eq!(e.phase, JobPhase::Failed);
        assert_eq!(
            message(&e),
            "Job shop-init-job exited successfully, but Odoo did not install sale; see kubectl logs job/shop-init-job"
        );
        assert_eq!(told(&e), [(On::Job, true, Reason::InitFailed)]);
        assert_eq!(e.events[0].text, message(&e));
    }

    #[test]
    fn a_failed_job_says_what_odoo_ended_with() {
        let job = init_job();
        let mut f = batch_ended(Outcome::Failed);
        assert_eq!(step(&job, &f), JobStep::Do(Effect::ReadFailure));
        f.failure = Some(Some("KeyError: 'x'".into()));
        let e = ended(step(&job, &f));
        assert_eq!(e.phase, JobPhase::Failed);
        assert_eq!(
            message(&e),
            "Job shop-init-job failed: KeyError: 'x'; see kubectl logs job/shop-init-job"
        );
        f.failure = Some(None);
        let e = ended(step(&job, &f));
        let message = message(&e);
        assert_eq!(
            message,
            "Job shop-init-job failed; see kubectl logs job/shop-init-job"
        );
    }

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
