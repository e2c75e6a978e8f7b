//! `kubectl odoo restore NAME (--from-backup JOB | --latest-of INSTANCE | --from-s3
//! s3://BUCKET/KEY | --from-s3 s3://BUCKET[/PREFIX] --latest-of NS/NAME | --from-file
//! ZIP) [--into NEWNAME] …`: an OdooRestoreJob.
//!
//! The plan (what replaces what) is shown and confirmed before anything is written;
//! unattended runs need `--yes`. `--from-file` streams the local archive to S3 first
//! (multipart, hashed on the way) so the restore can verify it. `--into` restores into
//! a new instance with the source's spec instead of replacing anything.

use std::path::PathBuf;
use std::time::Duration;

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::Location;
use odoo_model::labels::INSTANCE_LABEL;
use odoo_model::restore_job::{PreviousDatabase, RestoreMode, RestoreSource, S3Object};
use odoo_model::{InstanceRef, OdooBackupJob, OdooInstance, OdooRestoreJob, OdooRestoreJobSpec};

use crate::commands::backup::destination::newest_destination;
use crate::commands::backup::flags::S3Flags;
use crate::commands::change;
use crate::commands::write::{DryRun, apply, name_stamp, submit};
use crate::confirm::confirm;
use crate::ctx::{Ctx, LazyCtx};
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, size};

/// Flags of `restore`.
#[derive(clap::Args, Debug)]
// --from-s3 with --latest-of reads the bucket's index; every other pair is refused.
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["from_backup", "latest_of", "from_s3", "from_file"])))]
pub struct RestoreArgs {
    /// The instance restored into (with --into: the instance whose spec is copied).
    pub name: String,
    /// Restore this OdooBackupJob.
    #[arg(long, value_name = "BACKUPJOB", conflicts_with_all = ["latest_of", "from_s3", "from_file"])]
    pub from_backup: Option<String>,
    /// Restore the latest successful backup of this instance (the newest verified
    /// one when there is one). With --from-s3 s3://BUCKET[/PREFIX]: of NAMESPACE/NAME
    /// as the bucket's index records it, with no backup resource needed.
    #[arg(long, value_name = "INSTANCE")]
    pub latest_of: Option<String>,
    /// Restore this S3 object (with --s3-endpoint and --credentials-secret), or,
    /// with --latest-of, the newest backup the bucket records.
    #[arg(long, value_name = "s3://BUCKET/KEY")]
    pub from_s3: Option<String>,
    /// Upload this local archive (an Odoo backup zip, a pg dump or SQL) to S3, then
    /// restore it. The bucket is the instance's newest backup destination unless the
    /// S3 flags name one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["latest_of", "from_s3"])]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub s3: S3Flags,
    /// Expected SHA-256 of the archive (hex).
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// Restore into a new instance of this name, with NAME's spec (and no
    /// initialization), instead of replacing NAME's database.
    #[arg(long, value_name = "NEWNAME")]
    pub into: Option<String>,
    /// Neutralize the restored database (no outgoing mail, crons or payments).
    #[arg(long)]
    pub neutralize: bool,
    /// copy: a duplicate with a new database identity; move: keep the identity.
    #[arg(long, value_enum, default_value_t = ModeArg::Copy)]
    pub mode: ModeArg,
    /// Drop the replaced database after the switch instead of keeping it.
    #[arg(long)]
    pub drop_previous: bool,
    /// Do not ask for confirmation (required when no one can answer a prompt).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Follow the restore until it ends; exit 3 if it fails, 4 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 1h).
    #[arg(long, value_parser = parse_duration, default_value = "1h")]
    pub timeout: Duration,
    /// none: restore; client: print the job without sending it (nothing uploaded);
    /// server: have the API server validate it without storing it.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: DryRun,
    /// Output format of the created job (table: `odoorestorejob/NAME created`).
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// Restore mode flag.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    Copy,
    Move,
}

/// The restore job for a resolved source. Pure.
pub fn build(
    args: &RestoreArgs,
    target: &str,
    source: RestoreSource,
    sha256: Option<String>,
    now: k8s_openapi::jiff::Timestamp,
) -> OdooRestoreJob {
    let mut restore = OdooRestoreJob::new(
        &format!("{target}-restore-{}", name_stamp(now)),
        OdooRestoreJobSpec {
            instance_ref: InstanceRef {
                name: target.to_owned(),
            },
            source,
            sha256: sha256.or_else(|| args.sha256.clone()),
            mode: match args.mode {
                ModeArg::Copy => RestoreMode::Copy,
                ModeArg::Move => RestoreMode::Move,
            },
            neutralize: args.neutralize,
            previous_database: if args.drop_previous {
                PreviousDatabase::Drop
            } else {
                PreviousDatabase::Keep
            },
        },
    );
    restore
        .labels_mut()
        .insert(INSTANCE_LABEL.into(), target.to_owned());
    restore
}

