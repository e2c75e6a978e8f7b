//! `kubectl odoo backup create|list|check|describe|download|schedule|delete|orphans`: OdooBackupJobs
//! and OdooBackupSchedules. The destination flags and how a destination is reused
//! (`--like`, or the instance's newest backup) are shared here.

pub mod check;
pub mod create;
pub mod delete;
pub mod describe;
pub mod download;
pub mod from_bucket;
pub mod list;
pub mod orphans;
pub mod schedule;

use kube::ResourceExt;
use kube::api::{Api, ListParams};
use odoo_model::backup_job::{
    BackupDestination, BackupFormat, BackupVerify, PvcDestination, S3Destination,
};
use odoo_model::common::{S3Bucket, S3Credentials};
use odoo_model::{OdooBackupJob, OdooBackupSchedule};

use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::Printer;

/// Flags of `backup`.
#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum BackupCommand {
    /// Back up an instance now (an OdooBackupJob); --wait follows it.
    Create(create::CreateArgs),
    /// List backups, newest first.
    #[command(alias = "ls", alias = "get")]
    List(list::ListArgs),
    /// Instances with no backup newer than --max-age (exit 3 when any), for cron
    /// jobs and CI.
    Check(check::CheckArgs),
    /// Show a backup's outcome: location, size, checksum, versions, duration, events.
    Describe(describe::DescribeArgs),
    /// Download a backup's archive from S3, verifying its checksum.
    Download(download::DownloadArgs),
    /// Create or update a backup schedule (an OdooBackupSchedule) of an instance.
    Schedule(schedule::ScheduleArgs),
    /// Delete a backup and its archive (--keep-archive keeps the archive).
    Delete(delete::DeleteArgs),
    /// Databases no instance owns (the operator's census) and, with --from-s3,
    /// archives no backup resource records.
    Orphans(orphans::OrphansArgs),
}

impl BackupCommand {
    /// The `-o` format given, if the subcommand has one.
    pub fn output(&self) -> Option<OutputFormat> {
        match self {
            BackupCommand::Create(a) => a.output,
            BackupCommand::List(a) => Some(a.output),
            BackupCommand::Check(a) => Some(a.output),
            BackupCommand::Describe(a) => Some(a.output),
            BackupCommand::Schedule(a) => a.output,
            BackupCommand::Orphans(a) => Some(a.output),
            BackupCommand::Download(_) | BackupCommand::Delete(_) => None,
        }
    }
}

pub async fn run(ctx: &LazyCtx, args: BackupArgs, printer: &Printer) -> Result<(), CliError> {
    match args.command {
        BackupCommand::Create(a) => create::run(ctx, a, printer).await,
        BackupCommand::List(a) => list::run(ctx, a, printer).await,
        BackupCommand::Check(a) => check::run(ctx, a, printer).await,
        BackupCommand::Describe(a) => describe::run(ctx, a, printer).await,
        BackupCommand::Download(a) => download::run(ctx, a, printer).await,
        BackupCommand::Schedule(a) => schedule::run(ctx, a, printer).await,
        BackupCommand::Delete(a) => delete::run(ctx, a, printer).await,
        BackupCommand::Orphans(a) => orphans::run(ctx, a, printer).await,
    }
}

/// The `--format` flag's parser: the model's formats by their extensions, listed
/// for help and completion.
pub fn format_parser() -> impl clap::builder::TypedValueParser<Value = BackupFormat> {
    use clap::builder::TypedValueParser as _;
    let values = BackupFormat::ALL
        .map(|f| clap::builder::PossibleValue::new(f.extension()).help(f.summary()));
    clap::builder::PossibleValuesParser::new(values).try_map(|text| text.parse::<BackupFormat>())
}

/// Verification flag: how the stored backup is checked before it counts.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VerifyArg {
    /// The report and the operator's look at the stored object only.
    #[default]
    None,
    /// Read the stored archive back end to end (CRCs, SHA-256, manifest).
    Archive,
    /// Also load it into a scratch database and compare row counts.
    Restore,
}

impl From<VerifyArg> for BackupVerify {
    fn from(v: VerifyArg) -> BackupVerify {
        match v {
            VerifyArg::None => BackupVerify::None,
            VerifyArg::Archive => BackupVerify::Archive,
            VerifyArg::Restore => BackupVerify::Restore,
        }
    }
}

