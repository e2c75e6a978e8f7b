//! A streaming zip reader that checks everything it reads: each entry's CRC-32 and
//! sizes, the data descriptors, and at the end the central directory against the
//! entries actually seen, then that nothing follows the end record.
//!
//! Why not a zip crate: restores read from a network stream, front to back, twice
//! (verify, then restore) without staging the archive. The `zip` crate's stream
//! reader refuses entries with data descriptors, which every streamed archive (ours
//! included) has, and async_zip's has the same gap; random access would need the
//! whole archive on disk. Deflate streams end by themselves, so reading forwards
//! through a data-descriptor entry is exact for deflated entries; stored entries are
//! read when their size is in the local header (Odoo's zips, written to a seekable
//! file, always have it).

use std::io::{self, BufRead, Write};

use flate2::{Decompress, FlushDecompress, Status};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EXTRA: u16 = 0x0001;

const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DATA_DESCRIPTOR: u16 = 0x0008;

#[derive(Debug, thiserror::Error)]
pub enum ZipReadError {
    #[error("the archive is truncated: it ends at byte {offset}, {context}")]
    Truncated { offset: u64, context: &'static str },
    #[error(
        "the archive is corrupt at byte {offset}: expected {expected}, found signature {found:#010x}"
    )]
    Signature {
        offset: u64,
        expected: &'static str,
        found: u32,
    },
    #[error("entry {name:?} is corrupt: {reason}")]
    CorruptEntry { name: String, reason: String },
    #[error("entry {name:?} uses {what}, which the agent does not read")]
    Unsupported { name: String, what: String },
    #[error("the archive is corrupt: its central directory {0}")]
    CentralDirectory(String),
    #[error("the archive is corrupt: {0} unexpected bytes follow its end record")]
    TrailingData(u64),
    #[error("reading the archive: {0}")]
    Read(#[source] io::Error),
    #[error("writing entry {name:?}: {source}")]
    Write {
        name: String,
        #[source]
        source: io::Error,
    },
}

/// A local entry as announced by its header.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    offset: u64,
    /// Flags, method, time and date as recorded, compared with the central directory.
    recorded: [u8; 8],
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    size: u64,
    zip64: bool,
}

impl Entry {
    /// Directory entries end with `/` and have no data.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// What an entry turned out to be, to check the central directory against.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    name: String,
    offset: u64,
    recorded: [u8; 8],
    crc32: u32,
    compressed_size: u64,
    size: u64,
}

/// Position-tracking input over a buffered reader.
struct Input<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Input<R> {
    fn fill(&mut self) -> Result<&[u8], ZipReadError> {
        loop {
            match self.inner.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ZipReadError::Read(e)),
            }
        }
        // Buffered now: this returns the same bytes without reading.
        self.inner.fill_buf().map_err(ZipReadError::Read)
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.pos += n as u64;
    }

    fn read_exact(&mut self, out: &mut [u8], context: &'static str) -> Result<(), ZipReadError> {
        let mut done = 0;
        while done < out.len() {
            let offset = self.pos;
            let buf = self.fill()?;
            if buf.is_empty() {
                return Err(ZipReadError::Truncated { offset, context });
            }
            let n = buf.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&buf[..n]);
            self.consume(n);
            done += n;
        }
        Ok(())
    }

    fn bytes(&mut self, n: usize, context: &'static str) -> Result<Vec<u8>, ZipReadError> {
        let mut v = vec![0; n];
        self.read_exact(&mut v, context)?;
        Ok(v)
    }

    fn u32(&mut self, context: &'static str) -> Result<u32, ZipReadError> {
        let mut b = [0; 4];
        self.read_exact(&mut b, context)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self, context: &'static str) -> Result<u64, ZipReadError> {
        let mut b = [0; 8];
        self.read_exact(&mut b, context)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// Little-endian fields of a fixed-size header.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.0[at], self.0[at + 1]])
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
}

