//! Confirmation of destructive commands: a typed answer on a terminal (a dialoguer
//! prompt), `--yes` otherwise. A command never waits for input nobody can give (CI,
//! a pipe).

use std::io::IsTerminal;

use crate::error::CliError;
use crate::output::Printer;

/// Whether a destructive command may go ahead.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirm {
    /// Ask on the terminal.
    Ask,
    /// `--yes` was given.
    Proceed,
    /// Nobody can answer a prompt and `--yes` was not given.
    Refuse,
}

/// Ask only when someone can see the question (stderr), answer it (stdin), and the
/// environment does not declare itself a CI run (`CI` set).
pub fn policy(stdin_tty: bool, stderr_tty: bool, ci: bool, yes: bool) -> Confirm {
    if yes {
        Confirm::Proceed
    } else if stdin_tty && stderr_tty && !ci {
        Confirm::Ask
    } else {
        Confirm::Refuse
    }
}

/// Whether a typed answer is exactly `expected` (surrounding blanks aside).
pub fn confirmed(answer: &str, expected: &str) -> bool {
    answer.trim() == expected
}

/// The whole flow: go ahead with `--yes`; refuse with a usage error (exit 2) saying
/// `unattended` when nobody can answer; otherwise show `plan` (unless empty: the
/// caller showed it), ask for `expected`
/// (`what` names it: "the instance name") to be typed, and fail (exit 1) when
/// something else was typed.
pub async fn confirm(
    printer: &Printer,
    yes: bool,
    plan: &str,
    what: &str,
    expected: &str,
    unattended: String,
) -> Result<(), CliError> {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    match policy(
        std::io::stdin().is_terminal(),
        std::io::stderr().is_terminal(),
        ci,
        yes,
    ) {
        Confirm::Proceed => Ok(()),
        Confirm::Refuse => Err(CliError::Usage(unattended)),
        Confirm::Ask => {
            if !plan.is_empty() {
                printer.note(plan);
            }
            let prompt = format!("Type {what} ({expected}) to confirm");
            let answer = tokio::task::spawn_blocking(move || {
                dialoguer::Input::<String>::new()
                    .with_prompt(prompt)
                    .allow_empty(true)
                    .interact_text()
            })
            .await
            .map_err(|e| CliError::Failed(format!("reading the confirmation: {e}")))?
            .map_err(|e| {
                CliError::Failed(format!(
                    "reading the confirmation: {e}; nothing was changed"
                ))
            })?;
            if confirmed(&answer, expected) {
                Ok(())
            } else {
                Err(CliError::Failed(
                    "the typed answer did not match; nothing was changed".into(),
                ))
            }
        }
    }
}

/// A change to odoo/`name` laid out as `plan`: when `changes` is false (a dry run)
/// only shown; otherwise confirmed by typing the instance's name, or refused when
/// nobody can answer, saying what the change does (`consequence`: "migrating
/// odoo/shop stops it during the copy").
pub async fn confirm_plan(
    printer: &Printer,
    yes: bool,
    changes: bool,
    plan: &str,
    name: &str,
    consequence: &str,
) -> Result<(), CliError> {
    if !changes {
        printer.note(plan);
        return Ok(());
    }
    let unattended =
        format!("{consequence}; confirm by running it from a terminal, or pass --yes\n{plan}");
    confirm(printer, yes, plan, "the instance name", name, unattended).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_only_when_someone_can_answer() {
        assert_eq!(policy(true, true, false, false), Confirm::Ask);
        assert_eq!(policy(true, true, false, true), Confirm::Proceed);
        assert_eq!(policy(false, false, false, true), Confirm::Proceed);
        // stdin or stderr redirected, or CI set, and no --yes.
        assert_eq!(policy(false, true, false, false), Confirm::Refuse);
        assert_eq!(policy(true, false, false, false), Confirm::Refuse);
        assert_eq!(policy(true, true, true, false), Confirm::Refuse);
        assert_eq!(policy(true, true, true, true), Confirm::Proceed);
    }

    #[test]
    fn only_the_exact_answer_confirms() {
        let check = |input: &str| confirmed(input, "shop");
        assert!(check("shop\n"));
        assert!(check("  shop  \r\n"));
        assert!(!check("y\n"));
        assert!(!check("Shop\n"));
        assert!(!check(""));
    }
}
