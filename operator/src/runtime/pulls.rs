//! The image pull failures of the operator's pods, by instance: all the instance
//! controller reads of Pods. Only failing pods are remembered, so a thousand
//! healthy instances cost no memory here, and a reconcile looks at its own
//! instance's failures without scanning every pod.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures::{Stream, TryStreamExt as _};
use kube::ResourceExt as _;
use kube::runtime::watcher;
use odoo_model::Reason;
use odoo_model::labels::INSTANCE_LABEL;

use super::live::LivePod;

/// A pod is known by namespace and name.
type PodKey = (String, String);

/// What is remembered of a failing pod.
#[derive(Debug, Clone, PartialEq)]
struct Failing {
    instance: String,
    failures: Vec<ImagePullFailure>,
}

#[derive(Debug, Default)]
struct State {
    failing: HashMap<PodKey, Failing>,
    /// The failing pods of a relist in progress, swapped in when it is done.
    relist: Option<HashMap<PodKey, Failing>>,
}

/// The readers' half: failures by instance, once the pods are listed.
#[derive(Clone, Debug)]
pub struct PullFailures {
    state: Arc<Mutex<State>>,
    listed: tokio::sync::watch::Receiver<bool>,
}

/// The writer's half, consumed by [`track`].
pub struct Writer {
    state: Arc<Mutex<State>>,
    listed: tokio::sync::watch::Sender<bool>,
}

/// A new pair of halves.
pub fn new() -> (PullFailures, Writer) {
    let state = Arc::new(Mutex::new(State::default()));
    let (listed_tx, listed_rx) = tokio::sync::watch::channel(false);
    (
        PullFailures {
            state: state.clone(),
            listed: listed_rx,
        },
        Writer {
            state,
            listed: listed_tx,
        },
    )
}

impl PullFailures {
    /// The failures of the pods of `instance` in `namespace`.
    pub fn of_instance(&self, namespace: &str, instance: &str) -> Vec<ImagePullFailure> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .failing
            .iter()
            .filter(|((ns, _), f)| ns == namespace && f.instance == instance)
            .flat_map(|(_, f)| f.failures.iter().cloned())
            .collect()
    }

    /// How many pods are failing, and the bytes of text remembered of them.
    pub fn size(&self) -> (usize, usize) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes = state
            .failing
            .iter()
            .map(|((ns, name), f)| {
                ns.len()
                    + name.len()
                    + f.instance.len()
                    + f.failures
                        .iter()
                        .map(|p| {
                            p.pod.len() + p.image.len() + p.reason.as_str().len() + p.message.len()
                        })
                        .sum::<usize>()
            })
            .sum();
        (state.failing.len(), bytes)
    }

    /// Waits for the first full list of pods; an error if the watch is gone.
    pub async fn wait_until_listed(&self) -> Result<(), tokio::sync::watch::error::RecvError> {
        self.listed
            .clone()
            .wait_for(|listed| *listed)
            .await
            .map(drop)
    }
}

/// Keeps `writer`'s failures from the pod watch `events`, and passes on the pods
/// whose failures changed: a new healthy pod changes no decision (its
/// Deployment's status does), one that cannot pull its image does, and so does the
/// deletion of a failing one, so its failures leave the instance's status.
pub fn track<S>(events: S, writer: Writer) -> impl Stream<Item = Result<LivePod, watcher::Error>>
where
    S: Stream<Item = Result<watcher::Event<LivePod>, watcher::Error>>,
{
    events
        .map_ok(move |event| {
            let changed = writer.apply(event);
            futures::stream::iter(changed.into_iter().map(Ok))
        })
        .try_flatten()
}