/// A new instance with `source`'s spec: no initialization (the restore fills the
/// database), no ingress hosts (they belong to the source), its own database name
/// and role (the source's role is the source's: the operator would refuse it).
pub fn copy_instance(source: &OdooInstance, name: &str) -> OdooInstance {
    let mut spec = source.spec.clone();
    spec.init.enabled = false;
    spec.database.name = None;
    spec.database.role = None;
    spec.ingress = None;
    OdooInstance::new(name, spec)
}

/// The key an uploaded archive gets.
pub fn upload_key(namespace: &str, instance: &str, file: &std::path::Path, now: &str) -> String {
    let file_name = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup.zip".into());
    format!("uploads/{namespace}/{instance}/{now}-{file_name}")
}

/// What the restore reads, before anything is uploaded.
enum Source {
    /// The source, what it is in words, and the SHA-256 the restore must find.
    Ready(RestoreSource, String, Option<String>),
    Upload {
        bucket: odoo_model::common::S3Bucket,
        key: String,
        file: PathBuf,
    },
}

/// What the flags name as the source; an upload is only planned here.
async fn resolve_source(
    ctx: &Ctx,
    args: &RestoreArgs,
    target: &str,
    now: k8s_openapi::jiff::Timestamp,
    printer: &Printer,
) -> Result<Source, CliError> {
    match (&args.from_backup, &args.latest_of, &args.from_s3) {
        (Some(backup), _, _) => of_backup(ctx, backup).await,
        (_, Some(instance), Some(url)) => {
            let (object, what, sha) = crate::commands::backup::from_bucket::latest(
                ctx,
                url,
                instance,
                &args.s3,
                args.sha256.as_deref(),
                printer,
            )
            .await?;
            let source = RestoreSource {
                s3: Some(object),
                ..Default::default()
            };
            Ok(Source::Ready(source, what, Some(sha)))
        }
        (_, Some(instance), None) => latest_of(ctx, instance).await,
        (_, None, Some(url)) => of_object(url, &args.s3),
        (None, None, None) => upload(ctx, args, target, now).await,
    }
}

/// `--from-backup`: a succeeded backup of the namespace.
async fn of_backup(ctx: &Ctx, backup: &str) -> Result<Source, CliError> {
    let ns = &ctx.namespace;
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let job = crate::commands::backup::describe::get(&api, backup, ns).await?;
    let status = job.status.clone().unwrap_or_default();
    if status.job.phase != Some(odoo_model::JobPhase::Succeeded) {
        return Err(CliError::Precondition(format!(
            "odoobackupjob/{backup} has not succeeded (phase {}); it cannot be restored",
            crate::commands::backup::list::phase(&job)
        )));
    }
    let what = format!(
        "odoobackupjob/{backup} ({}, {}, sha256 {})",
        status.location.unwrap_or_else(|| "-".into()),
        status
            .size_bytes
            .map(size)
            .unwrap_or_else(|| "size unknown".into()),
        status.sha256.unwrap_or_else(|| "-".into())
    );
    let source = RestoreSource {
        backup_job: Some(backup.to_owned()),
        ..Default::default()
    };
    Ok(Source::Ready(source, what, None))
}

/// `--latest-of INSTANCE`: the backup the operator will take, said here.
async fn latest_of(ctx: &Ctx, instance: &str) -> Result<Source, CliError> {
    let ns = &ctx.namespace;
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), ns);
    change::get(&instances, instance, ns).await?;
    // The operator takes the same one (the model crate's rule): say which.
    let api: Api<OdooBackupJob> = Api::namespaced(ctx.client.clone(), ns);
    let backups = api
        .list(&Default::default())
        .await
        .map_err(CliError::api("listing odoobackupjobs"))?
        .items;
    let Some(latest) = odoo_model::backup_job::latest_backup_of(&backups, instance) else {
        return Err(CliError::Precondition(format!(
            "odoo/{instance} has no succeeded backup to restore"
        )));
    };
    let source = RestoreSource {
        latest_backup_of: Some(InstanceRef {
            name: instance.to_owned(),
        }),
        ..Default::default()
    };
    Ok(Source::Ready(
        source,
        latest.describe(&format!("odoo/{instance}")),
        None,
    ))
}

/// `--from-s3 s3://BUCKET/KEY`: one object.
fn of_object(url: &str, flags: &S3Flags) -> Result<Source, CliError> {
    let (bucket, key) = crate::s3::parse_url(url).ok_or_else(|| {
        CliError::Usage(format!("--from-s3 {url:?}: write it as s3://BUCKET/KEY"))
    })?;
    let bucket = flags.bucket(Some(&bucket))?;
    let what = format!("{url} ({})", bucket.endpoint);
    let source = RestoreSource {
        s3: Some(S3Object { bucket, key }),
        ..Default::default()
    };
    Ok(Source::Ready(source, what, None))
}

