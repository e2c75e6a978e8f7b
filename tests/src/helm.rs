//! helm (built by `hack/tools.sh`) against the repository's chart and a test
//! control plane, and the rendered manifests as YAML documents.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::ControlPlane;

/// The chart directory.
pub fn chart_dir() -> PathBuf {
    crate::workspace_root().join("charts/odoo-operator")
}

/// helm with a kubeconfig and caches of its own, so nothing under `$HOME` is read
/// or written.
pub struct Helm {
    bin: PathBuf,
    home: tempfile::TempDir,
    kubeconfig: Option<PathBuf>,
}

impl Helm {
    /// helm for rendering and linting only.
    pub fn offline() -> anyhow::Result<Helm> {
        Ok(Helm {
            bin: crate::tools::helm(),
            home: tempfile::tempdir()?,
            kubeconfig: None,
        })
    }

    /// helm talking to `cp` as its admin.
    pub fn for_cluster(cp: &ControlPlane) -> anyhow::Result<Helm> {
        Ok(Helm {
            kubeconfig: Some(cp.kubeconfig.clone()),
            ..Helm::offline()?
        })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        let home = self.home.path();
        cmd.env("HELM_CACHE_HOME", home.join("cache"))
            .env("HELM_CONFIG_HOME", home.join("config"))
            .env("HELM_DATA_HOME", home.join("data"));
        match &self.kubeconfig {
            Some(k) => cmd.env("KUBECONFIG", k),
            // A stray cluster in the environment must not be touched by a render.
            None => cmd.env("KUBECONFIG", home.join("no-kubeconfig")),
        };
        cmd
    }

    /// Runs helm; stdout, or an error with its stderr and stdout.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self
            .command()
            .args(args)
            .output()
            .with_context(|| format!("running {}", self.bin.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!(
                "helm {} failed:\n{}\n{stdout}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(stdout)
    }

    /// `helm template RELEASE chart -n NAMESPACE --set K=V …` (`--set-json` for values
    /// that start with `[` or `{`).
    pub fn template(
        &self,
        release: &str,
        namespace: &str,
        values: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let chart = chart_dir().display().to_string();
        let mut args = vec!["template", release, &chart, "--namespace", namespace];
        let sets = set_args(values);
        args.extend(sets.iter().map(String::as_str));
        self.run(&args)
    }
}

/// `--set`/`--set-json` arguments for `values`.
pub fn set_args(values: &[(&str, &str)]) -> Vec<String> {
    values
        .iter()
        .flat_map(|(k, v)| {
            let flag = if v.starts_with('[') || v.starts_with('{') {
                "--set-json"
            } else {
                "--set"
            };
            [flag.to_owned(), format!("{k}={v}")]
        })
        .collect()
}

/// The documents of a multi-document YAML stream, empty ones dropped.
pub fn documents(yaml: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for doc in serde_norway::Deserializer::from_str(yaml) {
        let value = serde_json::Value::deserialize(doc).context("parsing rendered YAML")?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// The documents of `kind`.
pub fn of_kind<'a>(docs: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// Values for a cluster without cert-manager: a pre-made Secret and its CA (base64).
pub fn without_cert_manager(ca_b64: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook.certManager.enabled", "false".into()),
        ("webhook.secretName", "odoo-operator-webhook-tls".into()),
        ("webhook.caBundle", ca_b64.into()),
    ]
}

/// Owned values as the `(&str, &str)` pairs [`Helm::template`] and [`set_args`] take.
pub fn borrowed<'a>(values: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    values.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Standard base64 of `s`, as a caBundle value.
pub fn base64(s: &str) -> anyhow::Result<String> {
    use std::io::Write;
    let mut child = Command::new("base64")
        .arg("-w0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("base64 stdin")?
        .write_all(s.as_bytes())?;
    Ok(String::from_utf8(child.wait_with_output()?.stdout)?)
}

/// The ServiceAccount and RBAC objects among `docs`.
pub fn rbac_kinds(docs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    const KINDS: &[&str] = &[
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
    ];
    docs.iter()
        .filter(|d| KINDS.contains(&d["kind"].as_str().unwrap_or_default()))
        .collect()
}