/// The zip64 extended-information field of `extra`, if any.
fn zip64_field(extra: &[u8]) -> Option<&[u8]> {
    let mut rest = extra;
    while rest.len() >= 4 {
        let id = u16::from_le_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
        let data = rest.get(4..4 + len)?;
        if id == ZIP64_EXTRA {
            return Some(data);
        }
        rest = &rest[4 + len..];
    }
    None
}

/// Replaces each saturated 32-bit value by the next 64-bit value of the zip64
/// field, in the order the format defines.
fn widen(values: &mut [&mut u64], zip64: Option<&[u8]>) -> Result<(), String> {
    let mut data = zip64.unwrap_or_default();
    for v in values.iter_mut() {
        if **v == u64::from(u32::MAX) {
            let Some((bytes, rest)) = data.split_first_chunk::<8>() else {
                return Err("a size or offset is 0xFFFFFFFF without its zip64 value".into());
            };
            **v = u64::from_le_bytes(*bytes);
            data = rest;
        }
    }
    Ok(())
}

/// Reads entries front to back. Call [`ZipStream::next_entry`], then
/// [`ZipStream::read_data`] (or not: the next `next_entry` verifies and discards
/// unread data), until `next_entry` returns `None`, which happens only after the
/// central directory and end record checked out.
pub struct ZipStream<R> {
    input: Input<R>,
    seen: Vec<Seen>,
    pending: Option<Entry>,
    finished: bool,
}

impl<R: BufRead> ZipStream<R> {
    pub fn new(inner: R) -> Self {
        ZipStream {
            input: Input { inner, pos: 0 },
            seen: Vec::new(),
            pending: None,
            finished: false,
        }
    }

    /// The reader, positioned after the end record (or wherever reading stopped).
    pub fn into_inner(self) -> R {
        self.input.inner
    }

    pub fn next_entry(&mut self) -> Result<Option<Entry>, ZipReadError> {
        if self.pending.is_some() {
            self.read_data(&mut io::sink())?;
        }
        if self.finished {
            return Ok(None);
        }
        let offset = self.input.pos;
        let signature = self
            .input
            .u32("where an entry or the central directory should start")?;
        match signature {
            LOCAL_HEADER => {
                let entry = self.local_header(offset)?;
                self.pending = Some(entry.clone());
                Ok(Some(entry))
            }
            CENTRAL_HEADER | END_OF_CENTRAL_DIRECTORY | ZIP64_END_OF_CENTRAL_DIRECTORY => {
                self.central_directory(offset, signature)?;
                self.finished = true;
                Ok(None)
            }
            found => Err(ZipReadError::Signature {
                offset,
                expected: "a local file header or the central directory",
                found,
            }),
        }
    }

    fn local_header(&mut self, offset: u64) -> Result<Entry, ZipReadError> {
        let fixed = self.input.bytes(26, "inside a local file header")?;
        let f = Fields(&fixed);
        let name_len = usize::from(f.u16(22));
        let extra_len = usize::from(f.u16(24));
        let raw_name = self.input.bytes(name_len, "inside an entry name")?;
        let extra = self
            .input
            .bytes(extra_len, "inside an entry's extra fields")?;
        let name = String::from_utf8(raw_name).map_err(|e| ZipReadError::CorruptEntry {
            name: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            reason: "its name is not UTF-8".into(),
        })?;
        let mut entry = Entry {
            flags: f.u16(2),
            method: f.u16(4),
            crc32: f.u32(10),
            compressed_size: u64::from(f.u32(14)),
            size: u64::from(f.u32(18)),
            zip64: zip64_field(&extra).is_some(),
            recorded: fixed[2..10].try_into().unwrap_or_default(),
            offset,
            name,
        };
        if entry.flags & FLAG_ENCRYPTED != 0 {
            return Err(ZipReadError::Unsupported {
                name: entry.name,
                what: "encryption".into(),
            });
        }
        if entry.method != METHOD_STORED && entry.method != METHOD_DEFLATED {
            return Err(ZipReadError::Unsupported {
                name: entry.name,
                what: format!("compression method {}", entry.method),
            });
        }
        if entry.flags & FLAG_DATA_DESCRIPTOR == 0 {
            // The local zip64 field holds the uncompressed size, then the compressed one.
            let (mut size, mut compressed) = (entry.size, entry.compressed_size);
            widen(&mut [&mut size, &mut compressed], zip64_field(&extra)).map_err(|reason| {
                ZipReadError::CorruptEntry {
                    name: entry.name.clone(),
                    reason,
                }
            })?;
            (entry.size, entry.compressed_size) = (size, compressed);
        }
        Ok(entry)
    }

