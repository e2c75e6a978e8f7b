//! The plugin at a terminal, driven through a real pseudo-terminal: the guided
//! `create` asks its questions (dialoguer) and makes the instance its printed
//! one-line command makes; uploads and downloads move a byte bar (indicatif). The
//! same commands piped print no bar and never wait for input.
//!
//! No operator runs: these tests look at what the plugin writes and shows. The
//! backup being downloaded is an object whose status the test writes, pointing at
//! an archive the test put in the S3 server.

use std::collections::BTreeSet;
use std::process::Command;

use kube::api::{Api, Patch, PatchParams, PostParams};
use odoo_model::backup_job::BackupTemplate;
use odoo_model::{InstanceRef, OdooBackupJob, OdooBackupJobSpec, OdooInstance};
use odoo_tests::plugin::{odoo, plugin_path, text};
use odoo_tests::s3::{create_credentials, shared_s3};
use odoo_tests::{TestNamespace, api_server};
use rexpect::session::PtySession;
use serde_json::json;
use sha2::{Digest, Sha256};

/// How long one prompt may take to appear (a loaded machine is slow, never this slow).
const PROMPT_MS: u64 = 60_000;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `kubectl odoo ARGS -n NS` in a pseudo-terminal of 120 columns.
fn on_terminal(ns: &str, args: &str, dir: &std::path::Path) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        &format!("stty cols 120 rows 40; exec kubectl odoo {args} -n {ns}"),
    ])
    .current_dir(dir)
    .env("PATH", plugin_path())
    .env("KUBECONFIG", &api_server().kubeconfig)
    .env("TERM", "xterm-256color")
    .env("NO_COLOR", "1")
    .env_remove("CI");
    rexpect::session::spawn_command(cmd, Some(PROMPT_MS)).expect("start a pseudo-terminal")
}

/// Presses keys: sent at once, as a person's keystrokes reach the terminal.
fn press(p: &mut PtySession, keys: &str) {
    p.send(keys).expect("type");
    p.flush().expect("type");
}

/// Answers a yes/no question once it waits for the key: the prompt hides the
/// cursor when it starts reading (a key pressed before that would reach a terminal
/// not yet in raw mode).
fn answer(p: &mut PtySession, hint: &str, key: &str) {
    p.exp_string(hint).expect("the question's hint");
    p.exp_string("\u{1b}[?25l")
        .expect("the question waits for a key");
    press(p, key);
}

/// Reads everything the terminal shows until the command exits.
fn rest(mut session: PtySession) -> String {
    utf8(&session.exp_eof().expect("the command ends"))
}

/// The screen's text: the session hands over each byte as one character.
fn utf8(bytes_as_chars: &str) -> String {
    let bytes: Vec<u8> = bytes_as_chars.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guided_create_makes_what_its_one_line_command_makes() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "guided").await?;
    let dir = tempfile::tempdir()?;
    let n = ns.name.clone();
    let dir_path = dir.path().to_owned();
    let (shown, command) = tokio::task::spawn_blocking(move || {
        let mut p = on_terminal(&n, "create", &dir_path);
        p.exp_string("Name of the instance").expect("asks the name");
        // A name that cannot fit is refused at the prompt, which asks again.
        p.send_line(&"x".repeat(70)).expect("type");
        p.exp_string("characters").expect("says the limit");
        // Clear the refused answer (Ctrl-U would be the shell's; erase it by hand).
        press(&mut p, &"\x7f".repeat(70));
        p.send_line("guided").expect("type");
        p.exp_string("Odoo version").expect("asks the version");
        p.exp_string("the operator's default image")
            .expect("lists the series");
        press(&mut p, "\x1b[B");
        p.exp_string("> Odoo 18.0").expect("moves to 18.0");
        press(&mut p, "\r");
        p.exp_string("PostgreSQL cluster")
            .expect("asks the cluster");
        p.send_line("main").expect("type");
        p.exp_string("Filestore size").expect("asks the size");
        p.send_line("3Gi").expect("type");
        p.exp_string("Host names").expect("asks the hosts");
        p.send_line("guided.example.com").expect("type");
        p.exp_string("Load demo data?")
            .expect("asks about demo data");
        answer(&mut p, "[y/N]", "y");
        let (shown, _) = p
            .exp_string("The same with one command:")
            .map(|before| (before, ()))
            .expect("shows the object and the command");
        let (_, command) = p
            .exp_regex(r"kubectl odoo create [^\r\n]+")
            .expect("the one-line command");
        p.exp_string("Create odoo/guided").expect("asks to confirm");
        answer(&mut p, "[Y/n]", "y");
        let end = rest(p);
        assert!(end.contains("odoo/guided created"), "{end}");
        (shown, command)
    })
    .await?;
    assert!(shown.contains("image: odoo:18.0"), "{shown}");
    assert!(
        command.contains("--image odoo:18.0") && command.contains("--demo"),
        "{command}"
    );

    // The printed command, run as written under another name, makes the same spec.
    let again = command
        .trim()
        .replacen("create guided", "create oneline", 1);
    let out = Command::new("sh")
        .args(["-c", &again])
        .env("PATH", plugin_path())
        .env("KUBECONFIG", &cp.kubeconfig)
        .stdin(std::process::Stdio::null())
        .output()?;
    assert!(out.status.success(), "{again}: {out:?}");
    let api: Api<OdooInstance> = ns.api();
    let guided = serde_json::to_value(api.get("guided").await?.spec)?;
    let oneline = serde_json::to_value(api.get("oneline").await?.spec)?;
    assert_eq!(guided, oneline);
    assert_eq!(guided["database"]["cluster"], json!("main"));
    assert_eq!(guided["filestore"]["storageSize"], json!("3Gi"));
    assert_eq!(guided["ingress"]["hosts"], json!(["guided.example.com"]));
    assert_eq!(guided["init"]["demo"], json!(true));

    // Off a terminal nothing is asked: a usage error at once.
    let piped = odoo(cp, &ns.name, &["create"])?;
    assert_eq!(piped.status.code(), Some(2), "{piped:?}");
    assert!(text(&piped.stderr).contains("a name is required"));
    ns.delete().await;
    Ok(())
}

