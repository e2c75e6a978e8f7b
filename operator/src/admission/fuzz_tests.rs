//! 10,000+ random and malformed AdmissionReview bodies through the review handler:
//! no panic, and every answer is a well-formed AdmissionReview response that echoes
//! the request's uid when there was one to read.

use std::collections::BTreeSet;

use odoo_model::{OdooBackupJob, OdooInstance, OdooInstanceSpec};
use serde_json::{Value, json};

use super::lookup::{Lookup, LookupError};
use super::review_with;

/// Answers from a fixed little world: instance `shop`, Secret `creds`, PVC `vol`.
struct World;

impl Lookup for World {
    async fn instance(&self, _: &str, name: &str) -> Result<Option<OdooInstance>, LookupError> {
        Ok((name == "shop").then(|| OdooInstance::new("shop", OdooInstanceSpec::default())))
    }
    async fn secret_keys(
        &self,
        _: &str,
        name: &str,
    ) -> Result<Option<BTreeSet<String>>, LookupError> {
        Ok((name == "creds").then(|| ["AWS_ACCESS_KEY_ID".to_owned()].into()))
    }
    async fn pvc_exists(&self, _: &str, name: &str) -> Result<bool, LookupError> {
        Ok(name == "vol")
    }
    async fn backup_jobs(&self, _: &str) -> Result<Vec<OdooBackupJob>, LookupError> {
        Ok(Vec::new())
    }
    async fn pg_clusters(&self) -> Result<Vec<String>, LookupError> {
        Ok(vec!["main".into()])
    }
    async fn active_jobs(&self, _: &str, _: &str) -> Result<Vec<String>, LookupError> {
        Ok(vec!["OdooBackupJob/b".into()])
    }
}

/// xorshift64*: deterministic, so a failure reproduces from its iteration number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const KINDS: &[&str] = &[
    "OdooInstance",
    "OdooInitJob",
    "OdooUpgradeJob",
    "OdooBackupJob",
    "OdooRestoreJob",
    "OdooBackupSchedule",
    "OdooClusterMigration",
    "Pod",
];

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 3 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(-1.5e300),
        4 => json!(
            (*rng.pick(&[
                "",
                "shop",
                "10Gi",
                "-1Gi",
                "odoo:18.0",
                "main",
                "\u{0}",
                "ü🦀"
            ]))
            .repeat(1 + rng.below(3))
        ),
        5 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "spec",
                "image",
                "configOptions",
                "filestore",
                "storageSize",
                "database",
                "cluster",
                "instanceRef",
                "name",
                "destination",
                "s3",
                "source",
                "targetCluster",
            ];
            let mut map = serde_json::Map::new();
            for _ in 0..rng.below(5) {
                map.insert((*rng.pick(&keys)).to_owned(), random_value(rng, depth + 1));
            }
            Value::Object(map)
        }
    }
}

fn object(rng: &mut Rng, kind: &str) -> Value {
    let spec = match kind {
        "OdooInstance" => json!({
            "image": rng.pick(&["odoo:18.0-20251001", "odoo:17.0", "odoo@sha256:00", "x"]),
            "filestore": { "storageSize": rng.pick(&["1Gi", "10Gi", "5", "bogus"]),
                           "storageClass": rng.pick(&["a", "b"]) },
            "database": { "cluster": rng.pick(&["main", "other"]) },
            "configOptions": { (*rng.pick(&["log_level", "db_password", "limit_time_reel", "x"])): "1" },
        }),
        "OdooBackupJob" | "OdooBackupSchedule" => json!({
            "instanceRef": { "name": rng.pick(&["shop", "ghost"]) },
            "schedule": "0 3 * * *",
            "destination": { "s3": { "endpoint": rng.pick(&["https://s3", "ftp://x", ""]),
                "bucket": "bkt", "credentials": { "secretName": rng.pick(&["creds", "none"]) },
                "key": rng.pick(&["{timestamp}.zip", "fixed.zip"]) } },
        }),
        "OdooRestoreJob" => json!({
            "instanceRef": { "name": "shop" },
            "source": { (*rng.pick(&["backupJob", "latestBackupOf", "pvc"])):
                rng.pick(&[json!("b1"), json!({ "name": "shop" }), json!({ "claimName": "vol", "path": "a.zip" })]) },
        }),
        "OdooClusterMigration" => json!({
            "instanceRef": { "name": rng.pick(&["shop", "ghost"]) },
            "targetCluster": rng.pick(&["main", "far"]),
        }),
        _ => json!({ "instanceRef": { "name": rng.pick(&["shop", "ghost"]) } }),
    };
    json!({
        "apiVersion": "odoo-operator.dev/v1alpha1",
        "kind": kind,
        "metadata": { "name": "x", "namespace": "ns", "annotations":
            { "odoo-operator.dev/allow-config-keys": rng.pick(&["", "x", "x,,y"]) } },
        "spec": spec,
    })
}

