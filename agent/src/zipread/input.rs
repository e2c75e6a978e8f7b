//! Byte-level reading: a position-tracking input and little-endian header fields.

use std::io::{self, BufRead};

use super::{ZIP64_EXTRA, ZipReadError};

/// Position-tracking input over a buffered reader.
pub(super) struct Input<R> {
    pub(super) inner: R,
    pub(super) pos: u64,
}

impl<R: BufRead> Input<R> {
    pub(super) fn fill(&mut self) -> Result<&[u8], ZipReadError> {
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

    pub(super) fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.pos += n as u64;
    }

    pub(super) fn read_exact(
        &mut self,
        out: &mut [u8],
        context: &'static str,
    ) -> Result<(), ZipReadError> {
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

    pub(super) fn bytes(
        &mut self,
        n: usize,
        context: &'static str,
    ) -> Result<Vec<u8>, ZipReadError> {
        let mut v = vec![0; n];
        self.read_exact(&mut v, context)?;
        Ok(v)
    }

    pub(super) fn u32(&mut self, context: &'static str) -> Result<u32, ZipReadError> {
        let mut b = [0; 4];
        self.read_exact(&mut b, context)?;
        Ok(u32::from_le_bytes(b))
    }

    pub(super) fn u64(&mut self, context: &'static str) -> Result<u64, ZipReadError> {
        let mut b = [0; 8];
        self.read_exact(&mut b, context)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// Little-endian fields of a fixed-size header.
pub(super) struct Fields<'a>(pub(super) &'a [u8]);

impl Fields<'_> {
    pub(super) fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.0[at], self.0[at + 1]])
    }
    pub(super) fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
}

/// The zip64 extended-information field of `extra`, if any.
pub(super) fn zip64_field(extra: &[u8]) -> Option<&[u8]> {
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
pub(super) fn widen(values: &mut [&mut u64], zip64: Option<&[u8]>) -> Result<(), String> {
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
