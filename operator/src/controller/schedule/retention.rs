//! Which of a schedule's backup jobs to delete. Pure: takes the jobs and the time.

use jiff::{SignedDuration, Timestamp};
use odoo_model::JobPhase;

/// What retention needs to know of one backup job.
#[derive(Debug, Clone, PartialEq)]
pub struct Backup {
    pub name: String,
    pub phase: Option<JobPhase>,
    /// The slot it was created for (its creation time when unannotated).
    pub time: Timestamp,
}

/// The schedule's retention settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub keep_last: usize,
    pub keep_failed: usize,
    pub max_age: Option<SignedDuration>,
}

/// The names to delete: every succeeded backup beyond the newest `keep_last` that
/// is older than `max_age`, every failed one beyond the newest `keep_failed`.
/// Pending and running backups stay, and so does the newest backup whatever its
/// phase: it is the one the schedule's last slot created.
pub fn to_delete(backups: &[Backup], policy: &Policy, now: Timestamp) -> Vec<String> {
    let mut sorted: Vec<&Backup> = backups.iter().collect();
    sorted.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| b.name.cmp(&a.name)));
    let young = |b: &Backup| {
        policy
            .max_age
            .is_some_and(|age| now.duration_since(b.time) <= age)
    };
    let (mut succeeded, mut failed) = (0, 0);
    let mut delete = Vec::new();
    for (i, b) in sorted.into_iter().enumerate() {
        let retained = match b.phase {
            Some(JobPhase::Succeeded) => {
                succeeded += 1;
                succeeded <= policy.keep_last || young(b)
            }
            Some(JobPhase::Failed) => {
                failed += 1;
                failed <= policy.keep_failed
            }
            _ => true,
        };
        if !retained && i > 0 {
            delete.push(b.name.clone());
        }
    }
    delete
}

/// `30d`, `12h`, `1w2d`, `90m` as a duration.
pub fn parse_max_age(s: &str) -> Option<SignedDuration> {
    let mut total = SignedDuration::ZERO;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        let unit = match c {
            'w' => 7 * 24 * 3600,
            'd' => 24 * 3600,
            'h' => 3600,
            'm' => 60,
            _ => return None,
        };
        total = total.checked_add(SignedDuration::from_secs(n.checked_mul(unit)?))?;
        number.clear();
    }
    number.is_empty().then_some(total).filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(name: &str, phase: Option<JobPhase>, hours_ago: i64) -> Backup {
        Backup {
            name: name.into(),
            phase,
            time: now() - SignedDuration::from_hours(hours_ago),
        }
    }

    fn now() -> Timestamp {
        "2026-06-01T12:00:00Z".parse().expect("valid")
    }

    const S: Option<JobPhase> = Some(JobPhase::Succeeded);
    const F: Option<JobPhase> = Some(JobPhase::Failed);
    const R: Option<JobPhase> = Some(JobPhase::Running);

    fn policy(keep_last: usize, keep_failed: usize, max_age: Option<&str>) -> Policy {
        Policy {
            keep_last,
            keep_failed,
            max_age: max_age.and_then(parse_max_age),
        }
    }

    #[test]
    fn keeps_the_newest_succeeded_and_failed_and_everything_unfinished() {
        let backups = [
            backup("s1", S, 1),
            backup("f1", F, 2),
            backup("s2", S, 3),
            backup("r", R, 4),
            backup("s3", S, 5),
            backup("f2", F, 6),
            backup("p", None, 7),
            backup("s4", S, 8),
        ];
        let mut deleted = to_delete(&backups, &policy(2, 1, None), now());
        deleted.sort();
        assert_eq!(deleted, ["f2", "s3", "s4"]);
        assert_eq!(
            to_delete(&backups, &policy(10, 10, None), now()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn max_age_keeps_young_succeeded_backups_beyond_keep_last() {
        let backups = [
            backup("s1", S, 1),
            backup("s2", S, 5),
            backup("s3", S, 30),
            backup("f1", F, 2),
        ];
        assert_eq!(
            to_delete(&backups, &policy(1, 0, Some("12h")), now()),
            ["f1", "s3"]
        );
        assert_eq!(
            to_delete(&backups, &policy(1, 0, Some("2d")), now()),
            ["f1"]
        );
    }

    #[test]
    fn the_newest_backup_stays_whatever_its_phase() {
        let backups = [backup("f-new", F, 1), backup("s", S, 2)];
        assert_eq!(
            to_delete(&backups, &policy(1, 0, None), now()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn max_ages_parse_in_weeks_days_hours_and_minutes() {
        let h = SignedDuration::from_hours;
        assert_eq!(parse_max_age("30d"), Some(h(720)));
        assert_eq!(parse_max_age("1w2d"), Some(h(216)));
        assert_eq!(parse_max_age("90m"), Some(SignedDuration::from_mins(90)));
        assert_eq!(parse_max_age("12"), None);
        assert_eq!(parse_max_age("0h"), None);
        assert_eq!(parse_max_age("3y"), None);
    }
}
