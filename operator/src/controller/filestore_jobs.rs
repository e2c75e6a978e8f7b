//! The agent Jobs that work on an instance's filestore and nothing else: a copy
//! of the live files (or its removal), and the switch that gives a replacement
//! (a restore's, an upgraded copy's) the live name while keeping the live files.
//! Every request here is safe to repeat, so its pod is retried. Their reports are
//! read here too (`copy_of`, `switch_of`).

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::agent::{FilestoreCopyReport, FilestoreCopyRequest, SwitchReport, SwitchRequest};

use crate::build::DATA_DIR;
use crate::runtime::agent_pod::{self, Agent, AgentRun, Switched};
use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::validate::ValidInstance;

/// The container of a filestore copy's Job, whose termination message is its report.
pub const FILES_CONTAINER: &str = "files";
/// The container of a filestore switch's Job, whose termination message is its report.
pub const SWITCH_CONTAINER: &str = "switch";

/// What the agent's filestore requests address: the filestore it mounts, and the
/// instance's live directory in it.
fn filestore(v: &ValidInstance) -> (std::path::PathBuf, String) {
    (
        format!("{DATA_DIR}/filestore").into(),
        v.database.name.clone(),
    )
}

/// The live files hard-linked under `copy`'s name, or (`discard`) the files under
/// `copy` removed; nothing else is touched.
pub fn copy_request(v: &ValidInstance, copy: &str, discard: bool) -> FilestoreCopyRequest {
    let (root, live) = filestore(v);
    FilestoreCopyRequest {
        root,
        live,
        copy: copy.to_owned(),
        discard,
    }
}

/// The files named `replacement` take the live name, the live ones are kept as
/// `kept` (or removed with `drop_previous`).
pub fn switch_request(
    v: &ValidInstance,
    replacement: &str,
    kept: &str,
    drop_previous: bool,
) -> SwitchRequest {
    let (root, live) = filestore(v);
    SwitchRequest {
        root,
        live,
        restored: replacement.to_owned(),
        kept: kept.to_owned(),
        drop_previous,
    }
}

/// A Job named `name` that runs a filestore `request` ([`copy_request`],
/// [`switch_request`]) on the instance's filestore and nothing else. Every such
/// request is safe to repeat, so its pod is retried.
pub fn filestore_job<K, R: FilestoreRequest>(
    owner: &K,
    name: String,
    component: &'static str,
    v: &ValidInstance,
    request: &R,
    agent_image: &str,
) -> Job
where
    K: kube::Resource<DynamicType = ()>,
{
    let run = AgentRun::new(
        name,
        component,
        R::CONTAINER,
        agent_pod::Requested::new(request),
    )
    .mounting(agent_pod::mount("filestore", DATA_DIR, false))
    .retried(2);
    agent_pod::build(owner, v, run, agent_image)
}

/// A request on the instance's filestore, and the container its report is read from.
pub trait FilestoreRequest: odoo_model::agent::Request {
    const CONTAINER: &'static str;
}

impl FilestoreRequest for FilestoreCopyRequest {
    const CONTAINER: &'static str = FILES_CONTAINER;
}

impl FilestoreRequest for SwitchRequest {
    const CONTAINER: &'static str = SWITCH_CONTAINER;
}

/// Where the filestore copy Job `name` stands, and once it ended, its report taken.
pub async fn copy_of(
    ctx: &Context,
    ns: &str,
    name: &str,
) -> Result<Agent<Result<FilestoreCopyReport, String>>, Error> {
    agent_pod::run_of(ctx, ns, name, FILES_CONTAINER).await
}

/// Where the filestore switch Job `name` stands, and once it ended, how the switch
/// ended: a switch's report says where the files are whatever its container's exit.
pub async fn switch_of(ctx: &Context, ns: &str, name: &str) -> Result<Agent<Switched>, Error> {
    let left = agent_pod::left_by::<SwitchReport>(ctx, ns, name, SWITCH_CONTAINER).await?;
    Ok(left.map(|(_, left)| agent_pod::switched(left)))
}

/// The name of `owner`'s filestore switch Job: `<owner>-switch`, or `<owner>-drop`
/// for the switch run again to remove the kept files.
pub fn switch_job_name<K: ResourceExt>(owner: &K, drop_previous: bool) -> String {
    let what = if drop_previous { "drop" } else { "switch" };
    format!("{}-{what}", owner.name_any())
}

/// The Job that gives the files named `replacement` (a restore's, an upgraded
/// copy's) the live name and keeps the live ones as `kept`, even with
/// `previousDatabase: Drop`: they go with their database once the instance runs
/// on the replacement. With `drop_previous`, the same switch run again once it is
/// done: the agent finds the switch made and only removes what is kept.
pub fn switch_job<K>(
    owner: &K,
    component: &'static str,
    v: &ValidInstance,
    replacement: &str,
    kept: &str,
    drop_previous: bool,
    agent_image: &str,
) -> Job
where
    K: kube::Resource<DynamicType = ()>,
{
    let name = switch_job_name(owner, drop_previous);
    let request = switch_request(v, replacement, kept, drop_previous);
    filestore_job(owner, name, component, v, &request, agent_image)
}
