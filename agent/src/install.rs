//! `odoo-agent install --to DIR`: the init container of a job pod copies the
//! (statically linked) agent binary into an emptyDir shared with the Odoo
//! container, which has pg_dump and psql but not the agent.

use std::io;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// Name of the installed binary.
pub const BINARY_NAME: &str = "odoo-agent";

#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// Directory to install into (the shared emptyDir).
    #[arg(long, env = odoo_model::agent::env::INSTALL_DIR)]
    pub to: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("locating the running binary: {0}")]
    CurrentExe(#[source] io::Error),
    #[error("copying {from} to {to}: {source}")]
    Copy {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Copies the running binary to `<dir>/odoo-agent`, mode 755. Written to a
/// temporary name and renamed, so a container starting concurrently (or a restarted
/// init container) never runs a half-copied file.
pub fn install(dir: &Path) -> Result<PathBuf, InstallError> {
    let from = std::env::current_exe().map_err(InstallError::CurrentExe)?;
    let to = dir.join(BINARY_NAME);
    let temp = dir.join(format!(".{BINARY_NAME}.{}.tmp", std::process::id()));
    let copy_err = |source| InstallError::Copy {
        from: from.clone(),
        to: to.clone(),
        source,
    };
    let result = (|| {
        std::fs::create_dir_all(dir)?;
        std::fs::copy(&from, &temp)?;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o755))?;
        std::fs::File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, &to)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(copy_err(e));
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_an_executable_copy_of_the_running_binary() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("bin");
        let installed = install(&target)?;
        assert_eq!(installed, target.join(BINARY_NAME));
        let mode = std::fs::metadata(&installed)?.permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(
            std::fs::read(&installed)?,
            std::fs::read(std::env::current_exe()?)?
        );
        // Again, over the first copy, leaving no temporary file behind.
        install(&target)?;
        let names = std::fs::read_dir(&target)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()?;
        assert_eq!(names, [BINARY_NAME]);
        Ok(())
    }
}
