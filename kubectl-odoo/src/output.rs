//! The one printer: data to stdout in the chosen format, messages to stderr.

pub mod list;

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::CliError;
use crate::format::OutputFormat;
use crate::global::ColorChoice;

/// What a command shows, in every `-o` format. [`Printer::show`] chooses among
/// them, so the format is switched on in one place.
pub trait View {
    /// What `-o json|yaml` serialises.
    fn data(&self) -> impl Serialize;
    /// The text of `-o table`, or with `wide` of `-o wide`; `color` when the
    /// printer colours.
    fn table(&self, wide: bool, color: bool) -> String;
    /// The lines of `-o name`; `None` for a view without names, which shows its
    /// table instead.
    fn names(&self) -> Option<String> {
        None
    }
    /// Said on stderr instead of a table that would have no row.
    fn empty(&self) -> Option<String> {
        None
    }
    /// Told the person at the terminal after the table (totals, warnings).
    fn after_table(&self, _printer: &Printer) {}
}

/// Renders command results.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub format: OutputFormat,
    pub color: bool,
    /// Working on one of several instances (`-l`, `-A`): progress is one line per
    /// change on stderr, never redrawn in place, and what one instance's work
    /// produced is a note, so stdout holds the fleet's summary alone.
    pub fleet: bool,
}

/// Whether to colour a stream, following `--color`, `NO_COLOR` and `CLICOLOR_FORCE`.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0")
            {
                true
            } else {
                is_terminal
            }
        }
    }
}

impl Printer {
    pub fn new(format: OutputFormat, color: ColorChoice) -> Printer {
        Printer {
            format,
            color: use_color(color, std::io::stdout().is_terminal()),
            fleet: false,
        }
    }

    /// The printer of one instance's work within a fleet command.
    pub fn for_fleet(&self) -> Printer {
        Printer {
            fleet: true,
            ..*self
        }
    }

    /// Writes text to stdout; a closed pipe ends the command quietly.
    pub fn out(&self, text: &str) -> Result<(), CliError> {
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::BrokenPipe),
            other => Ok(other?),
        }
    }

    /// Prints `view` in the chosen format.
    pub fn show(&self, view: &(impl View + ?Sized)) -> Result<(), CliError> {
        let wide = match self.format {
            OutputFormat::Json | OutputFormat::Yaml => return self.structured(&view.data()),
            OutputFormat::Name => match view.names() {
                Some(names) => return self.out(&names),
                None => false,
            },
            OutputFormat::Table => false,
            OutputFormat::Wide => true,
        };
        if let Some(empty) = view.empty() {
            self.note(&empty);
            return Ok(());
        }
        self.out(&view.table(wide, self.color))?;
        view.after_table(self);
        Ok(())
    }

    /// Serialises `value` as JSON or YAML.
    pub fn structured<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let text = match self.format {
            OutputFormat::Yaml => {
                serde_norway::to_string(value).map_err(|e| CliError::Usage(e.to_string()))?
            }
            _ => {
                let mut s = serde_json::to_string_pretty(value)
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                s.push('\n');
                s
            }
        };
        self.out(&text)
    }

    /// Bold text when colour is on.
    pub fn bold(&self, text: &str) -> String {
        console::Style::new()
            .bold()
            .force_styling(self.color)
            .apply_to(text)
            .to_string()
    }

    /// A line for the person at the terminal, on stderr, so stdout stays the
    /// command's result.
    pub fn note(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{text}");
    }

    /// A [`Printer::note`] for a run on one instance; left out for one of a fleet's,
    /// whose line in the summary says what happened instead.
    pub fn note_unless_fleet(&self, text: &str) {
        if !self.fleet {
            self.note(text);
        }
    }

    /// A warning on stderr.
    pub fn warn(&self, text: &str) {
        let color = use_color(ColorChoice::Auto, std::io::stderr().is_terminal()) && self.color;
        let label = console::Style::new()
            .yellow()
            .force_styling(color)
            .apply_to("warning:");
        self.note(&format!("{label} {text}"));
    }

    /// The error that ended the command, on stderr.
    pub fn error(&self, text: &str) {
        self.note(&format!("error: {text}"));
    }

    /// stdout for data streamed as it arrives (an archive downloaded to `-`). The
    /// writer does not map errors: its caller turns a closed pipe into
    /// [`CliError::BrokenPipe`], as [`Printer::out`] does (`s3::download` does).
    pub fn stream(&self) -> std::io::StdoutLock<'static> {
        std::io::stdout().lock()
    }
}

/// `object` as `-o json|yaml` shows it: like kubectl, without its managed fields,
/// noise unless asked for.
pub fn without_managed_fields<K: kube::Resource + Clone>(object: &K) -> K {
    let mut shown = object.clone();
    shown.meta_mut().managed_fields = None;
    shown
}

/// A kubectl-style table: left-aligned columns separated by three spaces, no borders.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    let mut text: String = table
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    if text.is_empty() {
        text.push('\n');
    }
    text
}

/// Age like kubectl: `45s`, `12m`, `5h`, `3d`.
pub fn age(created: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> String {
    let Some(created) = created else {
        return "-".into();
    };
    let now = k8s_openapi::jiff::Timestamp::now();
    let secs = now.duration_since(created.0).as_secs().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// A byte count for people: `512 B`, `1.5 KiB`, `20.0 MiB`, `3.2 GiB`.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
