//! What the operator asks of the agent: one request type per command, written into
//! the job pod's environment by [`Request::to_env`] and read back by the agent with
//! [`Request::from_env`]. Both sides hold the same typed value (a [`Location`], a
//! [`BackupFormat`], an [`OdooRelease`]), so a field one side writes and the other
//! does not read, or reads under another name, is a compile error rather than an
//! agent that fails in the pod.
//!
//! Secrets never travel in a request: the passwords and S3 keys are Secret
//! references in the pod, beside the request's variables.
//!
//! [`Location`]: crate::Location
//! [`BackupFormat`]: crate::backup_job::BackupFormat
//! [`OdooRelease`]: crate::version::OdooRelease

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;

use super::Command;
use super::env::{self, PgVars};

mod commands;
#[cfg(test)]
mod tests;

pub use commands::{
    BackupRequest, CopyRequest, DeleteRequest, FilestoreCopyRequest, RestoreRequest, SwitchRequest,
    VerifyRequest,
};

/// A command's request: its one way into a pod and its one way out.
pub trait Request: Sized {
    const COMMAND: Command;

    /// Every variable the request is read from (a manual run's flags are these).
    fn vars() -> Vec<&'static str>;

    /// The variables that carry it, each once, in a stable order.
    fn to_env(&self) -> Vec<(&'static str, String)>;

    /// Reads it back; `lookup` gives a variable's value. A variable set empty is
    /// set: an empty digest is a digest nothing matches, never a check skipped.
    fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, RequestError>;
}

/// Why the environment holds no request: the variable, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    Missing {
        var: &'static str,
    },
    Invalid {
        var: &'static str,
        value: String,
        why: String,
    },
    Conflict {
        var: &'static str,
        with: &'static str,
    },
}

impl Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestError::Missing { var } => write!(f, "{var} is not set"),
            RequestError::Invalid { var, value, why } => {
                write!(f, "{var}={value:?} is invalid: {why}")
            }
            RequestError::Conflict { var, with } => {
                write!(f, "{var} and {with} cannot both be set")
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// The reading side: typed values out of `lookup`, each error naming its variable.
struct Reader<F>(F);

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn text(&self, var: &str) -> Option<String> {
        (self.0)(var)
    }

    fn optional<T>(&self, var: &'static str) -> Result<Option<T>, RequestError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.text(var)
            .map(|value| {
                value.parse().map_err(|e: T::Err| RequestError::Invalid {
                    var,
                    why: e.to_string(),
                    value,
                })
            })
            .transpose()
    }

    fn required<T>(&self, var: &'static str) -> Result<T, RequestError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.optional(var)?.ok_or(RequestError::Missing { var })
    }

    /// A switch: unset is false; `true`, `yes`, `on`, `1` (and their opposites) in
    /// any case, as a flag's variable reads.
    fn flag(&self, var: &'static str) -> Result<bool, RequestError> {
        self.boolean(var, false)
    }

    fn boolean(&self, var: &'static str, unset: bool) -> Result<bool, RequestError> {
        let Some(value) = self.text(var) else {
            return Ok(unset);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "on" | "1" => Ok(true),
            "false" | "f" | "no" | "n" | "off" | "0" => Ok(false),
            _ => Err(RequestError::Invalid {
                var,
                value,
                why: "not true or false".into(),
            }),
        }
    }
}