/// How to reach an S3 bucket; shared with `restore`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct S3Flags {
    /// Endpoint URL of the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com.
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// Bucket name.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Region of the bucket.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
    #[arg(long, value_name = "SECRET")]
    pub credentials_secret: Option<String>,
    /// Skip TLS certificate verification (test setups with self-signed certificates).
    #[arg(long)]
    pub s3_insecure_skip_tls_verify: bool,
}

impl S3Flags {
    /// True when any bucket flag was given.
    pub fn given(&self) -> bool {
        self.s3_endpoint.is_some() || self.bucket.is_some() || self.credentials_secret.is_some()
    }

    /// The bucket these flags name; `bucket` overrides `--bucket` (from an s3:// URL).
    pub fn bucket(&self, bucket: Option<&str>) -> Result<S3Bucket, CliError> {
        let missing = |flag: &str| {
            CliError::Usage(format!(
                "an S3 location needs --s3-endpoint, --bucket and --credentials-secret; {flag} is missing"
            ))
        };
        let endpoint = self
            .s3_endpoint
            .clone()
            .ok_or_else(|| missing("--s3-endpoint"))?;
        if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
            return Err(CliError::Usage(format!(
                "--s3-endpoint {endpoint:?} must be an http:// or https:// URL"
            )));
        }
        Ok(S3Bucket {
            endpoint,
            bucket: bucket
                .map(str::to_owned)
                .or_else(|| self.bucket.clone())
                .ok_or_else(|| missing("--bucket"))?,
            region: self.region.clone().unwrap_or_else(|| "us-east-1".into()),
            credentials: S3Credentials {
                secret_name: self
                    .credentials_secret
                    .clone()
                    .ok_or_else(|| missing("--credentials-secret"))?,
                access_key_id_key: "AWS_ACCESS_KEY_ID".into(),
                secret_access_key_key: "AWS_SECRET_ACCESS_KEY".into(),
            },
            force_path_style: true,
            insecure_skip_tls_verify: self.s3_insecure_skip_tls_verify,
        })
    }
}

/// Where a backup goes: S3 flags, a volume, or the destination of another backup or
/// schedule; the instance's own newest destination when none is given.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DestinationArgs {
    #[command(flatten)]
    pub s3: S3Flags,
    /// Object key (or volume path) template; {namespace}, {instance}, {database},
    /// {timestamp} and {ext} are replaced.
    #[arg(long, value_name = "TEMPLATE")]
    pub key: Option<String>,
    /// Write to this PersistentVolumeClaim instead of S3.
    #[arg(long, value_name = "CLAIM", conflicts_with_all = ["s3_endpoint", "bucket", "credentials_secret"])]
    pub pvc: Option<String>,
    /// Path template inside the volume (with --pvc).
    #[arg(long, value_name = "PATH", requires = "pvc")]
    pub path: Option<String>,
    /// Reuse the destination of this OdooBackupJob or OdooBackupSchedule.
    #[arg(long, value_name = "BACKUPJOB_OR_SCHEDULE", conflicts_with_all = ["s3_endpoint", "bucket", "credentials_secret", "pvc"])]
    pub like: Option<String>,
}

const DEFAULT_TEMPLATE: &str = "{namespace}/{instance}/{timestamp}.{ext}";

impl DestinationArgs {
    /// The destination from the flags alone; None when they name none (`--like` and
    /// reuse need the API).
    pub fn from_flags(&self) -> Result<Option<BackupDestination>, CliError> {
        let template = self.key.clone().unwrap_or_else(|| DEFAULT_TEMPLATE.into());
        if let Some(claim) = &self.pvc {
            return Ok(Some(BackupDestination {
                pvc: Some(PvcDestination {
                    claim_name: claim.clone(),
                    path: self.path.clone().unwrap_or(template),
                }),
                s3: None,
            }));
        }
        if self.s3.given() {
            return Ok(Some(BackupDestination {
                s3: Some(S3Destination {
                    bucket: self.s3.bucket(None)?,
                    key: template,
                }),
                pvc: None,
            }));
        }
        Ok(None)
    }

