//! What the Job pods of a simulated image (`simulated/odoo:<series>…`) run in place
//! of Odoo: the pod's own `odoo` arguments, against the real PostgreSQL its mounted
//! `odoo.conf` names, connected as the role that file names (the instance's own).
//! It leaves in `ir_module_module` what Odoo's init or update leaves there that the
//! operator reads (each module's state, `latest_version` at the image's series and
//! `write_date`), so no test writes those rows by hand, and a Job of a simulated
//! image never succeeds without something having run. `odoo neutralize` runs what
//! Odoo's `base` module's `neutralize.sql` does, on the tables the database has;
//! `odoo shell` opens only a database whose `base` is installed, as Odoo's
//! registry does, and writes nothing.
//!
//! Some image tags stand for what a broken release does (see [`Behaviour`]).

use anyhow::{Context as _, bail};
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;

use super::{Kubelet, Run};

/// An image whose `odoo` exits 1 at once, as a release that cannot start does.
pub const FAILS_IN_JOBS: &str = "simulated/odoo:19.0-fails-in-jobs";
/// An image whose `odoo` exits 0 and does nothing at all: its exit code is the only
/// thing the operator could take as evidence, and it must not.
pub const DOES_NOTHING: &str = "simulated/odoo:18.0-does-nothing";
/// An image whose update exits 0 but leaves module `sale` `to upgrade`, as an update
/// that stopped halfway without an error does.
pub const STOPS_HALFWAY: &str = "simulated/odoo:18.0-stops-halfway";
/// An image whose init and update work, but whose `odoo shell` cannot open a
/// database, as a release whose models do not match the data cannot.
pub const CANNOT_OPEN: &str = "simulated/odoo:17.0-cannot-open";
/// An image whose `odoo neutralize` exits 0 and changes nothing.
pub const NEUTRALIZE_DOES_NOTHING: &str = "simulated/odoo:17.0-neutralize-does-nothing";

/// What the image's `odoo` does, by its tag's suffix, whatever its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Works,
    Fails,
    DoesNothing,
    StopsHalfway,
    CannotOpen,
    NeutralizeDoesNothing,
}

impl Behaviour {
    fn of(image: &str) -> Behaviour {
        let tag = image.rsplit_once(':').map_or("", |(_, tag)| tag);
        if tag.ends_with("-fails-in-jobs") {
            Behaviour::Fails
        } else if tag.ends_with("-neutralize-does-nothing") {
            Behaviour::NeutralizeDoesNothing
        } else if tag.ends_with("-does-nothing") {
            Behaviour::DoesNothing
        } else if tag.ends_with("-stops-halfway") {
            Behaviour::StopsHalfway
        } else if tag.ends_with("-cannot-open") {
            Behaviour::CannotOpen
        } else {
            Behaviour::Works
        }
    }
}

/// What the arguments ask for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Request {
    /// `shell`, `neutralize`: the first argument when it is not an option; none
    /// for the server (init and update).
    command: Option<String>,
    config: Option<String>,
    database: Option<String>,
    init: Vec<String>,
    update: Vec<String>,
}

fn request(args: &[String]) -> Request {
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut r = Request {
        command: args.first().filter(|a| !a.starts_with('-')).cloned(),
        ..Request::default()
    };
    for a in args {
        if let Some(v) = a.strip_prefix("--config=") {
            r.config = Some(v.into());
        } else if let Some(v) = a.strip_prefix("--database=") {
            r.database = Some(v.into());
        } else if let Some(v) = a.strip_prefix("--init=") {
            r.init = list(v);
        } else if let Some(v) = a.strip_prefix("--update=") {
            r.update = list(v);
        }
    }
    r
}

/// Runs a Job pod of a simulated image to its end: the run, and the termination
/// message its container leaves (the log's tail on failure, as Odoo's pods say it).
pub(super) async fn run(kubelet: &Kubelet, pod: &Pod) -> anyhow::Result<(Run, String)> {
    let name = pod.name_any();
    let spec = pod.spec.clone().context("pod without spec")?;
    let container = spec.containers.first().context("pod without containers")?;
    let image = container.image.clone().unwrap_or_default();
    let mounts = kubelet.mounts(pod).await?;
    let args = super::odoo::mapped_args(container, &mounts);
    let (exit_code, log) = match play(&image, &request(&args)).await {
        Ok(log) => (0, log),
        Err(e) => (
            1,
            format!(
                "{} 1 ERROR ? odoo.service.server: {e:#}\nException: {e:#}\n",
                now()
            ),
        ),
    };
    let message = if exit_code == 0 {
        String::new()
    } else {
        super::odoo::tail(&log)
    };
    let run = Run {
        pod: name,
        command: super::odoo::COMMAND.into(),
        exit_code,
        output: log,
    };
    Ok((run, message))
}