fn review(rng: &mut Rng, uid: &str) -> Value {
    let kind = *rng.pick(KINDS);
    let operation = *rng.pick(&["CREATE", "UPDATE", "DELETE", "CONNECT"]);
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": { "group": "odoo-operator.dev", "version": "v1alpha1", "kind": kind },
            "resource": { "group": "odoo-operator.dev", "version": "v1alpha1", "resource": "x" },
            "namespace": "ns",
            "operation": operation,
            "userInfo": { "username": rng.pick(&["odoo-operator", "alice"]) },
            "object": object(rng, kind),
            "oldObject": if rng.below(2) == 0 { object(rng, kind) } else { Value::Null },
        }
    })
}

/// Replaces one randomly chosen node of the tree with a random value.
fn mutate(rng: &mut Rng, v: &mut Value) {
    let mut node = v;
    loop {
        let children: Vec<String> = match node {
            Value::Object(m) => m.keys().cloned().collect(),
            _ => Vec::new(),
        };
        if children.is_empty() || rng.below(4) == 0 {
            *node = random_value(rng, 0);
            return;
        }
        let key = rng.pick(&children).clone();
        node = &mut node[key.as_str()];
    }
}

fn body(rng: &mut Rng, i: usize) -> (Vec<u8>, Option<String>) {
    let uid = format!("uid-{i}");
    match i % 5 {
        // Intact reviews: the uid must come back.
        0 => (
            serde_json::to_vec(&review(rng, &uid)).unwrap_or_default(),
            Some(uid),
        ),
        1 => {
            let mut v = review(rng, &uid);
            mutate(rng, &mut v);
            (serde_json::to_vec(&v).unwrap_or_default(), None)
        }
        2 => {
            let mut bytes = serde_json::to_vec(&review(rng, &uid)).unwrap_or_default();
            let cut = rng.below(bytes.len());
            bytes.truncate(cut);
            (bytes, None)
        }
        3 => {
            let mut bytes = serde_json::to_vec(&review(rng, &uid)).unwrap_or_default();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            (bytes, None)
        }
        _ => (
            (0..rng.below(512)).map(|_| rng.next() as u8).collect(),
            None,
        ),
    }
}

#[tokio::test]
async fn ten_thousand_malformed_reviews_get_well_formed_answers() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut denied = 0;
    for i in 0..10_000 {
        let (bytes, uid) = body(&mut rng, i);
        let answer = review_with(&bytes, &World, "odoo-operator", "odoo:18.0-20251001").await;
        let json = serde_json::to_value(&answer).expect("the answer serializes");
        assert_eq!(
            json["apiVersion"], "admission.k8s.io/v1",
            "case {i}: {json}"
        );
        assert_eq!(json["kind"], "AdmissionReview", "case {i}: {json}");
        let response = &json["response"];
        assert!(response["allowed"].is_boolean(), "case {i}: {json}");
        assert!(response["uid"].is_string(), "case {i}: {json}");
        if let Some(uid) = uid {
            assert_eq!(response["uid"], uid.as_str(), "case {i}");
        }
        if response["allowed"] == false {
            denied += 1;
            let message = response["status"]["message"].as_str().unwrap_or_default();
            assert!(
                !message.is_empty(),
                "case {i}: a denial without a message: {json}"
            );
        }
    }
    // The generator reaches both outcomes, or the loop proves nothing.
    assert!(
        denied > 1_000 && denied < 10_000,
        "denied {denied} of 10000"
    );
}
