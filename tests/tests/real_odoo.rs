//! Odoo 18.0 itself under the operator. The Job pods of an `odoo:18.0` instance run
//! the real Odoo (hack/odoo.sh; tests/src/local_pods/odoo.rs) against the real
//! PostgreSQL, with the pod's own command, odoo.conf and filestore claim: nothing
//! here writes Odoo's tables. Web and cron pods run Odoo's server too, Ready by
//! their own probes (tests/src/local_pods/kubelet_status.rs).

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::{Api, PostParams};
use odoo_model::{
    InstancePhase, JobPhase, OdooBackupJob, OdooInstance, OdooRestoreJob, OdooUpgradeJob, names,
};
use odoo_tests::local_pods::{LocalPods, odoo};
use odoo_tests::odoo_cli;
use odoo_tests::operator::{OperatorProcess, operator_namespace};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::postgres::sql::{databases_of, scalar, superuser};
use odoo_tests::s3::{CREDENTIALS_SECRET, create_credentials, shared_s3};
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::json;

/// Waits, against a deadline meant for a loaded machine (Odoo's own init takes
/// half a minute on two idle cores), until the instance reaches `phase`.
async fn settles(
    instances: &Api<OdooInstance>,
    phase: InstancePhase,
    op: &OperatorProcess,
    pods: &LocalPods,
) -> OdooInstance {
    let start = std::time::Instant::now();
    loop {
        let i = instances.get("shop").await.expect("instance");
        let status = i.status.clone().unwrap_or_default();
        if status.phase == Some(phase) && status.observed_generation == i.metadata.generation {
            return i;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1200),
            "shop did not reach {phase:?}: {status:?}\nruns: {:?}\n{}",
            pods.runs()
                .iter()
                .map(|r| (r.command.clone(), r.exit_code, tail(&r.output)))
                .collect::<Vec<_>>(),
            op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// `kubectl odoo create` of an 18.0 instance, as the operator runs it: its init Job
/// runs `odoo --init base` for real. What Odoo leaves is Odoo's: `base` and the
/// modules it pulls in installed at the 18.0 series, the tables owned by the
/// instance's own role (Odoo logged in as it, from the mounted odoo.conf), and the
/// filestore written under the database's name on the instance's claim. Its web
/// pod is Odoo serving, Ready by its own probe.
/// An `odoo:18.0` instance `shop`, Running once Odoo's own init made its database.
struct Shop {
    ns: TestNamespace,
    op: OperatorProcess,
    pods: LocalPods,
    instances: Api<OdooInstance>,
    database: String,
}

async fn odoo_18_shop(prefix: &str) -> anyhow::Result<Shop> {
    shop_of(prefix, "odoo:18.0", &["base"], 1).await
}

/// [`odoo_18_shop`] of `image`, initialized with `modules`, with `cron` cron pods.
async fn shop_of(prefix: &str, image: &str, modules: &[&str], cron: i32) -> anyhow::Result<Shop> {
    shop_at(prefix, image, modules, cron, InstancePhase::Running).await
}

/// [`shop_of`], once it reaches `phase`.
async fn shop_at(
    prefix: &str,
    image: &str,
    modules: &[&str],
    cron: i32,
    phase: InstancePhase,
) -> anyhow::Result<Shop> {
    let cp = simulated_cluster();
    let ns = TestNamespace::new(cp, prefix).await?;
    let op_ns = operator_namespace(&ns, shared_postgres()).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    let pods = ns.local_pods()?;
    let instances: Api<OdooInstance> = ns.api();
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "shop" },
        "spec": {
            "image": image, "replicas": 1,
            "init": { "modules": modules }, "cron": { "replicas": cron },
        },
    }))?;
    instances.create(&PostParams::default(), &instance).await?;
    let running = settles(&instances, phase, &op, &pods).await;
    let database = running.spec.database.name.clone().expect("defaulted name");
    Ok(Shop {
        ns,
        op,
        pods,
        instances,
        database,
    })
}

