//! When a backup schedule is due: its cron expression read in its time zone, the
//! slot that is due now (with how many were skipped before it), and the name of the
//! backup job of a slot. Pure: every function takes the current time.

use croner::parser::{CronParser, Seconds, Year};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// More slots than this between two reconciles are reported as "more than".
const COUNT_LIMIT: u32 = 1000;

/// Why a schedule cannot be evaluated; permanent until the spec changes.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TimingError {
    #[error("schedule {expression:?} is not a valid cron expression: {message}")]
    Expression { expression: String, message: String },
    #[error("time zone {zone:?} is unknown (use an IANA name such as Europe/Brussels)")]
    TimeZone { zone: String },
    #[error("schedule {expression:?} never comes due")]
    NeverDue { expression: String },
}

/// A parsed cron expression and the zone it is read in.
#[derive(Debug, Clone)]
pub struct Cron {
    cron: croner::Cron,
    zone: TimeZone,
    /// A six-field expression runs at second resolution, so its slots are named
    /// to the second.
    seconds: bool,
}

/// The slot due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub slot: Timestamp,
    /// Earlier slots that passed unrun since the last one (operator down); at
    /// most one catch-up runs, for the newest.
    pub skipped: u32,
}

impl Cron {
    /// The zone the expression is read in, and retention counts days in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Parses `expression` (five fields, or six with leading seconds) in `zone`
    /// (UTC when unset), and checks it ever comes due after `now`.
    pub fn parse(
        expression: &str,
        zone: Option<&str>,
        now: Timestamp,
    ) -> Result<Cron, TimingError> {
        let zone = match zone {
            None => TimeZone::UTC,
            Some(name) => TimeZone::get(name).map_err(|_| TimingError::TimeZone {
                zone: name.to_owned(),
            })?,
        };
        let fields = expression.split_whitespace().count();
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(expression)
            .map_err(|e| TimingError::Expression {
                expression: expression.to_owned(),
                message: e.to_string(),
            })?;
        let cron = Cron {
            cron,
            zone,
            seconds: fields == 6,
        };
        match cron.next_after(now) {
            Some(_) => Ok(cron),
            None => Err(TimingError::NeverDue {
                expression: expression.to_owned(),
            }),
        }
    }

    /// The first slot strictly after `t`.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron
            .find_next_occurrence(&self.zoned(t), false)
            .ok()
            .map(|z| z.timestamp())
    }

    /// The last slot at or before `t`.
    pub fn latest_until(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron
            .find_previous_occurrence(&self.zoned(t), true)
            .ok()
            .map(|z| z.timestamp())
    }

    /// The slot due at `now`: the newest one after `since` and not after `now`.
    pub fn due(&self, since: Timestamp, now: Timestamp) -> Option<Due> {
        let slot = self.latest_until(now).filter(|slot| *slot > since)?;
        let mut skipped = 0;
        let mut t = since;
        while let Some(next) = self.next_after(t).filter(|next| *next < slot) {
            skipped += 1;
            if skipped >= COUNT_LIMIT {
                break;
            }
            t = next;
        }
        Some(Due { slot, skipped })
    }

    /// `<schedule>-<yyyymmddhhmm>` of a slot in UTC (to the second for six-field
    /// expressions): one name per slot, so a retried reconcile cannot create a
    /// second job for it, and an hour the clocks repeat gives no duplicate names.
    pub fn job_name(&self, schedule: &str, slot: Timestamp) -> String {
        let format = if self.seconds {
            "%Y%m%d%H%M%S"
        } else {
            "%Y%m%d%H%M"
        };
        format!("{schedule}-{}", slot.strftime(format))
    }

    /// Whole seconds: slots are, and Kubernetes times are stored to the second.
    fn zoned(&self, t: Timestamp) -> Zoned {
        let whole = Timestamp::from_second(t.as_second()).unwrap_or(t);
        whole.to_zoned(self.zone.clone())
    }
}

