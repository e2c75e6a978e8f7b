//! The real Odoo for the Job pods of an `odoo:18.0` image (the tag `18.0` or
//! `18.0-…`): the pod's own command and arguments, run with the Odoo that
//! `hack/odoo.sh` set up, its config file the pod's mounted `odoo.conf`, its data
//! directory the pod's filestore claim, against the real PostgreSQL the config
//! names. The pod then ends with Odoo's exit code, as a kubelet would end it.
//! Job pods of other images run [`super::simulated_odoo`]; their web and cron pods
//! stay kwok's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;

use super::{Kubelet, Run};

/// What [`super::LocalPods::hold`] takes to hold these pods (the agent's pods are
/// held by their command).
pub const COMMAND: &str = "odoo";

/// True for an image the harness runs the real Odoo of.
pub fn is_real(image: &str) -> bool {
    image
        .strip_prefix("odoo:18.0")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

/// A pod whose first container runs `odoo`, whatever its image.
pub(super) fn runs_odoo(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .is_some_and(|c| c.command.as_deref() == Some(&[COMMAND.to_owned()][..]))
}

/// A pod whose first container is an Odoo 18.0 image running `odoo`.
pub(super) fn runs_real(pod: &Pod) -> bool {
    let image = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.as_deref())
        .unwrap_or_default();
    is_real(image) && runs_odoo(pod)
}

/// The pod's container as a process here: Odoo's interpreter and `odoo-bin`
/// with the container's arguments, its mounts mapped (odoo.conf projected, the
/// data directory on the filestore claim), plus `extra` arguments.
pub(super) async fn command(
    kubelet: &Kubelet,
    pod: &Pod,
    extra: &[String],
) -> anyhow::Result<tokio::process::Command> {
    let runtime = crate::tools::odoo_runtime()?;
    let name = pod.name_any();
    let spec = pod.spec.clone().context("pod without spec")?;
    let container = spec.containers.first().context("pod without containers")?;
    let dir = kubelet.pod_dir(&name);
    std::fs::create_dir_all(&dir)?;
    let mounts = kubelet.mounts(pod).await?;
    let local = |value: &str| super::local_path(&mounts, value);
    let mut args = mapped_args(container, &mounts);
    // odoo.conf names the data directory as the container sees it: the mount here.
    let config = args
        .iter()
        .find_map(|a| a.strip_prefix("--config="))
        .map(PathBuf::from)
        .context("the Odoo container names no --config")?;
    if let Some(data_dir) = option(&config, "data_dir")? {
        args.push(format!("--data-dir={}", local(&data_dir)));
    }
    let image = container.image.as_deref().unwrap_or_default();
    if let Some(path) = addons_path(&runtime, image) {
        args.push(format!("--addons-path={path}"));
    }
    args.extend(extra.iter().cloned());
    let env: BTreeMap<String, String> = container
        .env
        .iter()
        .flatten()
        .filter_map(|e| Some((e.name.clone(), local(e.value.as_deref()?))))
        .collect();
    let tmp = mounts
        .iter()
        .find(|(path, _)| path == "/tmp")
        .map_or_else(|| dir.clone(), |(_, local)| local.clone());
    let mut command = tokio::process::Command::new("setpriv");
    command
        .args(["--pdeathsig", "KILL", "--"])
        .arg(&runtime.python)
        .arg(&runtime.odoo_bin)
        .args(&args)
        .kill_on_drop(true)
        .env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", kubelet.pg_bin.display()),
        )
        .env("HOME", &dir)
        .env("TMPDIR", tmp)
        .envs(&env);
    Ok(command)
}

/// The container's arguments with the paths under its mounts (a `--flag=path` or
/// a bare path) as this machine's directories.
pub(super) fn mapped_args(
    container: &k8s_openapi::api::core::v1::Container,
    mounts: &[(String, PathBuf)],
) -> Vec<String> {
    let local = |value: &str| super::local_path(mounts, value);
    container
        .args
        .iter()
        .flatten()
        .map(|a| match a.split_once('=') {
            Some((flag, path)) if flag.starts_with("--") => format!("{flag}={}", local(path)),
            _ => local(a),
        })
        .collect()
}