/// `--from-file`: where the file will be uploaded.
async fn upload(
    ctx: &Ctx,
    args: &RestoreArgs,
    target: &str,
    now: k8s_openapi::jiff::Timestamp,
) -> Result<Source, CliError> {
    let ns = &ctx.namespace;
    let file = args.from_file.clone().unwrap_or_default();
    if !file.is_file() {
        return Err(CliError::Usage(format!(
            "--from-file {}: no such file",
            file.display()
        )));
    }
    let bucket = if args.s3.given() {
        args.s3.bucket(None)?
    } else {
        newest_destination(&ctx.client, ns, &args.name)
            .await?
            .and_then(|(_, d)| d.s3)
            .map(|s3| s3.bucket)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "odoo/{} has no S3 backup destination to upload to; give --s3-endpoint, --bucket and --credentials-secret",
                    args.name
                ))
            })?
    };
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    Ok(Source::Upload {
        key: upload_key(ns, target, &file, &stamp),
        bucket,
        file,
    })
}

/// What the restore will do, in words: shown, and confirmed unless unattended. Pure.
fn plan(args: &RestoreArgs, source: &Source, instance: &OdooInstance, ns: &str) -> String {
    let source_text = match source {
        Source::Ready(_, what, _) => what.clone(),
        Source::Upload { bucket, key, file } => format!(
            "{} (uploaded first to {})",
            file.display(),
            Location::s3(&bucket.bucket, key)
        ),
    };
    let target_text = match &args.into {
        Some(into) => format!(
            "a new instance odoo/{into} with odoo/{}'s spec (no initialization, no ingress hosts)",
            args.name
        ),
        None => {
            let status = instance.status.clone().unwrap_or_default();
            format!(
                "odoo/{} in namespace {ns}: its database {} on cluster {} ⇒ replaced by the restored one",
                args.name,
                status
                    .database
                    .unwrap_or_else(|| odoo_model::names::default_database(ns, &args.name)),
                instance
                    .spec
                    .database
                    .cluster
                    .clone()
                    .unwrap_or_else(|| "default".into())
            )
        }
    };
    format!(
        "Restore plan:\n  from:      {source_text}\n  into:      {target_text}\n  previous:  {}\n  mode:      {}\n  neutralize: {}",
        if args.drop_previous {
            "dropped after the switch"
        } else {
            "kept under a dated name"
        },
        match args.mode {
            ModeArg::Copy => "copy (new database identity)",
            ModeArg::Move => "move (identity kept)",
        },
        // `--into` copies the source's spec, environment included.
        match (args.neutralize, instance.spec.environment) {
            (true, _) => "yes".to_owned(),
            (false, odoo_model::instance::Environment::Production) => "no".to_owned(),
            (false, env) => format!("yes (the instance is {env:?}: its restores always are)"),
        }
    )
}

/// The job's source: an upload is made now (not on a dry run), and its digest
/// is what the restore must find.
async fn uploaded(
    ctx: &Ctx,
    printer: &Printer,
    source: Source,
    dry_run: DryRun,
) -> Result<(RestoreSource, Option<String>), CliError> {
    let (bucket, key, file) = match source {
        Source::Ready(s, _, sha) => return Ok((s, sha)),
        Source::Upload { bucket, key, file } => (bucket, key, file),
    };
    let mut sha = None;
    if dry_run == DryRun::None {
        let location = Location::s3(&bucket.bucket, &key).to_string();
        let store = crate::s3::store(&ctx.client, &ctx.namespace, &bucket).await?;
        printer.note(&format!("Uploading {} to {location} …", file.display()));
        let (bytes, digest) = crate::s3::upload(&store, &location, &key, &file).await?;
        printer.note(&format!(
            "Uploaded {} (sha256 {digest}).",
            size(bytes as i64)
        ));
        sha = Some(digest);
    }
    let source = RestoreSource {
        s3: Some(S3Object { bucket, key }),
        ..Default::default()
    };
    Ok((source, sha))
}