/// "more than 1000" once counting stopped.
pub fn describe_count(n: u32) -> String {
    if n >= COUNT_LIMIT {
        format!("more than {COUNT_LIMIT}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("a valid timestamp")
    }

    fn cron(expression: &str, zone: Option<&str>) -> Cron {
        Cron::parse(expression, zone, ts("2026-01-01T00:00:00Z")).expect("valid schedule")
    }

    #[test]
    fn a_daily_time_follows_the_zone_across_both_dst_changes() {
        // Europe/Brussels: CET (+01) until 2026-03-29 02:00, CEST (+02) until
        // 2026-10-25 03:00.
        let c = cron("0 3 * * *", Some("Europe/Brussels"));
        let mut t = ts("2026-03-27T12:00:00Z");
        let mut spring = Vec::new();
        for _ in 0..3 {
            t = c.next_after(t).expect("a next slot");
            spring.push(t.to_string());
        }
        assert_eq!(
            spring,
            [
                "2026-03-28T02:00:00Z",
                "2026-03-29T01:00:00Z",
                "2026-03-30T01:00:00Z"
            ]
        );
        let autumn = c
            .next_after(ts("2026-10-24T12:00:00Z"))
            .and_then(|t| Some((t, c.next_after(t)?)));
        assert_eq!(
            autumn,
            Some((ts("2026-10-25T02:00:00Z"), ts("2026-10-26T02:00:00Z")))
        );
    }

    #[test]
    fn a_time_the_clocks_skip_runs_after_the_jump_and_a_repeated_one_once() {
        let c = cron("30 2 * * *", Some("Europe/Brussels"));
        // 02:30 does not exist on 2026-03-29: it runs at 03:00 CEST.
        assert_eq!(
            c.next_after(ts("2026-03-28T12:00:00Z")),
            Some(ts("2026-03-29T01:00:00Z"))
        );
        // 02:30 happens twice on 2026-10-25: it runs at the first one only.
        let first = c.next_after(ts("2026-10-24T12:00:00Z"));
        assert_eq!(first, Some(ts("2026-10-25T00:30:00Z")));
        assert_eq!(
            first.and_then(|t| c.next_after(t)),
            Some(ts("2026-10-26T01:30:00Z"))
        );
    }

    #[test]
    fn the_due_slot_is_the_newest_and_counts_those_skipped() {
        let c = cron("*/5 * * * *", None);
        let since = ts("2026-05-01T10:00:00Z");
        assert_eq!(c.due(since, ts("2026-05-01T10:04:59Z")), None);
        assert_eq!(
            c.due(since, ts("2026-05-01T10:05:00.300Z")),
            Some(Due {
                slot: ts("2026-05-01T10:05:00Z"),
                skipped: 0
            })
        );
        // Down from 10:00 to 10:23: 10:05, 10:10, 10:15 pass; one run for 10:20.
        assert_eq!(
            c.due(since, ts("2026-05-01T10:23:00Z")),
            Some(Due {
                slot: ts("2026-05-01T10:20:00Z"),
                skipped: 3
            })
        );
        let seconds = cron("*/5 * * * * *", None);
        assert_eq!(
            seconds.due(ts("2026-05-01T10:00:00Z"), ts("2026-05-01T10:00:07Z")),
            Some(Due {
                slot: ts("2026-05-01T10:00:05Z"),
                skipped: 0
            })
        );
        assert_eq!(
            seconds.next_after(ts("2026-05-01T10:00:05.400Z")),
            Some(ts("2026-05-01T10:00:10Z"))
        );
        let long = cron("* * * * * *", None).due(since, ts("2026-05-02T10:00:00Z"));
        assert_eq!(
            long.map(|d| describe_count(d.skipped)),
            Some("more than 1000".into())
        );
    }

    #[test]
    fn slots_name_their_job_in_utc() {
        let c = cron("0 3 * * *", Some("Europe/Brussels"));
        assert_eq!(
            c.job_name("nightly", ts("2026-03-29T01:00:00Z")),
            "nightly-202603290100"
        );
        let s = cron("*/5 * * * * *", None);
        assert_eq!(
            s.job_name("fast", ts("2026-03-29T01:00:05Z")),
            "fast-20260329010005"
        );
    }

    #[test]
    fn invalid_expressions_and_zones_are_refused() {
        let now = ts("2026-01-01T00:00:00Z");
        assert!(matches!(
            Cron::parse("61 * * * *", None, now),
            Err(TimingError::Expression { .. })
        ));
        assert_eq!(
            Cron::parse("0 3 * * *", Some("Mars/Olympus"), now).map(|_| ()),
            Err(TimingError::TimeZone {
                zone: "Mars/Olympus".into()
            })
        );
        assert!(matches!(
            Cron::parse("0 0 30 2 *", None, now),
            Err(TimingError::NeverDue { .. })
        ));
    }
}
