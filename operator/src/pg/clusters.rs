//! The pg-clusters Secret: one key, [`CLUSTERS_KEY`], holding a YAML mapping from
//! cluster name to how the operator reaches that cluster as its administrator.
//!
//! ```yaml
//! main:
//!   host: pg.example.internal
//!   port: 5432              # default 5432
//!   adminUser: odoo_admin
//!   adminPassword: "…"
//!   default: true           # exactly one cluster is the default
//!   sslMode: verify-full    # disable | prefer (default) | require | verify-ca | verify-full
//!   caCert: |               # optional PEM bundle; system roots when absent
//!     -----BEGIN CERTIFICATE-----
//!   adminDatabase: postgres # optional; the database the admin connects to
//! ```

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::ByteString;
use serde::{Deserialize, Deserializer};

/// The Secret key that holds the clusters.
pub const CLUSTERS_KEY: &str = "clusters.yaml";

pub use odoo_model::SslMode;

/// One cluster of the Secret. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PgCluster {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub admin_user: String,
    #[serde(deserialize_with = "password")]
    pub admin_password: String,
    /// The cluster used when an instance names none.
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub ssl_mode: SslMode,
    /// PEM CA certificates trusted for `verify-ca`/`verify-full` (and `require`).
    #[serde(default)]
    pub ca_cert: Option<String>,
    /// The database the admin connects to for provisioning.
    #[serde(default = "default_admin_database")]
    pub admin_database: String,
}

fn default_port() -> u16 {
    5432
}

fn default_admin_database() -> String {
    "postgres".into()
}

/// Accepts only a YAML string, and says so without echoing the value: serde's usual
/// "invalid type: integer `1234`" would put an unquoted password into an event.
fn password<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_norway::Value::deserialize(d)? {
        serde_norway::Value::String(s) => Ok(s),
        _ => Err(serde::de::Error::custom(
            "adminPassword must be a YAML string (quote it)",
        )),
    }
}

impl fmt::Debug for PgCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgCluster")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("admin_user", &self.admin_user)
            .field("admin_password", &"<redacted>")
            .field("default", &self.default)
            .field("ssl_mode", &self.ssl_mode)
            .field("ca_cert", &self.ca_cert.as_ref().map(|_| "<pem>"))
            .field("admin_database", &self.admin_database)
            .finish()
    }
}

/// Every cluster of the Secret, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgClusters {
    clusters: BTreeMap<String, PgCluster>,
}

/// Why the pg-clusters Secret cannot be used. Messages never contain passwords.
#[derive(Debug, thiserror::Error)]
pub enum ClustersError {
    #[error("the pg-clusters Secret has no key {CLUSTERS_KEY}")]
    ReadKey,
    #[error("the pg-clusters Secret's {CLUSTERS_KEY} is not UTF-8")]
    DecodeUtf8,
    #[error("parsing the pg-clusters Secret's {CLUSTERS_KEY}: {0}")]
    ParseYaml(String),
    #[error("the pg-clusters Secret's {CLUSTERS_KEY} lists no clusters")]
    NoClusters,
    #[error("cluster {cluster:?} in the pg-clusters Secret: {reason}")]
    ValidateCluster { cluster: String, reason: String },
    #[error("no cluster is marked default: true in the pg-clusters Secret; mark exactly one")]
    NoDefault,
    #[error("{}; mark exactly one", several_defaults(.clusters))]
    SeveralDefaults { clusters: Vec<String> },
    #[error("no cluster {name:?} in the pg-clusters Secret (known: {})", .known.join(", "))]
    UnknownCluster { name: String, known: Vec<String> },
}

fn several_defaults(clusters: &[String]) -> String {
    match clusters {
        [a, b] => format!("clusters {a} and {b} are both marked default: true"),
        [init @ .., last] => format!(
            "clusters {} and {last} are all marked default: true",
            init.join(", ")
        ),
        [] => "several clusters are marked default: true".into(),
    }
}