#[tokio::test]
async fn an_odoo_18_instance_is_initialized_by_odoo_itself() -> anyhow::Result<()> {
    let Shop {
        ns,
        pods,
        database,
        op: _op,
        ..
    } = odoo_18_shop("odoo18-init").await?;

    let runs: Vec<_> = pods
        .runs()
        .into_iter()
        .filter(|r| r.command == odoo::COMMAND)
        .collect();
    assert_eq!(runs.len(), 1, "one init run: {runs:?}");
    assert_eq!(runs[0].exit_code, 0, "{}", tail(&runs[0].output));
    assert!(
        runs[0].output.contains("Modules loaded"),
        "Odoo's own log: {}",
        tail(&runs[0].output)
    );

    let base = scalar(
        &database,
        "SELECT state || ' ' || latest_version FROM ir_module_module WHERE name = 'base'",
    )
    .await?;
    assert!(base.starts_with("installed 18.0."), "{base}");
    let installed: i64 = scalar(
        &database,
        "SELECT count(*)::text FROM ir_module_module WHERE state = 'installed'",
    )
    .await?
    .parse()?;
    assert!(installed >= 5, "{installed} modules installed");
    let owner = scalar(
        &database,
        "SELECT tableowner FROM pg_tables WHERE tablename = 'res_partner'",
    )
    .await?;
    assert_eq!(owner, names::database_role(&ns.name, "shop"));
    let stored: i64 = scalar(
        &database,
        "SELECT count(*)::text FROM ir_attachment WHERE store_fname IS NOT NULL",
    )
    .await?
    .parse()?;
    serves_at_its_pod_address(&ns, &database).await?;
    if stored > 0 {
        let filestore = pods
            .claim_dir(&names::filestore_pvc("shop"))
            .join("filestore")
            .join(&database);
        assert!(
            filestore.is_dir(),
            "{stored} attachments in the filestore, none at {}",
            filestore.display()
        );
    }
    ns.delete().await;
    Ok(())
}

/// Odoo exits 0 for an init that names a module it does not know (it logs the
/// name and installs the rest): the operator's own read of the database fails the
/// init, naming the module.
#[tokio::test]
async fn an_init_naming_a_module_odoo_does_not_know_fails() -> anyhow::Result<()> {
    let s = shop_at(
        "odoo18-unknown",
        "odoo:18.0",
        &["base", "no_such_module"],
        0,
        InstancePhase::InitFailed,
    )
    .await?;
    let runs: Vec<_> = s
        .pods
        .runs()
        .into_iter()
        .filter(|r| r.command == odoo::COMMAND)
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        runs[0].exit_code,
        0,
        "Odoo itself exits 0: {}",
        tail(&runs[0].output)
    );
    let init: odoo_model::OdooInitJob = s.ns.api().get("shop-init").await?;
    let status = init.status.unwrap_or_default().job;
    let message = status.message.unwrap_or_default();
    assert_eq!(status.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains("exited successfully")
            && message.contains("did not install no_such_module"),
        "{message}"
    );
    // What Odoo did install is there.
    assert_eq!(
        scalar(
            &s.database,
            "SELECT state::text FROM ir_module_module WHERE name = 'base'"
        )
        .await?,
        "installed"
    );
    s.ns.delete().await;
    Ok(())
}

/// The instance's odoo.conf, for `odoo-bin` run beside the cluster with `data_dir`
/// the filestore claim's directory: Odoo reads and writes what the pods would.
async fn shop_conf(s: &Shop, dir: &Path) -> anyhow::Result<PathBuf> {
    let secrets: Api<Secret> = s.ns.api();
    let secret = secrets.get(&names::config_secret("shop")).await?;
    let conf = secret
        .data
        .and_then(|d| d.get("odoo.conf").cloned())
        .expect("odoo.conf");
    let data_dir = s.pods.claim_dir(&names::filestore_pvc("shop"));
    odoo_cli::local_conf(&String::from_utf8(conf.0)?, &data_dir, dir)
}

