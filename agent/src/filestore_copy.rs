//! `odoo-agent copy-filestore`: the files half of an upgrade on a copy. The copy of
//! the database is named `<copy>`, so Odoo looks for its files at
//! `<root>/<copy>`; they are made from `<root>/<live>` before `odoo -u` runs.
//!
//! Files are hard-linked where the volume allows, which costs no space and no
//! time per byte. That is safe because Odoo never rewrites a filestore file: a file
//! is named by the SHA-1 of its content, written once when absent, and removed by
//! unlinking, which leaves the other name in place. Where a link is refused (another
//! volume, a filesystem without links) the file is copied.
//!
//! The copy is built under `<copy>.partial` and renamed when complete, so a run
//! that died halfway is started over and a finished one is found as it was.

use std::io;
use std::path::{Path, PathBuf};

use odoo_model::agent::{FilestoreCopyOutcome, FilestoreCopyReport, FilestoreCopyRequest};

use super::OutputArgs;
use super::flags::Flags;

#[derive(clap::Args, Debug)]
pub struct FilestoreCopyArgs {
    #[command(flatten)]
    pub request: Flags<FilestoreCopyRequest>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum FilestoreCopyError {
    #[error("{0:?} is not a plain directory name")]
    BadName(String),
    #[error("the copy must have another name than the live files ({0})")]
    SameName(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn name(n: &str) -> Result<&str, FilestoreCopyError> {
    if n.is_empty() || n == "." || n == ".." || n.contains('/') || n.contains('\0') {
        return Err(FilestoreCopyError::BadName(n.into()));
    }
    Ok(n)
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> FilestoreCopyError + 'a {
    move |source| FilestoreCopyError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

fn exists(p: &Path) -> Result<bool, FilestoreCopyError> {
    p.try_exists().map_err(io("checking", p))
}

fn remove(p: &Path) -> Result<(), FilestoreCopyError> {
    if exists(p)? {
        std::fs::remove_dir_all(p).map_err(io("removing", p))?;
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    files: u64,
    bytes: u64,
    linked: u64,
}

/// Mirrors `from` into `to` (which must not exist): directories made, files
/// linked or copied, symbolic links recreated as they are.
fn mirror(from: &Path, to: &Path, tally: &mut Tally) -> Result<(), FilestoreCopyError> {
    std::fs::create_dir(to).map_err(io("creating", to))?;
    for entry in std::fs::read_dir(from).map_err(io("reading", from))? {
        let entry = entry.map_err(io("reading", from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(io("reading", &source))?;
        if kind.is_dir() {
            mirror(&source, &target, tally)?;
        } else if kind.is_symlink() {
            let points_to = std::fs::read_link(&source).map_err(io("reading", &source))?;
            std::os::unix::fs::symlink(points_to, &target).map_err(io("linking", &target))?;
        } else {
            let size = entry.metadata().map_err(io("reading", &source))?.len();
            if std::fs::hard_link(&source, &target).is_ok() {
                tally.linked += 1;
            } else {
                std::fs::copy(&source, &target).map_err(io("copying", &source))?;
            }
            tally.files += 1;
            tally.bytes += size;
        }
    }
    Ok(())
}

/// Counts the files of a finished copy.
fn count(dir: &Path, tally: &mut Tally) -> Result<(), FilestoreCopyError> {
    for entry in std::fs::read_dir(dir).map_err(io("reading", dir))? {
        let entry = entry.map_err(io("reading", dir))?;
        let kind = entry.file_type().map_err(io("reading", &entry.path()))?;
        if kind.is_dir() {
            count(&entry.path(), tally)?;
        } else if kind.is_file() {
            let meta = entry.metadata().map_err(io("reading", &entry.path()))?;
            tally.files += 1;
            tally.bytes += meta.len();
            if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
                tally.linked += 1;
            }
        }
    }
    Ok(())
}

pub fn run(args: &FilestoreCopyRequest) -> Result<FilestoreCopyReport, FilestoreCopyError> {
    let (live, copy) = (name(&args.live)?, name(&args.copy)?);
    if live == copy {
        return Err(FilestoreCopyError::SameName(live.into()));
    }
    let source = args.root.join(live);
    let target = args.root.join(copy);
    let partial = args.root.join(format!("{copy}.partial"));
    let mut tally = Tally::default();
    let outcome = if args.discard {
        remove(&partial)?;
        remove(&target)?;
        FilestoreCopyOutcome::Discarded
    } else if exists(&target)? {
        count(&target, &mut tally)?;
        FilestoreCopyOutcome::AlreadyCopied
    } else if !exists(&source)? {
        FilestoreCopyOutcome::NoFiles
    } else {
        remove(&partial)?;
        mirror(&source, &partial, &mut tally)?;
        std::fs::rename(&partial, &target).map_err(io("renaming", &partial))?;
        FilestoreCopyOutcome::Copied
    };
    Ok(FilestoreCopyReport {
        outcome,
        files: tally.files,
        bytes: tally.bytes,
        linked: tally.linked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, FilestoreCopyRequest) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("shop/ab")).expect("live");
        std::fs::write(dir.path().join("shop/ab/abcdef"), "content").expect("file");
        std::fs::create_dir_all(dir.path().join("shop/checklist")).expect("dir");
        let args = FilestoreCopyRequest {
            root: dir.path().to_path_buf(),
            live: "shop".into(),
            copy: "shop_upgrading".into(),
            discard: false,
        };
        (dir, args)
    }

    #[test]
    fn the_copy_links_every_file_and_a_repeat_finds_it_done() {
        let (dir, args) = setup();
        let done = run(&args).expect("copy");
        assert_eq!(done.outcome, FilestoreCopyOutcome::Copied);
        assert_eq!((done.files, done.bytes, done.linked), (1, 7, 1));
        let copied = dir.path().join("shop_upgrading/ab/abcdef");
        assert_eq!(std::fs::read_to_string(&copied).expect("read"), "content");
        assert!(dir.path().join("shop_upgrading/checklist").is_dir());
        let again = run(&args).expect("again");
        assert_eq!(again.outcome, FilestoreCopyOutcome::AlreadyCopied);
        assert_eq!(again.files, 1);
    }

    #[test]
    fn removing_a_file_of_the_copy_keeps_the_live_one() {
        let (dir, args) = setup();
        run(&args).expect("copy");
        std::fs::remove_file(dir.path().join("shop_upgrading/ab/abcdef")).expect("unlink");
        assert!(dir.path().join("shop/ab/abcdef").exists());
    }

    #[test]
    fn an_unfinished_copy_is_started_over() {
        let (dir, args) = setup();
        std::fs::create_dir_all(dir.path().join("shop_upgrading.partial/zz")).expect("partial");
        std::fs::write(dir.path().join("shop_upgrading.partial/zz/stale"), "x").expect("file");
        assert_eq!(run(&args).expect("copy").files, 1);
        assert!(!dir.path().join("shop_upgrading/zz").exists());
        assert!(!dir.path().join("shop_upgrading.partial").exists());
    }

    #[test]
    fn discarding_removes_the_copy_and_nothing_else() {
        let (dir, mut args) = setup();
        run(&args).expect("copy");
        args.discard = true;
        assert_eq!(
            run(&args).expect("discard").outcome,
            FilestoreCopyOutcome::Discarded
        );
        assert!(!dir.path().join("shop_upgrading").exists());
        assert!(dir.path().join("shop/ab/abcdef").exists());
        // Again: nothing left to remove is fine.
        run(&args).expect("discard again");
    }

    #[test]
    fn a_database_without_files_has_nothing_to_copy() {
        let (dir, mut args) = setup();
        args.live = "other".into();
        assert_eq!(
            run(&args).expect("copy").outcome,
            FilestoreCopyOutcome::NoFiles
        );
        assert!(!dir.path().join("shop_upgrading").exists());
    }

    #[test]
    fn names_cannot_escape_the_root_or_be_the_live_one() {
        let (_dir, mut args) = setup();
        args.copy = "../etc".into();
        assert!(matches!(run(&args), Err(FilestoreCopyError::BadName(_))));
        args.copy = "shop".into();
        assert!(matches!(run(&args), Err(FilestoreCopyError::SameName(_))));
    }
}
