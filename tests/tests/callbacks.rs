//! Signed callbacks on the simulated cluster with a real PostgreSQL server: a
//! receiver in the test (a hyper server on loopback) checks each signature with the
//! shared key and records the phase changes of an instance going to Running; a
//! receiver that fails or is not there gets retries, never delays the instance, and
//! ends in a `CallbackFailed` event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::{Event, Secret};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use odoo_model::{InstancePhase, OdooInstance};
use odoo_tests::operator::{OperatorProcess, operator_namespace, wait_for_phase};
use odoo_tests::postgres::shared_postgres;
use odoo_tests::process::free_port;
use odoo_tests::{TestNamespace, simulated_cluster};
use serde_json::{Value, json};

const KEY: &[u8] = b"shared-callback-key";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    event: String,
    body: Value,
    signature_valid: bool,
    answered: u16,
}

/// A callback receiver on 127.0.0.1 that answers 500 to its first `fail_first`
/// requests and 200 after that.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> anyhow::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, count) = (seen2.clone(), count.clone());
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (seen, count) = (seen.clone(), count.clone());
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let (id, event, signature) = (
                            header("x-odoo-operator-delivery"),
                            header("x-odoo-operator-event"),
                            header("x-odoo-operator-signature"),
                        );
                        let body = req.into_body().collect().await?.to_bytes();
                        let answered = if count.fetch_add(1, Ordering::SeqCst) < fail_first {
                            500
                        } else {
                            200
                        };
                        seen.lock().expect("lock").push(Received {
                            id,
                            event,
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                            signature_valid: signature == expected_signature(&body),
                            answered,
                        });
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() =
                            hyper::StatusCode::from_u16(answered).expect("valid status");
                        Ok::<_, hyper::Error>(response)
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        Ok(Receiver { url, seen })
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().expect("lock").clone()
    }
}

/// What the receiver expects, computed here rather than by the operator's code.
fn expected_signature(body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(KEY).expect("any key length");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

async fn create_key_secret(ns: &TestNamespace) -> anyhow::Result<()> {
    let secret: Secret = serde_json::from_value(json!({
        "metadata": { "name": "hook" },
        "data": { "key": k8s_openapi::ByteString(KEY.to_vec()) },
    }))?;
    ns.api::<Secret>()
        .create(&PostParams::default(), &secret)
        .await?;
    Ok(())
}

async fn create_instance(api: &Api<OdooInstance>, name: &str, url: Option<&str>) {
    let mut spec = json!({ "replicas": 1 });
    if let Some(url) = url {
        spec["webhook"] = json!({ "url": url, "secretRef": { "name": "hook", "key": "key" } });
    }
    let instance: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": name }, "spec": spec,
    }))
    .expect("valid instance");
    api.create(&PostParams::default(), &instance)
        .await
        .expect("instance created");
}