/// Parses the YAML of the [`CLUSTERS_KEY`] key and checks every cluster.
pub fn parse(yaml: &str) -> Result<PgClusters, ClustersError> {
    if yaml.trim().is_empty() {
        return Err(ClustersError::NoClusters);
    }
    let clusters: Option<BTreeMap<String, PgCluster>> =
        serde_norway::from_str(yaml).map_err(|e| ClustersError::ParseYaml(e.to_string()))?;
    let clusters = clusters.unwrap_or_default();
    if clusters.is_empty() {
        return Err(ClustersError::NoClusters);
    }
    for (name, cluster) in &clusters {
        let invalid = |reason: &str| ClustersError::ValidateCluster {
            cluster: name.clone(),
            reason: reason.into(),
        };
        if name.is_empty() {
            return Err(invalid("the cluster name is empty"));
        }
        if cluster.host.trim().is_empty() {
            return Err(invalid("host is empty"));
        }
        if cluster.port == 0 {
            return Err(invalid("port 0 is not a valid port"));
        }
        if cluster.admin_user.is_empty() {
            return Err(invalid("adminUser is empty"));
        }
        if cluster.admin_database.is_empty() {
            return Err(invalid("adminDatabase is empty"));
        }
    }
    Ok(PgClusters { clusters })
}

/// Parses the `data` of the pg-clusters Secret.
pub fn from_secret_data(data: &BTreeMap<String, ByteString>) -> Result<PgClusters, ClustersError> {
    let raw = data.get(CLUSTERS_KEY).ok_or(ClustersError::ReadKey)?;
    let yaml = std::str::from_utf8(&raw.0).map_err(|_| ClustersError::DecodeUtf8)?;
    parse(yaml)
}

impl PgClusters {
    /// The one cluster marked `default: true`.
    pub fn default_cluster(&self) -> Result<(&str, &PgCluster), ClustersError> {
        let defaults: Vec<(&String, &PgCluster)> =
            self.clusters.iter().filter(|(_, c)| c.default).collect();
        match defaults.as_slice() {
            [(name, cluster)] => Ok((name.as_str(), cluster)),
            [] => Err(ClustersError::NoDefault),
            several => Err(ClustersError::SeveralDefaults {
                clusters: several.iter().map(|(n, _)| (*n).clone()).collect(),
            }),
        }
    }

    /// The cluster called `name`.
    pub fn get(&self, name: &str) -> Result<&PgCluster, ClustersError> {
        self.clusters
            .get(name)
            .ok_or_else(|| ClustersError::UnknownCluster {
                name: name.into(),
                known: self.clusters.keys().cloned().collect(),
            })
    }

    /// The named cluster, or the default one when `name` is `None`.
    pub fn resolve(&self, name: Option<&str>) -> Result<(&str, &PgCluster), ClustersError> {
        match name {
            Some(name) => {
                let (name, cluster) = self.clusters.get_key_value(name).ok_or_else(|| {
                    ClustersError::UnknownCluster {
                        name: name.into(),
                        known: self.clusters.keys().cloned().collect(),
                    }
                })?;
                Ok((name.as_str(), cluster))
            }
            None => self.default_cluster(),
        }
    }