    /// The destination: flags, `--like`, or the instance's newest one.
    pub async fn resolve(
        &self,
        client: &kube::Client,
        namespace: &str,
        instance: &str,
    ) -> Result<BackupDestination, CliError> {
        if let Some(dest) = self.from_flags()? {
            return Ok(dest);
        }
        let mut dest = match &self.like {
            Some(like) => like_destination(client, namespace, like).await?,
            None => newest_destination(client, namespace, instance)
                .await?
                .map(|(_, d)| d)
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "odoo/{instance} has no backup or schedule to take a destination from; give --s3-endpoint, --bucket and --credentials-secret, --pvc CLAIM, or --like BACKUP"
                    ))
                })?,
        };
        if let Some(key) = &self.key {
            if let Some(s3) = dest.s3.as_mut() {
                s3.key = key.clone();
            }
            if let Some(pvc) = dest.pvc.as_mut() {
                pvc.path = key.clone();
            }
        }
        Ok(dest)
    }
}

/// The destination of the OdooBackupJob or OdooBackupSchedule named `like`.
async fn like_destination(
    client: &kube::Client,
    namespace: &str,
    like: &str,
) -> Result<BackupDestination, CliError> {
    let jobs: Api<OdooBackupJob> = Api::namespaced(client.clone(), namespace);
    if let Some(job) = jobs
        .get_opt(like)
        .await
        .map_err(CliError::api(format!("reading odoobackupjob/{like}")))?
    {
        return Ok(job.spec.backup.destination);
    }
    let schedules: Api<OdooBackupSchedule> = Api::namespaced(client.clone(), namespace);
    schedules
        .get_opt(like)
        .await
        .map_err(CliError::api(format!("reading odoobackupschedule/{like}")))?
        .map(|s| s.spec.template.destination)
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "--like {like}: no odoobackupjob or odoobackupschedule of that name in namespace {namespace}"
            ))
        })
}

/// The backups of `instance` (all of the namespace when None), newest first.
pub async fn backups_of(
    client: &kube::Client,
    namespace: Option<&str>,
    instance: Option<&str>,
) -> Result<Vec<OdooBackupJob>, CliError> {
    let api: Api<OdooBackupJob> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mut items: Vec<OdooBackupJob> = api
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing backups"))?
        .items
        .into_iter()
        .filter(|j| instance.is_none_or(|i| j.spec.instance_ref.name == i))
        .collect();
    items.sort_by(|a, b| {
        (b.creation_timestamp().map(|t| t.0), b.name_any())
            .cmp(&(a.creation_timestamp().map(|t| t.0), a.name_any()))
    });
    Ok(items)
}

/// The destination of the instance's newest backup, else of one of its schedules,
/// with what it came from (`odoobackupjob/NAME`).
pub async fn newest_destination(
    client: &kube::Client,
    namespace: &str,
    instance: &str,
) -> Result<Option<(String, BackupDestination)>, CliError> {
    if let Some(job) = backups_of(client, Some(namespace), Some(instance))
        .await?
        .into_iter()
        .next()
    {
        return Ok(Some((
            format!("odoobackupjob/{}", job.name_any()),
            job.spec.backup.destination,
        )));
    }
    let schedules: Api<OdooBackupSchedule> = Api::namespaced(client.clone(), namespace);
    let found = schedules
        .list(&ListParams::default())
        .await
        .map_err(CliError::api("listing backup schedules"))?
        .items
        .into_iter()
        .find(|s| s.spec.instance_ref.name == instance);
    Ok(found.map(|s| {
        (
            format!("odoobackupschedule/{}", s.name_any()),
            s.spec.template.destination,
        )
    }))
}

/// `s3://bucket/key-template` or `pvc://claim/path` for display.
pub fn describe_destination(d: &BackupDestination) -> String {
    match (&d.s3, &d.pvc) {
        (Some(s3), _) => format!(
            "{} ({})",
            odoo_model::Location::s3(&s3.bucket.bucket, &s3.key),
            s3.bucket.endpoint
        ),
        (_, Some(pvc)) => format!("pvc://{}/{}", pvc.claim_name, pvc.path),
        _ => "-".into(),
    }
}
