//! odoo.conf option names per Odoo major version, from each version's
//! `odoo/tools/config.py` (the options it reads from the file).
//!
//! Gathered from the `dest` of every option config.py declares, its built-in
//! defaults, the keys its own `--save` writes and the legacy names its loader
//! still maps; left out are the names it neither writes nor honours when read
//! from the file (16–18: `config`, `save`, `init`, `update`, `root_path`,
//! `dev_mode`; 19: every option marked `file_loadable=False`).
//!
//! 16.0–18.0 store any `[options]` key without complaint, so "unknown" there
//! means "config.py does not know it", not "Odoo refuses it". 19.0 logs a
//! warning for keys outside this list.

/// Option names odoo.conf accepts for `major` (16, 17, 18, 19), sorted; `None` for a
/// major version we have no list for.
pub fn known_options(major: u32) -> Option<&'static [&'static str]> {
    match major {
        16 => Some(V16),
        17 => Some(V17),
        18 => Some(V18),
        19 => Some(V19),
        _ => None,
    }
}

// 16.0: `longpolling_port` survives only as a deprecated alias of `gevent_port`;
// `demo`, `translate_modules` and `test_enable` are recomputed at start-up but
// `--save` writes them, so generated files carry them.
const V16: &[&str] = &[
    "addons_path",
    "admin_passwd",
    "csv_internal_sep",
    "data_dir",
    "db_host",
    "db_maxconn",
    "db_name",
    "db_password",
    "db_port",
    "db_sslmode",
    "db_template",
    "db_user",
    "dbfilter",
    "demo",
    "email_from",
    "from_filter",
    "geoip_database",
    "gevent_port",
    "http_enable",
    "http_interface",
    "http_port",
    "import_partial",
    "language",
    "limit_memory_hard",
    "limit_memory_soft",
    "limit_request",
    "limit_time_cpu",
    "limit_time_real",
    "limit_time_real_cron",
    "list_db",
    "load_language",
    "log_db",
    "log_db_level",
    "log_handler",
    "log_level",
    "logfile",
    "longpolling_port",
    "max_cron_threads",
    "osv_memory_age_limit",
    "osv_memory_count_limit",
    "overwrite_existing_translations",
    "pg_path",
    "pidfile",
    "proxy_mode",
    "publisher_warranty_url",
    "reportgz",
    "screencasts",
    "screenshots",
    "server_wide_modules",
    "shell_interface",
    "smtp_password",
    "smtp_port",
    "smtp_server",
    "smtp_ssl",
    "smtp_ssl_certificate_filename",
    "smtp_ssl_private_key_filename",
    "smtp_user",
    "stop_after_init",
    "syslog",
    "test_enable",
    "test_file",
    "test_tags",
    "transient_age_limit",
    "translate_in",
    "translate_modules",
    "translate_out",
    "unaccent",
    "upgrade_path",
    "websocket_keep_alive_timeout",
    "websocket_rate_limit_burst",
    "websocket_rate_limit_delay",
    "without_demo",
    "workers",
    "x_sendfile",
    "xmlrpc",
    "xmlrpc_interface",
    "xmlrpc_port",
];

