//! Shell completion: static scripts for bash, zsh and fish (`kubectl odoo completion
//! SHELL`, also generated into `completions/`), and kubectl's plugin completion
//! protocol: kubectl (≥ 1.26) runs `kubectl_complete-odoo WORDS… CURRENT` for
//! `kubectl odoo <TAB>`; this binary answers when called by that name (a symlink),
//! one candidate per line and a final `:4` directive (no file completion).
//! `completion --install` writes that executable next to the plugin (or into
//! `--dir`): a two-line shell script calling `kubectl-odoo __complete`.

use clap_complete::Shell;
use kube::api::{Api, ListParams};
use odoo_model::OdooInstance;

use crate::ctx::Ctx;
use crate::error::CliError;
use crate::format::OutputFormat;
use crate::global::ColorChoice;
use crate::global::GlobalArgs;
use crate::output::Printer;

/// Flags of `completion`.
#[derive(clap::Args, Debug)]
pub struct CompletionArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, required_unless_present = "install")]
    pub shell: Option<Shell>,
    /// Install `kubectl_complete-odoo`, which kubectl (1.26 and later) runs to
    /// complete `kubectl odoo <TAB>`: next to this binary, or into --dir.
    #[arg(long, conflicts_with = "shell")]
    pub install: bool,
    /// Directory to install `kubectl_complete-odoo` into (it must be on PATH).
    #[arg(long, requires = "install", value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// The shim kubectl runs: hands the words to `kubectl-odoo __complete`.
pub fn shim(plugin: &std::path::Path) -> String {
    let quoted = plugin.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n# kubectl runs this to complete `kubectl odoo`; written by `kubectl odoo completion --install`.\nexec '{quoted}' __complete \"$@\"\n"
    )
}

/// Writes the shim into `dir` (the plugin's own directory by default).
fn install(dir: Option<std::path::PathBuf>, printer: &Printer) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let plugin = std::env::current_exe()
        .map_err(|e| CliError::Failed(format!("locating the plugin binary: {e}")))?;
    let dir = match dir {
        Some(dir) => dir,
        None => plugin
            .parent()
            .map(std::path::Path::to_path_buf)
            .ok_or_else(|| CliError::Failed("the plugin binary has no directory".into()))?,
    };
    let path = dir.join("kubectl_complete-odoo");
    let failed = |e: std::io::Error| CliError::Failed(format!("writing {}: {e}", path.display()));
    std::fs::write(&path, shim(&plugin)).map_err(failed)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(failed)?;
    printer.note(&format!(
        "Installed {}; kubectl odoo <TAB> completes once its directory is on PATH.",
        path.display()
    ));
    Ok(())
}

/// The completion script of `shell` for the `kubectl-odoo` binary whose command
/// tree is `root` (handed in, so the command tree's own module is imported by the
/// crate root alone).
pub fn script(shell: Shell, mut root: clap::Command) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut root, "kubectl-odoo", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Needs no cluster: it runs without a kubeconfig.
pub fn run(args: CompletionArgs, root: clap::Command, printer: &Printer) -> Result<(), CliError> {
    let Some(shell) = args.shell else {
        return install(args.dir, printer);
    };
    printer.out(&script(shell, root))
}

/// Subcommands and flags matching what is typed; `None` when an instance name is
/// wanted (the caller lists them).
pub fn static_candidates(root: &clap::Command, words: &[String]) -> Option<Vec<String>> {
    let current = words.last().map(String::as_str).unwrap_or("");
    // Descend through the subcommands typed so far (`backup create …`).
    let mut sub: Option<clap::Command> = None;
    let typed = &words[..words.len().saturating_sub(1)];
    for (i, w) in typed.iter().enumerate() {
        // Flags, and the values of the global flags that take one (`-n team`).
        let value_of_flag = i > 0
            && matches!(
                typed[i - 1].as_str(),
                "-n" | "--namespace" | "--context" | "--kubeconfig"
            );
        if w.starts_with('-') || value_of_flag {
            continue;
        }
        let found = sub
            .as_ref()
            .unwrap_or(root)
            .find_subcommand(w.as_str())
            .cloned();
        match found {
            Some(s) => sub = Some(s),
            None => break,
        }
    }
    let cmd = sub.as_ref().unwrap_or(root);
    if current.starts_with('-') {
        return Some(
            cmd.get_arguments()
                .chain(root.get_arguments())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .filter(|f| f.starts_with(current))
                .collect(),
        );
    }
    if cmd.has_subcommands() {
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
    }
    let takes_name = cmd
        .get_positionals()
        .any(|p| matches!(p.get_id().as_str(), "name" | "instance"));
    if takes_name { None } else { Some(Vec::new()) }
}

/// Answers kubectl's completion call.
pub async fn complete(root: &clap::Command, words: Vec<String>) -> Result<(), CliError> {
    let mut words = words;
    if words.is_empty() {
        words.push(String::new());
    }
    let mut out = match static_candidates(root, &words) {
        Some(c) => c,
        None => instance_names(&words).await.unwrap_or_default(),
    };
    out.push(":4".into());
    // Called by kubectl rather than through dispatch: its own plain printer.
    Printer::new(OutputFormat::Table, ColorChoice::Never).out(&(out.join("\n") + "\n"))
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
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn subcommands_then_flags_then_names() {
        let subs = static_candidates(&Cli::command(), &words(&["st"])).expect("subcommands");
        assert!(subs.iter().any(|s| s.starts_with("status\t")), "{subs:?}");
        assert!(subs.iter().all(|s| s.starts_with("st")));
        let flags = static_candidates(&Cli::command(), &words(&["status", "--wa"])).expect("flags");
        assert_eq!(flags, ["--watch"]);
        assert!(
            static_candidates(&Cli::command(), &words(&["status", ""])).is_none(),
            "an instance name is wanted"
        );
        let nested = static_candidates(&Cli::command(), &words(&["-n", "team", "backup", "d"]))
            .expect("nested");
        assert!(
            nested.iter().any(|s| s.starts_with("download\t")),
            "{nested:?}"
        );
        assert!(static_candidates(&Cli::command(), &words(&["backup", "create", ""])).is_none());
    }

    #[test]
    fn scripts_name_the_binary() {
        assert!(script(Shell::Bash, Cli::command()).contains("kubectl-odoo"));
        assert!(script(Shell::Fish, Cli::command()).contains("kubectl-odoo"));
    }
}
