//! `OdooBackupSchedule`: backups on a cron schedule with retention.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::backup_job::BackupTemplate;
use crate::common::InstanceRef;

/// Creates OdooBackupJobs on a schedule and prunes old ones.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooBackupSchedule",
    namespaced,
    shortname = "odoobackupschedule",
    category = "odoo-all",
    status = "OdooBackupScheduleStatus",
    // Backup jobs are named `<schedule>-<UTC slot time>` and carry the schedule's
    // name in a label, whose values are at most 63 characters.
    validation = Rule::new("self.metadata.name.size() <= 48").message("an OdooBackupSchedule's name is at most 48 characters (its backups are named <schedule>-<yyyymmddhhmmss>)"),
    doc = "Backs up an Odoo instance on a cron schedule, keeping the newest backups.",
    printcolumn(
        name = "Instance",
        type_ = "string",
        json_path = ".spec.instanceRef.name",
        description = "The instance backed up"
    ),
    printcolumn(
        name = "Schedule",
        type_ = "string",
        json_path = ".spec.schedule",
        description = "Cron schedule"
    ),
    printcolumn(
        name = "Suspended",
        type_ = "boolean",
        json_path = ".spec.suspend",
        description = "No new backups while true"
    ),
    printcolumn(
        name = "Last Success",
        type_ = "date",
        json_path = ".status.lastSuccessfulTime",
        description = "When the last backup succeeded"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct OdooBackupScheduleSpec {
    /// The instance to back up. Backups also run while it is stopped.
    pub instance_ref: InstanceRef,
    /// Five-field cron expression (minute hour day-of-month month day-of-week), for
    /// example `0 3 * * *`, or six fields with a leading seconds field. Read in
    /// `timeZone`; across a daylight-saving change a fixed time the clocks skip runs
    /// right after the jump, and one they repeat runs once.
    #[schemars(length(min = 9, max = 128))]
    #[x_kube(validation = Rule::new("self.split(' ').filter(f, f != '').size() in [5, 6]").message("schedule must be a five-field cron expression (or six, with leading seconds), for example '0 3 * * *'"))]
    pub schedule: String,
    /// IANA time zone of the schedule, for example `Europe/Brussels`; UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub time_zone: Option<String>,
    /// No new backups while true.
    #[serde(default)]
    pub suspend: bool,
    /// What each backup contains and where it goes.
    pub template: BackupTemplate,
    /// Verify every Nth backup with the template's `verify` method (the first
    /// backup is always among them); the others get `verify: None`. Unset or 1
    /// verifies every backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub verify_every: Option<u32>,
    /// How many of the newest succeeded backups to keep. Retention deletes a
    /// pruned backup's archive with it; whatever the settings, it keeps the newest
    /// verified backup of the instance, held backups (`spec.hold`) and those a
    /// restore in progress reads.
    #[serde(default = "default_keep_last")]
    #[schemars(range(min = 0, max = 1000))]
    pub keep_last: i32,
    /// Also keep the newest succeeded backup of each of the last N days that have
    /// one (days in `timeZone`), counted as restic and Kasten count them.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 1000))]
    pub keep_daily: i32,
    /// The newest of each of the last N ISO weeks that have one.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 1000))]
    pub keep_weekly: i32,
    /// The newest of each of the last N months that have one.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 1000))]
    pub keep_monthly: i32,
    /// The newest of each of the last N years that have one.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0, max = 100))]
    pub keep_yearly: i32,
    /// How many failed backup resources to keep for inspection.
    #[serde(default = "default_keep_failed")]
    #[schemars(range(min = 0, max = 100))]
    pub keep_failed: i32,
    /// Succeeded backups younger than this are kept even beyond `keepLast`, for
    /// example `30d`, `12h` or `1w2d` (units `w`, `d`, `h`, `m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 2, max = 32), regex(pattern = r"^([0-9]{1,6}[wdhm])+$"))]
    pub max_age: Option<String>,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

fn default_keep_last() -> i32 {
    7
}

fn default_keep_failed() -> i32 {
    3
}

/// Observed state of a backup schedule.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooBackupScheduleStatus {
    /// Standard conditions, keyed by type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    pub conditions: Vec<Condition>,
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When a backup was last started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_schedule_time: Option<Time>,
    /// When a backup last succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_successful_time: Option<Time>,
    /// Name of the last OdooBackupJob created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_backup_job: Option<String>,
    /// When the next backup is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_schedule_time: Option<Time>,
    /// How many backups the schedule has created; `verifyEvery` counts with it.
    #[serde(default)]
    pub backups_created: u64,
}
