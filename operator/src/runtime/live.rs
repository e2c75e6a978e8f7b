//! What the caches keep of the kinds whose typed objects are large for what is
//! read of them. Their watches decode into these views directly, so a pod spec is
//! never built as Rust types at all.
//!
//! At a thousand instances the typed Deployments were a third of the operator's
//! heap: a pod template's `Volume` and `Container` types reserve room for every
//! volume source and probe Kubernetes knows, about 18 KiB per Deployment for 2 KiB
//! of JSON. A typed Job reserves a whole pod template even without its spec, and a
//! Secret's, Service's or claim's maps and optional fields cost more than their
//! JSON text: those kinds are kept as [`LiveJob`] and [`LiveText`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::marker::PhantomData;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::api::core::v1::{Pod, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{NamespaceResourceScope, Resource as _};
use kube::Resource;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A cached object as JSON, as the API server has it (managed fields and what the
/// view drops excepted), to compare with a desired one before an apply.
pub trait AsJson {
    fn to_value(&self) -> serde_json::Result<Value>;
}

/// A Deployment as the caches hold it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiveDeployment {
    pub metadata: ObjectMeta,
    /// The spec as the API server returned it, packed: it is only ever compared
    /// whole with a desired Deployment before an apply.
    #[serde(default)]
    pub spec: Packed,
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
}

impl AsJson for LiveDeployment {
    /// Spec included, status conditions not.
    fn to_value(&self) -> serde_json::Result<Value> {
        let mut value = serde_json::to_value(self)?;
        value["apiVersion"] = Deployment::API_VERSION.into();
        value["kind"] = Deployment::KIND.into();
        Ok(value)
    }
}

/// A batch Job as the caches hold it: its owner and its status. Its pod template is
/// not kept: a Job is only ever applied whole from the builders.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiveJob {
    pub metadata: ObjectMeta,
    pub status: Option<JobStatus>,
}

impl LiveJob {
    /// The Job as its readers take it, without a spec.
    pub fn to_job(&self) -> Job {
        Job {
            metadata: self.metadata.clone(),
            spec: None,
            status: self.status.clone(),
        }
    }
}

/// An object of kind `K` as the caches hold it: its metadata typed (the stores
/// index by it, the triggers read it) and everything else as the JSON text the API
/// server sent, decoded again by the few readers that look inside.
pub struct LiveText<K> {
    pub metadata: ObjectMeta,
    /// The object's other fields (spec, data, status…), packed.
    rest: Packed,
    kind: PhantomData<fn() -> K>,
}

impl<K: k8s_openapi::Resource + serde::de::DeserializeOwned> LiveText<K> {
    /// The typed object.
    pub fn decode(&self) -> serde_json::Result<K> {
        serde_json::from_value(self.to_value()?)
    }
}

impl<K: k8s_openapi::Resource> AsJson for LiveText<K> {
    fn to_value(&self) -> serde_json::Result<Value> {
        let mut fields = self.fields()?;
        fields.insert("apiVersion".into(), K::API_VERSION.into());
        fields.insert("kind".into(), K::KIND.into());
        Ok(Value::Object(fields))
    }
}

impl<K> LiveText<K> {
    /// The object's fields, metadata included (not apiVersion and kind).
    fn fields(&self) -> serde_json::Result<Map<String, Value>> {
        let mut fields = self.rest.fields()?;
        fields.insert("metadata".into(), serde_json::to_value(&self.metadata)?);
        Ok(fields)
    }
}

impl<'de, K> Deserialize<'de> for LiveText<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut fields = Map::<String, Value>::deserialize(d)?;
        let metadata = match fields.remove("metadata") {
            Some(meta) => ObjectMeta::deserialize(meta).map_err(D::Error::custom)?,
            None => ObjectMeta::default(),
        };
        fields.remove("apiVersion");
        fields.remove("kind");
        let rest = Packed::new(&Value::Object(fields)).map_err(D::Error::custom)?;
        Ok(LiveText {
            metadata,
            rest,
            kind: PhantomData,
        })
    }
}