fn now() -> String {
    k8s_openapi::jiff::Zoned::now()
        .strftime("%Y-%m-%d %H:%M:%S,%3f")
        .to_string()
}

/// Does what the image's `odoo` does with `request`; its log.
async fn play(image: &str, request: &Request) -> anyhow::Result<String> {
    let behaviour = Behaviour::of(image);
    match behaviour {
        Behaviour::Fails => bail!("{image} cannot start (a simulated broken release)"),
        Behaviour::DoesNothing => return Ok(String::new()),
        Behaviour::NeutralizeDoesNothing if request.command.as_deref() == Some("neutralize") => {
            return Ok(String::new());
        }
        Behaviour::CannotOpen if request.command.as_deref() == Some("shell") => {
            bail!(
                "{image} cannot open the database (a simulated release whose models do not match it)"
            )
        }
        _ => {}
    }
    let series = odoo_model::OdooVersion::of_image(image)
        .with_context(|| format!("{image} names no Odoo series"))?;
    let version = format!("{}.{}.1.0", series.major, series.minor);
    let config = request
        .config
        .as_deref()
        .context("no --config: Odoo would read no database settings")?;
    let config = std::path::Path::new(config);
    let setting = |key: &str| -> anyhow::Result<String> {
        super::odoo::option(config, key)?
            .with_context(|| format!("{} has no {key}", config.display()))
    };
    let database = request
        .database
        .clone()
        .context("no --database: the Job names no database")?;
    let (client, connection) = tokio_postgres::Config::new()
        .host(setting("db_host")?)
        .port(setting("db_port")?.parse().context("db_port")?)
        .user(setting("db_user")?)
        .password(setting("db_password")?)
        .dbname(&database)
        .connect(tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to database {database}"))?;
    tokio::spawn(connection);
    match request.command.as_deref() {
        None => {}
        Some("shell") => return open(&client, &database).await,
        Some("neutralize") => return neutralize(&client, &database).await,
        Some(other) => bail!("odoo {other}: the stand-in does not know this command"),
    }
    let mut log = String::new();
    if !request.init.is_empty() {
        // Odoo's init installs base whatever else it is asked for.
        let mut modules = vec!["base".to_owned()];
        modules.extend(request.init.iter().filter(|m| *m != "base").cloned());
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS public.ir_module_module (id serial PRIMARY KEY, \
                     name varchar NOT NULL UNIQUE, state varchar, latest_version varchar, \
                     write_date timestamp)",
            )
            .await
            .context("creating ir_module_module")?;
        for module in &modules {
            client
                .execute(
                    "INSERT INTO public.ir_module_module (name, state, latest_version, write_date) \
                     VALUES ($1, 'installed', $2, now() AT TIME ZONE 'UTC') \
                     ON CONFLICT (name) DO UPDATE SET state = 'installed', \
                         latest_version = $2, write_date = now() AT TIME ZONE 'UTC'",
                    &[module, &version],
                )
                .await
                .with_context(|| format!("installing {module}"))?;
        }
        log.push_str(&format!(
            "{} 1 INFO {database} odoo.modules.loading: {} modules installed (simulated)\n",
            now(),
            modules.len()
        ));
    }
    if !request.update.is_empty() {
        // base (or all) updates every installed module, as each depends on base.
        let every = request.update.iter().any(|m| m == "base" || m == "all");
        let updated = client
            .execute(
                "UPDATE public.ir_module_module SET state = 'installed', latest_version = $1, \
                     write_date = now() AT TIME ZONE 'UTC' \
                 WHERE state IN ('installed', 'to upgrade') AND ($2 OR name = ANY($3))",
                &[&version, &every, &request.update],
            )
            .await
            .context("updating ir_module_module")?;
        if behaviour == Behaviour::StopsHalfway {
            client
                .execute(
                    "UPDATE public.ir_module_module SET state = 'to upgrade' WHERE name = 'sale'",
                    &[],
                )
                .await
                .context("leaving sale halfway")?;
        }
        log.push_str(&format!(
            "{} 1 INFO {database} odoo.modules.loading: {updated} modules updated (simulated)\n",
            now()
        ));
    }
    Ok(log)
}

