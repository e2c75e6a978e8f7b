//! Progress for the person at the terminal: byte bars for uploads and downloads, a
//! spinner with the elapsed time while a job is followed. Drawn on stderr, and only
//! when stderr is a terminal: piped and CI runs get no bar at all (the commands
//! print their usual lines), and `NO_COLOR` keeps the bars uncoloured.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

/// Whether bars are drawn: stderr is a terminal.
pub fn visible() -> bool {
    std::io::stderr().is_terminal()
}

fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn style(template: &str) -> ProgressStyle {
    // A template's own text cannot fail to parse; fall back to the default style
    // rather than panic if it ever did.
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// On stderr when it is a terminal; cleared when dropped, so an error message that
/// follows stands alone.
fn on_stderr(bar: ProgressBar) -> ProgressBar {
    let bar = bar.with_finish(ProgressFinish::AndClear);
    if visible() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// A bar for moving `total` bytes (a spinner with the count when the total is
/// unknown), with rate and time left.
pub fn bytes(what: &str, total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(total) => {
            let template = if colour() {
                "{msg} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left"
            } else {
                "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left"
            };
            ProgressBar::new(total).with_style(style(template).progress_chars("=> "))
        }
        None => ProgressBar::new_spinner()
            .with_style(style("{spinner} {msg} {bytes} {binary_bytes_per_sec}")),
    };
    let bar = on_stderr(bar.with_message(what.to_owned()));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A spinner with the elapsed time and `message`, for a wait whose end is unknown.
pub fn spinner(message: &str) -> ProgressBar {
    let template = if colour() {
        "{spinner:.green} {elapsed:>4} {wide_msg}"
    } else {
        "{spinner} {elapsed:>4} {wide_msg}"
    };
    let bar = on_stderr(
        ProgressBar::new_spinner()
            .with_style(style(template))
            .with_message(message.to_owned()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Turns a job's spinner into a byte bar once the agent's log gives a total, and
/// moves it with each progress line; without a total the spinner stays (its
/// message carries the byte count).
pub fn transfer(bar: &ProgressBar, progress: Option<&odoo_model::agent::Progress>) {
    let Some(total) = progress.and_then(|p| p.total.map(|t| (p.bytes, t))) else {
        return;
    };
    let (done, total) = total;
    if bar.length() != Some(total) {
        let template = if colour() {
            "{spinner:.green} {elapsed:>4} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {wide_msg}"
        } else {
            "{spinner} {elapsed:>4} [{bar:30}] {bytes}/{total_bytes} {wide_msg}"
        };
        bar.set_style(style(template).progress_chars("=> "));
        bar.set_length(total);
    }
    bar.set_position(done);
}
