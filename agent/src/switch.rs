//! `odoo-agent switch-filestore`: the filestore half of a restore's switch.
//! Odoo finds a database's files at `<data_dir>/filestore/<database>`, so once the
//! restored database took the live name, its files (loaded under the temporary
//! name) must too. Two renames on one volume; repeating the command after a crash
//! finishes or confirms the switch, and a failed second rename undoes the first.
//!
//! A failure says where the files are (`target_touched`): false only when the live
//! name still holds the previous files and the restored ones wait under their
//! temporary name, the one state in which the operator may put the previous
//! database back. Removing the previous files (`--drop-previous`) comes after the
//! switch and is not part of it: when it fails the switch is still done, and the
//! report says what was left.

use std::io;
use std::path::{Path, PathBuf};

use odoo_model::agent::{SwitchOutcome, SwitchReport, SwitchRequest, env};

use super::OutputArgs;
use super::flags::Flags;

#[derive(clap::Args, Debug)]
pub struct SwitchArgs {
    #[command(flatten)]
    pub request: Flags<SwitchRequest>,
    /// Fault injection for tests: the steps named (comma-separated) fail as an I/O
    /// error would.
    #[arg(long, env = env::FAIL_AT, hide = true)]
    pub fail_at: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A switch to make: the request, and the steps made to fail (tests only).
#[derive(Debug)]
pub struct Switch {
    pub request: SwitchRequest,
    pub fail_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    #[error("{0:?} is not a plain directory name")]
    BadName(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "both {live} and {kept} exist while the restored files {restored} wait: refusing to overwrite kept files"
    )]
    KeptExists {
        live: PathBuf,
        restored: PathBuf,
        kept: PathBuf,
    },
}

fn name(n: &str) -> Result<&str, SwitchError> {
    if n.is_empty() || n == "." || n == ".." || n.contains('/') || n.contains('\0') {
        return Err(SwitchError::BadName(n.into()));
    }
    Ok(n)
}

fn exists(p: &Path) -> Result<bool, SwitchError> {
    p.try_exists().map_err(|source| SwitchError::Io {
        what: "checking",
        path: p.to_path_buf(),
        source,
    })
}

fn rename(from: &Path, to: &Path) -> Result<(), SwitchError> {
    std::fs::rename(from, to).map_err(|source| SwitchError::Io {
        what: "renaming",
        path: from.to_path_buf(),
        source,
    })
}

/// A switch that failed, and whether the live name may hold other files than the
/// previous ones.
#[derive(Debug)]
pub struct SwitchFailure {
    pub error: SwitchError,
    pub files_moved: bool,
}

impl std::fmt::Display for SwitchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.files_moved {
            "the files are half switched (the live name may not hold the previous files): the previous database must not come back until they are"
        } else {
            "the previous files are in place under the live name"
        };
        write!(f, "{}; {state}", self.error)
    }
}

impl std::error::Error for SwitchFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<SwitchError> for SwitchFailure {
    /// A failure before anything moved.
    fn from(error: SwitchError) -> Self {
        SwitchFailure {
            error,
            files_moved: false,
        }
    }
}

/// Fault injection for the tests that fail the switch after each of its steps:
/// with `--fail-at <point>` the step at that point fails as an I/O error would.
fn fail_at(args: &Switch, point: &str, path: &Path) -> Result<(), SwitchError> {
    if args
        .fail_at
        .as_deref()
        .is_some_and(|at| at.split(',').any(|p| p == point))
    {
        return Err(SwitchError::Io {
            what: "injected failure at",
            path: path.to_path_buf(),
            source: io::Error::other(format!("{} is {point}", env::FAIL_AT)),
        });
    }
    Ok(())
}