/// Polls `check` on what the receiver saw for up to `timeout`.
async fn wait_for(
    receiver: &Receiver,
    timeout: Duration,
    what: &str,
    check: impl Fn(&[Received]) -> bool,
) -> Vec<Received> {
    let start = Instant::now();
    loop {
        let seen = receiver.seen();
        if check(&seen) {
            return seen;
        }
        assert!(
            start.elapsed() < timeout,
            "the receiver never saw {what}; it saw {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The RFC 3339 `time` of a callback.
fn time(r: &Received) -> Option<Timestamp> {
    r.body["time"].as_str()?.parse().ok()
}

fn phase_changes(seen: &[Received]) -> Vec<(String, String)> {
    let mut changes: Vec<&Received> = seen
        .iter()
        .filter(|r| r.event == "phase-changed" && r.answered == 200)
        .collect();
    // Deliveries run concurrently; their bodies carry the time of the change.
    changes.sort_by_key(|r| time(r));
    changes
        .iter()
        .map(|r| {
            (
                r.body["from"].as_str().unwrap_or_default().to_owned(),
                r.body["to"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_receiver_gets_signed_phase_changes_and_the_init_result() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "callbacks").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    create_key_secret(&ns).await?;
    let receiver = Receiver::start(0).await?;
    let api: Api<OdooInstance> = ns.api();
    create_instance(&api, "shop", Some(&receiver.url)).await;

    wait_for_phase(&api, "shop", InstancePhase::Running, &op).await;
    let seen = wait_for(&receiver, Duration::from_secs(20), "Running", |s| {
        phase_changes(s)
            .last()
            .is_some_and(|(_, to)| to == "Running")
    })
    .await;

    assert!(seen.iter().all(|r| r.signature_valid), "{seen:#?}");
    assert_eq!(
        phase_changes(&seen),
        [
            ("Provisioning", "Initializing"),
            ("Initializing", "Starting"),
            ("Starting", "Running"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned())),
        "{seen:#?}"
    );
    let running = seen
        .iter()
        .find(|r| r.body["to"] == "Running")
        .expect("seen above");
    assert_eq!(
        running.body["instance"],
        json!({ "namespace": ns.name, "name": "shop" })
    );
    assert_eq!(running.body["phase"], "Running");
    assert!(time(running).is_some(), "{running:?}");
    assert_eq!(running.body["id"], running.id.as_str());
    let init = seen
        .iter()
        .find(|r| r.event == "job-finished")
        .expect("the init job's result");
    assert_eq!(
        init.body["job"],
        json!({ "kind": "OdooInitJob", "name": "shop-init", "phase": "Succeeded",
                "message": init.body["job"]["message"] })
    );
    // Every delivery has an id of its own; a receiver that answered 200 is not
    // sent the same one again.
    let mut ids: Vec<&str> = seen.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "{seen:#?}");

    // A spec that cannot work goes to Error through the transition table like any
    // other change: the receiver hears of it and the transition is counted.
    let lost: OdooInstance = serde_json::from_value(json!({
        "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooInstance",
        "metadata": { "name": "lost" },
        "spec": { "replicas": 1, "database": { "cluster": "nowhere" },
                  "webhook": { "url": receiver.url, "secretRef": { "name": "hook", "key": "key" } } },
    }))?;
    api.create(&PostParams::default(), &lost).await?;
    wait_for_phase(&api, "lost", InstancePhase::Error, &op).await;
    let seen = wait_for(
        &receiver,
        Duration::from_secs(20),
        "lost going to Error",
        |s| {
            s.iter().any(|r| {
                r.body["instance"]["name"] == "lost"
                    && r.body["from"] == "Provisioning"
                    && r.body["to"] == "Error"
            })
        },
    )
    .await;
    assert!(seen.iter().all(|r| r.signature_valid), "{seen:#?}");
    let counted =
        op.metric("odoo_operator_phase_transitions_total{from=\"Provisioning\",to=\"Error\"}");
    assert!(
        counted >= 1.0,
        "the transition to Error is not counted: {counted}"
    );
    ns.delete().await;
    Ok(())
}

#[tokio::test]
async fn failing_receivers_get_retries_and_never_delay_the_instance() -> anyhow::Result<()> {
    let cp = simulated_cluster();
    let pg = shared_postgres();
    let ns = TestNamespace::new(cp, "callbacks-down").await?;
    let op_ns = operator_namespace(&ns, pg).await?;
    let op = OperatorProcess::start(cp, &op_ns, &["--watch-namespace", &ns.name])?;
    create_key_secret(&ns).await?;
    let api: Api<OdooInstance> = ns.api();

    // The baseline: no webhook at all.
    let start = Instant::now();
    create_instance(&api, "plain", None).await;
    wait_for_phase(&api, "plain", InstancePhase::Running, &op).await;
    let plain = start.elapsed();

    // A port nothing listens on: every attempt is refused.
    let dead = format!("http://127.0.0.1:{}/hook", free_port());
    let start = Instant::now();
    create_instance(&api, "dead", Some(&dead)).await;
    wait_for_phase(&api, "dead", InstancePhase::Running, &op).await;
    let to_dead = start.elapsed();

    // A receiver whose first 3 answers are 500.
    let flaky = Receiver::start(3).await?;
    let start = Instant::now();
    create_instance(&api, "flaky", Some(&flaky.url)).await;
    wait_for_phase(&api, "flaky", InstancePhase::Running, &op).await;
    let to_flaky = start.elapsed();
    println!(
        "time to Running: no webhook {plain:.1?}, receiver down {to_dead:.1?}, receiver failing 3 times {to_flaky:.1?}"
    );
    // The usual wait (wait_for_phase's 90 s) was met; and a dead receiver costs the
    // instance no more than scheduling noise, not its ~31 s of retries per callback.
    assert!(
        to_dead < plain + Duration::from_secs(15) && to_flaky < plain + Duration::from_secs(15),
        "callbacks delayed the instance: {plain:?} vs {to_dead:?} / {to_flaky:?}"
    );

    // The failed deliveries came again with the same id, and all got through.
    let all_delivered = |s: &[Received]| {
        let delivered = |id: &str| s.iter().any(|r| r.id == id && r.answered == 200);
        // Initializing, Starting, Running (and Provisioning when the database was not
        // ready in the operator's first pass) and the init job's result, each once.
        let ok: Vec<&Received> = s.iter().filter(|r| r.answered == 200).collect();
        let mut ids: Vec<&str> = ok.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        s.iter().all(|r| delivered(&r.id)) && ids.len() == ok.len() && (4..=5).contains(&ok.len())
    };
    let seen = wait_for(
        &flaky,
        Duration::from_secs(60),
        "every delivery answered 200",
        all_delivered,
    )
    .await;
    let mut answers: HashMap<&str, Vec<u16>> = HashMap::new();
    for r in &seen {
        answers.entry(&r.id).or_default().push(r.answered);
    }
    assert!(
        answers.values().any(|a| a.len() > 1 && a.contains(&500)),
        "no delivery was retried: {answers:?}"
    );
    assert!(
        answers.values().all(|a| a.last() == Some(&200)),
        "{answers:?}"
    );
    assert!(seen.iter().all(|r| r.signature_valid));

    // The dead receiver's deliveries give up after their attempts (~31 s) with a
    // Warning on the instance.
    let start = Instant::now();
    let failed = loop {
        let events = ns.api::<Event>().list(&Default::default()).await?.items;
        let failed: Vec<String> = events
            .into_iter()
            .filter(|e| e.reason.as_deref() == Some("CallbackFailed"))
            .filter(|e| e.involved_object.name.as_deref() == Some("dead"))
            .filter_map(|e| e.message)
            .collect();
        if !failed.is_empty() {
            break failed;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no CallbackFailed event:\n{}",
            op.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(failed[0].contains(&dead), "{failed:?}");
    assert!(failed[0].contains("failed 6 times"), "{failed:?}");
    ns.delete().await;
    Ok(())
}
