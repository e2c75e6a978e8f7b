//! The operator's own writes, remembered until the watches show them.
//!
//! A reconcile reads its object from a watch cache. Right after a pass wrote the
//! object (its status, its spec defaults), the next pass is often already queued by
//! a child's event, and the cache may still hold the version that write was based
//! on. Deciding again from it repeats the write: a duplicate for the instances, a
//! `409 Conflict` for the job resources (their status writes carry the version they
//! were based on). Such a pass is skipped instead; the watch event of the write
//! starts the next one, which sees the write and every child's change since.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::Resource;

/// Per object (by UID), the resourceVersion a write of ours was based on.
#[derive(Debug, Default)]
pub struct Written {
    based_on: Mutex<HashMap<String, String>>,
}

impl Written {
    /// Remembers that `object`, as read, was overwritten and the server now holds
    /// `new_version`. A write the server found to change nothing keeps the version,
    /// and then no watch event will come: nothing is remembered.
    pub fn record<K: Resource>(&self, object: &K, new_version: Option<&str>) {
        let (Some(uid), Some(read)) = (&object.meta().uid, &object.meta().resource_version) else {
            return;
        };
        if new_version.is_some_and(|v| v != read) {
            self.lock().insert(uid.clone(), read.clone());
        }
    }

    /// True when `object` is the very version a write of ours was based on: the
    /// cache has not caught up with that write yet. Any other version forgets the
    /// record, so an object is skipped at most until its watch moves on (a deleted
    /// object's last event, with its deletion timestamp, is such a version).
    pub fn behind<K: Resource>(&self, object: &K) -> bool {
        let Some(uid) = &object.meta().uid else {
            return false;
        };
        let mut based_on = self.lock();
        match based_on.get(uid) {
            Some(read) if Some(read) == object.meta().resource_version.as_ref() => true,
            Some(_) => {
                based_on.remove(uid);
                false
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.based_on.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    fn at(version: &str) -> ConfigMap {
        let mut o = ConfigMap::default();
        o.metadata.uid = Some("u1".into());
        o.metadata.resource_version = Some(version.into());
        o
    }

    #[test]
    fn the_version_a_write_was_based_on_is_behind_until_the_watch_moves_on() {
        let written = Written::default();
        written.record(&at("10"), Some("11"));
        assert!(written.behind(&at("10")));
        assert!(
            written.behind(&at("10")),
            "still behind: the watch has not moved"
        );
        assert!(!written.behind(&at("11")));
        // Forgotten: an older copy seen later is not held back forever.
        assert!(!written.behind(&at("10")));
    }

    #[test]
    fn a_write_that_changed_nothing_is_not_waited_for() {
        let written = Written::default();
        written.record(&at("10"), Some("10"));
        assert!(!written.behind(&at("10")));
        written.record(&at("10"), None);
        assert!(!written.behind(&at("10")));
    }

    #[test]
    fn objects_are_told_apart_by_uid() {
        let written = Written::default();
        written.record(&at("10"), Some("11"));
        let mut other = at("10");
        other.metadata.uid = Some("u2".into());
        assert!(!written.behind(&other));
        assert!(written.behind(&at("10")));
    }
}