/// The writing side: only what is set, a switch only when on.
#[derive(Default)]
struct Writer(Vec<(&'static str, String)>);

impl Writer {
    fn set(&mut self, var: &'static str, value: impl ToString) -> &mut Self {
        self.0.push((var, value.to_string()));
        self
    }

    fn maybe(&mut self, var: &'static str, value: Option<impl ToString>) -> &mut Self {
        if let Some(value) = value {
            self.set(var, value);
        }
        self
    }

    fn flag(&mut self, var: &'static str, on: bool) -> &mut Self {
        if on {
            self.set(var, "true");
        }
        self
    }
}

/// A connection to one database, without its password (a Secret reference in the
/// pod, [`PgVars::password`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgConnection {
    pub host: String,
    /// 5432 when unset.
    pub port: u16,
    pub user: String,
    pub database: String,
    /// `prefer` when unset.
    pub sslmode: crate::SslMode,
    /// CA certificate file for `verify-ca` and `verify-full`.
    pub sslrootcert: Option<PathBuf>,
}

impl PgConnection {
    const fn vars(names: PgVars) -> [&'static str; 6] {
        [
            names.host,
            names.port,
            names.user,
            names.database,
            names.sslmode,
            names.sslrootcert,
        ]
    }

    fn write(&self, names: PgVars, out: &mut Writer) {
        out.set(names.host, &self.host)
            .set(names.port, self.port)
            .set(names.user, &self.user)
            .set(names.database, &self.database)
            .set(names.sslmode, self.sslmode)
            .maybe(
                names.sslrootcert,
                self.sslrootcert.as_ref().map(|p| p.display()),
            );
    }

    fn read<F: Fn(&str) -> Option<String>>(
        names: PgVars,
        r: &Reader<F>,
    ) -> Result<Self, RequestError> {
        let sslmode = match r.text(names.sslmode) {
            None => crate::SslMode::default(),
            Some(value) => value.parse().map_err(|why| RequestError::Invalid {
                var: names.sslmode,
                value,
                why,
            })?,
        };
        Ok(PgConnection {
            host: r.required(names.host)?,
            port: r.optional(names.port)?.unwrap_or(5432),
            user: r.required(names.user)?,
            database: r.required(names.database)?,
            sslmode,
            sslrootcert: r.optional(names.sslrootcert)?,
        })
    }
}

/// How to reach S3; the credentials are the AWS variables, Secret references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Options {
    pub endpoint: String,
    /// `us-east-1` when unset.
    pub region: String,
    /// Path-style addressing (endpoint/bucket/key); on when unset.
    pub force_path_style: bool,
    pub insecure_skip_tls_verify: bool,
    /// Upload part size, 5 to 5120 MiB; the agent's default (16) when unset.
    pub part_size_mib: Option<u64>,
}

impl S3Options {
    pub const DEFAULT_REGION: &str = "us-east-1";
    pub const PART_SIZES_MIB: std::ops::RangeInclusive<u64> = 5..=5120;

    const VARS: [&'static str; 5] = [
        env::S3_ENDPOINT,
        env::S3_REGION,
        env::S3_FORCE_PATH_STYLE,
        env::S3_INSECURE_SKIP_TLS_VERIFY,
        env::S3_PART_SIZE_MIB,
    ];

    /// Options for `endpoint`, with every default.
    pub fn new(endpoint: impl Into<String>) -> Self {
        S3Options {
            endpoint: endpoint.into(),
            region: Self::DEFAULT_REGION.into(),
            force_path_style: true,
            insecure_skip_tls_verify: false,
            part_size_mib: None,
        }
    }

    fn write(s3: Option<&Self>, out: &mut Writer) {
        let Some(s3) = s3 else { return };
        out.set(env::S3_ENDPOINT, &s3.endpoint)
            .set(env::S3_REGION, &s3.region)
            .set(env::S3_FORCE_PATH_STYLE, s3.force_path_style)
            .set(
                env::S3_INSECURE_SKIP_TLS_VERIFY,
                s3.insecure_skip_tls_verify,
            )
            .maybe(env::S3_PART_SIZE_MIB, s3.part_size_mib);
    }

    /// `None` without an endpoint: the request names no bucket to reach.
    fn read<F: Fn(&str) -> Option<String>>(r: &Reader<F>) -> Result<Option<Self>, RequestError> {
        let Some(endpoint) = r.text(env::S3_ENDPOINT) else {
            return Ok(None);
        };
        let part_size_mib: Option<u64> = r.optional(env::S3_PART_SIZE_MIB)?;
        if let Some(size) = part_size_mib.filter(|s| !Self::PART_SIZES_MIB.contains(s)) {
            return Err(RequestError::Invalid {
                var: env::S3_PART_SIZE_MIB,
                value: size.to_string(),
                why: "S3 parts are 5 to 5120 MiB".into(),
            });
        }
        Ok(Some(S3Options {
            endpoint,
            region: r
                .text(env::S3_REGION)
                .unwrap_or_else(|| Self::DEFAULT_REGION.into()),
            force_path_style: r.boolean(env::S3_FORCE_PATH_STYLE, true)?,
            insecure_skip_tls_verify: r.flag(env::S3_INSECURE_SKIP_TLS_VERIFY)?,
            part_size_mib,
        }))
    }
}
