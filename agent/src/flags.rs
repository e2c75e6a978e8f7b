//! A manual run's flags: one per variable of a command's request, named after it
//! (`ODOO_AGENT_SOURCE` is `--source`, `PGHOST` is `--pg-host`,
//! `ODOO_AGENT_TARGET_PGHOST` is `--target-pg-host`). A flag fills its variable and
//! beats the environment's value; the request is then read once, by the contract's
//! own [`Request::from_env`], as the operator's pods give it. So the flags cannot
//! say anything a pod's environment could not.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use odoo_model::agent::{Request, RequestError};

pub struct Flags<R> {
    given: BTreeMap<&'static str, String>,
    request: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Flags<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(&self.given).finish()
    }
}

impl<R: Request> Flags<R> {
    /// The request: each variable from its flag, else from the environment.
    pub fn read(&self) -> Result<R, RequestError> {
        R::from_env(|var| {
            self.given
                .get(var)
                .cloned()
                .or_else(|| std::env::var(var).ok())
        })
    }
}

/// The flag of a variable.
pub fn flag_name(var: &str) -> String {
    let name = var.strip_prefix("ODOO_AGENT_").unwrap_or(var);
    name.split('_')
        .map(|word| match word.strip_prefix("PG") {
            Some(rest) if !rest.is_empty() => format!("pg-{rest}"),
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("-")
        .to_ascii_lowercase()
}

impl<R: Request> clap::Args for Flags<R> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        R::vars().into_iter().fold(cmd, |cmd, var| {
            cmd.arg(
                clap::Arg::new(var)
                    .long(flag_name(var))
                    .value_name("VALUE")
                    // A bare switch (`--count-rows`) is its variable set to true.
                    .num_args(0..=1)
                    .default_missing_value("true")
                    .help(format!("Sets {var}")),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl<R: Request> clap::FromArgMatches for Flags<R> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let given = R::vars()
            .into_iter()
            .filter_map(|var| Some((var, matches.get_one::<String>(var)?.clone())))
            .collect();
        Ok(Flags {
            given,
            request: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};
    use odoo_model::agent::{CopyRequest, RestoreRequest, env};

    #[derive(Parser)]
    struct Restore {
        #[command(flatten)]
        flags: Flags<RestoreRequest>,
    }

    #[derive(Parser)]
    struct Copy {
        #[command(flatten)]
        flags: Flags<CopyRequest>,
    }

    #[test]
    fn every_variable_has_the_flag_manual_runs_have_always_used() {
        for (var, flag) in [
            (env::SOURCE, "source"),
            (env::EXPECTED_SHA256, "expected-sha256"),
            (env::ODOO_VERSION, "odoo-version"),
            (env::S3_PART_SIZE_MIB, "s3-part-size-mib"),
            (env::PG.host, "pg-host"),
            (env::PG.sslmode, "pg-sslmode"),
            (env::TARGET_PG.database, "target-pg-database"),
        ] {
            assert_eq!(flag_name(var), flag);
        }
        Restore::command().debug_assert();
        Copy::command().debug_assert();
    }

    #[test]
    fn flags_fill_the_request_the_environment_would() {
        let cli = Restore::try_parse_from([
            "restore",
            "--pg-host=pg",
            "--pg-user=u",
            "--pg-database=d",
            "--source",
            "/backup/a.zip",
            "--skip-filestore",
        ])
        .expect("flags");
        let request = cli.flags.read().expect("a request");
        assert_eq!(request.database.database, "d");
        assert_eq!(request.source.to_string(), "/backup/a.zip");
        assert!(request.skip_filestore);
        // A flag's value is read as the variable's would be.
        let bad = Restore::try_parse_from([
            "restore",
            "--pg-host=pg",
            "--pg-user=u",
            "--pg-database=d",
            "--source=relative.zip",
        ])
        .expect("flags");
        assert!(matches!(
            bad.flags.read(),
            Err(RequestError::Invalid {
                var: "ODOO_AGENT_SOURCE",
                ..
            })
        ));
    }
}
