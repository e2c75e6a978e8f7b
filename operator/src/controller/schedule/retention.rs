//! Which of a schedule's backup jobs to delete. Pure: takes the jobs and the time.
//!
//! Succeeded backups are kept by count (`keepLast`), by calendar tier
//! (`keepDaily`, `keepWeekly`, `keepMonthly`, `keepYearly`: the newest backup of
//! each of the last N periods that have one, as restic and Kasten count them) and
//! by age (`maxAge`); a backup any rule keeps stays. Whatever the rules, the newest
//! verified backup, held backups and backups a restore reads stay.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use odoo_model::JobPhase;

/// What retention needs to know of one backup job.
#[derive(Debug, Clone, PartialEq)]
pub struct Backup {
    pub name: String,
    pub phase: Option<JobPhase>,
    /// The slot it was created for (its creation time when unannotated).
    pub time: Timestamp,
    /// Its verification passed.
    pub verified: bool,
    /// `spec.hold`.
    pub held: bool,
    /// A restore in progress reads it.
    pub in_use: bool,
}

/// The schedule's retention settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub keep_last: usize,
    pub keep_failed: usize,
    pub max_age: Option<SignedDuration>,
    pub tiers: Tiers,
    /// The zone days, weeks, months and years are counted in.
    pub zone: TimeZone,
}

/// How many periods of each length keep their newest backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tiers {
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
    pub yearly: usize,
}

/// A calendar period's identity, for one tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    fn of(self, time: Timestamp, zone: &TimeZone) -> (i16, i16, i8) {
        let date = time.to_zoned(zone.clone()).date();
        match self {
            Period::Day => (date.year(), i16::from(date.month()), date.day()),
            Period::Week => {
                let week = date.iso_week_date();
                (week.year(), i16::from(week.week()), 0)
            }
            Period::Month => (date.year(), i16::from(date.month()), 0),
            Period::Year => (date.year(), 0, 0),
        }
    }
}

/// The names to delete: every succeeded backup no rule keeps, every failed one
/// beyond the newest `keep_failed`. Pending and running backups stay, and so does
/// the newest backup whatever its phase: it is the one the schedule's last slot
/// created.
pub fn to_delete(backups: &[Backup], policy: &Policy, now: Timestamp) -> Vec<String> {
    let mut sorted: Vec<&Backup> = backups.iter().collect();
    sorted.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| b.name.cmp(&a.name)));
    let succeeded: Vec<&Backup> = sorted
        .iter()
        .copied()
        .filter(|b| b.phase == Some(JobPhase::Succeeded))
        .collect();
    let kept = kept_succeeded(&succeeded, policy, now);
    let mut failed = 0;
    let mut delete = Vec::new();
    for (i, b) in sorted.into_iter().enumerate() {
        let retained = b.held
            || b.in_use
            || match b.phase {
                Some(JobPhase::Succeeded) => kept.contains(&b.name.as_str()),
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

/// The succeeded backups (newest first) some rule keeps.
fn kept_succeeded<'a>(succeeded: &[&'a Backup], policy: &Policy, now: Timestamp) -> Vec<&'a str> {
    let mut kept: Vec<&str> = succeeded
        .iter()
        .take(policy.keep_last)
        .map(|b| b.name.as_str())
        .collect();
    let tiers = [
        (Period::Day, policy.tiers.daily),
        (Period::Week, policy.tiers.weekly),
        (Period::Month, policy.tiers.monthly),
        (Period::Year, policy.tiers.yearly),
    ];
    for (period, count) in tiers {
        let mut last = None;
        let mut periods = 0;
        for b in succeeded {
            if periods == count {
                break;
            }
            let this = period.of(b.time, &policy.zone);
            if last != Some(this) {
                last = Some(this);
                periods += 1;
                kept.push(&b.name);
            }
        }
    }
    if let Some(age) = policy.max_age {
        kept.extend(
            succeeded
                .iter()
                .filter(|b| now.duration_since(b.time) <= age)
                .map(|b| b.name.as_str()),
        );
    }
    // The newest verified backup is what a restore of the instance's latest takes.
    kept.extend(
        succeeded
            .iter()
            .find(|b| b.verified)
            .map(|b| b.name.as_str()),
    );
    kept
}

/// The schedule's retention settings.
pub fn policy(s: &odoo_model::OdooBackupSchedule, zone: jiff::tz::TimeZone) -> Policy {
    let count = |n: i32| usize::try_from(n).unwrap_or(0);
    Policy {
        keep_last: count(s.spec.keep_last),
        keep_failed: count(s.spec.keep_failed),
        max_age: s.spec.max_age.as_deref().and_then(parse_max_age),
        tiers: Tiers {
            daily: count(s.spec.keep_daily),
            weekly: count(s.spec.keep_weekly),
            monthly: count(s.spec.keep_monthly),
            yearly: count(s.spec.keep_yearly),
        },
        zone,
    }
}

