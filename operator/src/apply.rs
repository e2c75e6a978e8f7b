//! Server-side apply under the operator's single field manager, skipped when the live
//! object already holds every field we would send: a steady-state reconcile sends no
//! write request at all.

use odoo_model::api_error::describe;
use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, Patch, PatchParams};
use kube::{Client, Resource};
use odoo_model::labels::OPERATOR_FIELD_MANAGER;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why an apply failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("reading {kind} {name}: {}", describe(source))]
    Get {
        kind: &'static str,
        name: String,
        source: kube::Error,
    },
    #[error("applying {kind} {name}: {}", describe(source))]
    Patch {
        kind: &'static str,
        name: String,
        source: kube::Error,
    },
    #[error("serializing {kind} {name}: {source}")]
    Serialize {
        kind: &'static str,
        name: String,
        source: serde_json::Error,
    },
}

/// True when every field set in `desired` has the same value in `live`. Fields only
/// in `live` (server defaults, status, other managers' fields) do not count.
pub fn contains(live: &Value, desired: &Value) -> bool {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => d
            .iter()
            .all(|(k, dv)| dv.is_null() || l.get(k).is_some_and(|lv| contains(lv, dv))),
        (Value::Array(l), Value::Array(d)) => {
            l.len() == d.len() && l.iter().zip(d).all(|(lv, dv)| contains(lv, dv))
        }
        (l, d) => l == d,
    }
}

/// A namespaced object the operator reads and applies with its typed client.
pub trait Object:
    Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
}

impl<K> Object for K where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static
{
}

/// The Rust type name of `K`, for messages.
pub(crate) fn kind_of<K>() -> &'static str {
    std::any::type_name::<K>()
        .rsplit("::")
        .next()
        .unwrap_or("object")
}

/// Applies `desired` unless the live object (read first) already matches it.
/// Returns whether a write was sent.
pub async fn apply<K>(client: &Client, desired: &K) -> Result<bool, ApplyError>
where
    K: Object,
{
    let name = desired.meta().name.clone().unwrap_or_default();
    let namespace = desired.meta().namespace.clone().unwrap_or_default();
    let api: Api<K> = Api::namespaced(client.clone(), &namespace);
    let live = api.get_opt(&name).await.map_err(|source| ApplyError::Get {
        kind: kind_of::<K>(),
        name: name.clone(),
        source,
    })?;
    apply_over(client, desired, live.as_ref()).await
}

/// Applies `desired` unless `live` (the object as a watch cache last saw it, `None`
/// when it saw none) already matches it. A stale `live` costs at most one
/// idempotent apply, or a skipped one that the watch event of the change repeats.
pub async fn apply_over<K>(
    client: &Client,
    desired: &K,
    live: Option<&K>,
) -> Result<bool, ApplyError>
where
    K: Object,
{
    let live = live
        .map(serde_json::to_value)
        .transpose()
        .map_err(|source| ApplyError::Serialize {
            kind: kind_of::<K>(),
            name: desired.meta().name.clone().unwrap_or_default(),
            source,
        })?;
    apply_over_json(client, desired, live.as_ref()).await
}

/// [`apply_over`] with the live object as JSON.
pub async fn apply_over_json<K>(
    client: &Client,
    desired: &K,
    live: Option<&Value>,
) -> Result<bool, ApplyError>
where
    K: Object,
{
    let kind = kind_of::<K>();
    let name = desired.meta().name.clone().unwrap_or_default();
    let namespace = desired.meta().namespace.clone().unwrap_or_default();
    let api: Api<K> = Api::namespaced(client.clone(), &namespace);
    let wanted = serde_json::to_value(desired).map_err(|source| ApplyError::Serialize {
        kind,
        name: name.clone(),
        source,
    })?;
    if live.is_some_and(|live| contains(live, &wanted)) {
        return Ok(false);
    }
    // Force: the operator owns these objects; a conflicting manager's edit is drift.
    let params = PatchParams::apply(OPERATOR_FIELD_MANAGER).force();
    api.patch(&name, &params, &Patch::Apply(desired))
        .await
        .map_err(|source| ApplyError::Patch {
            kind,
            name: name.clone(),
            source,
        })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_added_fields_do_not_count_as_drift() {
        let live = json!({"spec": {"replicas": 2, "strategy": {"type": "RollingUpdate"}}, "status": {"x": 1}});
        assert!(contains(&live, &json!({"spec": {"replicas": 2}})));
        assert!(!contains(&live, &json!({"spec": {"replicas": 3}})));
        assert!(!contains(&live, &json!({"spec": {"paused": true}})));
    }

    #[test]
    fn lists_must_match_element_by_element() {
        let live = json!({"ports": [{"port": 8069, "protocol": "TCP"}]});
        assert!(contains(&live, &json!({"ports": [{"port": 8069}]})));
        assert!(!contains(
            &live,
            &json!({"ports": [{"port": 8069}, {"port": 8072}]})
        ));
    }
}
