//! How fresh an instance's backups are: what `kubectl odoo backup check` and the
//! alerts judge by.

use crate::instance::{LastBackup, OdooInstanceStatus};

/// How fresh an instance's backups must be, for `kubectl odoo backup check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// The oldest a backup may be.
    pub max_age: std::time::Duration,
    /// Only a verified backup counts.
    pub verified: bool,
}

impl Freshness {
    /// The backup that counts for `status`, when it is newer than `max_age` at
    /// `now`; `Err` with the one that counts (if any) when it is stale.
    pub fn check<'a>(
        &self,
        status: &'a OdooInstanceStatus,
        now: k8s_openapi::jiff::Timestamp,
    ) -> Result<&'a LastBackup, Option<&'a LastBackup>> {
        let last = if self.verified {
            status.last_verified_backup.as_ref()
        } else {
            status.last_backup.as_ref()
        };
        let Some(last) = last else {
            return Err(None);
        };
        let age = now.duration_since(last.completion_time.0);
        let max = k8s_openapi::jiff::SignedDuration::try_from(self.max_age)
            .unwrap_or(k8s_openapi::jiff::SignedDuration::MAX);
        if age <= max {
            Ok(last)
        } else {
            Err(Some(last))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use k8s_openapi::jiff::Timestamp;

    fn backup(at: &str, verified: Option<bool>) -> LastBackup {
        LastBackup {
            name: format!("b-{at}"),
            completion_time: Time(at.parse().expect("time")),
            size_bytes: Some(1),
            verified,
        }
    }

    #[test]
    fn a_backup_older_than_the_limit_or_none_at_all_is_stale() {
        let now: Timestamp = "2026-12-04T12:00:00Z".parse().expect("now");
        let day = Freshness {
            max_age: std::time::Duration::from_secs(26 * 3600),
            verified: false,
        };
        let mut status = OdooInstanceStatus::default();
        assert_eq!(day.check(&status, now), Err(None));
        status.last_backup = Some(backup("2026-12-03T11:00:00Z", None));
        assert!(day.check(&status, now).is_ok());
        status.last_backup = Some(backup("2026-12-03T09:59:59Z", None));
        assert_eq!(
            day.check(&status, now)
                .map_err(|b| b.map(|b| b.name.clone())),
            Err(Some("b-2026-12-03T09:59:59Z".into()))
        );
        // --verified: only the last verified backup counts.
        status.last_backup = Some(backup("2026-12-04T11:00:00Z", None));
        let verified = Freshness {
            verified: true,
            ..day
        };
        assert_eq!(verified.check(&status, now), Err(None));
        status.last_verified_backup = Some(backup("2026-12-04T10:00:00Z", Some(true)));
        assert!(verified.check(&status, now).is_ok());
    }
}
