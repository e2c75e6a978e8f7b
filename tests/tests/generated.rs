//! Generated files must match what the code generates. No cluster needed.

use odoo_tests::workspace_root;

#[test]
fn committed_crds_match_the_types() {
    let path = workspace_root().join(odoo_model::crds::CRD_FILE);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = odoo_model::crds::to_yaml().expect("rendering the CRDs");
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "one file is a prefix of the other".to_owned(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!(
            "{} is stale ({first_difference}); regenerate it with\n  cargo run -p odoo-operator -- crds --write {}",
            path.display(),
            odoo_model::crds::CRD_FILE
        );
    }
}

#[test]
fn committed_completions_match_the_cli() {
    let plugin = odoo_tests::workspace_binary("kubectl-odoo", "kubectl-odoo");
    for shell in ["bash", "zsh", "fish"] {
        let out = std::process::Command::new(&plugin)
            .args(["completion", shell])
            .output()
            .expect("running kubectl-odoo");
        assert!(out.status.success(), "{out:?}");
        let path = workspace_root()
            .join("completions")
            .join(format!("kubectl-odoo.{shell}"));
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "{} is stale; regenerate it with\n  target/debug/kubectl-odoo completion {shell} > completions/kubectl-odoo.{shell}",
            path.display()
        );
    }
}

#[test]
fn kubectl_plugin_completion_protocol() {
    let plugin = odoo_tests::workspace_binary("kubectl-odoo", "kubectl-odoo");
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("kubectl_complete-odoo");
    std::os::unix::fs::symlink(&plugin, &link).expect("symlink");
    let out = std::process::Command::new(&link)
        .args(["sta"])
        .output()
        .expect("running the completer");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("start\t"))
            && lines.iter().any(|l| l.starts_with("status\t")),
        "{text}"
    );
    assert_eq!(
        lines.last(),
        Some(&":4"),
        "the directive ends the answer: {text}"
    );
}

#[test]
fn completion_install_writes_a_shim_kubectl_can_run() {
    let plugin = odoo_tests::workspace_binary("kubectl-odoo", "kubectl-odoo");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(&plugin)
        .args(["completion", "--install", "--dir"])
        .arg(dir.path())
        .output()
        .expect("installing the shim");
    assert!(out.status.success(), "{out:?}");
    let shim = dir.path().join("kubectl_complete-odoo");
    let out = std::process::Command::new(&shim)
        .args(["backup", "cr"])
        .output()
        .expect("running the shim");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("create\t")), "{text}");
    assert_eq!(text.lines().last(), Some(":4"), "{text}");
    // Neither a shell nor --install is a usage error.
    let none = std::process::Command::new(&plugin)
        .arg("completion")
        .output()
        .expect("run");
    assert_eq!(none.status.code(), Some(2), "{none:?}");
}
