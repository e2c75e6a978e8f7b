//! Every controller's entry and error policy: the pass is timed, an object this
//! build cannot read gets a Warning event and is left alone (the watch and every
//! other object go on), and a failed pass retries with a growing delay per object.

use std::fmt::Debug;
use std::sync::Arc;

use futures::future::BoxFuture;
use kube::core::DeserializeGuard;
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::context::Context;
use super::error::Error;

/// The future of one pass.
pub type Passing<'a> = BoxFuture<'a, Result<Action, Error>>;

/// A kind one controller reconciles.
pub trait Controlled:
    Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static
{
    /// The controller's name: the `controller` label of its metrics, and the
    /// prefix of its backoff keys and its log lines.
    const CONTROLLER: &'static str;

    /// One pass over an object this build can read.
    fn pass<'a>(object: &'a Self, ctx: &'a Arc<Context>) -> Passing<'a>;

    /// Whether `error` cannot pass by retrying: the pass then waits for a change.
    fn permanent(_error: &Error) -> bool {
        false
    }

    /// Whether a pass waits for the watch caches' first lists before it starts
    /// (and is timed): a kind that reads much of them would otherwise ask the API
    /// server for all of it while they fill.
    const WAITS_FOR_CACHES: bool = false;
}

/// The entry point every controller runs (see the module's comment).
#[tracing::instrument(skip_all, fields(controller = K::CONTROLLER, name = %guard.name_any(), namespace = guard.namespace().unwrap_or_default()))]
pub async fn reconcile<K: Controlled>(
    guard: Arc<DeserializeGuard<K>>,
    ctx: Arc<Context>,
) -> Result<Action, Error> {
    if K::WAITS_FOR_CACHES {
        ctx.caches.wait_until_ready().await;
    }
    let _timer = ctx.metrics.reconcile_timer(K::CONTROLLER);
    match ctx.readable(guard.as_ref()).await {
        Some(object) => K::pass(object, &ctx).await,
        None => Ok(Action::await_change()),
    }
}

/// A failed pass is counted and logged, then waits for a change when the error
/// is permanent, and otherwise retries with a delay that grows per object.
pub fn error_policy<K: Controlled>(
    guard: Arc<DeserializeGuard<K>>,
    error: &Error,
    ctx: Arc<Context>,
) -> Action {
    ctx.metrics.reconcile_error(K::CONTROLLER, error.category());
    tracing::warn!(controller = K::CONTROLLER, name = %guard.name_any(), namespace = guard.namespace().unwrap_or_default(), category = error.category(), error = %error, "reconcile failed");
    if K::permanent(error) {
        return Action::await_change();
    }
    Action::requeue(
        ctx.backoff
            .retry_after(&backoff_key::<K>(guard.as_ref()), error),
    )
}

/// A pass got through: the object's backoff starts over.
pub fn succeeded<K: Controlled>(ctx: &Context, object: &impl ResourceExt) {
    ctx.backoff.succeeded(&backoff_key::<K>(object));
}

/// One object's backoff: `<controller>/<namespace>/<name>`.
fn backoff_key<K: Controlled>(object: &impl ResourceExt) -> String {
    format!(
        "{}/{}/{}",
        K::CONTROLLER,
        object.namespace().unwrap_or_default(),
        object.name_any()
    )
}
