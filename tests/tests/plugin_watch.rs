//! `kubectl odoo status --watch` through a lifecycle on the simulated cluster, with the
//! real operator: the exit codes of `--for=ready --timeout` (0 Running, 3 a failed
//! phase, 4 timeout), one line per phase transition when piped, NDJSON with `-o json`,
//! the live view in a pseudo-terminal (util-linux `script`), and Ctrl-C (exit 130).
//!
//! Every watch starts before the operator does, so each sees the whole lifecycle from
//! an instance without status. Image tags make the init job fail
//! (`simulated/odoo:19.0-fails-in-jobs`, played by the local-pods harness,
//! tests/src/local_pods/simulated_odoo.rs) or pods never pass readiness
//! (`simulated/odoo:19.0-never-ready`, hack/kwok-stages.yaml).

use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;

use k8s_openapi::api::core::v1::Event;
use kube::ResourceExt;
use kube::api::{Api, PostParams};
use odoo_model::OdooInstance;
use odoo_tests::operator::{OperatorProcess, operator_namespace};
use odoo_tests::plugin::{command, plugin_path, text};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

const IMAGE: &str = "simulated/odoo:18.0-20250101";
/// The lifecycle of a new instance, in order. Provisioning is stored only when the
/// database is not ready within the operator's first pass (it usually is), so a
/// watch can only report it sometimes; the others are always stored.
const LIFECYCLE: [&str; 4] = ["Provisioning", "Initializing", "Starting", "Running"];
const ALWAYS_STORED: [&str; 3] = ["Initializing", "Starting", "Running"];

async fn create(api: &Api<OdooInstance>, name: &str, image: &str) -> anyhow::Result<OdooInstance> {
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": name },
        "spec": { "image": image, "replicas": 1 },
    }))?;
    Ok(api.create(&PostParams::default(), &instance).await?)
}

/// Runs `cmd` to the end on its own thread (the watches run side by side).
fn spawn(mut cmd: Command) -> JoinHandle<Output> {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kubectl odoo");
    std::thread::spawn(move || child.wait_with_output().expect("kubectl odoo ran"))
}

/// `kubectl odoo ARGS` in a pseudo-terminal of 120×40: `script` gives the plugin a
/// terminal as stdout and copies the screen bytes to its own stdout.
fn spawn_on_terminal(ns: &str, args: &str) -> JoinHandle<Output> {
    let line = format!("stty cols 120 rows 40; kubectl odoo {args} -n {ns}");
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("PATH", plugin_path())
        .env("KUBECONFIG", &simulated_cluster().kubeconfig)
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("CI")
        // Kept open until the command ends: script stops when its input closes.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start script");
    let stdin = child.stdin.take();
    std::thread::spawn(move || {
        let out = child.wait_with_output().expect("script ran");
        drop(stdin);
        out
    })
}

/// The phase each timestamped phase line reports: `HH:MM:SS odoo/N phase P: …` and
/// `HH:MM:SS odoo/N phase A → B: …`.
fn phases(lines: &str) -> Vec<String> {
    lines
        .lines()
        .filter_map(|l| l.split_once(" phase ").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split(':').next())
        .map(|p| p.rsplit(" → ").next().unwrap_or(p).to_owned())
        .collect()
}

async fn warn_about(
    ns: &TestNamespace,
    instance: &OdooInstance,
    message: &str,
) -> anyhow::Result<()> {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let event: Event = serde_json::from_value(json!({
        "metadata": { "name": format!("{}.warning", instance.name_any()) },
        "involvedObject": {
            "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
            "name": instance.name_any(), "namespace": ns.name, "uid": instance.uid(),
        },
        "type": "Warning", "reason": "DiskPressure", "message": message,
        "firstTimestamp": now, "lastTimestamp": now, "count": 1,
    }))?;
    ns.api::<Event>()
        .create(&PostParams::default(), &event)
        .await?;
    Ok(())
}

