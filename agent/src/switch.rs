//! `odoo-agent switch-filestore`: the filestore half of a restore's switch.
//! Odoo finds a database's files at `<data_dir>/filestore/<database>`, so once the
//! restored database took the live name, its files (loaded under the temporary
//! name) must too. Two renames on one volume; repeating the command after a crash
//! finishes or confirms the switch, and a failed second rename undoes the first.

use std::io;
use std::path::{Path, PathBuf};

use odoo_model::agent::{SwitchOutcome, SwitchReport, env};

use super::OutputArgs;

#[derive(clap::Args, Debug)]
pub struct SwitchArgs {
    /// The filestore root, `<data_dir>/filestore`.
    #[arg(long, env = env::FILESTORE_ROOT)]
    pub root: PathBuf,
    /// The live database's name.
    #[arg(long, env = env::LIVE)]
    pub live: String,
    /// The temporary name the archive's files were loaded under.
    #[arg(long, env = env::RESTORED)]
    pub restored: String,
    /// The name the previous files are kept under.
    #[arg(long, env = env::KEPT)]
    pub kept: String,
    /// Remove the previous files once the switch is done.
    #[arg(long, env = env::DROP_PREVIOUS)]
    pub drop_previous: bool,
    #[command(flatten)]
    pub output: OutputArgs,
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

pub fn run(args: &SwitchArgs) -> Result<SwitchReport, SwitchError> {
    let live = args.root.join(name(&args.live)?);
    let restored = args.root.join(name(&args.restored)?);
    let kept = args.root.join(name(&args.kept)?);
    let outcome = if exists(&restored)? {
        if exists(&live)? {
            if exists(&kept)? {
                return Err(SwitchError::KeptExists {
                    live,
                    restored,
                    kept,
                });
            }
            rename(&live, &kept)?;
        }
        if let Err(e) = rename(&restored, &live) {
            if exists(&kept)? && !exists(&live)? {
                rename(&kept, &live)?;
            }
            return Err(e);
        }
        SwitchOutcome::Switched
    } else if exists(&kept)? {
        SwitchOutcome::AlreadySwitched
    } else {
        SwitchOutcome::NoFilesRestored
    };
    let mut previous_removed = false;
    if args.drop_previous && exists(&kept)? {
        std::fs::remove_dir_all(&kept).map_err(|source| SwitchError::Io {
            what: "removing the previous files",
            path: kept.clone(),
            source,
        })?;
        previous_removed = true;
    }
    Ok(SwitchReport {
        outcome,
        previous_removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(with_restored: bool) -> (tempfile::TempDir, SwitchArgs) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("shop/ab")).expect("live");
        std::fs::write(dir.path().join("shop/ab/old"), "old").expect("file");
        if with_restored {
            std::fs::create_dir_all(dir.path().join("shop_restoring/cd")).expect("restored");
            std::fs::write(dir.path().join("shop_restoring/cd/new"), "new").expect("file");
        }
        let args = SwitchArgs {
            root: dir.path().to_path_buf(),
            live: "shop".into(),
            restored: "shop_restoring".into(),
            kept: "shop_before".into(),
            drop_previous: false,
            output: OutputArgs {
                termination_log: None,
            },
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
        args.drop_previous = true;
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
        args.kept = "../etc".into();
        assert!(matches!(run(&args), Err(SwitchError::BadName(_))));
    }
}
