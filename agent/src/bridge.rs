//! Bridges between the blocking archive code (pg_dump pipes, the zip writer and
//! reader on their own thread) and the async S3 client: the part uploader and the
//! writer that feeds it, the reader of a streamed GET, and the file sink. Channels
//! are bounded, so memory stays at a few parts whatever the archive's size.

use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use object_store::MultipartUpload;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use super::store::{ArchiveSink, StoreError};

/// S3 allows at most this many parts per upload.
pub const MAX_PARTS: u64 = 10_000;
/// Parts uploaded concurrently: enough to keep the link busy while the next part
/// fills, few enough to bound memory.
const PARTS_IN_FLIGHT: usize = 2;

/// Starts the task that uploads what the returned writer produces. The writer runs
/// on a blocking thread; the task ends with the upload completed, or aborted (on
/// any failure, when `cancel` fires, or when the writer goes away unclosed).
pub fn spawn_upload(
    upload: Box<dyn MultipartUpload>,
    location: String,
    part_size_mib: u64,
) -> (
    ChannelWriter,
    JoinHandle<Result<(), StoreError>>,
    oneshot::Sender<()>,
) {
    let part_size = usize::try_from(part_size_mib << 20).unwrap_or(16 << 20);
    let (tx, rx) = mpsc::channel(1);
    let (cancel, cancelled) = oneshot::channel();
    let task = tokio::spawn(upload_parts(upload, rx, cancelled, location, part_size_mib));
    let writer = ChannelWriter {
        tx,
        buf: BytesMut::with_capacity(part_size),
        part_size,
    };
    (writer, task, cancel)
}

enum Message {
    Part(Bytes),
    Done,
}

/// How long an abort waits for the parts in flight to land.
const DRAIN_BEFORE_ABORT: std::time::Duration = std::time::Duration::from_secs(10);

/// Uploads parts as they come, at most [`PARTS_IN_FLIGHT`] at a time, and completes
/// the upload on `Done`. Any failure, a cancel or a writer that went away aborts the
/// upload, so no object appears.
async fn upload_parts(
    mut upload: Box<dyn MultipartUpload>,
    mut rx: mpsc::Receiver<Message>,
    mut cancelled: oneshot::Receiver<()>,
    location: String,
    part_size_mib: u64,
) -> Result<(), StoreError> {
    let mut parts: JoinSet<(u64, object_store::Result<()>)> = JoinSet::new();
    let mut next_part = 0u64;
    let part_failed = |part, source| StoreError::UploadPart {
        location: location.clone(),
        part,
        source,
    };
    let outcome = loop {
        tokio::select! {
            _ = &mut cancelled => break Err(StoreError::Cancelled),
            Some(joined) = parts.join_next(), if !parts.is_empty() => {
                if let Ok((part, Err(source))) = joined {
                    break Err(part_failed(part, source));
                }
            }
            msg = rx.recv(), if parts.len() < PARTS_IN_FLIGHT => match msg {
                Some(Message::Part(bytes)) => {
                    next_part += 1;
                    if next_part > MAX_PARTS {
                        break Err(StoreError::TooManyParts { part_size_mib });
                    }
                    let put = upload.put_part(bytes.into());
                    let part = next_part;
                    parts.spawn(async move { (part, put.await) });
                }
                Some(Message::Done) => {
                    let mut failed = None;
                    while let Some(joined) = parts.join_next().await {
                        if let Ok((part, Err(source))) = joined {
                            failed = Some(part_failed(part, source));
                            break;
                        }
                    }
                    break failed.map_or(Ok(()), Err);
                }
                None => break Err(StoreError::WriterGone),
            },
        }
    };
    let outcome = match outcome {
        Ok(()) => match upload.complete().await {
            Ok(_) => return Ok(()),
            Err(source) => Err(StoreError::CompleteUpload {
                location: location.clone(),
                source,
            }),
        },
        Err(e) => Err(e),
    };
    // A part cut off mid-request can still be stored by the server after the abort
    // (S3 warns that an abort races with part uploads in flight), and would stay
    // there for good: let the parts already sent finish first, within the time a
    // pod has between SIGTERM and SIGKILL.
    let drain = async { while parts.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_BEFORE_ABORT, drain)
        .await
        .is_err()
    {
        parts.shutdown().await;
    }
    match upload.abort().await {
        Ok(()) => tracing::warn!(%location, "multipart upload aborted; no object was written"),
        Err(e) => tracing::warn!(
            %location, error = %e,
            "aborting the multipart upload failed; it never completed, so no object exists, but its parts stay until the bucket's lifecycle rule for incomplete uploads removes them"
        ),
    }
    outcome
}

/// Cuts the archive into parts and hands them to the upload task.
pub struct ChannelWriter {
    tx: mpsc::Sender<Message>,
    buf: BytesMut,
    part_size: usize,
}

impl ChannelWriter {
    fn send(&mut self, msg: Message) -> io::Result<()> {
        self.tx.blocking_send(msg).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the upload stopped (see its error)",
            )
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(self.part_size - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == self.part_size {
            let part = self.buf.split().freeze();
            self.buf.reserve(self.part_size);
            self.send(Message::Part(part))?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Parts have a minimum size: only whole parts are sent before close.
        Ok(())
    }
}

impl ArchiveSink for ChannelWriter {
    fn close(mut self: Box<Self>) -> io::Result<()> {
        if !self.buf.is_empty() {
            let part = self.buf.split().freeze();
            self.send(Message::Part(part))?;
        }
        self.send(Message::Done)
    }
}

/// A file on a mounted volume, synced on close.
pub struct FileSink(io::BufWriter<std::fs::File>);

impl FileSink {
    pub fn new(file: std::fs::File) -> Self {
        FileSink(io::BufWriter::with_capacity(1 << 20, file))
    }
}

impl Write for FileSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl ArchiveSink for FileSink {
    fn close(mut self: Box<Self>) -> io::Result<()> {
        self.0.flush()?;
        self.0.get_ref().sync_all()
    }
}

/// The blocking side of a streamed GET: a task forwards the chunks.
pub fn stream_reader(mut stream: BoxStream<'static, object_store::Result<Bytes>>) -> ChannelReader {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(16);
    tokio::spawn(async move {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(io::Error::other);
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    ChannelReader {
        rx,
        current: Bytes::new(),
    }
}

pub struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