/// Runs a Job pod's Odoo to its end; the run, and the termination message its
/// container leaves (the log's tail on failure under `FallbackToLogsOnError`).
pub(super) async fn run(kubelet: &Kubelet, pod: &Pod) -> anyhow::Result<(Run, String)> {
    let name = pod.name_any();
    let container = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .context("pod without containers")?;
    let output = command(kubelet, pod, &[])
        .await?
        .output()
        .await
        .context("running odoo-bin")?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let exit_code = output.status.code().unwrap_or(128);
    let fallback = container.termination_message_policy.as_deref() == Some("FallbackToLogsOnError");
    let message = match kubelet.termination_message(&name) {
        Some(m) if !m.is_empty() => m,
        _ if exit_code != 0 && fallback => tail(&log),
        _ => String::new(),
    };
    let run = Run {
        pod: name,
        command: COMMAND.into(),
        exit_code,
        output: log,
    };
    Ok((run, message))
}

/// The addons an image `odoo:18.0-testaddons-N` has baked in besides Odoo's own:
/// `tests/odoo-addons/N` (see its README).
fn baked_addons(image: &str) -> Option<PathBuf> {
    let set = image.strip_prefix("odoo:18.0-testaddons-")?;
    let dir = crate::workspace_root().join("tests/odoo-addons").join(set);
    (!set.is_empty() && !set.contains('/') && dir.is_dir()).then_some(dir)
}

/// The addons path of `image` when it has addons baked in besides Odoo's own.
pub fn addons_path(runtime: &crate::tools::OdooRuntime, image: &str) -> Option<String> {
    let extra = baked_addons(image)?;
    let src = runtime.odoo_bin.parent()?;
    Some(format!(
        "{},{},{}",
        src.join("addons").display(),
        src.join("odoo/addons").display(),
        extra.display()
    ))
}

/// The value of `key` in the `[options]` of an odoo.conf.
pub(super) fn option(config: &Path, key: &str) -> anyhow::Result<Option<String>> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    if !text.starts_with("[options]") {
        bail!("{} is not an odoo.conf", config.display());
    }
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned()))
}

/// What a kubelet keeps of a failed container's log: its last 80 lines, at most
/// 2048 bytes.
pub(super) fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let text = lines[lines.len().saturating_sub(80)..].join("\n");
    let mut at = text.len().saturating_sub(2048);
    while !text.is_char_boundary(at) {
        at += 1;
    }
    text[at..].to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_odoo_18_images_run_for_real() {
        assert!(super::is_real("odoo:18.0"));
        assert!(super::is_real("odoo:18.0-20251001"));
        assert!(!super::is_real("odoo:18.01"));
        assert!(!super::is_real("odoo:17.0"));
        assert!(!super::is_real("odoo:19.0-fails-in-jobs"));
        assert!(!super::is_real("simulated/odoo:18.0-20251001"));
        assert!(super::is_real("odoo:18.0-testaddons-2"));
        assert!(super::baked_addons("odoo:18.0-testaddons-2").is_some());
        assert!(super::baked_addons("odoo:18.0-testaddons-3").is_none());
        assert!(super::baked_addons("odoo:18.0").is_none());
    }

    /// kwok's pod-ready must leave exactly these pods to the harness (and
    /// pod-complete every pod running `odoo`): the selector in hack/tools.sh is the
    /// same test.
    #[test]
    fn kwok_leaves_the_same_images_to_the_harness() {
        let tools = include_str!("../../../hack/tools.sh");
        assert!(
            tools.contains(
                r#"real_odoo_key='(.spec.containers.[0].image | test("^odoo:18[.]0(-|$)")) and .spec.containers.[0].command == ["odoo"]'"#
            ),
            "hack/tools.sh must select the pods runs_real selects"
        );
        let case = tools
            .split("pod/fast/pod-ready.yaml)")
            .nth(1)
            .and_then(|rest| rest.split(";;").next())
            .expect("hack/tools.sh: the pod-ready case");
        assert!(case.contains("exclude_real_odoo_pods"), "{case}");
    }

    #[test]
    fn a_failed_containers_message_is_its_logs_tail() {
        let log: String = (0..200).map(|i| format!("line {i}\n")).collect();
        let tail = super::tail(&log);
        assert!(tail.ends_with("line 199"), "{tail}");
        assert!(!tail.contains("line 119\n"), "{tail}");
        assert!(super::tail(&"x".repeat(5000)).len() <= 2048);
    }
}
