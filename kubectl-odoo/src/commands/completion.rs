//! Shell completion: static scripts for bash, zsh and fish (`kubectl odoo completion
//! SHELL`, also generated into `completions/`), and kubectl's plugin completion
//! protocol: kubectl (≥ 1.26) runs `kubectl_complete-odoo WORDS… CURRENT` for
//! `kubectl odoo <TAB>`; this binary answers when called by that name (a symlink),
//! one candidate per line and a final `:4` directive (no file completion).

use clap::CommandFactory;
use clap_complete::Shell;
use kube::api::{Api, ListParams};
use odoo_model::OdooInstance;

use crate::cli::{Cli, GlobalArgs};
use crate::ctx::Ctx;
use crate::error::CliError;

/// Flags of `completion`.
#[derive(clap::Args, Debug)]
pub struct CompletionArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script of `shell` for the `kubectl-odoo` binary.
pub fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kubectl-odoo", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub fn run(args: CompletionArgs) -> Result<(), CliError> {
    crate::output::Printer::new(
        crate::cli::OutputFormat::Table,
        crate::cli::ColorChoice::Never,
    )
    .out(&script(args.shell))
}

/// Subcommands and flags matching what is typed; `None` when an instance name is
/// wanted (the caller lists them).
pub fn static_candidates(words: &[String]) -> Option<Vec<String>> {
    let current = words.last().map(String::as_str).unwrap_or("");
    let cmd = Cli::command();
    let sub = words[..words.len().saturating_sub(1)]
        .iter()
        .find(|w| !w.starts_with('-'))
        .and_then(|w| cmd.find_subcommand(w.as_str()).cloned());
    let Some(sub) = sub else {
        return Some(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name().starts_with(current))
                .map(|s| {
                    format!(
                        "{}\t{}",
                        s.get_name(),
                        s.get_about().map(ToString::to_string).unwrap_or_default()
                    )
                })
                .collect(),
        );
    };
    if current.starts_with('-') {
        return Some(
            sub.get_arguments()
                .chain(cmd.get_arguments())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .filter(|f| f.starts_with(current))
                .collect(),
        );
    }
    let takes_name = sub.get_positionals().any(|p| p.get_id() == "name");
    if takes_name { None } else { Some(Vec::new()) }
}

/// Answers kubectl's completion call.
pub async fn complete(words: Vec<String>) -> Result<(), CliError> {
    let mut words = words;
    if words.is_empty() {
        words.push(String::new());
    }
    let mut out = match static_candidates(&words) {
        Some(c) => c,
        None => instance_names(&words).await.unwrap_or_default(),
    };
    out.push(":4".into());
    crate::output::Printer::new(
        crate::cli::OutputFormat::Table,
        crate::cli::ColorChoice::Never,
    )
    .out(&(out.join("\n") + "\n"))
}

/// Instance names in the namespace the words select (or the context's), by prefix.
async fn instance_names(words: &[String]) -> Result<Vec<String>, CliError> {
    let mut global = GlobalArgs::default();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-n" | "--namespace" => global.namespace = it.next().cloned(),
            "--context" => global.context = it.next().cloned(),
            "--kubeconfig" => global.kubeconfig = it.next().map(Into::into),
            _ => {}
        }
    }
    let ctx = Ctx::resolve(&global).await?;
    let api: Api<OdooInstance> = Api::namespaced(ctx.client, &ctx.namespace);
    let current = words.last().map(String::as_str).unwrap_or("");
    let list = api
        .list_metadata(&ListParams::default())
        .await
        .map_err(CliError::api("listing instances"))?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|m| m.metadata.name)
        .filter(|n| n.starts_with(current))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn subcommands_then_flags_then_names() {
        let subs = static_candidates(&words(&["st"])).expect("subcommands");
        assert!(subs.iter().any(|s| s.starts_with("status\t")), "{subs:?}");
        assert!(subs.iter().all(|s| s.starts_with("st")));
        let flags = static_candidates(&words(&["status", "--wa"])).expect("flags");
        assert_eq!(flags, ["--watch"]);
        assert!(
            static_candidates(&words(&["status", ""])).is_none(),
            "an instance name is wanted"
        );
    }

    #[test]
    fn scripts_name_the_binary() {
        assert!(script(Shell::Bash).contains("kubectl-odoo"));
        assert!(script(Shell::Fish).contains("kubectl-odoo"));
    }
}
