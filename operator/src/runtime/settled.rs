//! Wakes from a watch only once its store can answer.
//!
//! After a watch restart the watcher lists again. kube's reflector keeps the
//! relisted objects aside and swaps them into the store only when the list is
//! done, while `touched_objects` passes each one on as it arrives: a reconcile it
//! starts reads the store from before the relist (a Deployment not ready yet, say)
//! and decides nothing, and no later event wakes it once the swap happened. At a
//! thousand instances, after the API server closed a watch it found too slow,
//! instances ready for minutes waited in Starting for their five-minute look.
//!
//! [`objects`] passes on updates and deletions at once, as they are in the store
//! already, and a relist's news when the list is done: what it added or changed
//! (by resource version) read back from the new store, and what it no longer has.

use futures::{Stream, TryStreamExt as _};
use kube::Resource;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher::{self, Event};
use std::sync::Arc;

/// The objects of `events` (already applied to the store `reader` reads), each
/// passed on once the store holds what it says. See the module's comment.
pub fn objects<K, S>(events: S, reader: Store<K>) -> impl Stream<Item = Result<K, watcher::Error>>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
    S: Stream<Item = Result<Event<K>, watcher::Error>>,
{
    let mut relist = Relist::default();
    events
        .map_ok(move |event| futures::stream::iter(relist.next(event, &reader).into_iter().map(Ok)))
        .try_flatten()
}

/// What a relist in progress has seen.
struct Relist<K: Resource<DynamicType = ()>> {
    /// The store before the relist, to tell what it no longer has.
    before: Vec<Arc<K>>,
    /// Objects the relist brought that the store did not hold at that version.
    news: Vec<ObjectRef<K>>,
}

impl<K: Resource<DynamicType = ()>> Default for Relist<K> {
    fn default() -> Self {
        Relist {
            before: Vec::new(),
            news: Vec::new(),
        }
    }
}

impl<K: Resource<DynamicType = ()> + Clone + 'static> Relist<K> {
    /// The objects to pass on for `event`, which the store has applied.
    fn next(&mut self, event: Event<K>, store: &Store<K>) -> Vec<K> {
        match event {
            Event::Apply(object) | Event::Delete(object) => vec![object],
            Event::Init => {
                self.before = store.state();
                self.news.clear();
                Vec::new()
            }
            // Still the old store here: the swap comes with InitDone.
            Event::InitApply(object) => {
                let key = ObjectRef::from_obj(&object);
                let known = store.get(&key).is_some_and(|old| {
                    old.meta().resource_version == object.meta().resource_version
                });
                if !known {
                    self.news.push(key);
                }
                Vec::new()
            }
            Event::InitDone => {
                let mut out: Vec<K> = self
                    .news
                    .drain(..)
                    .filter_map(|key| store.get(&key))
                    .map(|object| object.as_ref().clone())
                    .collect();
                let gone = std::mem::take(&mut self.before)
                    .into_iter()
                    .filter(|old| store.get(&ObjectRef::from_obj(old.as_ref())).is_none())
                    .map(|old| old.as_ref().clone());
                out.extend(gone);
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::runtime::reflector;

    fn object(name: &str, version: &str) -> ConfigMap {
        let mut o = ConfigMap::default();
        o.metadata.name = Some(name.into());
        o.metadata.namespace = Some("ns".into());
        o.metadata.resource_version = Some(version.into());
        o
    }

    fn pair(name: &str, version: &str) -> (String, String) {
        (name.to_owned(), version.to_owned())
    }

    fn names(objects: &[ConfigMap]) -> Vec<(String, String)> {
        let mut n: Vec<_> = objects
            .iter()
            .map(|o| {
                (
                    o.metadata.name.clone().unwrap_or_default(),
                    o.metadata.resource_version.clone().unwrap_or_default(),
                )
            })
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_relist_wakes_once_the_store_holds_it_and_only_for_what_changed() {
        let (store, mut writer) = reflector::store::<ConfigMap>();
        let mut relist = Relist::default();
        let mut feed = |event: Event<ConfigMap>| {
            writer.apply_watcher_event(&event);
            relist.next(event, &store)
        };
        // The first list: everything is news, told when the list is done.
        assert!(feed(Event::Init).is_empty());
        assert!(feed(Event::InitApply(object("same", "1"))).is_empty());
        assert!(feed(Event::InitApply(object("changes", "1"))).is_empty());
        assert!(feed(Event::InitApply(object("goes", "1"))).is_empty());
        assert_eq!(names(&feed(Event::InitDone)).len(), 3);
        // An update is told at once.
        assert_eq!(
            names(&feed(Event::Apply(object("changes", "2")))),
            [pair("changes", "2")]
        );

        // A relist after a watch restart: one object changed meanwhile, one is gone,
        // one is new. Nothing is told before the store holds the relist.
        assert!(feed(Event::Init).is_empty());
        assert!(feed(Event::InitApply(object("same", "1"))).is_empty());
        assert!(feed(Event::InitApply(object("changes", "3"))).is_empty());
        assert!(feed(Event::InitApply(object("new", "4"))).is_empty());
        let told = feed(Event::InitDone);
        assert_eq!(
            names(&told),
            [pair("changes", "3"), pair("goes", "1"), pair("new", "4")]
        );
        // What is told is what a reconcile reads now.
        let read = store
            .get(&ObjectRef::new("changes").within("ns"))
            .expect("in the store");
        assert_eq!(read.metadata.resource_version.as_deref(), Some("3"));
        assert!(store.get(&ObjectRef::new("goes").within("ns")).is_none());
    }
}
