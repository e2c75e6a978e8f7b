//! `manifest.json` of Odoo's zip backups, built the way Odoo's `dump_db_manifest`
//! builds it, so Odoo's database manager and other Odoo tooling accept our archives.

use std::collections::BTreeMap;

use odoo_model::OdooVersion;
use serde::{Deserialize, Serialize};

/// Odoo's manifest. Field order is Odoo's key order (serde keeps declaration order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `"1"`.
    pub odoo_dump: String,
    pub db_name: String,
    /// `odoo.release.version`, e.g. `17.0` or `17.0+e`.
    pub version: String,
    /// `odoo.release.version_info`, e.g. `[17, 0, 0, "final", 0, ""]`.
    pub version_info: Vec<serde_json::Value>,
    /// `odoo.release.major_version` (the series), e.g. `17.0` or `saas~17.4`.
    pub major_version: String,
    /// Odoo's rendering of the server version: major and minor of
    /// `server_version_num / 100`, so `15.0` for any 15.x.
    pub pg_version: String,
    /// Installed module → `latest_version` (null when the column is).
    pub modules: BTreeMap<String, Option<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "Odoo version {0:?} is not of the form SERIES.MINOR (e.g. 17.0, saas~17.4, 18.0+e, or an image tag like 18.0-20251001)"
    )]
    ParseVersion(String),
}

/// The version fields of the manifest, from a version string or an Odoo image tag:
/// the series as the model crate reads every Odoo version, with the edition suffix
/// Odoo writes beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionFields {
    pub version: String,
    pub version_info: Vec<serde_json::Value>,
    pub major_version: String,
}

impl VersionFields {
    /// Accepts `17.0`, `17.0+e`, `saas~17.4` and image tags with a build date
    /// (`18.0-20251001`, the official image's tag scheme), which carry no more
    /// than the series.
    pub fn parse(raw: &str) -> Result<VersionFields, ManifestError> {
        let series =
            OdooVersion::parse(raw).ok_or_else(|| ManifestError::ParseVersion(raw.to_owned()))?;
        let edition = OdooVersion::edition(raw)
            .map(|e| format!("+{e}"))
            .unwrap_or_default();
        // Odoo's version_info[0] is an int for stable series and a string for
        // SaaS ones ("saas~17").
        let major = if series.saas {
            serde_json::Value::from(format!("saas~{}", series.major))
        } else {
            serde_json::Value::from(series.major)
        };
        Ok(VersionFields {
            version: format!("{series}{edition}"),
            version_info: vec![
                major,
                series.minor.into(),
                0.into(),
                "final".into(),
                0.into(),
                edition.into(),
            ],
            major_version: series.to_string(),
        })
    }
}

/// Odoo computes `"%d.%d" % divmod(server_version / 100, 100)`.
pub fn odoo_pg_version(server_version_num: u32) -> String {
    let v = server_version_num / 100;
    format!("{}.{}", v / 100, v % 100)
}

impl Manifest {
    pub fn new(
        db_name: &str,
        version: &VersionFields,
        server_version_num: u32,
        modules: BTreeMap<String, Option<String>>,
    ) -> Manifest {
        Manifest {
            odoo_dump: "1".into(),
            db_name: db_name.to_owned(),
            version: version.version.clone(),
            version_info: version.version_info.clone(),
            major_version: version.major_version.clone(),
            pg_version: odoo_pg_version(server_version_num),
            modules,
        }
    }

    /// JSON with four-space indentation, as Odoo's `json.dump(…, indent=4)`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        // Serialising plain strings and maps into memory cannot fail.
        let _ = self.serialize(&mut ser);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stable_enterprise_saas_and_image_tags() -> Result<(), ManifestError> {
        let v = VersionFields::parse("17.0")?;
        assert_eq!(v.version, "17.0");
        assert_eq!(v.major_version, "17.0");
        assert_eq!(json!(v.version_info), json!([17, 0, 0, "final", 0, ""]));

        let v = VersionFields::parse("18.0-20251001")?;
        assert_eq!(v.version, "18.0");

        let v = VersionFields::parse("17.0+e")?;
        assert_eq!(v.version, "17.0+e");
        assert_eq!(v.major_version, "17.0");
        assert_eq!(json!(v.version_info), json!([17, 0, 0, "final", 0, "+e"]));

        let v = VersionFields::parse("saas~17.4")?;
        assert_eq!(v.major_version, "saas~17.4");
        assert_eq!(
            json!(v.version_info),
            json!(["saas~17", 4, 0, "final", 0, ""])
        );

        // A module's version names its series too.
        assert_eq!(VersionFields::parse("17.0.1.3")?.version, "17.0");
        for bad in ["", "17", "latest", ".0", "17.x"] {
            assert!(VersionFields::parse(bad).is_err(), "{bad:?}");
        }
        Ok(())
    }

    #[test]
    fn pg_version_is_odoos_rendering() {
        assert_eq!(odoo_pg_version(150014), "15.0");
        assert_eq!(odoo_pg_version(170002), "17.0");
        assert_eq!(odoo_pg_version(90624), "9.6");
    }

    #[test]
    fn manifest_has_odoos_keys_in_odoos_order_and_indent() -> Result<(), Box<dyn std::error::Error>>
    {
        let modules = BTreeMap::from([
            ("base".to_owned(), Some("17.0.1.3".to_owned())),
            ("web".to_owned(), None),
        ]);
        let m = Manifest::new("shop", &VersionFields::parse("17.0")?, 150014, modules);
        let text = String::from_utf8(m.to_json())?;
        let keys: Vec<Option<usize>> = [
            "odoo_dump",
            "db_name",
            "version",
            "version_info",
            "major_version",
            "pg_version",
            "modules",
        ]
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")))
        .collect();
        assert!(keys.iter().all(Option::is_some), "{text}");
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.starts_with("{\n    \"odoo_dump\": \"1\""), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(
            back,
            json!({
                "odoo_dump": "1", "db_name": "shop", "version": "17.0",
                "version_info": [17, 0, 0, "final", 0, ""], "major_version": "17.0",
                "pg_version": "15.0", "modules": {"base": "17.0.1.3", "web": null}
            })
        );
        Ok(())
    }
}