#[tokio::test]
async fn status_watch_follows_a_lifecycle_and_exits_with_its_outcome() -> anyhow::Result<()> {
    // hack/prereqs.sh installs it: a missing script(1) fails here, never skips.
    Command::new("script")
        .arg("--version")
        .output()
        .expect("script(1) (bsdutils) is installed by hack/prereqs.sh");
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "watch").await?;
    let api: Api<OdooInstance> = ns.api();
    create(&api, "shop", IMAGE).await?;
    let live = create(&api, "live", IMAGE).await?;
    create(&api, "broken", "simulated/odoo:19.0-fails-in-jobs").await?;
    create(&api, "stuck", "simulated/odoo:19.0-never-ready").await?;
    warn_about(&ns, &live, "volume 91% full").await?;

    let wait = |name: &str, timeout: &str| {
        spawn(command(
            cp,
            &ns.name,
            &[
                "status",
                name,
                "--watch",
                "--for=ready",
                "--timeout",
                timeout,
            ],
        ))
    };
    let lines = wait("shop", "120s");
    let ndjson = spawn(command(
        cp,
        &ns.name,
        &[
            "status",
            "shop",
            "--for",
            "ready",
            "--timeout",
            "120s",
            "-o",
            "json",
        ],
    ));
    let broken = wait("broken", "120s");
    let stuck = wait("stuck", "20s");
    let screen = spawn_on_terminal(&ns.name, "status live --watch --for=ready --timeout 120s");

    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let join = |h: JoinHandle<Output>| h.join().expect("watch thread");

    // Running: exit 0, one line per transition, each phase once and in order.
    let lines = join(lines);
    let log = op.log_tail(30);
    assert_eq!(lines.status.code(), Some(0), "{lines:?}\n{log}");
    let stdout = text(&lines.stdout);
    let seen = phases(&stdout);
    let lifecycle: Vec<&String> = seen
        .iter()
        .filter(|p| LIFECYCLE.contains(&p.as_str()))
        .collect();
    // Each stored phase once, in lifecycle order.
    let expected: Vec<&str> = LIFECYCLE
        .into_iter()
        .filter(|p| *p != "Provisioning" || lifecycle.iter().any(|l| l == p))
        .collect();
    assert_eq!(lifecycle, expected, "{stdout}");
    for phase in ALWAYS_STORED {
        assert!(expected.contains(&phase), "{phase} missing: {stdout}");
    }
    assert!(
        stdout
            .lines()
            .all(|l| l.as_bytes().get(2) == Some(&b':') && l.as_bytes().get(5) == Some(&b':')),
        "every line starts with a time: {stdout}"
    );

    // -o json: one object per line, the last one Running.
    let ndjson = join(ndjson);
    assert_eq!(ndjson.status.code(), Some(0), "{ndjson:?}");
    let objects: Vec<serde_json::Value> = text(&ndjson.stdout)
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert!(objects.len() >= 2, "{objects:?}");
    assert!(objects.iter().all(|o| o["name"] == "shop"), "{objects:?}");
    assert_eq!(objects.last().map(|o| &o["phase"]), Some(&json!("Running")));

    // A failed init: exit 3, saying so.
    let broken = join(broken);
    assert_eq!(broken.status.code(), Some(3), "{broken:?}\n{log}");
    assert!(text(&broken.stderr).contains("is InitFailed"), "{broken:?}");

    // Never ready: exit 4 once the timeout passes.
    let stuck = join(stuck);
    assert_eq!(stuck.status.code(), Some(4), "{stuck:?}");
    assert!(
        text(&stuck.stderr).contains("did not become ready within 20s"),
        "{stuck:?}"
    );

    // The terminal: every phase and the warning drawn, in colour, redrawn in place.
    let screen = join(screen);
    let bytes = text(&screen.stdout);
    assert_eq!(screen.status.code(), Some(0), "{bytes}");
    for phase in ALWAYS_STORED {
        assert!(bytes.contains(phase), "{phase} never drawn: {bytes:?}");
    }
    assert!(bytes.contains("DiskPressure: volume 91% full"), "{bytes:?}");
    assert!(bytes.contains("\x1b[32mRunning\x1b[0m"), "{bytes:?}");
    // Each frame goes back up over the last one and clears its lines.
    assert!(
        bytes.contains("A\r\x1b[2K"),
        "frames are redrawn in place: {bytes:?}"
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn an_interrupted_watch_exits_130_and_says_how_to_resume() -> anyhow::Result<()> {
    use std::io::{BufRead, BufReader};
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "interrupt").await?;
    // No operator: the instance stays without status and the watch never ends.
    create(&ns.api(), "shop", IMAGE).await?;
    let mut child = command(cp, &ns.name, &["status", "shop", "--watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // kubectl execs the plugin in its place: the pid is the plugin's.
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first)?;
    assert!(first.contains("odoo/shop phase Pending"), "{first}");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()?;
    assert!(kill.success());
    let out = child.wait_with_output()?;
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert!(
        text(&out.stderr).contains(&format!(
            "goes on in the cluster; watch it again with: kubectl odoo status shop -n {} --watch",
            ns.name
        )),
        "{out:?}"
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn create_stop_and_start_wait_for_their_effect_with_truthful_exit_codes() -> anyhow::Result<()>
{
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, "wait").await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let _op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let api: Api<OdooInstance> = ns.api();
    let run = |args: &[&str]| odoo_tests::plugin::odoo(cp, &ns.name, args);
    let phase = |i: OdooInstance| i.status.and_then(|s| s.phase).map(|p| p.to_string());

    let out = run(&[
        "create",
        "shop",
        "--image",
        IMAGE,
        "--wait",
        "--timeout",
        "120s",
    ])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Running"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(phase(api.get("shop").await?).as_deref(), Some("Running"));

    let out = run(&["stop", "shop", "--wait", "--timeout", "120s"])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(phase(api.get("shop").await?).as_deref(), Some("Stopped"));

    let out = run(&["start", "shop", "--wait", "--timeout", "120s"])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(phase(api.get("shop").await?).as_deref(), Some("Running"));

    // Pods that never pass readiness: the wait gives up with exit 4.
    let out = run(&[
        "create",
        "broken",
        "--image",
        "simulated/odoo:19.0-never-ready",
        "--wait",
        "--timeout",
        "15s",
    ])?;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // --timeout alone is a usage error: it only means something with --wait.
    let out = run(&["stop", "shop", "--timeout", "5s"])?;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    ns.delete().await;
    Ok(())
}
