//! Running the freshly built plugin the way users do: through kubectl's plugin
//! discovery, with stdin not a terminal (as in CI).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::{ControlPlane, workspace_binary};

/// A PATH on which kubectl finds the freshly built plugin (a directory of the
/// target's scratch space holding only a link to it) ahead of the inherited PATH.
pub fn plugin_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let plugin = workspace_binary("kubectl-odoo", "kubectl-odoo");
        let dir = plugin
            .parent()
            .expect("target/debug")
            .join("plugin-test-bin");
        std::fs::create_dir_all(&dir).expect("plugin directory");
        let link = dir.join("kubectl-odoo");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&plugin, &link).expect("link the plugin");
        format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    })
}

/// `kubectl odoo ARGS -n NS`, ready for more environment or a working directory.
pub fn command(cp: &ControlPlane, ns: &str, args: &[&str]) -> Command {
    let mut cmd = cp.kubectl();
    cmd.env("PATH", plugin_path())
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .arg("odoo")
        .args(args)
        .args(["-n", ns])
        .stdin(Stdio::null());
    cmd
}

/// `kubectl odoo ARGS -n NS`, run to completion.
pub fn odoo(cp: &ControlPlane, ns: &str, args: &[&str]) -> anyhow::Result<Output> {
    Ok(command(cp, ns, args).output()?)
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of the admin kubeconfig that impersonates `user` (who has no RBAC
/// bindings unless a test adds some): what a user with limited rights sees.
pub fn impersonating_kubeconfig(cp: &ControlPlane, user: &str) -> anyhow::Result<PathBuf> {
    let mut config: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(&cp.kubeconfig)?)?;
    for u in config["users"].as_array_mut().into_iter().flatten() {
        u["user"]["as"] = serde_json::Value::String(user.to_owned());
    }
    let path = cp.dir.join(format!("kubeconfig-as-{user}"));
    std::fs::write(&path, serde_norway::to_string(&config)?)?;
    Ok(path)
}
