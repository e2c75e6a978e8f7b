//! odoo.conf, rendered from the instance. It holds both passwords, so it only ever
//! lands in the config Secret; pods see it through a read-only mount.

use sha2::{Digest, Sha256};

use super::{DATA_DIR, HTTP_PORT, WEBSOCKET_PORT, prefork};
use crate::validate::ValidInstance;

/// Options the operator sets itself. A `configOptions` entry for one of them is
/// ignored: the values wire Odoo to its database, volume, Service and probes, and
/// Odoo refuses a file that names an option twice.
pub const OWNED_KEYS: &[&str] = &[
    "db_host",
    "db_port",
    "db_user",
    "db_password",
    "db_name",
    "dbfilter",
    "db_sslmode",
    "list_db",
    "proxy_mode",
    "data_dir",
    "admin_passwd",
    "workers",
    "max_cron_threads",
    "http_port",
    "gevent_port",
    "longpolling_port",
];

/// Renders the `[options]` section for the web pods; the cron pods override
/// `max_cron_threads` on the command line.
pub fn render(v: &ValidInstance, db_password: &str, admin_password: &str) -> String {
    let db = &v.database;
    let mut options: Vec<(&str, String)> = vec![
        ("db_host", db.host.clone()),
        ("db_port", db.port.to_string()),
        ("db_user", db.role.clone()),
        ("db_password", db_password.to_owned()),
        ("db_name", db.name.clone()),
        // Anchored so no other database on the cluster is ever served.
        ("dbfilter", format!("^{}$", db.name)),
        ("db_sslmode", db.ssl_mode.to_string()),
        // The database manager would let anyone with the master password drop or
        // duplicate databases behind the operator's back.
        ("list_db", "False".into()),
        // Pods are reached through a Service or an Ingress, never directly, so the
        // forwarded headers carry the real scheme and host.
        ("proxy_mode", "True".into()),
        ("data_dir", DATA_DIR.into()),
        ("admin_passwd", admin_password.to_owned()),
        ("workers", v.workers.to_string()),
        // Scheduled actions run in the cron Deployment only.
        ("max_cron_threads", "0".into()),
        ("http_port", HTTP_PORT.to_string()),
    ];
    if prefork(v) {
        options.push(("gevent_port", WEBSOCKET_PORT.to_string()));
    }
    let user = v
        .config_options
        .iter()
        .filter(|(key, _)| is_option_name(key) && !OWNED_KEYS.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value.clone()));
    options.extend(user);

    let mut conf = String::from("[options]\n");
    for (key, value) in options {
        conf.push_str(&format!("{key} = {}\n", one_line(&value)));
    }
    conf
}

/// Short hex SHA-256 of the rendered file, put on pod templates so a change rolls the
/// pods. 64 bits are plenty to tell two configurations of one instance apart.
pub fn hash(conf: &str) -> String {
    Sha256::digest(conf.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A line break in a value would start a new option (or a continuation line); as a
/// space it stays part of the value, and the parser trims it at the ends.
fn one_line(value: &str) -> String {
    value.replace(['\n', '\r'], " ")
}

/// The CRD already refuses other keys; checked again so a key can never smuggle in
/// `=`, a section header or a line break.
fn is_option_name(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::sample;

    /// The value of `key`, and how many times it is set.
    fn option(conf: &str, key: &str) -> (Option<String>, usize) {
        let values: Vec<String> = conf
            .lines()
            .filter_map(|line| line.split_once(" = "))
            .filter(|(k, _)| *k == key)
            .map(|(_, value)| value.to_owned())
            .collect();
        (values.first().cloned(), values.len())
    }

    #[test]
    fn wires_odoo_to_its_database_and_volume() {
        let conf = render(&sample(), "db-secret", "master-secret");
        assert!(conf.starts_with("[options]\n"));
        for (key, value) in [
            ("db_host", "pg.db.svc"),
            ("db_port", "5432"),
            ("db_user", "odoo_team_a_shop"),
            ("db_password", "db-secret"),
            ("db_name", "team_a_shop"),
            ("dbfilter", "^team_a_shop$"),
            ("db_sslmode", "require"),
            ("list_db", "False"),
            ("proxy_mode", "True"),
            ("data_dir", "/var/lib/odoo"),
            ("admin_passwd", "master-secret"),
            ("workers", "2"),
            ("max_cron_threads", "0"),
            ("gevent_port", "8072"),
            ("limit_time_cpu", "600"),
        ] {
            assert_eq!(option(&conf, key), (Some(value.to_owned()), 1), "{key}");
        }
    }

    #[test]
    fn threaded_mode_has_no_gevent_port() {
        let v = crate::validate::ValidInstance {
            workers: 0,
            ..sample()
        };
        assert_eq!(option(&render(&v, "p", "a"), "gevent_port").1, 0);
    }

    #[test]
    fn user_options_cannot_override_operator_options() {
        let mut v = sample();
        for key in [
            "db_host",
            "db_password",
            "admin_passwd",
            "data_dir",
            "list_db",
            "dbfilter",
            "workers",
        ] {
            v.config_options.insert(key.into(), "evil".into());
        }
        v.config_options.insert("Bad Key".into(), "x".into());
        let conf = render(&v, "p", "a");
        assert!(!conf.contains("evil"), "{conf}");
        assert!(!conf.contains("Bad Key"), "{conf}");
        assert_eq!(option(&conf, "db_host"), (Some("pg.db.svc".into()), 1));
    }

    #[test]
    fn line_breaks_cannot_inject_options() {
        let mut v = sample();
        v.config_options.insert(
            "limit_time_real".into(),
            "1200\nadmin_passwd = owned\r\n[x]".into(),
        );
        let conf = render(&v, "p\nlist_db = True", "a");
        assert_eq!(option(&conf, "admin_passwd"), (Some("a".into()), 1));
        assert_eq!(option(&conf, "list_db"), (Some("False".into()), 1));
        assert!(
            conf.lines().all(|l| l == "[options]" || l.contains(" = ")),
            "{conf}"
        );
        assert_eq!(conf.lines().filter(|l| l.starts_with('[')).count(), 1);
    }

    #[test]
    fn user_options_follow_in_key_order() {
        let mut v = sample();
        v.config_options
            .insert("addons_path".into(), "/mnt/extra".into());
        let conf = render(&v, "p", "a");
        let addons = conf.find("addons_path").expect("rendered");
        let limit = conf.find("limit_time_cpu").expect("rendered");
        assert!(conf.find("admin_passwd").expect("rendered") < addons && addons < limit);
    }

    #[test]
    fn hash_follows_the_configuration() {
        let v = sample();
        let before = hash(&render(&v, "p", "a"));
        assert_eq!(before.len(), 16);
        assert_eq!(before, hash(&render(&v, "p", "a")));
        assert_ne!(before, hash(&render(&v, "rotated", "a")));
        let mut changed = v.clone();
        changed
            .config_options
            .insert("limit_time_cpu".into(), "900".into());
        assert_ne!(before, hash(&render(&changed, "p", "a")));
    }
}
