//! Tests of [`super`]: how a rollout reads.
use super::*;

fn deployment(want: i32, total: i32, updated: i32, ready: i32) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "spec": { "replicas": want, "selector": {}, "template": {} },
        "status": { "replicas": total, "updatedReplicas": updated, "readyReplicas": ready },
    }))
    .expect("deployment")
}

#[test]
fn a_rollout_says_how_far_the_new_pods_are_instead_of_more_ready_than_wanted() {
    // One old pod still serving beside the new one: not "2/1".
    assert_eq!(
        rollout(&deployment(1, 2, 1, 2)),
        ("1 of 1 updated, 2 ready (rolling out)".into(), false)
    );
    assert_eq!(
        rollout(&deployment(2, 2, 0, 2)),
        ("0 of 2 updated, 2 ready (rolling out)".into(), false)
    );
    assert_eq!(rollout(&deployment(2, 2, 2, 2)), ("2/2 ready".into(), true));
    assert_eq!(
        rollout(&deployment(2, 2, 2, 1)),
        ("1/2 ready".into(), false)
    );
}

/// Just after its template changed, a Deployment's status still describes the
/// previous pods, all ready: that is not a finished rollout.
#[test]
fn a_status_older_than_the_spec_is_no_finished_rollout() {
    let mut d = deployment(1, 1, 1, 1);
    d.metadata.generation = Some(3);
    if let Some(s) = d.status.as_mut() {
        s.observed_generation = Some(2);
    }
    assert_eq!(rollout(&d), ("rollout starting".into(), false));
    if let Some(s) = d.status.as_mut() {
        s.observed_generation = Some(3);
    }
    assert_eq!(rollout(&d), ("1/1 ready".into(), true));
}
