//! PLACEHOLDER until the per-version lists land.
pub fn known_options(major: u32) -> Option<&'static [&'static str]> {
    match major {
        17 | 18 => Some(&[
            "db_maxconn",
            "limit_time_real",
            "limit_time_cpu",
            "log_level",
        ]),
        _ => None,
    }
}
