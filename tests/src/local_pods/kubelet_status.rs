//! What the harness plays of a kubelet for the real Odoo's pods, which kwok leaves
//! alone: it starts them (status Running, an address of their own on loopback),
//! keeps a web or cron pod's Odoo running as long as the pod lives (restarted when
//! it exits, as `restartPolicy: Always` does), and sets the pod Ready from its own
//! readiness probe, run against that process. A Job pod, once Running, is run to
//! its end by [`super::odoo::run`].

use std::net::Ipv4Addr;
use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::ResourceExt;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Kubelet;

/// How often a serving pod is looked at and probed.
const PERIOD: Duration = Duration::from_secs(2);

/// A real Odoo pod the scheduler placed that nobody started yet.
pub(super) fn to_start(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    super::odoo::runs_real(pod)
        && matches!(phase, None | Some("Pending"))
        && pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_some()
        && pod.metadata.deletion_timestamp.is_none()
}

/// Marks the pod Running at an address of its own; a pod that serves (not a
/// Job's) gets its Odoo started and kept, in a task the caller owns.
pub(super) async fn start(
    kubelet: &Kubelet,
    pod: &Pod,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let ip = address(pod)?;
    write_status(kubelet, pod, ip, false, 0).await?;
    if pod.owner_references().iter().any(|o| o.kind == "Job") {
        return Ok(None);
    }
    let (kubelet, pod) = (kubelet.clone(), pod.clone());
    Ok(Some(tokio::spawn(async move {
        if let Err(e) = serve(&kubelet, &pod, ip).await {
            let dir = kubelet.pod_dir(&pod.name_any());
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join("harness.log"), format!("{e:#}"));
        }
    })))
}

/// A loopback address for the pod, from its UID (another test's pods, in another
/// process, get others), free on the ports it declares.
fn address(pod: &Pod) -> anyhow::Result<Ipv4Addr> {
    let uid = pod.uid().unwrap_or_else(|| pod.name_any());
    let ports = container_ports(pod);
    for attempt in 0u32..64 {
        let hash = Sha256::digest(format!("{uid}/{attempt}").as_bytes());
        let ip = Ipv4Addr::new(127, 64 + hash[0] % 64, hash[1], 1 + hash[2] % 254);
        let free = ports
            .iter()
            .all(|port| std::net::TcpListener::bind((ip, *port)).is_ok());
        if free {
            return Ok(ip);
        }
    }
    anyhow::bail!("no free loopback address for pod {}", pod.name_any())
}

fn container_ports(pod: &Pod) -> Vec<u16> {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| u16::try_from(p.container_port).ok())
        .collect()
}

/// Runs the pod's Odoo while the pod lives: bound to the pod's address, its
/// readiness probed every [`PERIOD`], restarted when it exits.
async fn serve(kubelet: &Kubelet, pod: &Pod, ip: Ipv4Addr) -> anyhow::Result<()> {
    let name = pod.name_any();
    std::fs::create_dir_all(kubelet.pod_dir(&name))?;
    let log = kubelet.pod_dir(&name).join("odoo.log");
    let serves_http = !pod
        .spec
        .iter()
        .flat_map(|s| s.containers.first())
        .flat_map(|c| c.args.iter().flatten())
        .any(|a| a == "--no-http");
    let extra = if serves_http {
        vec![format!("--http-interface={ip}")]
    } else {
        vec![]
    };
    let mut restarts = 0;
    loop {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let mut child = super::odoo::command(kubelet, pod, &extra)
            .await?
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting odoo-bin")?;
        let mut ready = false;
        loop {
            tokio::select! {
                _ = child.wait() => break,
                () = tokio::time::sleep(PERIOD) => {}
            }
            match kubelet.pods.get_opt(&name).await {
                Ok(Some(p)) if p.metadata.deletion_timestamp.is_none() => {}
                // Gone or going: the process goes with it (dropping it kills it).
                Ok(_) => return Ok(()),
                Err(_) => continue,
            }
            let now = probe(pod, ip).await;
            if now != ready {
                ready = now;
                write_status(kubelet, pod, ip, ready, restarts).await?;
            }
        }
        restarts += 1;
        write_status(kubelet, pod, ip, false, restarts).await?;
        tokio::time::sleep(PERIOD).await;
    }
}

/// The container's readiness probe (an HTTP GET), against the process; a
/// container without one is ready once it runs.
async fn probe(pod: &Pod, ip: Ipv4Addr) -> bool {
    let Some(container) = pod.spec.as_ref().and_then(|s| s.containers.first()) else {
        return false;
    };
    let Some(get) = container
        .readiness_probe
        .as_ref()
        .and_then(|p| p.http_get.as_ref())
    else {
        return true;
    };
    let port = match &get.port {
        IntOrString::Int(n) => Some(*n),
        IntOrString::String(named) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(named.as_str()))
            .map(|p| p.container_port),
    };
    let Some(port) = port else {
        return false;
    };
    let url = format!("http://{ip}:{port}{}", get.path.as_deref().unwrap_or("/"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build();
    match client {
        Ok(c) => c
            .get(url)
            .send()
            .await
            .is_ok_and(|r| (200..400).contains(&r.status().as_u16())),
        Err(_) => false,
    }
}

/// The status a kubelet reports for a running container at `ip`.
async fn write_status(
    kubelet: &Kubelet,
    pod: &Pod,
    ip: Ipv4Addr,
    ready: bool,
    restarts: i32,
) -> anyhow::Result<()> {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let flag = if ready { "True" } else { "False" };
    let containers: Vec<serde_json::Value> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| {
            json!({
                "name": c.name, "image": c.image, "imageID": "", "ready": ready,
                "started": true, "restartCount": restarts,
                "state": { "running": { "startedAt": now } },
            })
        })
        .collect();
    let status = json!({ "status": {
        "phase": "Running",
        "hostIP": "127.0.0.1",
        "podIP": ip.to_string(),
        "podIPs": [{ "ip": ip.to_string() }],
        "startTime": pod.status.as_ref().and_then(|s| s.start_time.clone()).map_or(now.clone(), |t| t.0.to_string()),
        "conditions": [
            { "type": "PodScheduled", "status": "True", "lastTransitionTime": now },
            { "type": "Initialized", "status": "True", "lastTransitionTime": now },
            { "type": "ContainersReady", "status": flag, "lastTransitionTime": now },
            { "type": "Ready", "status": flag, "lastTransitionTime": now },
        ],
        "containerStatuses": containers,
    }});
    kubelet
        .pods
        .patch_status(
            &pod.name_any(),
            &PatchParams::default(),
            &Patch::Merge(status),
        )
        .await
        .with_context(|| format!("writing the status of pod {}", pod.name_any()))?;
    Ok(())
}
