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

use input::{Fields, Input, widen, zip64_field};

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
}

mod central;
mod input;
#[cfg(test)]
mod tests;
