//! The end of a zip: the central directory, checked entry by entry against what
//! was read, the (zip64) end records, and nothing after them.

use std::io::BufRead;

use super::input::{Fields, widen, zip64_field};
use super::{
    CENTRAL_HEADER, END_OF_CENTRAL_DIRECTORY, Seen, ZIP64_END_OF_CENTRAL_DIRECTORY, ZIP64_LOCATOR,
    ZipReadError, ZipStream,
};

const CONTEXT: &str = "inside the central directory";

fn mismatch(what: String) -> ZipReadError {
    ZipReadError::CentralDirectory(what)
}

impl<R: BufRead> ZipStream<R> {
    /// Reads the central directory, whose first signature (at `start`) was read, the
    /// end records, and checks that nothing follows.
    pub(super) fn central_directory(
        &mut self,
        start: u64,
        mut signature: u32,
    ) -> Result<(), ZipReadError> {
        let mut listed = 0usize;
        let mut zip64_end: Option<(u64, u64)> = None;
        loop {
            let offset = self.input.pos - 4;
            match signature {
                CENTRAL_HEADER => {
                    self.central_header(listed)?;
                    listed += 1;
                }
                ZIP64_END_OF_CENTRAL_DIRECTORY => {
                    zip64_end = Some(self.zip64_end_record()?);
                }
                ZIP64_LOCATOR => {
                    self.input.bytes(16, CONTEXT)?;
                }
                END_OF_CENTRAL_DIRECTORY => {
                    self.end_record(start, listed, zip64_end)?;
                    break;
                }
                found => {
                    return Err(ZipReadError::Signature {
                        offset,
                        expected: "a central directory record",
                        found,
                    });
                }
            }
            signature = self.input.u32(CONTEXT)?;
        }
        self.nothing_after()
    }

    /// Reads one central directory header, which must repeat entry `listed` as it
    /// was read.
    fn central_header(&mut self, listed: usize) -> Result<(), ZipReadError> {
        let fixed = self.input.bytes(42, CONTEXT)?;
        let f = Fields(&fixed);
        let name = self.input.bytes(usize::from(f.u16(24)), CONTEXT)?;
        let extra = self.input.bytes(usize::from(f.u16(26)), CONTEXT)?;
        self.input.bytes(usize::from(f.u16(28)), CONTEXT)?;
        let (mut size, mut compressed, mut local) = (
            u64::from(f.u32(20)),
            u64::from(f.u32(16)),
            u64::from(f.u32(38)),
        );
        widen(
            &mut [&mut size, &mut compressed, &mut local],
            zip64_field(&extra),
        )
        .map_err(mismatch)?;
        let listed_entry = Seen {
            name: String::from_utf8_lossy(&name).into_owned(),
            offset: local,
            recorded: fixed[4..12].try_into().unwrap_or_default(),
            crc32: f.u32(12),
            compressed_size: compressed,
            size,
        };
        same_as_seen(&self.seen, listed, &listed_entry)
    }

    /// Reads a zip64 end record: its total entries and directory offset.
    fn zip64_end_record(&mut self) -> Result<(u64, u64), ZipReadError> {
        let len = self.input.u64(CONTEXT)?;
        let body = self.input.bytes(
            usize::try_from(len)
                .ok()
                .filter(|&l| (44..1 << 20).contains(&l))
                .ok_or_else(|| mismatch(format!("has a zip64 end record of {len} bytes")))?,
            CONTEXT,
        )?;
        let u64_at =
            |at: usize| u64::from_le_bytes(body[at..at + 8].try_into().unwrap_or_default());
        // total entries at 20, directory offset at 36 (after the length).
        Ok((u64_at(20), u64_at(36)))
    }

    /// Reads the end record, which must count the entries listed and seen and
    /// point at the directory's `start`.
    fn end_record(
        &mut self,
        start: u64,
        listed: usize,
        zip64_end: Option<(u64, u64)>,
    ) -> Result<(), ZipReadError> {
        let fixed = self.input.bytes(18, CONTEXT)?;
        let f = Fields(&fixed);
        self.input.bytes(usize::from(f.u16(16)), CONTEXT)?;
        let (entries, directory_offset) =
            end_fields(u64::from(f.u16(6)), u64::from(f.u32(12)), zip64_end);
        check_end(start, listed, self.seen.len(), entries, directory_offset)
    }

    /// Drains the input: any byte after the end record is an error.
    fn nothing_after(&mut self) -> Result<(), ZipReadError> {
        let mut trailing = 0u64;
        loop {
            let n = self.input.fill()?.len();
            if n == 0 {
                break;
            }
            trailing += n as u64;
            self.input.consume(n);
        }
        if trailing > 0 {
            return Err(ZipReadError::TrailingData(trailing));
        }
        Ok(())
    }
}

/// The central directory's entry `listed` must be the one read at that place.
fn same_as_seen(seen: &[Seen], listed: usize, listed_entry: &Seen) -> Result<(), ZipReadError> {
    match seen.get(listed) {
        Some(seen) if seen == listed_entry => Ok(()),
        Some(seen) => Err(mismatch(format!(
            "entry {listed} is {listed_entry:?}, the data has {seen:?}"
        ))),
        None => Err(mismatch(format!(
            "lists more entries than the {} in the archive",
            seen.len()
        ))),
    }
}

/// The end record's entry count and directory offset, taken from the zip64 end
/// record only where the classic fields hold their "see zip64" maximum.
fn end_fields(
    mut entries: u64,
    mut directory_offset: u64,
    zip64_end: Option<(u64, u64)>,
) -> (u64, u64) {
    if let Some((z_entries, z_offset)) = zip64_end {
        if entries == u64::from(u16::MAX) {
            entries = z_entries;
        }
        if directory_offset == u64::from(u32::MAX) {
            directory_offset = z_offset;
        }
    }
    (entries, directory_offset)
}

fn check_end(
    start: u64,
    listed: usize,
    seen: usize,
    entries: u64,
    directory_offset: u64,
) -> Result<(), ZipReadError> {
    if listed != seen || entries != listed as u64 {
        return Err(mismatch(format!(
            "lists {listed} entries and its end record {entries}, the archive has {seen}"
        )));
    }
    if directory_offset != start {
        return Err(mismatch(format!(
            "starts at byte {start}, its end record says {directory_offset}"
        )));
    }
    Ok(())
}
