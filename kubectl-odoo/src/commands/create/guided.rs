//! `kubectl odoo create` with no name and no file, on a terminal: asks for what an
//! instance needs (name, Odoo version, PostgreSQL cluster, storage, hosts, demo
//! data), shows the resulting object and the one-line command that makes the same
//! one, and creates it once confirmed. Off a terminal (or with `CI` set) nothing is
//! asked: `create` without a name stays a usage error.

use std::io::IsTerminal;

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, Select};
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;

use crate::commands::create::args::CreateArgs;
use crate::commands::doctor::cluster_names;
use crate::confirm;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::limits;
use crate::output::Printer;

/// The Odoo series offered, newest first (each is the official image's tag).
pub const SERIES: [&str; 3] = ["19.0", "18.0", "17.0"];

/// Where the operator's pg-clusters Secret lives when installed by its chart.
const OPERATOR_NAMESPACE: &str = "odoo-operator";

/// Whether `create` may ask: no name, file or --yes was given, and someone can
/// see and answer the questions.
pub fn can_ask(args: &CreateArgs) -> bool {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    args.name.is_none()
        && args.file.is_none()
        && !args.write.yes
        && confirm::policy(
            std::io::stdin().is_terminal(),
            std::io::stderr().is_terminal(),
            ci,
            false,
        ) == confirm::Confirm::Ask
}

fn theme() -> Box<dyn Theme> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Box::new(SimpleTheme)
    } else {
        Box::new(ColorfulTheme::default())
    }
}

fn asked<T>(result: dialoguer::Result<T>) -> Result<T, CliError> {
    result.map_err(|e| CliError::Failed(format!("reading the answer: {e}; nothing was created")))
}

/// The cluster names of the operator's pg-clusters Secret and its default, when the
/// user may read it; `None` otherwise (the question is then free text).
async fn clusters(ctx: &Ctx) -> Option<(Vec<String>, Option<String>)> {
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), OPERATOR_NAMESPACE);
    let secret = secrets.get_opt("pg-clusters").await.ok()??;
    let yaml = secret.data?.get("clusters.yaml")?.0.clone();
    cluster_names(&String::from_utf8_lossy(&yaml))
        .ok()
        .filter(|(names, _)| !names.is_empty())
}

/// Asks the questions and sets the answers on `args`.
pub async fn ask(ctx: &Ctx, args: &mut CreateArgs) -> Result<(), CliError> {
    let clusters = clusters(ctx).await;
    let theme = theme();
    let theme = theme.as_ref();
    args.name = Some(ask_name(theme)?);
    args.image = ask_image(theme)?;
    args.cluster = match clusters {
        Some((names, default)) => pick_cluster(theme, &names, default.as_ref())?,
        None => type_cluster(theme)?,
    };
    args.storage_size = ask_size(theme)?;
    let hosts: String = asked(
        Input::with_theme(theme)
            .with_prompt("Host names, comma-separated (empty: none)")
            .allow_empty(true)
            .validate_with(|s: &String| {
                split_hosts(s)
                    .iter()
                    .try_for_each(|h| limits::host(h).map(drop).map_err(|e| format!("{h}: {e}")))
            })
            .interact_text(),
    )?;
    args.hosts = split_hosts(&hosts);
    args.demo = asked(
        Confirm::with_theme(theme)
            .with_prompt("Load demo data?")
            .default(false)
            .interact(),
    )?;
    Ok(())
}

fn ask_name(theme: &dyn Theme) -> Result<String, CliError> {
    asked(
        Input::with_theme(theme)
            .with_prompt("Name of the instance")
            .validate_with(
                |n: &String| match odoo_model::names::instance_name_problem(n) {
                    Some(problem) => Err(problem),
                    None => Ok(()),
                },
            )
            .interact_text(),
    )
}

/// The image of the series picked; `None` for the operator's default.
fn ask_image(theme: &dyn Theme) -> Result<Option<String>, CliError> {
    let mut versions: Vec<String> = SERIES.iter().map(|s| format!("Odoo {s}")).collect();
    versions.push("the operator's default image".into());
    let version = asked(
        Select::with_theme(theme)
            .with_prompt("Odoo version")
            .items(&versions)
            .default(0)
            .interact(),
    )?;
    Ok(SERIES.get(version).map(|s| format!("odoo:{s}")))
}