pub fn run(args: &Switch) -> Result<SwitchReport, SwitchFailure> {
    let live = args.request.root.join(name(&args.request.live)?);
    let restored = args.request.root.join(name(&args.request.restored)?);
    let kept = args.request.root.join(name(&args.request.kept)?);
    let outcome = if exists(&restored)? {
        if exists(&live)? {
            if exists(&kept)? {
                return Err(SwitchError::KeptExists {
                    live,
                    restored,
                    kept,
                }
                .into());
            }
            fail_at(args, "switch-before-keep", &live)?;
            rename(&live, &kept)?;
        }
        if let Err(e) =
            fail_at(args, "switch-after-keep", &restored).and_then(|()| rename(&restored, &live))
        {
            // Put the previous files back; only if that works are they in place.
            let undone = !exists(&live).unwrap_or(true)
                && (!exists(&kept).unwrap_or(false)
                    || fail_at(args, "switch-undo", &kept)
                        .and_then(|()| rename(&kept, &live))
                        .is_ok());
            return Err(SwitchFailure {
                error: e,
                files_moved: !undone,
            });
        }
        SwitchOutcome::Switched
    } else if exists(&kept)? {
        SwitchOutcome::AlreadySwitched
    } else {
        SwitchOutcome::NoFilesRestored
    };
    // The switch is done: from here on a failure leaves the files switched, and is
    // reported as what was left, not as a failed switch.
    let mut previous_removed = false;
    let mut previous_left = None;
    let switched_kept = outcome != SwitchOutcome::NoFilesRestored;
    if args.request.drop_previous && switched_kept && exists(&kept).unwrap_or(true) {
        match fail_at(args, "switch-removing", &kept).and_then(|()| {
            std::fs::remove_dir_all(&kept).map_err(|source| SwitchError::Io {
                what: "removing the previous files",
                path: kept.clone(),
                source,
            })
        }) {
            Ok(()) => previous_removed = true,
            Err(e) => {
                tracing::warn!(error = %e, "the previous files stay");
                previous_left = Some(e.to_string());
            }
        }
    }
    Ok(SwitchReport {
        outcome,
        previous_removed,
        previous_left,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(with_restored: bool) -> (tempfile::TempDir, Switch) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("shop/ab")).expect("live");
        std::fs::write(dir.path().join("shop/ab/old"), "old").expect("file");
        if with_restored {
            std::fs::create_dir_all(dir.path().join("shop_restoring/cd")).expect("restored");
            std::fs::write(dir.path().join("shop_restoring/cd/new"), "new").expect("file");
        }
        let args = Switch {
            request: SwitchRequest {
                root: dir.path().to_path_buf(),
                live: "shop".into(),
                restored: "shop_restoring".into(),
                kept: "shop_before".into(),
                drop_previous: false,
            },
            fail_at: None,
        };
        (dir, args)
    }

    #[test]
    fn the_restored_files_take_the_live_name_and_a_repeat_changes_nothing() {
        let (dir, args) = setup(true);
        assert_eq!(run(&args).expect("switch").outcome, SwitchOutcome::Switched);
        assert!(dir.path().join("shop/cd/new").exists());
        assert!(dir.path().join("shop_before/ab/old").exists());
        assert!(!dir.path().join("shop_restoring").exists());
        assert_eq!(
            run(&args).expect("again").outcome,
            SwitchOutcome::AlreadySwitched
        );
        assert!(dir.path().join("shop/cd/new").exists());
    }

    #[test]
    fn previous_files_are_removed_only_when_asked() {
        let (dir, mut args) = setup(true);
        args.request.drop_previous = true;
        let done = run(&args).expect("switch");
        assert!(done.previous_removed);
        assert!(!dir.path().join("shop_before").exists());
        assert!(dir.path().join("shop/cd/new").exists());
    }

    #[test]
    fn an_archive_without_files_leaves_the_live_files_in_place() {
        let (dir, args) = setup(false);
        assert_eq!(
            run(&args).expect("switch").outcome,
            SwitchOutcome::NoFilesRestored
        );
        assert!(dir.path().join("shop/ab/old").exists());
    }

    #[test]
    fn kept_files_are_never_overwritten() {
        let (dir, args) = setup(true);
        std::fs::create_dir_all(dir.path().join("shop_before")).expect("kept");
        let e = run(&args).expect_err("refused");
        assert!(e.to_string().contains("refusing to overwrite"), "{e}");
        assert!(dir.path().join("shop/ab/old").exists());
        assert!(dir.path().join("shop_restoring/cd/new").exists());
    }

    #[test]
    fn names_cannot_escape_the_root() {
        let (_dir, mut args) = setup(true);
        args.request.kept = "../etc".into();
        assert!(matches!(
            run(&args),
            Err(SwitchFailure {
                error: SwitchError::BadName(_),
                files_moved: false
            })
        ));
    }

    /// Where the files are: what the live name holds, whether the previous and the
    /// restored ones still exist, by their marker files.
    fn state(dir: &Path) -> (bool, bool, bool, bool) {
        (
            dir.join("shop/ab/old").exists(),
            dir.join("shop/cd/new").exists(),
            dir.join("shop_before/ab/old").exists(),
            dir.join("shop_restoring/cd/new").exists(),
        )
    }

    #[test]
    fn a_failure_at_each_step_says_where_the_files_are_and_loses_none() {
        for (point, drop_previous) in [
            ("switch-before-keep", false),
            ("switch-after-keep", false),
            ("switch-after-keep", true),
            ("switch-removing", true),
        ] {
            let (dir, mut args) = setup(true);
            args.request.drop_previous = drop_previous;
            args.fail_at = Some(point.into());
            let result = run(&args);
            let (live_old, live_new, kept_old, restored_new) = state(dir.path());
            if point == "switch-removing" {
                // The switch is done; the previous files are left, and said so.
                let report = result.expect("a done switch");
                assert_eq!(report.outcome, SwitchOutcome::Switched);
                assert!(!report.previous_removed);
                assert!(report.previous_left.is_some_and(|e| e.contains(point)));
                assert!(live_new && kept_old, "{point}");
            } else {
                let failure = result.expect_err(point);
                assert!(!failure.files_moved, "{point}: {failure}");
                assert!(failure.to_string().contains("in place"), "{failure}");
                assert!(
                    live_old && restored_new && !live_new && !kept_old,
                    "{point}"
                );
            }
            // A repeat without the failure finishes the switch.
            args.fail_at = None;
            let again = run(&args).expect("a repeat");
            assert_ne!(again.outcome, SwitchOutcome::NoFilesRestored, "{point}");
            assert!(dir.path().join("shop/cd/new").exists(), "{point}");
        }
    }

    #[test]
    fn a_switch_that_cannot_be_undone_says_the_files_moved() {
        let (dir, mut args) = setup(true);
        args.fail_at = Some("switch-after-keep,switch-undo".into());
        let failure = run(&args).expect_err("failed");
        assert!(failure.files_moved, "{failure}");
        assert!(failure.to_string().contains("half switched"), "{failure}");
        // Nothing is lost: the previous files are set aside, the restored ones wait.
        let (live_old, live_new, kept_old, restored_new) = state(dir.path());
        assert!(!live_old && !live_new && kept_old && restored_new);
        // A repeat finishes the switch.
        args.fail_at = None;
        assert_eq!(run(&args).expect("repeat").outcome, SwitchOutcome::Switched);
        assert!(dir.path().join("shop/cd/new").exists());
        assert!(dir.path().join("shop_before/ab/old").exists());
    }
}