    /// Streams the pending entry's data, uncompressed, into `out`, and checks it.
    /// Returns the uncompressed size.
    pub fn read_data(&mut self, out: &mut dyn Write) -> Result<u64, ZipReadError> {
        let Some(entry) = self.pending.take() else {
            return Ok(0);
        };
        let has_descriptor = entry.flags & FLAG_DATA_DESCRIPTOR != 0;
        let mut crc = crc32fast::Hasher::new();
        let (compressed, size) = match entry.method {
            METHOD_STORED if has_descriptor => {
                return Err(ZipReadError::Unsupported {
                    name: entry.name,
                    what: "no compression with a data descriptor (its end cannot be found while streaming)".into(),
                });
            }
            METHOD_STORED => {
                self.copy_stored(&entry.name, entry.compressed_size, out, &mut crc)?;
                (entry.compressed_size, entry.compressed_size)
            }
            _ => {
                let limit = (!has_descriptor).then_some(entry.compressed_size);
                self.inflate(&entry.name, limit, out, &mut crc)?
            }
        };
        let (want_crc, want_compressed, want_size) = if has_descriptor {
            self.data_descriptor(entry.zip64)?
        } else {
            (entry.crc32, entry.compressed_size, entry.size)
        };
        let corrupt = |reason: String| ZipReadError::CorruptEntry {
            name: entry.name.clone(),
            reason,
        };
        let actual_crc = crc.finalize();
        if actual_crc != want_crc {
            return Err(corrupt(format!(
                "CRC-32 is {actual_crc:08x}, the archive records {want_crc:08x}"
            )));
        }
        if (compressed, size) != (want_compressed, want_size) {
            return Err(corrupt(format!(
                "{compressed} compressed / {size} uncompressed bytes, the archive records {want_compressed} / {want_size}"
            )));
        }
        self.seen.push(Seen {
            name: entry.name,
            offset: entry.offset,
            recorded: entry.recorded,
            crc32: actual_crc,
            compressed_size: compressed,
            size,
        });
        Ok(size)
    }

