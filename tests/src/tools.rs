//! Where the control-plane binaries and the S3 server are: the cache `hack/tools.sh`
//! fills, keyed by the versions pinned in `hack/versions.env` (read at compile time, so
//! the harness and the build script cannot disagree).

use std::path::PathBuf;

const VERSIONS: &str = include_str!("../../hack/versions.env");

/// A pinned version from `hack/versions.env`.
pub fn version(key: &str) -> &'static str {
    VERSIONS
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim())
        .unwrap_or_else(|| panic!("{key} missing from hack/versions.env"))
}

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("ODOO_TOOLS_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("odoo-operator").join("tools")
}

/// The control-plane binaries.
#[derive(Debug, Clone)]
pub struct Tools {
    pub etcd: PathBuf,
    pub kube_apiserver: PathBuf,
    pub kube_controller_manager: PathBuf,
    pub kube_scheduler: PathBuf,
    pub kubectl: PathBuf,
    pub kwok: PathBuf,
    /// kwok's configuration with its default stages, written by `hack/tools.sh`.
    pub kwok_config: PathBuf,
}

impl Tools {
    /// Finds every binary, or panics with the command that builds them.
    pub fn locate() -> Tools {
        let root = cache_root();
        let k8s = root.join(format!("kubernetes-{}", version("KUBERNETES_VERSION")));
        let kwok = root.join(format!("kwok-{}", version("KWOK_VERSION")));
        let tools = Tools {
            etcd: root
                .join(format!("etcd-{}", version("ETCD_VERSION")))
                .join("etcd"),
            kube_apiserver: k8s.join("kube-apiserver"),
            kube_controller_manager: k8s.join("kube-controller-manager"),
            kube_scheduler: k8s.join("kube-scheduler"),
            kubectl: k8s.join("kubectl"),
            kwok: kwok.join("kwok"),
            kwok_config: kwok.join("kwok.yaml"),
        };
        for bin in [
            &tools.etcd,
            &tools.kube_apiserver,
            &tools.kube_controller_manager,
            &tools.kube_scheduler,
            &tools.kubectl,
            &tools.kwok,
            &tools.kwok_config,
        ] {
            assert!(
                bin.is_file(),
                "{} is missing: run hack/tools.sh first",
                bin.display()
            );
        }
        tools
    }
}

/// A tool outside [`Tools`] (so its tests do not need the control plane), or a
/// panic with the command that builds it.
fn standalone(name: &str, version_key: &str) -> PathBuf {
    let bin = cache_root()
        .join(format!("{name}-{}", version(version_key)))
        .join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run hack/tools.sh first",
        bin.display()
    );
    bin
}

/// The S3 server of the backup tests (versitygw).
pub fn versitygw() -> PathBuf {
    standalone("versitygw", "VERSITYGW_VERSION")
}

/// helm, for the chart's tests.
pub fn helm() -> PathBuf {
    standalone("helm", "HELM_VERSION")
}
