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

/// The version a release names: its series and, for Enterprise, its edition
/// (`17.0+e`). How a version travels to the agent, which writes both into a zip's
/// manifest; a build suffix (`18.0-20251001`) names no more than the series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OdooRelease {
    pub series: OdooVersion,
    pub edition: Option<String>,
}

/// Text that names no Odoo series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVersionError(pub String);

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} names no Odoo version: 17.0, 17.0+e, saas~17.4 or an image tag such as 18.0-20251001",
            self.0
        )
    }
}

impl std::error::Error for ParseVersionError {}

impl From<OdooVersion> for OdooRelease {
    fn from(series: OdooVersion) -> Self {
        OdooRelease {
            series,
            edition: None,
        }
    }
}

impl std::str::FromStr for OdooRelease {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let series = OdooVersion::parse(s).ok_or_else(|| ParseVersionError(s.to_owned()))?;
        Ok(OdooRelease {
            series,
            edition: OdooVersion::edition(s).map(str::to_owned),
        })
    }
}

impl fmt::Display for OdooRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.edition {
            Some(edition) => write!(f, "{}+{edition}", self.series),
            None => write!(f, "{}", self.series),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{OdooRelease, OdooVersion};

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
    fn releases_keep_their_edition_and_drop_their_build() {
        for (raw, written) in [
            ("17.0", "17.0"),
            ("17.0+e", "17.0+e"),
            ("18.0-20251001", "18.0"),
            ("saas~17.4", "saas~17.4"),
        ] {
            let release: OdooRelease = raw.parse().expect(raw);
            assert_eq!(release.to_string(), written, "{raw}");
            assert_eq!(written.parse::<OdooRelease>().as_ref(), Ok(&release));
        }
        assert!("latest".parse::<OdooRelease>().is_err());
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
