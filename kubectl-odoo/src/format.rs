//! The `-o` formats, apart from the command tree: commands, the printer and the
//! watch engine all choose by it.

use clap::ValueEnum;

/// Output format, the same on every command.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputFormat {
    #[default]
    Table,
    Wide,
    Json,
    Yaml,
    Name,
}
