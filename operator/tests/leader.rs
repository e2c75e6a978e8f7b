//! Leader election of two operator replicas on one Lease in a real API server: one
//! leads, the other stands by and takes over on release, on expiry, and a leader
//! whose lease is taken learns that it lost.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kube::api::PostParams;
use odoo_operator::leader::{LeaderElector, LeaderGuard};
use odoo_tests::{TestNamespace, api_server};

const LEASE: &str = "odoo-operator";
/// Long enough that a loaded machine never delays a 300 ms renewal past it: the
/// bounds below are about the protocol, not the machine's speed.
const LEASE_DURATION: Duration = Duration::from_secs(6);
/// A bound that only ends a test that would otherwise hang.
const DEADLINE: Duration = Duration::from_secs(60);

fn elector(api: &Api<Lease>, identity: &str) -> LeaderElector {
    LeaderElector::new(api.clone(), LEASE, identity)
        .with_timing(LEASE_DURATION, Duration::from_millis(300))
}

/// Holder and transitions as the API server has them.
async fn read_back(api: &Api<Lease>) -> anyhow::Result<(Option<String>, Option<i32>)> {
    let spec = api.get(LEASE).await?.spec.unwrap_or_default();
    Ok((spec.holder_identity, spec.lease_transitions))
}

/// Starts `a` and `b` at once; returns the winner's guard and the loser still waiting.
async fn contend(
    a: LeaderElector,
    b: LeaderElector,
) -> anyhow::Result<(
    LeaderGuard,
    tokio::task::JoinHandle<anyhow::Result<LeaderGuard>>,
)> {
    let mut a = tokio::spawn(async move { Ok(a.acquire().await?) });
    let mut b = tokio::spawn(async move { Ok(b.acquire().await?) });
    let (winner, mut loser) = tokio::time::timeout(DEADLINE, async {
        tokio::select! {
            won = &mut a => (won, b),
            won = &mut b => (won, a),
        }
    })
    .await?;
    let winner = winner??;
    // Longer than the lease: only renewal keeps the loser out.
    let waited = tokio::time::timeout(LEASE_DURATION + Duration::from_secs(1), &mut loser).await;
    assert!(waited.is_err(), "both replicas acquired the lease");
    Ok((winner, loser))
}

#[tokio::test]
async fn one_replica_leads_and_the_other_takes_over_on_release() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "leader-release").await?;
    let api: Api<Lease> = ns.api();

    let (first, standby) = contend(elector(&api, "replica-a"), elector(&api, "replica-b")).await?;
    let leader = first_identity(&api).await?;
    assert!(first.is_leader());
    assert_eq!(read_back(&api).await?.1, Some(0));

    let released_at = Instant::now();
    first.release().await?;
    let second = tokio::time::timeout(DEADLINE, standby).await???;
    // A release hands over on the standby's next retry (every 300 ms), not after
    // the lease's expiry.
    assert!(
        released_at.elapsed() < LEASE_DURATION,
        "{:?}",
        released_at.elapsed()
    );
    let (holder, transitions) = read_back(&api).await?;
    assert_ne!(holder.as_deref(), Some(leader.as_str()));
    assert!(holder.is_some());
    assert_eq!(transitions, Some(1));

    second.release().await?;
    assert_eq!(read_back(&api).await?, (None, Some(1)));
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_crashed_leader_is_replaced_once_its_lease_expires() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "leader-expiry").await?;
    let api: Api<Lease> = ns.api();

    let (first, standby) = contend(elector(&api, "replica-a"), elector(&api, "replica-b")).await?;
    let leader = first_identity(&api).await?;
    // Dropping the guard stops renewal without releasing, as a killed pod would.
    let stopped_at = Instant::now();
    drop(first);
    let second = tokio::time::timeout(DEADLINE, standby).await???;
    let waited = stopped_at.elapsed();
    // Never before the lease expired: the last renewal was at most one renew
    // interval (300 ms) before the stop.
    assert!(
        waited >= LEASE_DURATION - Duration::from_millis(500),
        "took over after {waited:?}"
    );
    let (holder, transitions) = read_back(&api).await?;
    assert_ne!(holder.as_deref(), Some(leader.as_str()));
    assert_eq!(transitions, Some(1));
    assert!(second.is_leader());

    second.release().await?;
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn a_leader_whose_lease_is_taken_reports_it_lost() -> anyhow::Result<()> {
    let ns = TestNamespace::new(api_server(), "leader-lost").await?;
    let api: Api<Lease> = ns.api();
    let guard = elector(&api, "replica-a").acquire().await?;

    let mut lease = api.get(LEASE).await?;
    if let Some(spec) = lease.spec.as_mut() {
        spec.holder_identity = Some("intruder".to_owned());
    }
    api.replace(LEASE, &PostParams::default(), &lease).await?;

    tokio::time::timeout(DEADLINE, guard.lost()).await?;
    assert!(!guard.is_leader());
    // Releasing a lease someone else holds leaves it alone.
    guard.release().await?;
    assert_eq!(read_back(&api).await?.0.as_deref(), Some("intruder"));
    ns.delete().await;
    Ok(())
}

async fn first_identity(api: &Api<Lease>) -> anyhow::Result<String> {
    let (holder, _) = read_back(api).await?;
    let holder = holder.ok_or_else(|| anyhow::anyhow!("the lease has no holder"))?;
    assert!(
        ["replica-a", "replica-b"].contains(&holder.as_str()),
        "{holder}"
    );
    Ok(holder)
}