    fn copy_stored(
        &mut self,
        name: &str,
        len: u64,
        out: &mut dyn Write,
        crc: &mut crc32fast::Hasher,
    ) -> Result<(), ZipReadError> {
        let mut left = len;
        while left > 0 {
            let offset = self.input.pos;
            let buf = self.input.fill()?;
            if buf.is_empty() {
                return Err(ZipReadError::Truncated {
                    offset,
                    context: "inside an entry's data",
                });
            }
            let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            crc.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|source| ZipReadError::Write {
                    name: name.to_owned(),
                    source,
                })?;
            self.input.consume(n);
            left -= n as u64;
        }
        Ok(())
    }

    /// Inflates until the deflate stream ends; `limit` is the recorded compressed
    /// size when the local header has one. Returns (compressed, uncompressed) sizes.
    fn inflate(
        &mut self,
        name: &str,
        limit: Option<u64>,
        out: &mut dyn Write,
        crc: &mut crc32fast::Hasher,
    ) -> Result<(u64, u64), ZipReadError> {
        let corrupt = |reason: String| ZipReadError::CorruptEntry {
            name: name.to_owned(),
            reason,
        };
        let mut inflater = Decompress::new(false);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let offset = self.input.pos;
            let available = self.input.fill()?;
            let take = match limit {
                Some(limit) => available
                    .len()
                    .min(usize::try_from(limit - inflater.total_in()).unwrap_or(usize::MAX)),
                None => available.len(),
            };
            let input = &available[..take];
            let at_end = input.is_empty();
            let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
            let flush = if at_end {
                FlushDecompress::Finish
            } else {
                FlushDecompress::None
            };
            let status = inflater
                .decompress(input, &mut buf, flush)
                .map_err(|e| corrupt(format!("invalid deflate data: {e}")))?;
            let consumed = (inflater.total_in() - in_before) as usize;
            let produced = (inflater.total_out() - out_before) as usize;
            self.input.consume(consumed);
            if produced > 0 {
                crc.update(&buf[..produced]);
                out.write_all(&buf[..produced])
                    .map_err(|source| ZipReadError::Write {
                        name: name.to_owned(),
                        source,
                    })?;
            }
            if status == Status::StreamEnd {
                break;
            }
            if consumed == 0 && produced == 0 {
                return Err(
                    if at_end && limit.is_some_and(|l| inflater.total_in() == l) {
                        corrupt("the deflate stream does not end within its recorded size".into())
                    } else if at_end {
                        ZipReadError::Truncated {
                            offset,
                            context: "inside an entry's compressed data",
                        }
                    } else {
                        corrupt("the deflate stream makes no progress".into())
                    },
                );
            }
        }
        Ok((inflater.total_in(), inflater.total_out()))
    }

    /// (crc, compressed size, size) from a data descriptor, whose signature is
    /// optional and whose sizes are 64-bit when the entry had a zip64 field.
    fn data_descriptor(&mut self, zip64: bool) -> Result<(u32, u64, u64), ZipReadError> {
        const CONTEXT: &str = "inside a data descriptor";
        let first = self.input.u32(CONTEXT)?;
        let crc = if first == DATA_DESCRIPTOR {
            self.input.u32(CONTEXT)?
        } else {
            first
        };
        let (compressed, size) = if zip64 {
            (self.input.u64(CONTEXT)?, self.input.u64(CONTEXT)?)
        } else {
            (
                u64::from(self.input.u32(CONTEXT)?),
                u64::from(self.input.u32(CONTEXT)?),
            )
        };
        Ok((crc, compressed, size))
    }

    /// Reads the central directory, whose first signature (at `start`) was read, the
    /// end records, and checks that nothing follows.
    fn central_directory(&mut self, start: u64, mut signature: u32) -> Result<(), ZipReadError> {
        const CONTEXT: &str = "inside the central directory";
        let mismatch = |what: String| ZipReadError::CentralDirectory(what);
        let mut listed = 0usize;
        let mut zip64_end: Option<(u64, u64)> = None;
        loop {
            let offset = self.input.pos - 4;
            match signature {
                CENTRAL_HEADER => {
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
                    .map_err(&mismatch)?;
                    let listed_entry = Seen {
                        name: String::from_utf8_lossy(&name).into_owned(),
                        offset: local,
                        recorded: fixed[4..12].try_into().unwrap_or_default(),
                        crc32: f.u32(12),
                        compressed_size: compressed,
                        size,
                    };
                    match self.seen.get(listed) {
                        Some(seen) if *seen == listed_entry => {}
                        Some(seen) => {
                            return Err(mismatch(format!(
                                "entry {listed} is {listed_entry:?}, the data has {seen:?}"
                            )));
                        }
                        None => {
                            return Err(mismatch(format!(
                                "lists more entries than the {} in the archive",
                                self.seen.len()
                            )));
                        }
                    }
                    listed += 1;
                }
                ZIP64_END_OF_CENTRAL_DIRECTORY => {
                    let len = self.input.u64(CONTEXT)?;
                    let body = self.input.bytes(
                        usize::try_from(len)
                            .ok()
                            .filter(|&l| (44..1 << 20).contains(&l))
                            .ok_or_else(|| {
                                mismatch(format!("has a zip64 end record of {len} bytes"))
                            })?,
                        CONTEXT,
                    )?;
                    let u64_at = |at: usize| {
                        u64::from_le_bytes(body[at..at + 8].try_into().unwrap_or_default())
                    };
                    // total entries at 20, directory offset at 36 (after the length).
                    zip64_end = Some((u64_at(20), u64_at(36)));
                }
                ZIP64_LOCATOR => {
                    self.input.bytes(16, CONTEXT)?;
                }
                END_OF_CENTRAL_DIRECTORY => {
                    let fixed = self.input.bytes(18, CONTEXT)?;
                    let f = Fields(&fixed);
                    self.input.bytes(usize::from(f.u16(16)), CONTEXT)?;
                    let mut entries = u64::from(f.u16(6));
                    let mut directory_offset = u64::from(f.u32(12));
                    if let Some((z_entries, z_offset)) = zip64_end {
                        if entries == u64::from(u16::MAX) {
                            entries = z_entries;
                        }
                        if directory_offset == u64::from(u32::MAX) {
                            directory_offset = z_offset;
                        }
                    }
                    if listed != self.seen.len() || entries != listed as u64 {
                        return Err(mismatch(format!(
                            "lists {listed} entries and its end record {entries}, the archive has {}",
                            self.seen.len()
                        )));
                    }
                    if directory_offset != start {
                        return Err(mismatch(format!(
                            "starts at byte {start}, its end record says {directory_offset}"
                        )));
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed_zip(files: &[(&str, &[u8])], large: bool) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new_stream(Vec::new());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(large);
        for (name, data) in files {
            zip.start_file(*name, opts).expect("zip into memory");
            zip.write_all(data).expect("zip into memory");
        }
        zip.finish().expect("zip into memory").into_inner()
    }

    fn seekable_zip(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in files {
            zip.start_file(*name, opts).expect("zip into memory");
            zip.write_all(data).expect("zip into memory");
        }
        zip.finish().expect("zip into memory").into_inner()
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ZipReadError> {
        let mut z = ZipStream::new(io::BufReader::with_capacity(7, bytes));
        let mut out = Vec::new();
        while let Some(e) = z.next_entry()? {
            let mut data = Vec::new();
            z.read_data(&mut data)?;
            out.push((e.name, data));
        }
        Ok(out)
    }

    fn files() -> Vec<(&'static str, Vec<u8>)> {
        let noise: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        vec![
            ("dump.sql", b"SELECT 1;\n".repeat(5000)),
            ("manifest.json", b"{}".to_vec()),
            ("filestore/ab/abcdef", noise),
            ("filestore/cd/empty", Vec::new()),
        ]
    }

    #[test]
    fn reads_streamed_seekable_and_zip64_archives() {
        let files = files();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        let expected: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, d)| (n.to_string(), d.clone()))
            .collect();
        for bytes in [
            streamed_zip(&refs, false),
            streamed_zip(&refs, true),
            seekable_zip(&refs, zip::CompressionMethod::Deflated),
            seekable_zip(&refs, zip::CompressionMethod::Stored),
        ] {
            assert_eq!(read_all(&bytes).ok(), Some(expected.clone()));
        }
        assert_eq!(read_all(&streamed_zip(&[], false)).ok(), Some(vec![]));
    }

    #[test]
    fn every_truncation_is_refused() {
        let files = files();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        let bytes = streamed_zip(&refs, false);
        for cut in (0..bytes.len()).step_by(997).chain([bytes.len() - 1]) {
            assert!(read_all(&bytes[..cut]).is_err(), "cut at {cut} accepted");
        }
    }

    #[test]
    fn flipped_bytes_are_refused() {
        let files = files();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        for bytes in [
            streamed_zip(&refs, false),
            seekable_zip(&refs, zip::CompressionMethod::Stored),
        ] {
            for at in (0..bytes.len()).step_by(251) {
                let mut bad = bytes.clone();
                bad[at] ^= 0x5a;
                // Only a flip in a field nothing depends on (version needed,
                // attributes) may pass, and then it changes nothing read.
                if let Ok(read) = read_all(&bad) {
                    assert_eq!(Some(read), read_all(&bytes).ok(), "flip at {at}");
                }
            }
        }
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = streamed_zip(&[("a", b"a")], false);
        bytes.extend_from_slice(b"junk");
        assert!(matches!(
            read_all(&bytes),
            Err(ZipReadError::TrailingData(4))
        ));
    }
}