/// The retention settings in a phrase, as the spec spells them.
pub fn describe_policy(spec: &odoo_model::OdooBackupScheduleSpec) -> String {
    let mut parts = vec![
        format!("keepLast {}", spec.keep_last),
        format!("keepFailed {}", spec.keep_failed),
    ];
    for (name, n) in [
        ("keepDaily", spec.keep_daily),
        ("keepWeekly", spec.keep_weekly),
        ("keepMonthly", spec.keep_monthly),
        ("keepYearly", spec.keep_yearly),
    ] {
        if n > 0 {
            parts.push(format!("{name} {n}"));
        }
    }
    if let Some(age) = &spec.max_age {
        parts.push(format!("maxAge {age}"));
    }
    parts.join(", ")
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
            verified: false,
            held: false,
            in_use: false,
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
            tiers: Tiers::default(),
            zone: TimeZone::UTC,
        }
    }

    /// Backups an hour apart, the first one an hour old.
    fn hourly(backups: &[(&str, Option<JobPhase>)]) -> Vec<Backup> {
        backups
            .iter()
            .zip(1..)
            .map(|((name, phase), hours)| backup(name, *phase, hours))
            .collect()
    }

    /// What `policy` deletes of `backups` now, in name order.
    fn deleted(backups: &[Backup], policy: Policy) -> Vec<String> {
        let mut deleted = to_delete(backups, &policy, now());
        deleted.sort();
        deleted
    }

    #[test]
    fn keeps_the_newest_succeeded_and_failed_and_everything_unfinished() {
        let backups = hourly(&[
            ("s1", S),
            ("f1", F),
            ("s2", S),
            ("r", R),
            ("s3", S),
            ("f2", F),
            ("p", None),
            ("s4", S),
        ]);
        assert_eq!(deleted(&backups, policy(2, 1, None)), ["f2", "s3", "s4"]);
        assert!(deleted(&backups, policy(10, 10, None)).is_empty());
    }

    #[test]
    fn max_age_keeps_young_succeeded_backups_beyond_keep_last() {
        let aged = |name, hours| backup(name, S, hours);
        let backups = [
            aged("s1", 1),
            aged("s2", 5),
            aged("s3", 30),
            backup("f1", F, 2),
        ];
        assert_eq!(deleted(&backups, policy(1, 0, Some("12h"))), ["f1", "s3"]);
        assert_eq!(deleted(&backups, policy(1, 0, Some("2d"))), ["f1"]);
    }

    #[test]
    fn the_newest_backup_stays_whatever_its_phase() {
        let backups = [backup("f-new", F, 1), backup("s", S, 2)];
        assert!(deleted(&backups, policy(1, 0, None)).is_empty());
    }

    /// Two backups a day, at 09:00 and 03:00 UTC, for `days` days up to `now`
    /// (2026-06-01T12:00Z), newest first: `d0-09`, `d0-03`, `d1-09`, …
    fn twice_daily(days: i64) -> Vec<Backup> {
        (0..days)
            .flat_map(|day| {
                [
                    backup(&format!("d{day}-09"), S, 24 * day + 3),
                    backup(&format!("d{day}-03"), S, 24 * day + 9),
                ]
            })
            .collect()
    }

    fn kept(backups: &[Backup], policy: &Policy) -> Vec<String> {
        let deleted = to_delete(backups, policy, now());
        backups
            .iter()
            .map(|b| b.name.clone())
            .filter(|n| !deleted.contains(n))
            .collect()
    }

    #[test]
    fn tiers_keep_the_newest_of_each_period_besides_the_last_ones() {
        let backups = twice_daily(6);
        let mut p = policy(2, 0, None);
        p.tiers.daily = 3;
        // keepLast 2: both of day 0; keepDaily 3: the newest of days 0, 1 and 2.
        assert_eq!(kept(&backups, &p), ["d0-09", "d0-03", "d1-09", "d2-09"]);
        p.keep_last = 0;
        assert_eq!(kept(&backups, &p), ["d0-09", "d1-09", "d2-09"]);
        // Weeks: 2026-06-01 is a Monday, so day 0 starts a week and days 1–5 are
        // the week before.
        let mut weekly = policy(1, 0, None);
        weekly.tiers.weekly = 2;
        assert_eq!(kept(&backups, &weekly), ["d0-09", "d1-09"]);
        let mut monthly = policy(0, 0, None);
        monthly.tiers.monthly = 5;
        assert_eq!(kept(&backups, &monthly), ["d0-09", "d1-09"]);
        let mut yearly = policy(0, 0, None);
        yearly.tiers.yearly = 1;
        assert_eq!(kept(&backups, &yearly), ["d0-09"]);
    }

    #[test]
    fn days_are_counted_in_the_schedules_zone() {
        // 23:30 and 00:30 UTC are two days in UTC, one evening in New York.
        let late = Backup {
            time: "2026-06-01T00:30:00Z".parse().expect("time"),
            ..backup("late", S, 0)
        };
        let early = Backup {
            time: "2026-05-31T23:30:00Z".parse().expect("time"),
            ..backup("early", S, 0)
        };
        let backups = [late, early];
        let mut p = policy(0, 0, None);
        p.tiers.daily = 5;
        assert_eq!(kept(&backups, &p), ["late", "early"]);
        p.zone = TimeZone::get("America/New_York").expect("zone");
        assert_eq!(kept(&backups, &p), ["late"]);
    }

    #[test]
    fn the_newest_verified_held_and_restored_backups_survive_keep_last_zero() {
        let mut backups = vec![
            backup("new", S, 1),
            backup("verified", S, 2),
            backup("older-verified", S, 3),
            backup("held", S, 4),
            backup("read-by-a-restore", S, 5),
            backup("plain", S, 6),
            backup("held-failed", F, 7),
        ];
        backups[1].verified = true;
        backups[2].verified = true;
        backups[3].held = true;
        backups[4].in_use = true;
        backups[6].held = true;
        assert_eq!(
            kept(&backups, &policy(0, 0, None)),
            [
                "new",
                "verified",
                "held",
                "read-by-a-restore",
                "held-failed"
            ]
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