impl<K> Serialize for LiveText<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        self.fields().map_err(S::Error::custom)?.serialize(s)
    }
}

impl<K> Clone for LiveText<K> {
    fn clone(&self) -> Self {
        LiveText {
            metadata: self.metadata.clone(),
            rest: self.rest.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for LiveText<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveText")
            .field("metadata", &self.metadata)
            .field("rest", &self.rest.0.len())
            .finish()
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

/// A JSON value kept as its text, deflated: the specs and data the caches hold
/// are read only to compare them before an apply (or, for a Secret, a key now and
/// then), and their text shrinks to about a fifth. At a thousand instances the
/// Deployments' specs alone were 5 MiB of text.
#[derive(Clone, Default)]
pub struct Packed(Box<[u8]>);

thread_local! {
    /// One deflater and one inflater per thread, reset for each value. A new one
    /// per value allocated its state (a few hundred KiB) each time, and the
    /// allocator did not reuse those blocks between the caches' small objects:
    /// the operator grew by gigabytes.
    static PACKER: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
    static UNPACKER: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

impl Packed {
    pub fn new(value: &Value) -> serde_json::Result<Packed> {
        let text = serde_json::to_vec(value)?;
        let packed = PACKER.with_borrow_mut(|packer| {
            packer.reset();
            let mut packed = Vec::with_capacity(text.len() / 4 + 64);
            loop {
                let done = packer.total_in() as usize;
                let status = packer
                    .compress_vec(&text[done..], &mut packed, FlushCompress::Finish)
                    .map_err(std::io::Error::other)?;
                if status == Status::StreamEnd {
                    return Ok(packed);
                }
                if packed.len() < packed.capacity() {
                    return Err(std::io::Error::other("deflate stopped short"));
                }
                packed.reserve(packed.capacity().max(64));
            }
        });
        packed
            .map(|p: Vec<u8>| Packed(p.into_boxed_slice()))
            .map_err(serde_json::Error::io)
    }

    /// The value; null for a default (empty) one.
    pub fn value(&self) -> serde_json::Result<Value> {
        if self.0.is_empty() {
            return Ok(Value::Null);
        }
        let text = UNPACKER.with_borrow_mut(|unpacker| {
            unpacker.reset(false);
            let mut text = Vec::with_capacity(self.0.len() * 6);
            loop {
                let done = unpacker.total_in() as usize;
                let status = unpacker
                    .decompress_vec(&self.0[done..], &mut text, FlushDecompress::Finish)
                    .map_err(std::io::Error::other)?;
                if status == Status::StreamEnd {
                    return Ok(text);
                }
                // Room left and no end: the input ran out (cannot happen to what
                // `new` packed, but must not loop).
                if text.len() < text.capacity() {
                    return Err(std::io::Error::other("packed value is truncated"));
                }
                text.reserve(text.capacity());
            }
        });
        serde_json::from_slice(&text.map_err(serde_json::Error::io)?)
    }

    /// The fields of a packed JSON object.
    fn fields(&self) -> serde_json::Result<Map<String, Value>> {
        match self.value()? {
            Value::Object(fields) => Ok(fields),
            _ => Ok(Map::new()),
        }
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Packed({} bytes)", self.0.len())
    }
}

impl Serialize for Packed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        self.value().map_err(S::Error::custom)?.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Packed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Packed::new(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// `impl Resource` with the kind, group, version and plural of the full type (a
/// type parameter of the view, when given as the third argument).
macro_rules! resource_of {
    ($view:ty, $full:ty $(, $param:ident)?) => {
        impl$(<$param: k8s_openapi::Resource<Scope = NamespaceResourceScope>>)? Resource for $view {
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
resource_of!(LiveJob, Job);
resource_of!(LiveText<K>, K, K);

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
    fn a_text_view_gives_back_the_object_it_was_decoded_from() {
        use k8s_openapi::api::core::v1::Secret;
        let json = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "shop-config", "namespace": "n", "labels": {"a": "b"}},
            "data": {"odoo.conf": "W29wdGlvbnNd"},
            "type": "Opaque"
        });
        let live: LiveText<Secret> = serde_json::from_value(json.clone()).expect("decodes");
        assert_eq!(live.metadata.name.as_deref(), Some("shop-config"));
        assert_eq!(live.to_value().expect("encodes"), json);
        let secret = live.decode().expect("a Secret");
        let conf = secret.data.as_ref().and_then(|d| d.get("odoo.conf"));
        assert_eq!(conf.map(|b| b.0.as_slice()), Some(b"[options]".as_slice()));
        // The size metric serializes the view as the object, less apiVersion/kind.
        let sized = serde_json::to_value(&live).expect("serializes");
        assert_eq!(sized["data"], json["data"]);
        assert_eq!(sized["metadata"]["labels"], json["metadata"]["labels"]);
        assert_eq!(
            LiveText::<Secret>::url_path(&(), Some("n")),
            "/api/v1/namespaces/n/secrets"
        );
    }

    #[test]
    fn a_job_view_keeps_its_status_and_reads_as_a_job_without_spec() {
        let json = serde_json::json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "shop-init", "namespace": "n"},
            "spec": {"template": {"spec": {"containers": [{"name": "odoo", "image": "odoo:18"}]}}},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}
        });
        let live: LiveJob = serde_json::from_value(json).expect("decodes");
        let job = live.to_job();
        assert!(job.spec.is_none());
        assert_eq!(
            crate::runtime::batch::outcome(&job),
            crate::runtime::batch::Outcome::Complete
        );
    }

