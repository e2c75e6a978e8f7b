//! Odoo versions: the one parser of a series, out of a version string (a module's
//! `latest_version`, an archive manifest) or an image tag.

use std::fmt;

/// An Odoo series: `18.0`, or an online one, `saas~17.4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OdooVersion {
    pub major: u32,
    pub minor: u32,
    pub saas: bool,
}

impl OdooVersion {
    /// The series of a version: `17.0` of `17.0`, `17.0+e`, `17.0.1.3` or
    /// `17.0-20250101`; `saas~17.4` of itself. `None` when it names none.
    pub fn parse(version: &str) -> Option<OdooVersion> {
        let v = version.split(['-', '+']).next()?.trim();
        let (saas, v) = match v.strip_prefix("saas~") {
            Some(rest) => (true, rest),
            None => (false, v),
        };
        let mut parts = v.split('.');
        let number = |part: Option<&str>| {
            part.filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))?
                .parse()
                .ok()
        };
        Some(OdooVersion {
            major: number(parts.next())?,
            minor: number(parts.next())?,
            saas,
        })
    }

    /// The edition suffix a version carries (`e` of `17.0+e`), if any.
    pub fn edition(version: &str) -> Option<&str> {
        let v = version.split('-').next()?;
        let (_, edition) = v.split_once('+')?;
        Some(edition.trim()).filter(|e| !e.is_empty())
    }

    /// The series an image's tag names: `18.0` of `odoo:18.0-20250101` or
    /// `registry:5000/odoo:18.0`. `None` for an untagged image or a tag that names no
    /// series (`odoo:custom`).
    pub fn of_image(image: &str) -> Option<OdooVersion> {
        let (_, tag) = image.split('@').next()?.rsplit_once(':')?;
        OdooVersion::parse(tag)
    }
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let saas = if self.saas { "saas~" } else { "" };
        write!(f, "{saas}{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::OdooVersion;

    #[test]
    fn series_of_versions() {
        for (raw, series) in [
            ("17.0", Some("17.0")),
            ("17.0+e", Some("17.0")),
            ("17.0.1.3", Some("17.0")),
            ("18.0-20250101", Some("18.0")),
            ("saas~17.4", Some("saas~17.4")),
            ("latest", None),
            ("17", None),
            ("", None),
        ] {
            let parsed = OdooVersion::parse(raw).map(|v| v.to_string());
            assert_eq!(parsed.as_deref(), series, "{raw}");
        }
        assert_eq!(OdooVersion::edition("17.0+e"), Some("e"));
        assert_eq!(OdooVersion::edition("17.0+e-20250101"), Some("e"));
        assert_eq!(OdooVersion::edition("17.0"), None);
    }

    #[test]
    fn series_of_image_tags() {
        for (image, series) in [
            ("odoo:18.0-20250101", Some("18.0")),
            ("registry.local:5000/odoo:17.0", Some("17.0")),
            ("odoo:19.0@sha256:abc", Some("19.0")),
            ("registry.local:5000/odoo", None),
            ("odoo:custom", None),
        ] {
            let parsed = OdooVersion::of_image(image).map(|v| v.to_string());
            assert_eq!(parsed.as_deref(), series, "{image}");
        }
        let v = OdooVersion::of_image("odoo:19.0").expect("a series");
        assert_eq!((v.major, v.minor, v.saas), (19, 0, false));
    }
}
