//! The names of the databases the operator makes beside an instance's own: a job's
//! temporary or scratch database, and a replaced database kept under a dated name.
//! Every one must fit PostgreSQL's 63 bytes, or PostgreSQL would cut it silently and
//! two names could meet.

use k8s_openapi::jiff::Timestamp;

/// PostgreSQL truncates longer identifiers; every name made here fits.
const MAX_NAME: usize = 63;

/// `<database>_<what>_<hash of the job's uid>`, cut to fit: a name of one job's own,
/// so a retried pass finds its own and two jobs never share one.
pub fn per_job(database: &str, what: &str, job_uid: &str) -> String {
    let hash = crate::hex(&<sha2::Sha256 as sha2::Digest>::digest(job_uid.as_bytes()));
    fitted(database, &format!("_{what}_{}", &hash[..8]))
}

/// `<database>_<what>_<time>`, cut to fit: a person sees at once when it was kept.
pub fn dated(database: &str, what: &str, at: Timestamp) -> String {
    fitted(
        database,
        &format!("_{what}_{}", at.strftime("%Y%m%d%H%M%S")),
    )
}

/// `database` cut on a character boundary so that it and `suffix` fit.
fn fitted(database: &str, suffix: &str) -> String {
    let mut end = database.len().min(MAX_NAME - suffix.len());
    while !database.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &database[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_postgres_and_differ_per_job() {
        let long = "a".repeat(63);
        let t = per_job(&long, "restoring", "uid-1");
        assert_eq!(t.len(), 63, "{t}");
        assert!(t.starts_with("aaa") && t.contains("_restoring_"), "{t}");
        assert_ne!(t, per_job(&long, "restoring", "uid-2"));
        assert_eq!(
            per_job("shop", "verify", "u").len(),
            "shop_verify_".len() + 8
        );
        let at: Timestamp = "2026-01-02T03:04:05Z".parse().expect("time");
        assert_eq!(
            dated("shop", "pre_restore", at),
            "shop_pre_restore_20260102030405"
        );
        assert_eq!(dated(&long, "pre_restore", at).len(), 63);
        // A multi-byte character at the cut is not split.
        let wide = "é".repeat(40);
        let cut = per_job(&wide, "mig", "u");
        assert!(cut.len() <= 63 && cut.starts_with("éé"), "{cut}");
    }
}
