//! End-to-end tests of the scheduler: Nodes are created through kube-rs (no kubelets run yet),
//! pods through the real kubectl from `fixtures/manifests/scheduling/`, and the outcomes are
//! read back as kubectl and kube-rs see them: `spec.nodeName`, the `PodScheduled` condition,
//! `status.nominatedNodeName` and the scheduler's Events, worded as kube-scheduler 1.33 words them.
//!
//! Nothing runs pods yet, so bound pods stay in phase Pending; only scheduling is asserted.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{TestCluster, json};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::{Api, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::Value;

const WAIT: &str = "--timeout=60s";

fn manifest(name: &str) -> String {
    format!(
        "{}/fixtures/manifests/scheduling/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A Ready node with the given CPU count, 8Gi of memory, room for 110 pods, labels and taints.
fn node(name: &str, cpu: &str, labels: &[(&str, &str)], taints: Value) -> Node {
    let mut all: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.insert("kubernetes.io/hostname".into(), name.into());
    let resources = serde_json::json!({"cpu": cpu, "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"});
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": all},
        "spec": {"taints": taints},
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
        },
    }))
    .expect("a valid Node")
}

async fn add_nodes(client: &kube::Client, nodes: Vec<Node>) {
    let api: Api<Node> = Api::all(client.clone());
    for n in nodes {
        api.create(&PostParams::default(), &n)
            .await
            .expect("node created");
    }
}

async fn three_nodes(c: &TestCluster) -> kube::Client {
    let client = c.kube_client().await;
    add_nodes(
        &client,
        (1..=3)
            .map(|i| node(&format!("node-{i}"), "4", &[], Value::Null))
            .collect(),
    )
    .await;
    client
}

async fn get_pod(c: &TestCluster, name: &str) -> Value {
    json(
        &c.kubectl_ok(None, &["get", "pod", name, "-o", "json"])
            .await,
    )
}

fn condition<'a>(pod: &'a Value, type_: &str) -> &'a Value {
    pod["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_))
        .unwrap_or(&Value::Null)
}