/// `odoo-bin shell` on `database` with the connection of `conf`, seeing the
/// addons of `image` (see `local_pods::odoo::addons_path`).
fn shell_of(image: &str, conf: &Path, database: &str, python: &str) -> anyhow::Result<String> {
    let conf = conf.display().to_string();
    let mut args = vec!["shell", "-c", &conf, "-d", database, "--no-http"];
    let addons = odoo::addons_path(&odoo_tests::tools::odoo_runtime()?, image)
        .map(|p| format!("--addons-path={p}"));
    args.extend(addons.as_deref());
    let out = odoo_cli::run(&args, Some(python))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `odoo-bin shell` of `odoo:18.0` on `database`.
fn shell(conf: &Path, database: &str, python: &str) -> anyhow::Result<String> {
    shell_of("odoo:18.0", conf, database, python)
}

/// The attachment Odoo wrote, as Odoo reads it back (`-` when there is none), and
/// how many partners of the name Odoo wrote there are.
const READ_ATTACHMENT: &str = "import base64\n\
att = env['ir.attachment'].search([('name', '=', 'odoo-wrote-this.txt')])\n\
print('ATTACHMENT', att.store_fname, base64.b64decode(att.datas).decode() if att else '-')\n\
print('PARTNERS', env['res.partner'].search_count([('name', '=', 'Written by Odoo')]))\n";

/// Odoo is the judge both ways. A zip that Odoo's own `odoo-bin db dump` made is
/// restored with `kubectl odoo restore --from-file --neutralize`, and brings back
/// the partner and the attachment (row and file) Odoo wrote before the dump; the
/// restored instance's real server then answers JSON-RPC with the dump's count of
/// partners, and the database is neutralized as Odoo's own `db load --neutralize`
/// of the same zip neutralizes it. Before that, the same zip with a column Odoo
/// reads taken out loads, and Odoo from the instance's image fails to open it:
/// the restore fails before the switch and the live database is untouched. Then
/// an archive that `kubectl odoo backup` made is loaded by Odoo's own `odoo-bin db
/// load` into a new database, which Odoo opens (its registry loads) and reads the
/// same partner and attachment from, file included.
#[tokio::test]
async fn odoo_and_the_operator_read_each_others_archives() -> anyhow::Result<()> {
    const BUCKET: &str = "odoo-compat";
    let s = odoo_18_shop("odoo18-compat").await?;
    let work = tempfile::tempdir()?;
    let conf = shop_conf(&s, work.path()).await?;
    let db = s.database.clone();

    // Odoo writes a partner and an attachment (stored in the filestore).
    let (c, d) = (conf.clone(), db.clone());
    let wrote = tokio::task::spawn_blocking(move || {
        shell(
            &c,
            &d,
            "import base64\n\
env['res.partner'].create({'name': 'Written by Odoo'})\n\
env['ir.attachment'].create({'name': 'odoo-wrote-this.txt', 'datas': base64.b64encode(b'a file Odoo stored')})\n\
env['ir.mail_server'].create({'name': 'production relay', 'smtp_host': 'smtp.example.com'})\n\
env.cr.commit()\n\
print('ALL PARTNERS', env['res.partner'].search_count([]))\n",
        )
    })
    .await??;
    println!("{wrote}");
    let dumped_partners: i64 = wrote
        .lines()
        .find_map(|l| l.strip_prefix("ALL PARTNERS "))
        .expect("the count of partners")
        .trim()
        .parse()?;

    // Odoo's own backup zip of the instance's database.
    let odoo_zip = work.path().join("odoo-made.zip");
    let (c, d, z) = (conf.clone(), db.clone(), odoo_zip.clone());
    tokio::task::spawn_blocking(move || {
        let (c, z) = (c.display().to_string(), z.display().to_string());
        odoo_cli::run(&["db", "-c", &c, "dump", &d, &z], None)
    })
    .await??;

    // Then the partner and the attachment are gone from the live database.
    let (c, d) = (conf.clone(), db.clone());
    tokio::task::spawn_blocking(move || {
        shell(
            &c,
            &d,
            "env['res.partner'].search([('name', '=', 'Written by Odoo')]).unlink()\n\
env['ir.attachment'].search([('name', '=', 'odoo-wrote-this.txt')]).unlink()\n\
env.cr.commit()\n",
        )
    })
    .await??;
    let (c, d) = (conf.clone(), db.clone());
    let gone = tokio::task::spawn_blocking(move || shell(&c, &d, READ_ATTACHMENT)).await??;
    assert!(gone.contains("PARTNERS 0"), "{gone}");

    // Restored from Odoo's zip as a user would.
    create_credentials(&s.ns).await?;
    let s3 = shared_s3();
    s3.create_bucket(BUCKET)?;
    // Where both archives go, and how long the plugin waits for each job.
    let bucket = [
        "--s3-endpoint",
        s3.endpoint.as_str(),
        "--bucket",
        BUCKET,
        "--credentials-secret",
        CREDENTIALS_SECRET,
        "--wait",
        "--timeout",
        "15m",
    ];

    // Odoo cannot open what loads but lacks a column its models read.
    let broken = work.path().join("odoo-made-without-tz.zip");
    without_partner_tz(&odoo_zip, &broken)?;
    let from = broken.display().to_string();
    let restore = plugin(
        &s,
        &[
            &["restore", "shop", "--from-file", &from, "--yes"][..],
            &bucket,
        ]
        .concat(),
    )
    .await?;
    assert!(!restore.status.success(), "{restore:?}");
    let refused = finished_restore(&s.ns).await?;
    let message = refused
        .status
        .unwrap_or_default()
        .job
        .message
        .unwrap_or_default();
    assert!(
        message.contains("opening")
            && message.contains("does not exist")
            && message.contains("was not touched"),
        "{message}"
    );
    settles(&s.instances, InstancePhase::Running, &s.op, &s.pods).await;
    let (c, d) = (conf.clone(), db.clone());
    let untouched = tokio::task::spawn_blocking(move || shell(&c, &d, READ_ATTACHMENT)).await??;
    assert!(untouched.contains("PARTNERS 0"), "{untouched}");
    assert!(databases_of(&db, "restoring").await?.is_empty());
    delete_restores(&s.ns).await?;

    let from = odoo_zip.display().to_string();
    let restore = plugin(
        &s,
        &[
            &[
                "restore",
                "shop",
                "--from-file",
                &from,
                "--neutralize",
                "--yes",
            ][..],
            &bucket,
        ]
        .concat(),
    )
    .await?;
    assert!(restore.status.success(), "{restore:?}");
    settles(&s.instances, InstancePhase::Running, &s.op, &s.pods).await;
    let restored = finished_restore(&s.ns).await?;
    println!(
        "Odoo opened the restored database in {} (job {}-open)",
        job_took(&s.ns, &format!("{}-open", restored.name_any())).await?,
        restored.name_any()
    );
    // Through the restored instance's real server, the dump's numbers.
    assert_eq!(
        serves_at_its_pod_address(&s.ns, &db).await?,
        dumped_partners
    );
    // Neutralized as Odoo's own restore neutralizes.
    let loaded = format!("{db}_odoo_neutralized");
    let data_dir = work.path().join("odoo-neutralized-data");
    let superuser = odoo_cli::superuser_conf(&data_dir, work.path())?;
    let (c, l, z) = (superuser.clone(), loaded.clone(), odoo_zip.clone());
    let load = tokio::task::spawn_blocking(move || {
        let (c, z) = (c.display().to_string(), z.display().to_string());
        odoo_cli::run(&["db", "-c", &c, "load", "--neutralize", &l, &z], None)
    })
    .await?;
    let ours = neutralization(&db).await;
    let odoos = neutralization(&loaded).await;
    superuser_sql(&format!(
        "DROP DATABASE IF EXISTS \"{loaded}\" WITH (FORCE)"
    ))
    .await?;
    load?;
    let (ours, odoos) = (ours?, odoos?);
    assert_eq!(ours, odoos);
    assert!(
        ours.iter()
            .any(|l| l == "mail server production relay active=false"),
        "{ours:?}"
    );
    let (c, d) = (conf.clone(), db.clone());
    let back = tokio::task::spawn_blocking(move || shell(&c, &d, READ_ATTACHMENT)).await??;
    assert!(back.contains("PARTNERS 1"), "{back}");
    let line = back
        .lines()
        .find(|l| l.starts_with("ATTACHMENT "))
        .expect("the attachment line")
        .to_owned();
    assert!(line.ends_with(" a file Odoo stored"), "{line}");
    let store_fname = line.split(' ').nth(1).expect("store_fname").to_owned();
    let claim = s.pods.claim_dir(&names::filestore_pvc("shop"));
    assert_eq!(
        std::fs::read(claim.join("filestore").join(&db).join(&store_fname))?,
        b"a file Odoo stored"
    );

    // The operator's backup, downloaded, loaded by Odoo into a new database.
    let backup = plugin(&s, &[&["backup", "create", "shop"][..], &bucket].concat()).await?;
    assert!(backup.status.success(), "{backup:?}");
    let jobs: Api<OdooBackupJob> = s.ns.api();
    let name = jobs
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .map(|j| j.name_any())
        .next()
        .expect("the backup job");
    let ours = work.path().join("operator-made.zip");
    let download = plugin(
        &s,
        &["backup", "download", &name, &ours.display().to_string()],
    )
    .await?;
    assert!(download.status.success(), "{download:?}");

    let loaded = format!("{db}_odoo_loaded");
    let data_dir = work.path().join("odoo-data");
    let superuser = odoo_cli::superuser_conf(&data_dir, work.path())?;
    let (c, l, z) = (superuser.clone(), loaded.clone(), ours.clone());
    let load = tokio::task::spawn_blocking(move || {
        let (c, z) = (c.display().to_string(), z.display().to_string());
        odoo_cli::run(&["db", "-c", &c, "load", &l, &z], None)
    })
    .await?;
    let (c, l) = (superuser.clone(), loaded.clone());
    let read = tokio::task::spawn_blocking(move || shell(&c, &l, READ_ATTACHMENT)).await?;
    superuser_sql(&format!(
        "DROP DATABASE IF EXISTS \"{loaded}\" WITH (FORCE)"
    ))
    .await?;
    load?;
    let read = read?;
    assert!(read.contains("PARTNERS 1"), "{read}");
    assert!(
        read.lines()
            .any(|l| l == format!("ATTACHMENT {store_fname} a file Odoo stored")),
        "{read}"
    );
    assert_eq!(
        std::fs::read(data_dir.join("filestore").join(&loaded).join(&store_fname))?,
        b"a file Odoo stored"
    );
    s.ns.delete().await;
    Ok(())
}

/// What neutralization changes in `db`, one line per row (Odoo's `base` and
/// `web` modules' `neutralize.sql`: mail servers, scheduled actions, the mark, the
/// banner).
async fn neutralization(db: &str) -> anyhow::Result<Vec<String>> {
    let sql = "SELECT string_agg(line, E'\\n' ORDER BY line) FROM (\
        SELECT 'mail server ' || name || ' active=' || active AS line FROM ir_mail_server \
        UNION ALL SELECT 'cron ' || cron_name || ' active=' || active FROM ir_cron \
        UNION ALL SELECT 'parameter database.is_neutralized=' || value FROM ir_config_parameter \
            WHERE key = 'database.is_neutralized' \
        UNION ALL SELECT 'view ' || key || ' active=' || active FROM ir_ui_view \
            WHERE key = 'web.neutralize_banner') AS t";
    Ok(scalar(db, sql).await?.lines().map(str::to_owned).collect())
}

/// `zip` with `ALTER TABLE res_partner DROP COLUMN tz` at the end of its
/// `dump.sql`, written to `out`: it loads, and Odoo cannot read its users.
fn without_partner_tz(zip: &Path, out: &Path) -> anyhow::Result<()> {
    const SCRIPT: &str = r"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        data = src.read(info)
        if info.filename == 'dump.sql':
            data += b'\nALTER TABLE public.res_partner DROP COLUMN tz;\n'
        dst.writestr(info, data)
";
    let status = std::process::Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(zip)
        .arg(out)
        .status()?;
    anyhow::ensure!(status.success(), "rewriting {}", zip.display());
    Ok(())
}

/// The namespace's one finished restore job.
async fn finished_restore(ns: &TestNamespace) -> anyhow::Result<OdooRestoreJob> {
    let restores: Api<OdooRestoreJob> = ns.api();
    let mut jobs = restores.list(&Default::default()).await?.items;
    anyhow::ensure!(jobs.len() == 1, "one restore job: {jobs:?}");
    let job = jobs.remove(0);
    let phase = job.status.as_ref().and_then(|s| s.job.phase);
    anyhow::ensure!(phase.is_some_and(JobPhase::is_finished), "{job:?}");
    Ok(job)
}

/// Deletes the namespace's restore jobs, waiting until they are gone.
async fn delete_restores(ns: &TestNamespace) -> anyhow::Result<()> {
    let restores: Api<OdooRestoreJob> = ns.api();
    restores
        .delete_collection(&Default::default(), &Default::default())
        .await?;
    let start = std::time::Instant::now();
    while !restores.list(&Default::default()).await?.items.is_empty() {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(300),
            "restores not deleted"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// How long Job `name` ran, by its own start and completion times.
async fn job_took(ns: &TestNamespace, name: &str) -> anyhow::Result<String> {
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = ns.api();
    let status = jobs.get(name).await?.status.unwrap_or_default();
    let (Some(start), Some(end)) = (&status.start_time, &status.completion_time) else {
        anyhow::bail!("job {name} has no start or completion time: {status:?}");
    };
    Ok(format!("{}s", end.0.as_second() - start.0.as_second()))
}

/// `kubectl odoo status shop` in `ns`.
async fn status_of(ns: &TestNamespace) -> anyhow::Result<std::process::Output> {
    let ns = ns.name.clone();
    tokio::task::spawn_blocking(move || {
        odoo_tests::plugin::odoo(simulated_cluster(), &ns, &["status", "shop"])
    })
    .await?
}

/// The plugin, as a user runs it, in the shop's namespace.
async fn plugin(s: &Shop, args: &[&str]) -> anyhow::Result<std::process::Output> {
    let ns = s.ns.name.clone();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        odoo_tests::plugin::odoo(simulated_cluster(), &ns, &args)
    })
    .await?
}

async fn superuser_sql(sql: &str) -> anyhow::Result<()> {
    superuser("postgres").await?.batch_execute(sql).await?;
    Ok(())
}

/// The content of `db` (every table's rows and every sequence), read as superuser.
fn fingerprint(db: &str) -> odoo_tests::agent::Snapshot {
    let db = odoo_tests::agent::Database {
        name: db.to_owned(),
        role: String::new(),
        password: String::new(),
        server: shared_postgres(),
    };
    std::thread::spawn(move || db.snapshot().expect("snapshot"))
        .join()
        .expect("snapshot thread")
}

/// A Copy upgrade against Odoo's real loading, which commits module by module:
/// from `odoo:18.0-testaddons-1` to `-2`, whose first module's migration commits
/// and whose second's raises halfway (tests/odoo-addons). Odoo fails on the copy;
/// the live database is unchanged, row for row and sequence for sequence, and so
/// are its files; the copy is gone; the previous image serves again; and the
/// job's message carries Odoo's own error line.
#[tokio::test]
async fn a_copy_upgrade_that_odoo_fails_halfway_leaves_the_live_database_as_it_was()
-> anyhow::Result<()> {
    let f = fails_halfway("odoo18-upfail", "Copy").await?;
    assert_eq!(
        fingerprint(&f.shop.database),
        f.before,
        "the live database changed"
    );
    assert_eq!(odoo_tests::agent::checksums(&f.files)?, f.files_before);
    assert!(
        databases_of(&f.shop.database, "upgrading")
            .await?
            .is_empty()
    );
    f.serves_the_previous_image().await
}

/// The same failing upgrade with strategy InPlace, to show what Odoo leaves
/// behind on the live database: the first module's update committed (its version
/// is the new one and its post-migration marked every row), the second's rolled
/// back (its version and rows as they were). The old image serves that mix.
#[tokio::test]
async fn an_in_place_upgrade_that_odoo_fails_halfway_keeps_the_first_modules_commit()
-> anyhow::Result<()> {
    let f = fails_halfway("odoo18-inplace", "InPlace").await?;
    let db = &f.shop.database;
    let left = scalar(
        db,
        "SELECT string_agg(name || ' ' || state || ' ' || latest_version, ', ' ORDER BY name) \
         FROM ir_module_module WHERE name LIKE 'odoo_test_%'",
    )
    .await?;
    println!("InPlace, after the failed update: {left}");
    assert_eq!(
        left,
        "odoo_test_commits installed 18.0.1.1, odoo_test_raises installed 18.0.1.0"
    );
    // The note was written unmarked (NULL); the first module's post-migration
    // marked its note and committed, the second's marking was rolled back.
    let marked = |table: &str| {
        format!("SELECT string_agg(coalesce(marked::text, 'unmarked'), ',') FROM {table}")
    };
    assert_eq!(scalar(db, &marked("odoo_test_commits_note")).await?, "true");
    assert_eq!(
        scalar(db, &marked("odoo_test_raises_note")).await?,
        "unmarked"
    );
    assert_ne!(fingerprint(db), f.before, "the live database was changed");
    f.serves_the_previous_image().await
}

/// A shop on `odoo:18.0-testaddons-1` with one note per test module, upgraded
/// with `strategy` to `-2` until Odoo's migration fails halfway, and what it was.
struct FailedHalfway {
    shop: Shop,
    before: odoo_tests::agent::Snapshot,
    files: PathBuf,
    files_before: std::collections::BTreeMap<String, String>,
}

async fn fails_halfway(prefix: &str, strategy: &str) -> anyhow::Result<FailedHalfway> {
    let s = shop_of(
        prefix,
        "odoo:18.0-testaddons-1",
        &["base", "odoo_test_commits", "odoo_test_raises"],
        // No scheduled action may write while the live database is compared.
        0,
    )
    .await?;
    let work = tempfile::tempdir()?;
    let conf = shop_conf(&s, work.path()).await?;
    let (c, d) = (conf.clone(), s.database.clone());
    tokio::task::spawn_blocking(move || {
        shell_of(
            "odoo:18.0-testaddons-1",
            &c,
            &d,
            "env['odoo_test_commits.note'].create({'name': 'kept as it was'})\n\
env['odoo_test_raises.note'].create({'name': 'kept as it was'})\n\
env.cr.commit()\n",
        )
    })
    .await??;
    let before = fingerprint(&s.database);
    assert_eq!(
        before.tables.get("odoo_test_raises_note").map(|t| t.0),
        Some(1)
    );
    let files = s
        .pods
        .claim_dir(&names::filestore_pvc("shop"))
        .join("filestore")
        .join(&s.database);
    let files_before = odoo_tests::agent::checksums(&files)?;

    let out = plugin(
        &s,
        &[
            "upgrade",
            "shop",
            "--image",
            "odoo:18.0-testaddons-2",
            "--strategy",
            strategy,
            "--yes",
            "--wait",
            "--timeout",
            "20m",
        ],
    )
    .await?;
    assert!(!out.status.success(), "{out:?}");
    let jobs: Api<OdooUpgradeJob> = s.ns.api();
    let job = jobs
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .next()
        .expect("the upgrade job");
    let status = job.status.unwrap_or_default();
    let message = status.job.message.clone().unwrap_or_default();
    assert_eq!(status.job.phase, Some(JobPhase::Failed), "{message}");
    assert!(
        message.contains("Exception: odoo_test_raises: the migration to 18.0.1.1 raised halfway"),
        "{message}"
    );
    let update = s
        .pods
        .runs()
        .into_iter()
        .rfind(|r| r.command == odoo::COMMAND)
        .expect("the update run");
    assert_ne!(update.exit_code, 0, "{}", tail(&update.output));
    Ok(FailedHalfway {
        shop: s,
        before,
        files,
        files_before,
    })
}

impl FailedHalfway {
    async fn serves_the_previous_image(self) -> anyhow::Result<()> {
        let s = self.shop;
        let serving = settles(&s.instances, InstancePhase::Running, &s.op, &s.pods).await;
        assert_eq!(
            serving.status.and_then(|st| st.image).as_deref(),
            Some("odoo:18.0-testaddons-1")
        );
        s.ns.delete().await;
        Ok(())
    }
}

/// The instance's web pod is Ready by its own probe, at the address the harness
/// gave it, which `kubectl odoo status` prints ("serving at"), where Odoo answers:
/// `/web/health`, and JSON-RPC authenticated as the admin, whose count of partners
/// is PostgreSQL's (returned). (Its Service has no endpoint: the API server
/// refuses loopback addresses in EndpointSlices.)
async fn serves_at_its_pod_address(ns: &TestNamespace, database: &str) -> anyhow::Result<i64> {
    let start = std::time::Instant::now();
    let base = loop {
        let status = status_of(ns).await?;
        let text = String::from_utf8_lossy(&status.stdout).into_owned();
        let serving = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("serving at "))
            .map(|urls| urls.split(", ").next().unwrap_or_default().to_owned());
        if let Some(url) = serving {
            break url;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "kubectl odoo status never said where shop serves:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(base.starts_with("http://127."), "{base}");
    let http = reqwest::Client::new();
    let health: serde_json::Value = serde_json::from_str(
        &http
            .get(format!("{base}/web/health"))
            .send()
            .await?
            .text()
            .await?,
    )?;
    assert_eq!(health["status"], "pass", "{health}");
    let call = |service: &str, method: &str, args: serde_json::Value| {
        let body = json!({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": { "service": service, "method": method, "args": args },
        });
        let request = http
            .post(format!("{base}/jsonrpc"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send();
        async move {
            let reply: serde_json::Value = serde_json::from_str(&request.await?.text().await?)?;
            anyhow::ensure!(reply.get("error").is_none(), "{reply}");
            Ok::<_, anyhow::Error>(reply["result"].clone())
        }
    };
    let version = call("common", "version", json!([])).await?;
    assert_eq!(version["server_serie"], "18.0", "{version}");
    let uid = call(
        "common",
        "authenticate",
        json!([database, "admin", "admin", {}]),
    )
    .await?;
    assert!(uid.as_i64().is_some_and(|u| u > 0), "{uid}");
    let counted = call(
        "object",
        "execute_kw",
        json!([database, uid, "admin", "res.partner", "search_count", [[]]]),
    )
    .await?;
    let in_postgres: i64 = scalar(
        database,
        "SELECT count(*)::text FROM res_partner WHERE active",
    )
    .await?
    .parse()?;
    assert_eq!(counted.as_i64(), Some(in_postgres), "{counted}");
    Ok(in_postgres)
}
