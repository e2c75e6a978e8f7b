//! `kubectl odoo restore NAME (--from-backup JOB | --latest-of INSTANCE | --from-s3
//! s3://BUCKET/KEY | --from-s3 s3://BUCKET[/PREFIX] --latest-of NS/NAME | --from-file
//! ZIP) [--into NEWNAME] …`: an OdooRestoreJob.
//!
//! The plan (what replaces what) is shown and confirmed before anything is written;
//! unattended runs need `--yes`. `--from-file` streams the local archive to S3 first
//! (multipart, hashed on the way) so the restore can verify it. `--into` restores into
//! a new instance with the source's spec instead of replacing anything.

pub mod args;
pub mod send;
pub mod source;

pub use args::RestoreArgs;
pub use send::run;
