//! Label and annotation keys and the field manager: named once so the operator and
//! the plugin select the same objects.

/// The field manager of every server-side apply the operator sends.
pub const OPERATOR_FIELD_MANAGER: &str = "odoo-operator";
/// The field manager of every server-side apply the plugin sends.
pub const PLUGIN_FIELD_MANAGER: &str = "kubectl-odoo";

/// Standard label naming the application.
pub const APP_NAME: &str = "app.kubernetes.io/name";
/// Standard label naming the instance a child belongs to.
pub const APP_INSTANCE: &str = "app.kubernetes.io/instance";
/// Standard label naming the role of a child (web, cron, init, backup, …).
pub const APP_COMPONENT: &str = "app.kubernetes.io/component";
/// Standard label naming the controller that manages an object.
pub const APP_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The Lease the operator's replicas compete for, in the operator's namespace.
pub const LEADER_LEASE: &str = "odoo-operator-leader";
/// On the leader Lease: the version of the operator holding it, so the plugin can
/// name an operator that runs outside the cluster (no Deployment to read).
pub const OPERATOR_VERSION_ANNOTATION: &str = "odoo-operator.dev/operator-version";
/// Label carrying the name of the OdooInstance an object belongs to; the plugin
/// watches children by this label only.
pub const INSTANCE_LABEL: &str = "odoo-operator.dev/instance";
/// Label on the pods that run `odoo-agent`, naming its command (`backup`,
/// `restore`…): what the simulated cluster's stand-in kubelet runs for real.
pub const AGENT_LABEL: &str = "odoo-operator.dev/agent";
/// Label on every pod of an instance (its Deployments' and its jobs'), naming its
/// `spec.environment` in lower case (`production`, `staging`, `development`):
/// what network policies and admission policies select an environment's pods by.
pub const ENVIRONMENT_LABEL: &str = "odoo-operator.dev/environment";
/// Label carrying the name of the OdooBackupSchedule that created a backup job.
pub const SCHEDULE_LABEL: &str = "odoo-operator.dev/schedule";
/// Annotation on a scheduled backup job: the schedule slot (RFC 3339, UTC) it is for.
pub const SCHEDULED_TIME_ANNOTATION: &str = "odoo-operator.dev/scheduled-time";

/// Annotation carrying the hash of the rendered configuration on pod templates, so a
/// configuration change rolls the pods.
pub const CONFIG_HASH_ANNOTATION: &str = "odoo-operator.dev/config-hash";
/// Annotation that lets a user allow configOptions keys unknown to the Odoo version
/// (custom addon options), comma-separated.
pub const ALLOW_CONFIG_KEYS_ANNOTATION: &str = "odoo-operator.dev/allow-config-keys";

/// Annotation the cluster-migration flow sets on an instance, naming the
/// migration, in the same write that switches `spec.database.cluster`: the only
/// change of cluster admission lets through.
pub const CLUSTER_MIGRATION_ANNOTATION: &str = "odoo-operator.dev/cluster-migration";

/// Finalizer the operator places on every OdooInstance.
pub const INSTANCE_FINALIZER: &str = "odoo-operator.dev/finalizer";
/// On a job resource that makes temporary databases and files (a restore): what it
/// made is removed before the resource goes.
pub const JOB_CLEANUP_FINALIZER: &str = "odoo-operator.dev/cleanup";
/// On an OdooBackupJob, with [`JOB_CLEANUP_FINALIZER`]: its archive is deleted
/// before the resource goes. Retention and `kubectl odoo backup delete` set both in
/// one write; a backup deleted without it (by hand, with its schedule or its
/// namespace) leaves its archive in storage, where a recovery finds it.
pub const DELETE_ARCHIVE_ANNOTATION: &str = "odoo-operator.dev/delete-archive";
/// Finalizer left by the previous Python/Kopf operator; removed on sight.
pub const LEGACY_KOPF_FINALIZER: &str = "kopf.zalando.org/KopfFinalizerMarker";

/// The labels every child of an instance carries.
pub fn instance_labels(
    instance: &str,
    component: &str,
) -> std::collections::BTreeMap<String, String> {
    [
        (APP_NAME, "odoo"),
        (APP_INSTANCE, instance),
        (APP_COMPONENT, component),
        (APP_MANAGED_BY, OPERATOR_FIELD_MANAGER),
        (INSTANCE_LABEL, instance),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The label selector that finds every child of an instance.
pub fn instance_selector(instance: &str) -> String {
    format!("{INSTANCE_LABEL}={instance}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_found_by_the_selector() {
        let labels = instance_labels("shop", "web");
        let (key, value) = instance_selector("shop")
            .split_once('=')
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .expect("selector is key=value");
        assert_eq!(labels.get(&key), Some(&value));
        assert_eq!(labels.get(APP_COMPONENT).map(String::as_str), Some("web"));
    }
}
