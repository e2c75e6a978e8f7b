//! A bound on the connections provisioning opens to each cluster, separate from how
//! many reconciles run at once: a burst of new instances can then be reconciled as
//! widely as the API server allows without exhausting a cluster's
//! `max_connections` (100 by default, shared with every Odoo pod on it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Provisioning connections per cluster when the flag does not say.
pub const DEFAULT_CONNECTIONS_PER_CLUSTER: usize = 16;

/// One semaphore per cluster name, created on first use.
#[derive(Debug)]
pub struct Pools {
    per_cluster: usize,
    by_cluster: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Pools {
    /// `per_cluster` of 0 means no bound.
    pub fn new(per_cluster: usize) -> Pools {
        Pools {
            per_cluster,
            by_cluster: Mutex::default(),
        }
    }

    /// A permit to hold while connected to `cluster`; `None` when unbounded.
    pub async fn acquire(&self, cluster: &str) -> Option<OwnedSemaphorePermit> {
        if self.per_cluster == 0 {
            return None;
        }
        let semaphore = self
            .by_cluster
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(cluster.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_cluster)))
            .clone();
        // The semaphore is never closed.
        semaphore.acquire_owned().await.ok()
    }
}

impl Default for Pools {
    fn default() -> Pools {
        Pools::new(DEFAULT_CONNECTIONS_PER_CLUSTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn each_cluster_has_its_own_bound() {
        let pools = Pools::new(2);
        let a1 = pools.acquire("a").await;
        let _a2 = pools.acquire("a").await;
        // "a" is full; "b" is not.
        let _b = tokio::time::timeout(Duration::from_secs(5), pools.acquire("b"))
            .await
            .expect("another cluster's bound is its own");
        let waiting = tokio::time::timeout(Duration::from_millis(100), pools.acquire("a")).await;
        assert!(waiting.is_err(), "a third permit of \"a\" was granted");
        drop(a1);
        tokio::time::timeout(Duration::from_secs(5), pools.acquire("a"))
            .await
            .expect("a released permit is granted again");
    }

    #[tokio::test]
    async fn zero_means_unbounded() {
        let pools = Pools::new(0);
        let held: Vec<_> = futures::future::join_all((0..100).map(|_| pools.acquire("a"))).await;
        assert!(held.iter().all(Option::is_none));
    }
}