// 17.0: `geoip_database` and `osv_memory_age_limit` are no longer options but the
// loader still maps them onto their replacements.
const V17: &[&str] = &[
    "addons_path",
    "admin_passwd",
    "csv_internal_sep",
    "data_dir",
    "db_host",
    "db_maxconn",
    "db_maxconn_gevent",
    "db_name",
    "db_password",
    "db_port",
    "db_sslmode",
    "db_template",
    "db_user",
    "dbfilter",
    "demo",
    "email_from",
    "from_filter",
    "geoip_city_db",
    "geoip_country_db",
    "geoip_database",
    "gevent_port",
    "http_enable",
    "http_interface",
    "http_port",
    "import_partial",
    "language",
    "limit_memory_hard",
    "limit_memory_soft",
    "limit_request",
    "limit_time_cpu",
    "limit_time_real",
    "limit_time_real_cron",
    "limit_time_worker_cron",
    "list_db",
    "load_language",
    "log_db",
    "log_db_level",
    "log_handler",
    "log_level",
    "logfile",
    "longpolling_port",
    "max_cron_threads",
    "osv_memory_age_limit",
    "osv_memory_count_limit",
    "overwrite_existing_translations",
    "pg_path",
    "pidfile",
    "proxy_mode",
    "publisher_warranty_url",
    "reportgz",
    "screencasts",
    "screenshots",
    "server_wide_modules",
    "shell_interface",
    "smtp_password",
    "smtp_port",
    "smtp_server",
    "smtp_ssl",
    "smtp_ssl_certificate_filename",
    "smtp_ssl_private_key_filename",
    "smtp_user",
    "stop_after_init",
    "syslog",
    "test_enable",
    "test_file",
    "test_tags",
    "transient_age_limit",
    "translate_in",
    "translate_modules",
    "translate_out",
    "unaccent",
    "upgrade_path",
    "websocket_keep_alive_timeout",
    "websocket_rate_limit_burst",
    "websocket_rate_limit_delay",
    "without_demo",
    "workers",
    "x_sendfile",
    "xmlrpc",
    "xmlrpc_interface",
    "xmlrpc_port",
];

// 18.0: `longpolling_port` is gone; `limit_time_worker_cron` arrived in a 17.0
// stable update (early 2025) and was carried forward to 18.0 and 19.0.
const V18: &[&str] = &[
    "addons_path",
    "admin_passwd",
    "csv_internal_sep",
    "data_dir",
    "db_host",
    "db_maxconn",
    "db_maxconn_gevent",
    "db_name",
    "db_password",
    "db_port",
    "db_replica_host",
    "db_replica_port",
    "db_sslmode",
    "db_template",
    "db_user",
    "dbfilter",
    "demo",
    "email_from",
    "from_filter",
    "geoip_city_db",
    "geoip_country_db",
    "geoip_database",
    "gevent_port",
    "http_enable",
    "http_interface",
    "http_port",
    "import_partial",
    "language",
    "limit_memory_hard",
    "limit_memory_hard_gevent",
    "limit_memory_soft",
    "limit_memory_soft_gevent",
    "limit_request",
    "limit_time_cpu",
    "limit_time_real",
    "limit_time_real_cron",
    "limit_time_worker_cron",
    "list_db",
    "load_language",
    "log_db",
    "log_db_level",
    "log_handler",
    "log_level",
    "logfile",
    "max_cron_threads",
    "osv_memory_age_limit",
    "osv_memory_count_limit",
    "overwrite_existing_translations",
    "pg_path",
    "pidfile",
    "proxy_mode",
    "publisher_warranty_url",
    "reportgz",
    "screencasts",
    "screenshots",
    "server_wide_modules",
    "shell_interface",
    "smtp_password",
    "smtp_port",
    "smtp_server",
    "smtp_ssl",
    "smtp_ssl_certificate_filename",
    "smtp_ssl_private_key_filename",
    "smtp_user",
    "stop_after_init",
    "syslog",
    "test_enable",
    "test_file",
    "test_tags",
    "transient_age_limit",
    "translate_in",
    "translate_modules",
    "translate_out",
    "unaccent",
    "upgrade_path",
    "websocket_keep_alive_timeout",
    "websocket_rate_limit_burst",
    "websocket_rate_limit_delay",
    "without_demo",
    "workers",
    "x_sendfile",
    "xmlrpc",
    "xmlrpc_interface",
    "xmlrpc_port",
];

