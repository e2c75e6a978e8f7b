//! The local file a command writes (`report`'s zip, `backup download`'s archive),
//! named as an argument or, for scripts that name every file with a flag, `--file`.

use std::path::PathBuf;

/// `[FILE]` or `--file FILE`, not both. Each command says what the file is with
/// [`FileHelp`].
#[derive(clap::Args, Debug)]
pub struct OutputFile {
    /// File to write.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// The file to write, as a flag (the same as FILE).
    #[arg(long = "file", value_name = "FILE", conflicts_with = "file")]
    file_flag: Option<PathBuf>,
}

impl OutputFile {
    /// The file named either way, else `default`.
    pub fn path_or_else(&self, default: impl FnOnce() -> PathBuf) -> PathBuf {
        let named = self.file.as_ref().or(self.file_flag.as_ref());
        named.cloned().unwrap_or_else(default)
    }
}

/// What a command's [`OutputFile`] is, in its help. Used as clap's raw method attribute
/// on the command's flags: `#[command(file_help(VALUE_NAME, ARGUMENT, FLAG))]`.
pub trait FileHelp {
    /// The file's value name, and the help of the argument and of `--file`.
    fn file_help(
        self,
        value_name: &'static str,
        argument: &'static str,
        flag: &'static str,
    ) -> Self;
}

impl FileHelp for clap::Command {
    fn file_help(
        self,
        value_name: &'static str,
        argument: &'static str,
        flag: &'static str,
    ) -> Self {
        // In place: `mut_arg` moves an argument last, which reorders the completions.
        self.mut_args(|a| match a.get_id().as_str() {
            "file" => a.value_name(value_name).help(argument),
            "file_flag" => a.value_name(value_name).help(flag),
            _ => a,
        })
    }
}