/// `odoo shell` with nothing to run: Odoo's registry loads only a database whose
/// `base` is installed, and the shell rolls back what it read.
async fn open(client: &tokio_postgres::Client, database: &str) -> anyhow::Result<String> {
    let base = client
        .query_opt(
            "SELECT 1 FROM public.ir_module_module WHERE name = 'base' AND state = 'installed'",
            &[],
        )
        .await
        .with_context(|| format!("loading the registry of {database}"))?;
    if base.is_none() {
        bail!("database {database} is not initialized: base is not installed");
    }
    Ok(format!(
        "{} 1 INFO {database} odoo.modules.loading: registry loaded (simulated)\n",
        now()
    ))
}

/// What Odoo's `base/data/neutralize.sql` does, in one transaction, on the tables
/// the database has (the tests' databases hold only some of Odoo's).
async fn neutralize(client: &tokio_postgres::Client, database: &str) -> anyhow::Result<String> {
    const STATEMENTS: [(&str, &str); 4] = [
        ("ir_mail_server", "UPDATE ir_mail_server SET active = false"),
        (
            "ir_mail_server",
            "INSERT INTO ir_mail_server (name, smtp_port, smtp_host, smtp_encryption, active, smtp_authentication) \
             VALUES ('neutralization - disable emails', 1025, 'invalid', 'none', true, 'login')",
        ),
        (
            "ir_cron",
            "UPDATE ir_cron SET active = false WHERE id NOT IN (SELECT res_id FROM ir_model_data \
             WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base')",
        ),
        (
            "ir_config_parameter",
            "INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', true) \
             ON CONFLICT (key) DO UPDATE SET value = true",
        ),
    ];
    let mut sql = vec!["BEGIN".to_owned()];
    for (table, statement) in STATEMENTS {
        sql.push(format!(
            "DO $$ BEGIN IF to_regclass('public.{table}') IS NOT NULL THEN {statement}; END IF; END $$"
        ));
    }
    sql.push("COMMIT".to_owned());
    client
        .batch_execute(&sql.join(";\n"))
        .await
        .with_context(|| format!("neutralizing {database}"))?;
    Ok(format!(
        "{} 1 INFO {database} odoo.modules.neutralize: Neutralization finished (simulated)\n",
        now()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_say_what_a_broken_release_does() {
        assert_eq!(Behaviour::of(FAILS_IN_JOBS), Behaviour::Fails);
        assert_eq!(Behaviour::of(DOES_NOTHING), Behaviour::DoesNothing);
        assert_eq!(Behaviour::of(STOPS_HALFWAY), Behaviour::StopsHalfway);
        assert_eq!(Behaviour::of(CANNOT_OPEN), Behaviour::CannotOpen);
        assert_eq!(
            Behaviour::of(NEUTRALIZE_DOES_NOTHING),
            Behaviour::NeutralizeDoesNothing
        );
        assert_eq!(
            Behaviour::of("simulated/odoo:18.0-20251001"),
            Behaviour::Works
        );
    }

    #[test]
    fn the_arguments_the_operator_writes_are_read() {
        let args: Vec<String> = [
            "--config=/etc/odoo/odoo.conf",
            "--database=shop",
            "--init=base,sale",
            "--without-demo=all",
            "--stop-after-init",
        ]
        .map(String::from)
        .to_vec();
        let r = request(&args);
        assert_eq!(r.config.as_deref(), Some("/etc/odoo/odoo.conf"));
        assert_eq!(r.database.as_deref(), Some("shop"));
        assert_eq!(r.init, ["base", "sale"]);
        assert!(r.update.is_empty());
        assert_eq!(r.command, None);
        let shell: Vec<String> = ["shell", "--config=/c", "--database=t", "--no-http"]
            .map(String::from)
            .to_vec();
        let r = request(&shell);
        assert_eq!(r.command.as_deref(), Some("shell"));
        assert_eq!(r.database.as_deref(), Some("t"));
    }
}
