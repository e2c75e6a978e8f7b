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

/// The real Odoo 18.0 that `hack/odoo.sh` set up: its interpreter and `odoo-bin`.
#[derive(Debug, Clone)]
pub struct OdooRuntime {
    pub python: PathBuf,
    pub odoo_bin: PathBuf,
}

/// Where `hack/odoo.sh` put the runtime (it asks the script, which owns the cache
/// key), or why it is not there yet.
pub fn odoo_runtime() -> anyhow::Result<OdooRuntime> {
    let script = crate::workspace_root().join("hack/odoo.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--print")
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{} --print: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(PathBuf::from)
            .ok_or_else(|| anyhow::anyhow!("hack/odoo.sh --print names no {key}"))
    };
    let runtime = value("ODOO_RUNTIME")?;
    anyhow::ensure!(
        runtime.join(".complete").is_file(),
        "the Odoo runtime {} is not set up: run hack/odoo.sh first",
        runtime.display()
    );
    Ok(OdooRuntime {
        python: value("ODOO_PYTHON")?,
        odoo_bin: value("ODOO_BIN")?,
    })
}