/// Picks one of the Secret's clusters; `None` for the default, which needs no
/// flag: the operator picks it.
fn pick_cluster(
    theme: &dyn Theme,
    names: &[String],
    default: Option<&String>,
) -> Result<Option<String>, CliError> {
    let first = default
        .and_then(|d| names.iter().position(|n| n == d))
        .unwrap_or(0);
    let shown: Vec<String> = names
        .iter()
        .map(|n| {
            if Some(n) == default {
                format!("{n} (default)")
            } else {
                n.clone()
            }
        })
        .collect();
    let picked = asked(
        Select::with_theme(theme)
            .with_prompt("PostgreSQL cluster")
            .items(&shown)
            .default(first)
            .interact(),
    )?;
    Ok(Some(names[picked].clone()).filter(|n| Some(n) != default))
}

/// The cluster as free text, when the Secret cannot be read.
fn type_cluster(theme: &dyn Theme) -> Result<Option<String>, CliError> {
    let prompt = "PostgreSQL cluster (empty: the operator's default)";
    ask_optional(theme, prompt, limits::cluster)
}

fn ask_size(theme: &dyn Theme) -> Result<Option<String>, CliError> {
    let prompt = "Filestore size, e.g. 10Gi (empty: the operator's default)";
    ask_optional(theme, prompt, limits::storage_size)
}

/// A value typed in, checked as its flag is (`check`, from [`limits`]); empty
/// leaves it to the operator's default.
fn ask_optional(
    theme: &dyn Theme,
    prompt: &str,
    check: fn(&str) -> Result<String, String>,
) -> Result<Option<String>, CliError> {
    let value: String = asked(
        Input::with_theme(theme)
            .with_prompt(prompt)
            .allow_empty(true)
            .validate_with(|v: &String| match v.trim() {
                "" => Ok(()),
                value => check(value).map(drop),
            })
            .interact_text(),
    )?;
    Ok(Some(value.trim().to_owned()).filter(|v| !v.is_empty()))
}

/// `a.example, b.example` as host names, blanks dropped.
fn split_hosts(hosts: &str) -> Vec<String> {
    hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Shows the object and the one-line command, then asks to go ahead.
pub fn confirm_object(
    printer: &Printer,
    instance: &odoo_model::OdooInstance,
    args: &CreateArgs,
    namespace: &str,
) -> Result<(), CliError> {
    let yaml = serde_norway::to_string(instance).map_err(|e| CliError::Failed(e.to_string()))?;
    printer.note(&format!("\n{yaml}"));
    printer.note(&format!(
        "The same with one command:\n  {}\n",
        command_line(args, namespace)
    ));
    let go = asked(
        Confirm::with_theme(theme().as_ref())
            .with_prompt(format!(
                "Create odoo/{} in namespace {namespace}?",
                args.name.as_deref().unwrap_or_default()
            ))
            .default(true)
            .interact(),
    )?;
    if go {
        Ok(())
    } else {
        Err(CliError::Failed(
            "not confirmed; nothing was created".into(),
        ))
    }
}

/// The command that creates the same instance without questions. Pure.
pub fn command_line(args: &CreateArgs, namespace: &str) -> String {
    let mut words = vec![
        "kubectl".to_owned(),
        "odoo".into(),
        "create".into(),
        quote(args.name.as_deref().unwrap_or_default()),
    ];
    let mut flag = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            words.push(format!("--{name}"));
            words.push(quote(v));
        }
    };
    flag("image", &args.image);
    flag("cluster", &args.cluster);
    flag("storage-size", &args.storage_size);
    for host in &args.hosts {
        words.push("--host".into());
        words.push(quote(host));
    }
    if args.demo {
        words.push("--demo".into());
    }
    words.push("-n".into());
    words.push(quote(namespace));
    words.join(" ")
}

/// A word as a POSIX shell reads it back unchanged.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/@=+-".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_flags;

    #[test]
    fn the_one_line_command_parses_back_to_the_same_answers() {
        let mut args = test_flags::flags::<CreateArgs>("");
        args.name = Some("shop".into());
        args.image = Some("odoo:18.0".into());
        args.cluster = Some("eu-1".into());
        args.storage_size = Some("20Gi".into());
        args.hosts = vec!["erp.example.com".into(), "it's.odd".into()];
        args.demo = true;
        let line = command_line(&args, "team a");
        assert_eq!(
            line,
            "kubectl odoo create shop --image odoo:18.0 --cluster eu-1 --storage-size 20Gi --host erp.example.com --host 'it'\\''s.odd' --demo -n 'team a'"
        );
        let again = test_flags::flags::<CreateArgs>(
            "shop --image odoo:18.0 --cluster eu-1 --storage-size 20Gi --demo",
        );
        let built = |a: &CreateArgs| {
            serde_json::to_value(crate::commands::create::args::build(a, None).expect("valid"))
                .expect("serialises")
        };
        let mut asked = args;
        asked.hosts.clear();
        assert_eq!(built(&asked), built(&again));
    }
}