/// Instance `shop`, stopped: what the job commands need to find.
async fn stopped_shop(ns: &TestNamespace) -> anyhow::Result<()> {
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": { "image": "simulated/odoo:18.0-20250101", "replicas": 0 },
    }))?;
    ns.api::<OdooInstance>()
        .create(&PostParams::default(), &instance)
        .await?;
    Ok(())
}

/// The distinct `done/total` figures a byte bar showed.
fn bar_positions(screen: &str, total: &str) -> BTreeSet<String> {
    let marker = format!("/{total}");
    screen
        .match_indices(&marker)
        .filter_map(|(at, _)| {
            let before = &screen[..at];
            let start = before.rfind(']').map_or(0, |i| i + 1);
            let done = before[start..].trim();
            (!done.is_empty() && done.len() < 16).then(|| done.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_downloads_move_a_byte_bar_on_a_terminal_only() -> anyhow::Result<()> {
    let cp = api_server();
    let s3 = shared_s3();
    s3.create_bucket("plugin-bars")?;
    let ns = TestNamespace::new(cp, "bars").await?;
    create_credentials(&ns).await?;
    stopped_shop(&ns).await?;
    let dir = tempfile::tempdir()?;
    // 64 MiB that do not compress to nothing.
    let archive: Vec<u8> = (0..64u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(dir.path().join("big.zip"), &archive)?;

    let (n, d, endpoint) = (ns.name.clone(), dir.path().to_owned(), s3.endpoint.clone());
    let upload = tokio::task::spawn_blocking(move || {
        let p = on_terminal(
            &n,
            &format!(
                "restore shop --from-file big.zip --s3-endpoint {endpoint} --bucket plugin-bars --credentials-secret s3-creds --yes"
            ),
            &d,
        );
        rest(p)
    })
    .await?;
    let moved = bar_positions(&upload, "64.00 MiB");
    assert!(
        moved.len() >= 2,
        "the upload bar never moved: {moved:?}\n{upload}"
    );
    assert!(
        upload.contains("uploading to s3://plugin-bars/"),
        "{upload}"
    );

    // A backup, recorded as done, to download: three times the archive, so that a
    // fast loopback transfer still lasts long enough for the bar to be redrawn.
    let archive = archive.repeat(3);
    let key = format!("{}/shop/big.zip", ns.name);
    s3.put("plugin-bars", &key, archive.clone()).await?;
    let destination = odoo_tests::s3::destination("plugin-bars");
    let backup = OdooBackupJob::new(
        "big",
        OdooBackupJobSpec {
            instance_ref: InstanceRef {
                name: "shop".into(),
            },
            backup: BackupTemplate {
                with_filestore: true,
                destination,
                ..Default::default()
            },
            hold: false,
        },
    );
    let jobs: Api<OdooBackupJob> = ns.api();
    jobs.create(&PostParams::default(), &backup).await?;
    jobs.patch_status(
        "big",
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": {
            "phase": "Succeeded", "location": format!("s3://plugin-bars/{key}"),
            "sha256": sha256(&archive), "sizeBytes": archive.len(),
        } })),
    )
    .await?;
    let (n, d) = (ns.name.clone(), dir.path().to_owned());
    let download = tokio::task::spawn_blocking(move || {
        rest(on_terminal(&n, "backup download big copy.zip", &d))
    })
    .await?;
    let moved = bar_positions(&download, "192.00 MiB");
    assert!(
        moved.len() >= 2,
        "the download bar never moved: {moved:?}\n{download}"
    );
    assert!(download.contains("sha256 verified"), "{download}");
    assert_eq!(std::fs::read(dir.path().join("copy.zip"))?, archive);

    // Piped: the same download prints its one line and no bar.
    let piped =
        odoo_tests::plugin::command(cp, &ns.name, &["backup", "download", "big", "piped.zip"])
            .current_dir(dir.path())
            .output()?;
    assert!(piped.status.success(), "{piped:?}");
    let stderr = text(&piped.stderr);
    assert!(
        !stderr.contains("MiB/s") && !stderr.contains('\r'),
        "{stderr}"
    );
    assert!(stderr.contains("sha256 verified"), "{stderr}");
    ns.delete().await;
    Ok(())
}

/// Waits until a backup job of `ns` exists and returns its name.
async fn the_backup_job(jobs: &Api<OdooBackupJob>) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(job) = jobs
            .list(&Default::default())
            .await
            .expect("list")
            .items
            .first()
        {
            return kube::ResourceExt::name_any(job);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no backup job was created"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Plays the operator for a followed backup job: Running, then (once `running_seen`
/// says the follower showed it) Succeeded.
async fn run_backup(jobs: &Api<OdooBackupJob>, running_seen: tokio::sync::oneshot::Receiver<()>) {
    let name = the_backup_job(jobs).await;
    let status = |phase: &str| {
        Patch::Merge(json!({ "status": { "phase": phase, "observedGeneration": 1,
            "message": format!("the test says {phase}") } }))
    };
    jobs.patch_status(&name, &PatchParams::default(), &status("Running"))
        .await
        .expect("running");
    running_seen.await.expect("the follower showed Running");
    jobs.patch_status(&name, &PatchParams::default(), &status("Succeeded"))
        .await
        .expect("succeeded");
}

fn spinner_frame(line: &str) -> bool {
    line.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_job_spins_on_a_terminal_and_prints_lines_when_piped() -> anyhow::Result<()> {
    let cp = api_server();
    let ns = TestNamespace::new(cp, "spinner").await?;
    stopped_shop(&ns).await?;
    let jobs: Api<OdooBackupJob> = ns.api();
    let dir = tempfile::tempdir()?;

    let (seen, running_seen) = tokio::sync::oneshot::channel();
    let (n, d) = (ns.name.clone(), dir.path().to_owned());
    let terminal = tokio::task::spawn_blocking(move || {
        let mut p = on_terminal(&n, "backup create shop --pvc backups --wait", &d);
        let before = p
            .exp_string("the test says Running")
            .expect("shows the job running");
        let _ = seen.send(());
        utf8(&before) + "the test says Running" + &rest(p)
    });
    run_backup(&jobs, running_seen).await;
    let screen = terminal.await?;
    // The spinner's line: a spinner frame, the elapsed time, where the job stands.
    let spinner_line = screen
        .split(['\r', '\n'])
        .find(|l| spinner_frame(l) && l.contains("odoobackupjob/shop-backup-"))
        .unwrap_or_else(|| panic!("no spinner line:\n{screen}"));
    assert!(spinner_line.contains("0s"), "{spinner_line:?}");
    assert!(screen.contains("Running → Succeeded"), "{screen}");

    // Piped: the same follow prints one timestamped line per transition, no spinner.
    jobs.delete_collection(&Default::default(), &Default::default())
        .await?;
    let (seen, running_seen) = tokio::sync::oneshot::channel();
    let mut follower = odoo_tests::plugin::command(
        cp,
        &ns.name,
        &["backup", "create", "shop", "--pvc", "backups", "--wait"],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()?;
    let stderr = follower.stderr.take().expect("stderr");
    let lines = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut seen = Some(seen);
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.expect("a line");
            if line.contains("the test says Running") {
                seen.take().map(|s| s.send(()));
            }
            lines.push(line);
        }
        (follower.wait().expect("the plugin ends"), lines.join("\n"))
    });
    let name = the_backup_job(&jobs).await;
    run_backup(&jobs, running_seen).await;
    let (status, stderr) = lines.await?;
    assert!(status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(&name) && l.contains("Running → Succeeded")),
        "{stderr}"
    );
    assert!(
        !spinner_frame(&stderr) && !stderr.contains('\r'),
        "{stderr}"
    );
    ns.delete().await;
    Ok(())
}