pub async fn run(ctx: &LazyCtx, args: RestoreArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = ctx.namespace.clone();
    let now = k8s_openapi::jiff::Timestamp::now();
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    let source_instance = change::get(&instances, &args.name, &ns).await?;
    let target = args.into.clone().unwrap_or_else(|| args.name.clone());
    if let Some(into) = &args.into
        && instances
            .get_opt(into)
            .await
            .map_err(CliError::api(format!("reading odoo/{into}")))?
            .is_some()
    {
        return Err(CliError::Precondition(format!(
            "odoo/{into} already exists; restore into it with kubectl odoo restore {into} …, or pick a new name"
        )));
    }
    let source = resolve_source(ctx, &args, &target, now, printer).await?;

    let plan = plan(&args, &source, &source_instance, &ns);
    // A dry run changes nothing, and a restore into a new instance replaces nothing.
    if args.dry_run == DryRun::None && args.into.is_none() {
        // Unattended runs say what they restore too: the plan is the CI log's
        // record of which archive replaced the database.
        if args.yes {
            printer.note(&plan);
        }
        confirm(
            printer,
            args.yes,
            &plan, "the instance name",
            &args.name,
            format!(
                "restoring replaces the database of odoo/{}; confirm by running it from a terminal, or pass --yes\n{plan}",
                args.name
            ),
        )
        .await?;
    } else {
        printer.note(&plan);
    }

    let (restore_source, sha256) = uploaded(ctx, printer, source, args.dry_run).await?;
    let restore = build(&args, &target, restore_source, sha256, now);
    if let Some(into) = &args.into
        && args.dry_run != DryRun::Client
    {
        let mut copy = copy_instance(&source_instance, into);
        copy.metadata.namespace = Some(ns.clone());
        let created = apply(&ctx.client, &ns, &copy, args.dry_run).await?;
        if args.dry_run == DryRun::None {
            printer.note(&format!("odoo/{} created", created.name_any()));
        }
    }
    submit(
        ctx,
        printer,
        restore,
        args.dry_run,
        args.wait.then_some(args.timeout),
        &format!("kubectl get odoorestorejob {{name}} -n {ns} -w"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: RestoreArgs,
    }

    #[test]
    fn exactly_one_source_is_required() {
        assert!(Wrapper::try_parse_from(["restore", "shop"]).is_err());
        assert!(
            Wrapper::try_parse_from(["restore", "shop", "--from-backup", "b", "--latest-of", "x"])
                .is_err()
        );
        assert!(Wrapper::try_parse_from(["restore", "shop", "--latest-of", "x"]).is_ok());
        // The bucket's index: --from-s3 with --latest-of, and nothing else paired.
        let from_bucket = [
            "restore",
            "shop",
            "--from-s3",
            "s3://b",
            "--latest-of",
            "t/x",
        ];
        assert!(Wrapper::try_parse_from(from_bucket).is_ok());
        let with_file = [
            "restore",
            "shop",
            "--from-file",
            "f.zip",
            "--from-s3",
            "s3://b/k",
        ];
        assert!(Wrapper::try_parse_from(with_file).is_err());
        let with_backup = [
            "restore",
            "shop",
            "--from-backup",
            "b",
            "--from-s3",
            "s3://b/k",
        ];
        assert!(Wrapper::try_parse_from(with_backup).is_err());
    }

    #[test]
    fn the_plan_names_source_target_and_neutralization() {
        let args = Wrapper::parse_from(["restore", "shop", "--from-backup", "b1"]).args;
        let mut instance = OdooInstance::new("shop", Default::default());
        instance.spec.environment = odoo_model::instance::Environment::Staging;
        let source = Source::Ready(
            RestoreSource::default(),
            "odoobackupjob/b1 (…)".into(),
            None,
        );
        let plan = plan(&args, &source, &instance, "team");
        assert!(plan.contains("from:      odoobackupjob/b1 (…)"), "{plan}");
        assert!(
            plan.contains("odoo/shop in namespace team: its database team_shop"),
            "{plan}"
        );
        assert!(plan.contains("yes (the instance is Staging"), "{plan}");
    }

    #[test]
    fn flags_become_the_job_and_uploads_get_a_dated_key() {
        let args = Wrapper::parse_from([
            "restore",
            "shop",
            "--from-backup",
            "shop-backup-1",
            "--neutralize",
            "--mode",
            "move",
            "--drop-previous",
        ])
        .args;
        let now: k8s_openapi::jiff::Timestamp = "2026-11-25T10:00:00Z".parse().expect("time");
        let source = RestoreSource {
            backup_job: Some("shop-backup-1".into()),
            ..Default::default()
        };
        let job = build(&args, "shop", source, None, now);
        assert_eq!(job.name_any(), "shop-restore-20261125100000");
        assert!(job.spec.neutralize);
        assert_eq!(job.spec.mode, RestoreMode::Move);
        assert_eq!(job.spec.previous_database, PreviousDatabase::Drop);
        assert_eq!(
            upload_key(
                "team",
                "shop",
                std::path::Path::new("/tmp/My.zip"),
                "20261125T100000Z"
            ),
            "uploads/team/shop/20261125T100000Z-My.zip"
        );
    }
}
