//! Byte accounting on the archive stream: SHA-256, size and periodic progress lines,
//! computed while the bytes pass through, so nothing is staged to be measured.

use odoo_model::agent::{Progress, hex};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How often a progress line goes to stderr: often enough that a stuck job is visible
/// in `kubectl logs`, rarely enough to stay readable for a multi-hour backup.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);
/// How often the JSON progress line the plugin's byte bar follows is printed.
const BAR_EVERY: Duration = Duration::from_secs(3);

/// What passed through a [`Tally`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digested {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    pub bytes: u64,
}

/// SHA-256, byte count and progress of one pass over the archive.
pub struct Tally {
    what: &'static str,
    hasher: Sha256,
    bytes: u64,
    started: Instant,
    last_report: Instant,
    last_bar: Instant,
    /// The bytes this pass will count, when an earlier pass counted them.
    total: Option<u64>,
}

impl Tally {
    /// `what` names the pass in progress lines ("uploaded", "verified", …).
    pub fn new(what: &'static str) -> Tally {
        let now = Instant::now();
        Tally {
            what,
            hasher: Sha256::new(),
            bytes: 0,
            started: now,
            last_report: now,
            last_bar: now,
            total: None,
        }
    }

    fn add(&mut self, buf: &[u8]) {
        self.hasher.update(buf);
        self.bytes += buf.len() as u64;
        if self.last_bar.elapsed() >= BAR_EVERY {
            self.last_bar = Instant::now();
            eprintln!("{}", self.progress().to_line());
        }
        if self.last_report.elapsed() >= PROGRESS_EVERY {
            self.last_report = Instant::now();
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            tracing::info!(
                "{} {} ({}/s)",
                self.what,
                human_bytes(self.bytes),
                human_bytes((self.bytes as f64 / secs) as u64)
            );
        }
    }

    /// Where this pass stands, as the plugin's byte bar reads it.
    fn progress(&self) -> Progress {
        Progress {
            pass: self.what.to_owned(),
            bytes: self.bytes,
            total: self.total,
        }
    }

    pub fn finish(self) -> Digested {
        Digested {
            sha256: hex(&self.hasher.finalize()),
            bytes: self.bytes,
        }
    }
}

/// A writer that tallies what it forwards. Only bytes the inner writer accepted count.
pub struct TallyWriter<W> {
    inner: W,
    tally: Tally,
}

impl<W: Write> TallyWriter<W> {
    pub fn new(inner: W, what: &'static str) -> Self {
        TallyWriter {
            inner,
            tally: Tally::new(what),
        }
    }

    pub fn into_parts(self) -> (W, Digested) {
        (self.inner, self.tally.finish())
    }
}

impl<W: Write> Write for TallyWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.tally.add(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that tallies what it returns.
pub struct TallyReader<R> {
    inner: R,
    tally: Tally,
}

impl<R: Read> TallyReader<R> {
    pub fn new(inner: R, what: &'static str) -> Self {
        TallyReader {
            inner,
            tally: Tally::new(what),
        }
    }

    /// The bytes this pass will read in all (a second pass over an archive the
    /// first one measured): progress lines then give a total for a bar.
    pub fn with_total(mut self, total: u64) -> Self {
        self.tally.total = Some(total);
        self
    }

    /// Reads what is left (an archive's trailing bytes still count towards its hash)
    /// and returns the tally.
    pub fn drain(mut self) -> io::Result<Digested> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self.tally.finish())
    }
}

impl<R: Read> Read for TallyReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tally.add(&buf[..n]);
        Ok(n)
    }
}

/// `1.5 GiB`, for people reading logs.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_reader_agree_with_a_one_shot_digest() {
        let data = vec![7u8; 100_000];
        let mut w = TallyWriter::new(Vec::new(), "written");
        w.write_all(&data).expect("writing to memory");
        let (out, written) = w.into_parts();
        assert_eq!(out, data);
        let read = TallyReader::new(&data[..], "read")
            .drain()
            .expect("reading memory");
        assert_eq!(written, read);
        assert_eq!(read.bytes, 100_000);
        assert_eq!(read.sha256, hex(&Sha256::digest(&data)));
    }

    #[test]
    fn human_bytes_picks_a_unit() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn a_second_pass_knows_its_total() {
        let data = vec![1u8; 4096];
        let mut second = TallyReader::new(&data[..], "restored:").with_total(4096);
        let mut half = [0u8; 2048];
        second.read_exact(&mut half).expect("reading memory");
        assert_eq!(
            second.tally.progress(),
            Progress {
                pass: "restored:".into(),
                bytes: 2048,
                total: Some(4096),
            }
        );
    }
}