    /// Cluster names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.clusters.keys().map(String::as_str)
    }

    /// Clusters by name, sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PgCluster)> {
        self.clusters.iter().map(|(n, c)| (n.as_str(), c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
main:
  host: pg-main.db.svc
  adminUser: postgres
  adminPassword: "s3cret-main"
  default: true
reports:
  host: 10.0.0.7
  port: 6432
  adminUser: admin
  adminPassword: "s3cret-reports"
  sslMode: verify-full
  adminDatabase: defaultdb
"#;

    #[test]
    fn parses_fields_and_defaults() {
        let clusters = parse(TWO).expect("valid");
        let main = clusters.get("main").expect("main");
        assert_eq!(main.port, 5432);
        assert_eq!(main.ssl_mode, SslMode::Prefer);
        assert_eq!(main.admin_database, "postgres");
        assert!(main.default);
        let reports = clusters.get("reports").expect("reports");
        assert_eq!(reports.port, 6432);
        assert_eq!(reports.ssl_mode, SslMode::VerifyFull);
        assert_eq!(reports.admin_database, "defaultdb");
        assert!(!reports.default);
        assert_eq!(clusters.names().collect::<Vec<_>>(), ["main", "reports"]);
        let (name, _) = clusters.default_cluster().expect("one default");
        assert_eq!(name, "main");
        assert_eq!(
            clusters.resolve(Some("reports")).expect("named").0,
            "reports"
        );
        assert_eq!(clusters.resolve(None).expect("default").0, "main");
    }

    #[test]
    fn every_ssl_mode_parses_and_round_trips() {
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            let yaml = format!("a: {{host: h, adminUser: u, adminPassword: p, sslMode: {mode}}}");
            let clusters = parse(&yaml).expect(mode);
            assert_eq!(clusters.get("a").expect("a").ssl_mode.as_str(), mode);
        }
        let err = parse("a: {host: h, adminUser: u, adminPassword: p, sslMode: allow}")
            .expect_err("allow is not supported");
        assert!(err.to_string().contains("verify-full"), "{err}");
    }

    #[test]
    fn no_default_is_explained() {
        let clusters = parse("a: {host: h, adminUser: u, adminPassword: p}").expect("valid");
        let err = clusters.default_cluster().expect_err("no default");
        assert_eq!(
            err.to_string(),
            "no cluster is marked default: true in the pg-clusters Secret; mark exactly one"
        );
    }

    #[test]
    fn several_defaults_are_named() {
        let two = "b: {host: h, adminUser: u, adminPassword: p, default: true}\n\
                   a: {host: h, adminUser: u, adminPassword: p, default: true}";
        let err = parse(two)
            .expect("valid")
            .default_cluster()
            .expect_err("two");
        assert_eq!(
            err.to_string(),
            "clusters a and b are both marked default: true; mark exactly one"
        );
        let three = format!("{two}\nc: {{host: h, adminUser: u, adminPassword: p, default: true}}");
        let err = parse(&three)
            .expect("valid")
            .default_cluster()
            .expect_err("three");
        assert_eq!(
            err.to_string(),
            "clusters a, b and c are all marked default: true; mark exactly one"
        );
    }

    #[test]
    fn unknown_cluster_lists_the_known_ones() {
        let err = parse(TWO).expect("valid").get("nope").expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "no cluster \"nope\" in the pg-clusters Secret (known: main, reports)"
        );
    }

    #[test]
    fn debug_and_errors_never_show_passwords() {
        let clusters = parse(TWO).expect("valid");
        let debug = format!("{clusters:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("<redacted>"));
        // A numeric password is refused without being echoed.
        let err =
            parse("a: {host: h, adminUser: u, adminPassword: 918273645}").expect_err("number");
        assert!(!err.to_string().contains("918273645"), "{err}");
        assert!(err.to_string().contains("quote it"), "{err}");
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for (yaml, wanted) in [
            ("", "lists no clusters"),
            ("{}", "lists no clusters"),
            ("a: {host: h, adminUser: u}", "adminPassword"),
            (
                "a: {host: h, adminUser: u, adminPassword: p, sslmode: disable}",
                "sslmode",
            ),
            (
                "a: {host: '', adminUser: u, adminPassword: p}",
                "host is empty",
            ),
            (
                "a: {host: h, adminUser: '', adminPassword: p}",
                "adminUser is empty",
            ),
            (
                "a: {host: h, port: 0, adminUser: u, adminPassword: p}",
                "port 0",
            ),
            (
                "a: {host: h, port: 70000, adminUser: u, adminPassword: p}",
                "port",
            ),
            ("- a\n- b", "parsing"),
        ] {
            let err = parse(yaml).expect_err(yaml).to_string();
            assert!(err.contains(wanted), "{yaml:?}: {err}");
        }
    }

    #[test]
    fn reads_the_secret_key() {
        let mut data = BTreeMap::new();
        assert!(matches!(
            from_secret_data(&data),
            Err(ClustersError::ReadKey)
        ));
        data.insert(CLUSTERS_KEY.to_owned(), ByteString(TWO.as_bytes().to_vec()));
        assert_eq!(from_secret_data(&data).expect("valid").names().count(), 2);
    }
}