impl Writer {
    /// Applies one watch event; returns the pods that should wake their instance.
    fn apply(&self, event: watcher::Event<LivePod>) -> Vec<LivePod> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            watcher::Event::Init => {
                state.relist = Some(HashMap::new());
                Vec::new()
            }
            watcher::Event::InitApply(pod) => {
                // Readers see a relisted pod at once, as they would its update: the
                // instance woken for it must not read what it replaced.
                let key = key(&pod);
                let (woken, now) = state.update(key.clone(), pod, false);
                if let (Some(relist), Some(failing)) = (&mut state.relist, now) {
                    relist.insert(key, failing);
                }
                woken.into_iter().collect()
            }
            watcher::Event::InitDone => {
                let relist = state.relist.take().unwrap_or_default();
                // Pods that failed before the relist and are gone now.
                let gone = state
                    .failing
                    .iter()
                    .filter(|(key, _)| !relist.contains_key(*key))
                    .map(|((ns, name), f)| placeholder(ns, name, &f.instance))
                    .collect();
                state.failing = relist;
                drop(state);
                self.listed.send_replace(true);
                gone
            }
            watcher::Event::Apply(pod) => {
                let (woken, _) = state.update(key(&pod), pod, false);
                woken.into_iter().collect()
            }
            watcher::Event::Delete(pod) => {
                let (woken, _) = state.update(key(&pod), pod, true);
                woken.into_iter().collect()
            }
        }
    }
}

impl State {
    /// Remembers what `pod` says now (a deleted one says nothing) and returns it if
    /// its failures changed (a pod not seen before had none), with what is now
    /// remembered of it.
    fn update(
        &mut self,
        key: PodKey,
        pod: LivePod,
        deleted: bool,
    ) -> (Option<LivePod>, Option<Failing>) {
        let now = failing(&pod).filter(|_| !deleted && pod.metadata.deletion_timestamp.is_none());
        let before = match &now {
            Some(failing) => self.failing.insert(key, failing.clone()),
            None => self.failing.remove(&key),
        };
        let changed = before.as_ref().map(|f| &f.failures) != now.as_ref().map(|f| &f.failures);
        (changed.then_some(pod), now)
    }
}

fn key(pod: &LivePod) -> PodKey {
    (pod.namespace().unwrap_or_default(), pod.name_any())
}

/// What is remembered of `pod`, if it has failures and names its instance.
fn failing(pod: &LivePod) -> Option<Failing> {
    let failures = pull_failures(pod);
    let instance = pod.labels().get(INSTANCE_LABEL)?;
    (!failures.is_empty()).then(|| Failing {
        instance: instance.clone(),
        failures,
    })
}

/// A pod that is gone, as far as waking its instance needs: its name and label.
fn placeholder(namespace: &str, name: &str, instance: &str) -> LivePod {
    let mut pod = LivePod::default();
    pod.metadata.namespace = Some(namespace.to_owned());
    pod.metadata.name = Some(name.to_owned());
    pod.metadata.labels = Some([(INSTANCE_LABEL.to_owned(), instance.to_owned())].into());
    pod
}

/// A container of the instance's pods whose image cannot be pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePullFailure {
    pub pod: String,
    pub image: String,
    /// The kubelet's reason: `ErrImagePull`, `ImagePullBackOff`, `InvalidImageName`, …
    pub reason: Reason,
    pub message: String,
}

/// Waiting reasons that mean the image itself is the problem.
const PULL_REASONS: &[Reason] = &[
    Reason::ErrImagePull,
    Reason::ImagePullBackOff,
    Reason::InvalidImageName,
    Reason::ErrImageNeverPull,
];

