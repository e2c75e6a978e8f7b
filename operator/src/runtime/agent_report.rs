//! What an agent Job left: the agent's report, read from the termination message
//! of the Job's newest pod, and where the Job stands (see [`Agent`]). The one way
//! every controller reads an agent run; the Jobs are built in `agent_pod`.

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::agent::{self as contract, Message, Outcome, ParseError};

use super::batch::termination_message;

/// What the agent's container left: its line, or why there is none to take.
pub type Left<R> = Result<Outcome<R>, ParseError>;

/// The agent's line from the terminated `container` of the Job's newest pod
/// (Kubernetes keeps it as the termination message): a Job that retried has one
/// pod per attempt, and only the last one says how things are now. A pod that ended
/// without a line, or with a line of another command, gives the reason instead:
/// never a report by default, and never an older attempt's.
async fn report<R: contract::Report>(
    ctx: &crate::runtime::context::Context,
    ns: &str,
    job_name: &str,
    container: &str,
) -> Result<Left<R>, super::error::Error> {
    let newest = termination_message(ctx, ns, job_name, container).await?;
    Ok(match newest {
        Some(message) => Message::<R>::parse(&message).map(|m| m.outcome),
        None => Err(ParseError::Missing),
    })
}

/// How a filestore switch ended, as far as the database may follow it.
#[derive(Debug, Clone, PartialEq)]
pub enum Switched {
    /// The files are switched (whatever the container's exit: the report says so).
    Done(odoo_model::agent::SwitchReport),
    /// The files are where they were: the previous database may come back.
    Undone(String),
    /// The files may have moved: the database must stay as it is.
    Unknown(String),
}

/// Reads a switch's line: only the agent's own word that nothing moved lets the
/// database go back.
pub fn switched(left: Left<odoo_model::agent::SwitchReport>) -> Switched {
    match left {
        Ok(Outcome::Done(report)) => Switched::Done(report),
        Ok(Outcome::Failed(f)) if !f.target_touched => Switched::Undone(f.error),
        Ok(Outcome::Failed(f)) => Switched::Unknown(f.error),
        Err(why) => Switched::Unknown(format!("{why}, so nothing says where the files are")),
    }
}

/// The report of a finished agent pod, only when its container completed and
/// left the line of a success; otherwise why there is nothing to take.
fn taken<R>(complete: bool, left: Left<R>) -> Result<R, String> {
    match left {
        Ok(Outcome::Done(r)) if complete => Ok(r),
        Ok(Outcome::Done(_)) => Err("the agent reported success but its container failed".into()),
        Ok(Outcome::Failed(f)) => Err(f.error),
        Err(why) => Err(format!(
            "{why}, so nothing proves the work was done (did the image's entrypoint replace the agent's command?)"
        )),
    }
}

/// Where an agent Job stands: not made yet, running, or ended with `T`.
#[derive(Debug, Clone, PartialEq)]
pub enum Agent<T> {
    Missing,
    Running,
    Ended(T),
}

impl<T> Agent<T> {
    /// The ended run's value mapped; where the Job stands is kept.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Agent<U> {
        match self {
            Agent::Missing => Agent::Missing,
            Agent::Running => Agent::Running,
            Agent::Ended(t) => Agent::Ended(f(t)),
        }
    }
}

/// The one way to read an agent Job `name`: where it stands, and once it ended,
/// its report taken (or why none can be).
pub async fn run_of<R: contract::Report>(
    ctx: &crate::runtime::context::Context,
    ns: &str,
    name: &str,
    container: &str,
) -> Result<Agent<Result<R, String>>, super::error::Error> {
    let left = left_by::<R>(ctx, ns, name, container).await?;
    Ok(left.map(|(complete, left)| taken(complete, left)))
}

/// [`run_of`] for an agent Job already read (from the Jobs' cache): running, or
/// ended with its report taken.
pub async fn run_in<R: contract::Report>(
    ctx: &crate::runtime::context::Context,
    job: &Job,
    container: &str,
) -> Result<Agent<Result<R, String>>, super::error::Error> {
    let left = left_in::<R>(ctx, job, container).await?;
    Ok(left.map(|(complete, left)| taken(complete, left)))
}

/// The agent's line as it is, and whether its container completed: for the
/// reports whose failures still say something (a switch's).
pub async fn left_by<R: contract::Report>(
    ctx: &crate::runtime::context::Context,
    ns: &str,
    name: &str,
    container: &str,
) -> Result<Agent<(bool, Left<R>)>, super::error::Error> {
    match super::batch::live_job(ctx, ns, name).await? {
        Some(job) => left_in::<R>(ctx, &job, container).await,
        None => Ok(Agent::Missing),
    }
}

async fn left_in<R: contract::Report>(
    ctx: &crate::runtime::context::Context,
    job: &Job,
    container: &str,
) -> Result<Agent<(bool, Left<R>)>, super::error::Error> {
    let outcome = super::batch::outcome(job);
    if outcome == super::batch::Outcome::Running {
        return Ok(Agent::Running);
    }
    let (ns, name) = (job.namespace().unwrap_or_default(), job.name_any());
    let left = report::<R>(ctx, &ns, &name, container).await?;
    Ok(Agent::Ended((
        outcome == super::batch::Outcome::Complete,
        left,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use odoo_model::agent::{Failure, SwitchOutcome, SwitchReport};

    fn pod(name: &str, created: &str, message: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": { "name": name, "creationTimestamp": created },
            "status": { "containerStatuses": [{
                "name": "switch", "image": "odoo", "imageID": "", "ready": false,
                "restartCount": 0,
                "state": { "terminated": { "exitCode": 1, "message": message } }
            }]}
        }))
        .expect("a pod")
    }

    #[test]
    fn the_newest_attempt_speaks_for_the_job() {
        // Pod names are random: a first try's name may sort after a retry's.
        let pods = [
            pod("job-zzz", "2026-12-01T10:00:00Z", "first"),
            pod("job-aaa", "2026-12-01T10:00:05Z", "retry"),
        ];
        assert_eq!(
            super::super::batch::newest_terminated(&pods, "switch").as_deref(),
            Some("retry")
        );
        assert_eq!(super::super::batch::newest_terminated(&pods, "other"), None);
    }

    #[test]
    fn only_the_agents_word_that_nothing_moved_lets_the_database_go_back() {
        let failed = |touched| {
            Ok(Outcome::Failed(Failure {
                error: "e".into(),
                target_touched: touched,
            }))
        };
        assert_eq!(switched(failed(false)), Switched::Undone("e".into()));
        assert_eq!(switched(failed(true)), Switched::Unknown("e".into()));
        assert!(matches!(
            switched(Err(ParseError::Missing)),
            Switched::Unknown(_)
        ));
        let done = SwitchReport {
            outcome: SwitchOutcome::Switched,
            previous_removed: false,
            previous_left: None,
        };
        assert_eq!(
            switched(Ok(Outcome::Done(done.clone()))),
            Switched::Done(done)
        );
    }
}
