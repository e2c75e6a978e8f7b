use super::*;

const T0: i64 = 1_700_000_000;

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(T0 + second).expect("valid timestamp")
}

fn lease(holder: Option<&str>, renewed: Option<i64>, secs: Option<i32>) -> Lease {
    Lease {
        metadata: ObjectMeta::default(),
        spec: Some(LeaseSpec {
            holder_identity: holder.map(str::to_owned),
            renew_time: renewed.map(|s| MicroTime(at(s))),
            lease_duration_seconds: secs,
            lease_transitions: Some(3),
            ..LeaseSpec::default()
        }),
    }
}

#[test]
fn a_live_lease_of_another_holder_is_not_taken() {
    let l = lease(Some("a"), Some(0), Some(15));
    assert!(!may_acquire(&l, "b", at(14)));
}

#[test]
fn an_expired_lease_is_taken_from_the_moment_it_expires() {
    let l = lease(Some("a"), Some(0), Some(15));
    assert!(may_acquire(&l, "b", at(15)));
    assert!(may_acquire(&l, "b", at(100)));
}

#[test]
fn a_free_or_own_lease_is_always_taken() {
    assert!(may_acquire(&lease(None, Some(0), Some(15)), "b", at(1)));
    assert!(may_acquire(&lease(Some(""), Some(0), Some(15)), "b", at(1)));
    assert!(may_acquire(
        &lease(Some("b"), Some(0), Some(15)),
        "b",
        at(1)
    ));
    assert!(may_acquire(&Lease::default(), "b", at(1)));
}

#[test]
fn a_holder_that_never_renewed_can_be_taken_over() {
    assert!(may_acquire(&lease(Some("a"), None, Some(15)), "b", at(0)));
    assert!(may_acquire(&lease(Some("a"), Some(0), None), "b", at(0)));
}

#[test]
fn taking_over_counts_a_transition_and_renewing_does_not() {
    let taken = claimed(
        Some(lease(Some("a"), Some(0), Some(15))),
        "l",
        "b",
        15,
        at(20),
    );
    let spec = taken.spec.clone().expect("spec");
    assert_eq!(spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(spec.lease_transitions, Some(4));
    assert_eq!(spec.acquire_time, Some(MicroTime(at(20))));

    let renewed = claimed(Some(taken), "l", "b", 15, at(25))
        .spec
        .expect("spec");
    assert_eq!(renewed.lease_transitions, Some(4));
    assert_eq!(renewed.acquire_time, Some(MicroTime(at(20))));
    assert_eq!(renewed.renew_time, Some(MicroTime(at(25))));
}

#[test]
fn a_new_lease_starts_with_no_transitions() {
    let created = claimed(None, "l", "a", 15, at(0));
    assert_eq!(created.metadata.name.as_deref(), Some("l"));
    let spec = created.spec.expect("spec");
    assert_eq!(spec.lease_transitions, Some(0));
    assert_eq!(spec.lease_duration_seconds, Some(15));
}

#[test]
fn a_released_lease_is_free_and_keeps_its_transitions() {
    let free = released(lease(Some("a"), Some(0), Some(15)), at(5));
    assert!(may_acquire(&free, "b", at(5)));
    let taken = claimed(Some(free), "l", "b", 15, at(5)).spec.expect("spec");
    assert_eq!(taken.lease_transitions, Some(4));
}