/// Waits (with kubectl's watch) until the pod is bound, and returns its node.
async fn wait_scheduled(c: &TestCluster, pod: &str) -> String {
    c.kubectl_ok(
        None,
        &[
            "wait",
            "--for=condition=PodScheduled",
            &format!("pod/{pod}"),
            WAIT,
        ],
    )
    .await;
    let p = get_pod(c, pod).await;
    let node = p["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!node.is_empty(), "{p}");
    node
}

/// Waits (with kubectl's watch) until the scheduler reported the pod unschedulable.
async fn wait_unschedulable(c: &TestCluster, pod: &str) -> Value {
    c.kubectl_ok(
        None,
        &[
            "wait",
            "--for=jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}=Unschedulable",
            &format!("pod/{pod}"),
            WAIT,
        ],
    )
    .await;
    get_pod(c, pod).await
}

/// Waits (with a kube-rs watch) for an Event with `reason` about `pod` and returns it.
async fn wait_event(client: &kube::Client, pod: &str, reason: &str) -> Event {
    wait_event_where(client, pod, reason, |_| true).await
}

/// Same, for an Event that also satisfies `pred`.
async fn wait_event_where(
    client: &kube::Client,
    pod: &str,
    reason: &str,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let api: Api<Event> = Api::namespaced(client.clone(), "default");
    let cfg = watcher::Config::default().fields(&format!("involvedObject.name={pod}"));
    let mut stream = Box::pin(
        watcher::watcher(api, cfg)
            .applied_objects()
            .try_filter(|e| futures::future::ready(e.reason.as_deref() == Some(reason) && pred(e))),
    );
    let found = tokio::time::timeout(Duration::from_secs(60), stream.next()).await;
    match found {
        Ok(Some(Ok(e))) => e,
        other => panic!("no {reason} event for {pod}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fitting_pod_is_bound_and_a_big_one_waits_for_a_bigger_node() {
    // These tests bring their own Nodes: no simulated node pool.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = three_nodes(&c).await;

    c.kubectl_ok(None, &["create", "-f", &manifest("small.yaml")])
        .await;
    let node = wait_scheduled(&c, "small").await;
    assert!(["node-1", "node-2", "node-3"].contains(&node.as_str()));
    let scheduled = wait_event(&client, "small", "Scheduled").await;
    assert_eq!(
        scheduled.message.as_deref(),
        Some(format!("Successfully assigned default/small to {node}").as_str())
    );
    assert_eq!(scheduled.type_.as_deref(), Some("Normal"));

    c.kubectl_ok(None, &["create", "-f", &manifest("big.yaml")])
        .await;
    let big = wait_unschedulable(&c, "big").await;
    let expected = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    let cond = condition(&big, "PodScheduled");
    assert_eq!(cond["status"], "False", "{big}");
    assert_eq!(cond["message"], expected, "{big}");
    assert_eq!(big["status"]["phase"], "Pending");
    assert!(big["spec"]["nodeName"].is_null(), "{big}");

    let failed = wait_event(&client, "big", "FailedScheduling").await;
    assert_eq!(failed.message.as_deref(), Some(expected));
    assert_eq!(failed.type_.as_deref(), Some("Warning"));
    assert_eq!(
        failed.source.as_ref().and_then(|s| s.component.as_deref()),
        Some("default-scheduler")
    );
    assert_eq!(
        failed.reporting_component.as_deref(),
        Some("default-scheduler")
    );
    // kubectl sees the same event.
    let events = json(
        &c.kubectl_ok(
            None,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=big,reason=FailedScheduling",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(events["items"][0]["message"], expected, "{events}");

    // A node update makes the scheduler retry; the identical failure bumps the same Event.
    c.kubectl_ok(None, &["label", "node", "node-1", "tier=web"])
        .await;
    let repeated = wait_event_where(&client, "big", "FailedScheduling", |e| {
        e.count.unwrap_or(0) >= 2
    })
    .await;
    assert_eq!(repeated.metadata.name, failed.metadata.name);
    assert!(repeated.last_timestamp >= failed.last_timestamp);
    let events = json(
        &c.kubectl_ok(
            None,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=big,reason=FailedScheduling",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(
        events["items"].as_array().map(Vec::len),
        Some(1),
        "{events}"
    );

    add_nodes(&client, vec![node_named_big()]).await;
    assert_eq!(wait_scheduled(&c, "big").await, "node-big");
    c.handle.shutdown().await;
}

fn node_named_big() -> Node {
    node("node-big", "16", &[], Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_selectors_and_taints_steer_pods() {
    // These tests bring their own Nodes: no simulated node pool.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = c.kube_client().await;
    add_nodes(
        &client,
        vec![
            node("node-a", "4", &[("disk", "ssd")], Value::Null),
            node(
                "node-b",
                "4",
                &[("gpu", "true")],
                serde_json::json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
            ),
            node("node-c", "4", &[], Value::Null),
        ],
    )
    .await;
    c.kubectl_ok(None, &["create", "-f", &manifest("selectors.yaml")])
        .await;
    assert_eq!(wait_scheduled(&c, "wants-ssd").await, "node-a");
    assert_eq!(wait_scheduled(&c, "wants-gpu").await, "node-b");
    let untolerating = wait_unschedulable(&c, "wants-gpu-untolerating").await;
    assert_eq!(
        condition(&untolerating, "PodScheduled")["message"],
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );

    // Pods without the toleration never land on the tainted node.
    for i in 0..6 {
        c.kubectl_ok(None, &["run", &format!("plain-{i}"), "--image=nginx"])
            .await;
    }
    for i in 0..6 {
        assert_ne!(wait_scheduled(&c, &format!("plain-{i}")).await, "node-b");
    }
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_anti_affinity_places_one_replica_per_node() {
    // These tests bring their own Nodes: no simulated node pool.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = three_nodes(&c).await;
    c.kubectl_ok(None, &["create", "-f", &manifest("anti-affinity.yaml")])
        .await;
    // Pods of equal priority are scheduled first in, first out.
    let mut nodes = Vec::new();
    for i in 1..=3 {
        nodes.push(wait_scheduled(&c, &format!("web-{i}")).await);
    }
    nodes.sort();
    assert_eq!(nodes, vec!["node-1", "node-2", "node-3"]);
    let fourth = wait_unschedulable(&c, "web-4").await;
    let expected = "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    assert_eq!(condition(&fourth, "PodScheduled")["message"], expected);
    let event = wait_event(&client, "web-4", "FailedScheduling").await;
    assert_eq!(event.message.as_deref(), Some(expected));

    // Deleting a replica frees its node for the fourth.
    c.kubectl_ok(
        None,
        &["delete", "pod", "web-2", "--grace-period=0", "--force"],
    )
    .await;
    let freed = nodes_of(&c).await;
    let node = wait_scheduled(&c, "web-4").await;
    assert!(
        !freed.contains(&node),
        "{node} already runs a replica: {freed:?}"
    );
    c.handle.shutdown().await;
}

/// The nodes of the bound pods named `web-*` (other than `web-4`).
async fn nodes_of(c: &TestCluster) -> Vec<String> {
    let pods = json(
        &c.kubectl_ok(None, &["get", "pods", "-l", "app=web", "-o", "json"])
            .await,
    );
    pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["metadata"]["name"] != "web-4")
        .filter_map(|p| p["spec"]["nodeName"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topology_spread_puts_two_pods_in_each_of_three_zones() {
    // These tests bring their own Nodes: no simulated node pool.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = c.kube_client().await;
    add_nodes(
        &client,
        ["a", "b", "c"]
            .iter()
            .map(|z| {
                node(
                    &format!("node-{z}"),
                    "4",
                    &[("topology.kubernetes.io/zone", &format!("zone-{z}"))],
                    Value::Null,
                )
            })
            .collect(),
    )
    .await;
    c.kubectl_ok(None, &["create", "-f", &manifest("spread.yaml")])
        .await;
    let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
    for i in 1..=6 {
        *per_node
            .entry(wait_scheduled(&c, &format!("spread-{i}")).await)
            .or_default() += 1;
    }
    assert_eq!(
        per_node,
        [("node-a", 2), ("node-b", 2), ("node-c", 2)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_priority_pod_preempts_a_low_priority_one() {
    // These tests bring their own Nodes: no simulated node pool.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = three_nodes(&c).await;
    c.kubectl_ok(None, &["create", "-f", &manifest("priority.yaml")])
        .await;
    let mut low_nodes = BTreeMap::new();
    for i in 1..=3 {
        let name = format!("low-{i}");
        low_nodes.insert(wait_scheduled(&c, &name).await, name);
    }
    assert_eq!(low_nodes.len(), 3, "one low-priority pod per node");

    c.kubectl_ok(None, &["create", "-f", &manifest("high.yaml")])
        .await;
    c.kubectl_ok(
        None,
        &[
            "wait",
            "--for=jsonpath={.status.nominatedNodeName}",
            "pod/high",
            WAIT,
        ],
    )
    .await;
    let high = get_pod(&c, "high").await;
    let nominated = high["status"]["nominatedNodeName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let victim = low_nodes
        .get(&nominated)
        .expect("nominated node has a victim")
        .clone();
    // Preemption succeeded, so the failure message carries no preemption part.
    let failed = wait_event(&client, "high", "FailedScheduling").await;
    assert_eq!(
        failed.message.as_deref(),
        Some("0/3 nodes are available: 3 Insufficient cpu.")
    );

    // The victim is marked and deleted gracefully; with no kubelet it stays terminating.
    let preempted = wait_event(&client, &victim, "Preempted").await;
    let high_uid = high["metadata"]["uid"].as_str().unwrap_or_default();
    assert_eq!(
        preempted.message.as_deref(),
        Some(format!("Preempted by pod {high_uid} on node {nominated}").as_str())
    );
    let v = get_pod(&c, &victim).await;
    assert!(v["metadata"]["deletionTimestamp"].is_string(), "{v}");
    let target = condition(&v, "DisruptionTarget");
    assert_eq!(target["status"], "True");
    assert_eq!(target["reason"], "PreemptionByScheduler");

    // Play the kubelet: finish the victim's termination. The preemptor then takes its place.
    c.kubectl_ok(
        None,
        &["delete", "pod", &victim, "--grace-period=0", "--force"],
    )
    .await;
    assert_eq!(wait_scheduled(&c, "high").await, nominated);
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    for other in low_nodes.values().filter(|n| **n != victim) {
        let p = pods.get(other).await.expect("other low pods remain");
        assert!(
            p.metadata.deletion_timestamp.is_none(),
            "{other} was not a victim"
        );
    }
    c.handle.shutdown().await;
}

/// Pods per second through the real API in-process: creates `pods` pods against `nodes` nodes
/// and waits until every one is bound. Run with
/// `cargo test --release --test scheduler -- --ignored --nocapture`.
async fn throughput(nodes: usize, pods: usize) {
    // These tests bring their own Nodes: no simulated node pool.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = c.handle.client();
    let node_api: Api<Node> = Api::all(client.clone());
    futures::stream::iter(0..nodes)
        .map(|i| {
            let api = node_api.clone();
            async move {
                let n = node(&format!("node-{i:04}"), "32", &[], Value::Null);
                api.create(&PostParams::default(), &n).await
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .expect("nodes created");

    let pod_api: Api<Pod> = Api::namespaced(client.clone(), "default");
    let bound = tokio::spawn({
        let api = pod_api.clone();
        async move {
            let mut seen = std::collections::HashSet::new();
            let mut stream =
                Box::pin(watcher::watcher(api, watcher::Config::default()).applied_objects());
            while let Some(Ok(p)) = stream.next().await {
                if p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some() {
                    seen.insert(p.metadata.name.unwrap_or_default());
                    if seen.len() == pods {
                        return tokio::time::Instant::now();
                    }
                }
            }
            panic!("the pod watch ended");
        }
    });
    let start = tokio::time::Instant::now();
    futures::stream::iter(0..pods)
        .map(|i| {
            let api = pod_api.clone();
            async move {
                let p: Pod = serde_json::from_value(serde_json::json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("pod-{i:05}")},
                    "spec": {"containers": [{"name": "app", "image": "nginx",
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
                }))
                .expect("a valid Pod");
                api.create(&PostParams::default(), &p).await
            }
        })
        .buffer_unordered(64)
        .try_collect::<Vec<_>>()
        .await
        .expect("pods created");
    let created = start.elapsed();
    let done = tokio::time::timeout(Duration::from_secs(600), bound)
        .await
        .expect("all pods bound in time")
        .expect("watch task");
    let total = done - start;
    println!(
        "scheduler throughput: {pods} pods on {nodes} nodes: all bound in {:.2} s = {:.0} pods/s (creating them took {:.2} s = {:.0} pods/s)",
        total.as_secs_f64(),
        pods as f64 / total.as_secs_f64(),
        created.as_secs_f64(),
        pods as f64 / created.as_secs_f64(),
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with --release --ignored --nocapture"]
async fn throughput_1000_pods_on_100_nodes() {
    throughput(100, 1_000).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with --release --ignored --nocapture"]
async fn throughput_10000_pods_on_1000_nodes() {
    throughput(1_000, 10_000).await;
}
