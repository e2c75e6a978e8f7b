//! Flags more than one backup command takes (and `restore`, for the bucket).

use odoo_model::backup_job::{BackupFormat, BackupVerify};
use odoo_model::common::{S3Bucket, S3Credentials};

use crate::error::CliError;
use crate::limits;

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
    #[arg(long, value_name = "SECRET", value_parser = limits::object_name)]
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