// 19.0: rewritten loader; `without_demo` is translated to `with_demo` and the
// `import_image_*` names are accepted as deprecated aliases.
const V19: &[&str] = &[
    "addons_path",
    "admin_passwd",
    "bin_path",
    "csv_internal_sep",
    "data_dir",
    "db_app_name",
    "db_host",
    "db_maxconn",
    "db_maxconn_gevent",
    "db_name",
    "db_password",
    "db_port",
    "db_replica_host",
    "db_replica_port",
    "db_sslmode",
    "db_template",
    "db_user",
    "dbfilter",
    "default_productivity_apps",
    "dev_mode",
    "email_from",
    "from_filter",
    "geoip_city_db",
    "geoip_country_db",
    "gevent_port",
    "http_enable",
    "http_interface",
    "http_port",
    "import_file_maxbytes",
    "import_file_timeout",
    "import_image_maxbytes",
    "import_image_regex",
    "import_image_timeout",
    "import_url_regex",
    "limit_memory_hard",
    "limit_memory_hard_gevent",
    "limit_memory_soft",
    "limit_memory_soft_gevent",
    "limit_request",
    "limit_time_cpu",
    "limit_time_real",
    "limit_time_real_cron",
    "limit_time_worker_cron",
    "list_db",
    "load_language",
    "log_db",
    "log_db_level",
    "log_handler",
    "log_level",
    "logfile",
    "max_cron_threads",
    "osv_memory_count_limit",
    "overwrite_existing_translations",
    "pg_path",
    "pidfile",
    "pre_upgrade_scripts",
    "proxy_access_token",
    "proxy_mode",
    "publisher_warranty_url",
    "reportgz",
    "screencasts",
    "screenshots",
    "server_wide_modules",
    "skip_auto_install",
    "smtp_password",
    "smtp_port",
    "smtp_server",
    "smtp_ssl",
    "smtp_ssl_certificate_filename",
    "smtp_ssl_private_key_filename",
    "smtp_user",
    "syslog",
    "transient_age_limit",
    "unaccent",
    "upgrade_path",
    "websocket_keep_alive_timeout",
    "websocket_rate_limit_burst",
    "websocket_rate_limit_delay",
    "with_demo",
    "without_demo",
    "workers",
    "x_sendfile",
];

#[cfg(test)]
mod tests {
    use super::*;

    const MAJORS: [u32; 4] = [16, 17, 18, 19];

    fn has(major: u32, name: &str) -> bool {
        known_options(major)
            .expect("a list for this major")
            .contains(&name)
    }

    #[test]
    fn lists_are_sorted_and_unique() {
        for major in MAJORS {
            let list = known_options(major).expect("a list for this major");
            assert!(
                list.windows(2).all(|w| w[0] < w[1]),
                "list for {major} is not strictly sorted"
            );
        }
    }

    #[test]
    fn unknown_majors_have_no_list() {
        assert!(known_options(15).is_none());
        assert!(known_options(20).is_none());
    }

    #[test]
    fn core_options_exist_everywhere() {
        for major in MAJORS {
            for name in [
                "db_host",
                "db_port",
                "gevent_port",
                "workers",
                "admin_passwd",
                "addons_path",
            ] {
                assert!(has(major, name), "{name} missing for {major}");
            }
        }
    }

    #[test]
    fn command_line_only_names_are_excluded() {
        for major in MAJORS {
            for name in ["config", "save", "init", "update", "root_path"] {
                assert!(!has(major, name), "{name} should not be listed for {major}");
            }
        }
        assert!(!has(19, "stop_after_init"));
        assert!(!has(19, "test_tags"));
    }

    #[test]
    fn version_specific_names() {
        assert!(has(16, "longpolling_port") && has(17, "longpolling_port"));
        assert!(!has(18, "longpolling_port") && !has(19, "longpolling_port"));
        assert!(!has(16, "db_maxconn_gevent") && has(17, "db_maxconn_gevent"));
        assert!(
            !has(17, "db_replica_host") && has(18, "db_replica_host") && has(19, "db_replica_host")
        );
        assert!(!has(18, "dev_mode") && has(19, "dev_mode"));
        assert!(!has(18, "with_demo") && has(19, "with_demo"));
        assert!(has(18, "xmlrpc_port") && !has(19, "xmlrpc_port"));
        assert!(has(16, "geoip_database") && !has(19, "geoip_database"));
    }
}
