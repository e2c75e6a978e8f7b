//! Where an archive is: an S3 object or a file on a mounted volume. One type from
//! the resource's status through the agent's request and report to the plugin, in
//! one text form (`s3://BUCKET/KEY`, or the file's absolute path; `file:///PATH` is
//! read as that path too), so two sides cannot disagree on how a location is written.

use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An archive's location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    S3 { bucket: String, key: String },
    File(PathBuf),
}

/// Text that names no location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLocationError(pub String);

impl std::fmt::Display for ParseLocationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} is not a location: s3://BUCKET/KEY or an absolute file path (file:///PATH)",
            self.0
        )
    }
}

impl std::error::Error for ParseLocationError {}

impl Location {
    /// The object `key` in `bucket`.
    pub fn s3(bucket: impl Into<String>, key: impl Into<String>) -> Location {
        Location::S3 {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// Bucket and key, for an S3 location.
    pub fn as_s3(&self) -> Option<(&str, &str)> {
        match self {
            Location::S3 { bucket, key } => Some((bucket, key)),
            Location::File(_) => None,
        }
    }

    /// The location of its digest (`<key>.sha256` beside it, see
    /// [`crate::agent::digest_key`]).
    pub fn digest(&self) -> Location {
        match self {
            Location::S3 { bucket, key } => Location::s3(bucket, crate::agent::digest_key(key)),
            Location::File(path) => {
                let mut name = path.as_os_str().to_owned();
                name.push(".sha256");
                Location::File(name.into())
            }
        }
    }
}

impl FromStr for Location {
    type Err = ParseLocationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseLocationError(s.to_owned());
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').ok_or_else(err)?;
            if bucket.is_empty() || key.is_empty() || key.ends_with('/') {
                return Err(err());
            }
            return Ok(Location::s3(bucket, key));
        }
        let path = Path::new(s.strip_prefix("file://").unwrap_or(s));
        if !path.is_absolute() || path.file_name().is_none() {
            return Err(err());
        }
        Ok(Location::File(path.to_owned()))
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Location::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A status's location as stored. Absent or empty text (as older statuses may
/// say) is none, and so is text that names no location (a hand-edited status):
/// the job then says it records no archive location, and every other object
/// of its kind stays readable, where refusing the text would fail every list
/// of the namespace's backups (schedules, retention, deletions, the plugin).
pub fn optional<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Location>, D::Error> {
    use serde::Deserialize as _;
    let text = Option::<String>::deserialize(d)?;
    Ok(text.and_then(|t| t.parse().ok()))
}

/// A bucket and a prefix in it (`s3://BUCKET[/PREFIX]`): where a bucket's archives
/// and index are looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketPrefix {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the whole bucket.
    pub prefix: String,
}

impl BucketPrefix {
    /// The object `key` of this bucket.
    pub fn object(&self, key: &str) -> Location {
        Location::s3(&self.bucket, key)
    }
}

impl FromStr for BucketPrefix {
    type Err = ParseLocationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s
            .strip_prefix("s3://")
            .ok_or_else(|| ParseLocationError(s.to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ParseLocationError(s.to_owned()));
        }
        Ok(BucketPrefix {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }
}

impl std::fmt::Display for BucketPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.prefix.as_str() {
            "" => write!(f, "s3://{}", self.bucket),
            prefix => write!(f, "s3://{}/{prefix}", self.bucket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backup's status carries its location typed: what the operator wrote
    /// reads back as the same location; an older status's empty text, and text
    /// that names no location, read as none, and the status stays readable.
    #[test]
    fn a_status_location_reads_back_typed_and_empty_text_is_none() {
        let status = |location: serde_json::Value| {
            serde_json::from_value::<crate::OdooBackupJobStatus>(serde_json::json!({
                "location": location
            }))
        };
        let s3 = Location::s3("backups", "shop/x.zip");
        let written = crate::OdooBackupJobStatus {
            location: Some(s3.clone()),
            ..Default::default()
        };
        let json = serde_json::to_value(&written).expect("serializes");
        assert_eq!(json["location"], "s3://backups/shop/x.zip");
        let read = status(json["location"].clone()).expect("reads");
        assert_eq!(read.location, Some(s3));
        assert_eq!(status("".into()).expect("reads").location, None);
        let file = status("/backup/shop/x.zip".into()).expect("reads").location;
        assert_eq!(file, Some(Location::File("/backup/shop/x.zip".into())));
        let unusable = status("pvc://claim/x.zip".into()).expect("stays readable");
        assert_eq!(unusable.location, None);
    }

    #[test]
    fn locations_read_and_write_one_way() {
        let s3: Location = "s3://b/team/shop/1.zip".parse().expect("s3");
        assert_eq!(s3, Location::s3("b", "team/shop/1.zip"));
        assert_eq!(s3.to_string(), "s3://b/team/shop/1.zip");
        assert_eq!(s3.digest().to_string(), "s3://b/team/shop/1.zip.sha256");
        // A bare path and its file:// form are one location.
        let bare: Location = "/backup/a.zip".parse().expect("path");
        let url: Location = "file:///backup/a.zip".parse().expect("url");
        assert_eq!(bare, url);
        assert_eq!(url.to_string(), "/backup/a.zip");
        assert_eq!(url.to_string().parse::<Location>(), Ok(bare));
        for bad in ["s3://b", "s3:///k", "s3://b/dir/", "relative/a.zip", "/"] {
            assert!(bad.parse::<Location>().is_err(), "{bad}");
        }
        let json = serde_json::to_string(&s3).expect("json");
        assert_eq!(json, "\"s3://b/team/shop/1.zip\"");
        assert_eq!(serde_json::from_str::<Location>(&json).expect("back"), s3);
        assert!(serde_json::from_str::<Location>("\"nowhere\"").is_err());
    }

    #[test]
    fn bucket_prefixes_read_and_write_one_way() {
        let whole: BucketPrefix = "s3://b".parse().expect("bucket");
        assert_eq!((whole.bucket.as_str(), whole.prefix.as_str()), ("b", ""));
        let under: BucketPrefix = "s3://b/prod/eu/".parse().expect("prefix");
        assert_eq!(under.prefix, "prod/eu");
        assert_eq!(under.to_string(), "s3://b/prod/eu");
        assert_eq!(under.object("k.zip").to_string(), "s3://b/k.zip");
        for bad in ["b/prod", "s3:///x", "/x"] {
            assert!(bad.parse::<BucketPrefix>().is_err(), "{bad}");
        }
    }
}