    #[test]
    fn a_packed_value_is_smaller_than_its_text_and_unpacks_to_it() {
        let container = serde_json::json!({
            "name": "odoo", "image": "odoo:18", "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [{"name": "conf", "mountPath": "/etc/odoo"}, {"name": "filestore", "mountPath": "/var/lib/odoo"}]
        });
        let spec = serde_json::json!({"template": {"spec": {"containers": [container.clone(), container]}}});
        let packed = Packed::new(&spec).expect("packs");
        assert!(packed.0.len() < spec.to_string().len() / 2, "{packed:?}");
        assert_eq!(packed.value().expect("unpacks"), spec);
        assert_eq!(Packed::default().value().expect("empty"), Value::Null);
        // Larger than the first guess of either buffer, and barely compressible.
        let noise: String = (0..200_000u32)
            .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
            .collect();
        let big = serde_json::json!({"data": noise});
        assert_eq!(
            Packed::new(&big).expect("packs").value().expect("unpacks"),
            big
        );
        let truncated = Packed(packed.0[..packed.0.len() / 2].into());
        assert!(truncated.value().is_err());
    }

    #[test]
    fn packing_on_several_threads_does_not_grow_the_process() {
        fn resident_kib() -> u64 {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
                .unwrap_or(0)
        }
        let before = resident_kib();
        let spec = serde_json::json!({"replicas": 1, "template": {"spec": {"containers": [
            {"name": "odoo", "image": "odoo:18", "args": ["a", "b", "c"], "env": [{"name": "X", "value": "y"}]}
        ]}}});
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let spec = spec.clone();
                std::thread::spawn(move || {
                    // Packed values kept among small allocations, as in a cache,
                    // unpacked as before an apply, with short-lived ones between.
                    let mut kept = Vec::new();
                    for _ in 0..10_000 {
                        let packed = Packed::new(&spec).expect("packs");
                        assert_eq!(packed.value().expect("unpacks"), spec);
                        let passing: Vec<Packed> =
                            (0..20).map(|i| Packed(vec![0; 50 + i].into())).collect();
                        drop(passing);
                        kept.push(packed);
                        kept.push(Packed(vec![1; 100].into()));
                    }
                    kept
                })
            })
            .collect();
        let kept: Vec<_> = threads
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect();
        let grown_mib = resident_kib().saturating_sub(before) / 1024;
        // A deflater per value grew this by gigabytes; reused ones by a few MiB.
        assert!(
            grown_mib < 256,
            "grew by {grown_mib} MiB holding {} values",
            kept.len()
        );
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
