//! The reader against archives of the zip crate, streamed and seekable, and
//! against every truncation and byte flip.
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
