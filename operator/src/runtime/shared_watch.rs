//! A watch whose store several controllers read, each woken through its own
//! subscription: the store is filled, and every subscriber woken, only while the
//! one stream that fills it is polled, so it runs as a task of its own.

use futures::{Stream, StreamExt as _};
use kube::Api;
use kube::runtime::reflector::{self, ReflectHandle};
use kube::runtime::{WatchStreamExt as _, watcher};

use super::caches::{Watched, trimmed_watch};

/// `N` subscriptions to `writer`'s store. Taken before its watch starts: a later
/// one would miss the first list.
pub fn subscriptions<K: Watched, const N: usize>(
    writer: &reflector::store::Writer<K>,
) -> [ReflectHandle<K>; N] {
    std::array::from_fn(|_| {
        writer
            .subscribe()
            .expect("a shared store's writer gives subscriptions")
    })
}

/// Runs the watch that fills `writer`'s store (objects trimmed by `trim`), and
/// calls `listed` each time a list is in the store.
pub fn spawn<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    writer: reflector::store::Writer<K>,
    trim: fn(&mut K),
    listed: impl Fn() + Send + 'static,
) {
    let stream = shared_stream(api, config, writer, trim, listed);
    tokio::spawn(stream.for_each(|_| futures::future::ready(())));
}

/// Like [`super::caches::stream`], for a store several controllers subscribe to (see
/// `Writer::subscribe`): this stream must be polled for any of them to see events.
/// `listed` is called each time a list is in the store.
fn shared_stream<K: Watched>(
    api: Api<K>,
    config: watcher::Config,
    writer: reflector::store::Writer<K>,
    trim: fn(&mut K),
    listed: impl Fn() + Send + 'static,
) -> impl Stream<Item = Result<K, watcher::Error>> + Send + 'static {
    use futures::TryStreamExt as _;
    trimmed_watch(api, config, trim)
        .reflect_shared(writer)
        .inspect_ok(move |event| {
            if matches!(event, watcher::Event::InitDone) {
                listed();
            }
        })
        .touched_objects()
}