/// The pull failures one pod reports, init containers included.
pub fn pull_failures(pod: &LivePod) -> Vec<ImagePullFailure> {
    let Some(status) = &pod.status else {
        return Vec::new();
    };
    let containers = status.init_container_statuses.iter().flatten();
    containers
        .chain(status.container_statuses.iter().flatten())
        .filter_map(|c| {
            let waiting = c.state.as_ref()?.waiting.as_ref()?;
            let reason = Reason::parse(waiting.reason.as_deref()?)?;
            PULL_REASONS.contains(&reason).then(|| ImagePullFailure {
                pod: pod.name_any(),
                image: c.image.clone(),
                reason,
                message: waiting.message.clone().unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt as _;

    fn pod(name: &str, waiting: Option<&str>, deleted: bool) -> LivePod {
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns", "labels": {INSTANCE_LABEL: "shop"}},
            "status": {"containerStatuses": [{
                "name": "odoo", "image": "odoo:99", "imageID": "", "ready": false, "restartCount": 0,
                "state": waiting.map_or(serde_json::json!({"running": {}}), |r| serde_json::json!({"waiting": {"reason": r}}))
            }]}
        }))
        .expect("pod");
        let mut pod = LivePod::from(pod);
        if deleted {
            pod.metadata.deletion_timestamp =
                Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                    k8s_openapi::jiff::Timestamp::now(),
                ));
        }
        pod
    }

    async fn passed(
        writer: Writer,
        events: impl IntoIterator<Item = watcher::Event<LivePod>>,
    ) -> Vec<String> {
        let events = futures::stream::iter(events).map(Ok);
        track(events, writer)
            .map(|p| {
                let p = p.expect("no watch error");
                let failing = !pull_failures(&p).is_empty();
                format!("{} {failing}", p.name_any())
            })
            .collect()
            .await
    }

    #[tokio::test]
    async fn pods_wake_the_instance_only_when_their_pull_failures_change() {
        use watcher::Event::Apply;
        let (failures, writer) = new();
        let events = [
            Apply(pod("healthy", None, false)),
            Apply(pod("healthy", Some("ContainerCreating"), false)),
            Apply(pod("failing", Some("ErrImagePull"), false)),
            Apply(pod("failing", Some("ErrImagePull"), false)),
            Apply(pod("failing", Some("ImagePullBackOff"), false)),
        ];
        // A new healthy pod and a repeat change nothing.
        assert_eq!(
            passed(writer, events).await,
            vec!["failing true", "failing true"]
        );
        let shop = failures.of_instance("ns", "shop");
        assert_eq!(shop.len(), 1, "{shop:?}");
        assert_eq!(shop[0].reason, "ImagePullBackOff");
        assert!(failures.of_instance("ns", "other").is_empty());
        assert!(failures.of_instance("other", "shop").is_empty());
    }

    #[tokio::test]
    async fn a_failing_pod_that_goes_wakes_its_instance_and_leaves_its_status() {
        use watcher::Event::{Apply, Delete};
        let (failures, writer) = new();
        let events = [
            Apply(pod("failing", Some("ErrImagePull"), false)),
            Delete(pod("failing", Some("ErrImagePull"), false)),
            Apply(pod("healthy", None, false)),
            Delete(pod("healthy", None, false)),
        ];
        assert_eq!(
            passed(writer, events).await,
            vec!["failing true", "failing true"]
        );
        assert!(failures.of_instance("ns", "shop").is_empty());
        assert_eq!(failures.size().0, 0);
    }

    #[test]
    fn a_pod_healed_while_the_watch_was_down_leaves_the_status_as_its_instance_wakes() {
        use watcher::Event::{Apply, Init, InitApply};
        let (failures, writer) = new();
        writer.apply(Apply(pod("healed", Some("ErrImagePull"), false)));
        writer.apply(Init);
        let woken = writer.apply(InitApply(pod("healed", None, false)));
        assert_eq!(woken.len(), 1, "the instance is woken for the healed pod");
        // Its reconcile may run before the relist is done: it reads no failure.
        assert!(failures.of_instance("ns", "shop").is_empty());
    }

    #[tokio::test]
    async fn a_relist_forgets_failing_pods_that_went_meanwhile_and_says_so() {
        use watcher::Event::{Apply, Init, InitApply, InitDone};
        let (failures, writer) = new();
        let listed = failures.clone();
        let waiting = tokio::spawn(async move { listed.wait_until_listed().await });
        let events = [
            Init,
            InitApply(pod("gone", Some("ErrImagePull"), false)),
            InitApply(pod("stays", Some("ErrImagePull"), false)),
            InitDone,
            Apply(pod("stays", Some("ErrImagePull"), false)),
            // The watch restarts; "gone" was deleted while it was down.
            Init,
            InitApply(pod("stays", Some("ErrImagePull"), false)),
            InitDone,
        ];
        assert_eq!(
            passed(writer, events).await,
            vec!["gone true", "stays true", "gone false"]
        );
        waiting
            .await
            .expect("task")
            .expect("listed once the first list is done");
        let shop = failures.of_instance("ns", "shop");
        assert_eq!(shop.len(), 1, "{shop:?}");
        assert_eq!(shop[0].pod, "stays");
    }
}
