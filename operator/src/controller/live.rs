//! What the caches keep of the two kinds whose typed objects are large for what is
//! read of them: Deployments and Pods. Their watches decode into these views
//! directly, so a pod spec is never built as Rust types at all.
//!
//! At a thousand instances the typed Deployments were a third of the operator's
//! heap: a pod template's `Volume` and `Container` types reserve room for every
//! volume source and probe Kubernetes knows, about 18 KiB per Deployment for 2 KiB
//! of JSON.

use std::borrow::Cow;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::core::v1::{Pod, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{NamespaceResourceScope, Resource as _};
use kube::Resource;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Deployment as the caches hold it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiveDeployment {
    pub metadata: ObjectMeta,
    /// The spec as the API server returned it, as JSON text: it is only ever
    /// compared whole with a desired Deployment before an apply.
    #[serde(default, deserialize_with = "json_text", serialize_with = "as_json")]
    pub spec: Box<str>,
    /// Replica counts and generation; the conditions, which no reader looks at, are
    /// dropped on the way into the cache.
    pub status: Option<DeploymentStatus>,
}

impl LiveDeployment {
    /// The Deployment with what decisions read of it: metadata and status.
    pub fn without_spec(&self) -> Deployment {
        Deployment {
            metadata: self.metadata.clone(),
            spec: None,
            status: self.status.clone(),
        }
    }

    /// The object as JSON, as the API server has it (spec included, status
    /// conditions and managed fields not), to compare with a desired one.
    pub fn to_value(&self) -> serde_json::Result<serde_json::Value> {
        let mut value = serde_json::to_value(self)?;
        value["apiVersion"] = Deployment::API_VERSION.into();
        value["kind"] = Deployment::KIND.into();
        Ok(value)
    }
}

/// A Pod as the caches hold it: whose it is (labels) and its containers' states.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LivePod {
    pub metadata: ObjectMeta,
    pub status: Option<PodStatus>,
}

impl From<Pod> for LivePod {
    fn from(pod: Pod) -> LivePod {
        LivePod {
            metadata: pod.metadata,
            status: pod.status,
        }
    }
}

/// Decodes any JSON value into its text.
fn json_text<'de, D: Deserializer<'de>>(d: D) -> Result<Box<str>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(value.to_string().into_boxed_str())
}

/// Writes JSON text back as the value it holds (for the caches' size metric).
fn as_json<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    value.serialize(s)
}

/// `impl Resource` with the kind, group, version and plural of the full type.
macro_rules! resource_of {
    ($view:ty, $full:ty) => {
        impl Resource for $view {
            type DynamicType = ();
            type Scope = NamespaceResourceScope;

            fn kind(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(<$full>::KIND)
            }
            fn group(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(<$full>::GROUP)
            }
            fn version(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(<$full>::VERSION)
            }
            fn api_version(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(<$full>::API_VERSION)
            }
            fn plural(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(<$full>::URL_PATH_SEGMENT)
            }
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

resource_of!(LiveDeployment, Deployment);
resource_of!(LivePod, Pod);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_keeps_its_spec_as_text_and_gives_it_back_as_json() {
        let json = serde_json::json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "shop-web", "namespace": "n", "generation": 3},
            "spec": {"replicas": 2, "template": {"spec": {"volumes": [{"name": "conf", "secret": {"secretName": "shop-conf"}}]}}},
            "status": {"readyReplicas": 1, "observedGeneration": 3}
        });
        let live: LiveDeployment = serde_json::from_value(json.clone()).expect("decodes");
        assert_eq!(live.metadata.generation, Some(3));
        assert_eq!(live.status.as_ref().and_then(|s| s.ready_replicas), Some(1));
        let back = live.to_value().expect("encodes");
        assert_eq!(back["spec"], json["spec"]);
        assert_eq!(back["kind"], "Deployment");
        assert_eq!(back["apiVersion"], "apps/v1");
        assert!(crate::apply::contains(
            &back,
            &serde_json::json!({"spec": {"template": {"spec": {"volumes": [{"name": "conf", "secret": {"secretName": "shop-conf"}}]}}}})
        ));
        assert_eq!(live.without_spec().status, live.status);
    }

    #[test]
    fn views_address_the_full_kinds() {
        assert_eq!(
            LiveDeployment::url_path(&(), Some("n")),
            "/apis/apps/v1/namespaces/n/deployments"
        );
        assert_eq!(LivePod::url_path(&(), None), "/api/v1/pods");
        assert_eq!(LivePod::kind(&()), "Pod");
    }
}
