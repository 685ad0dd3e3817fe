//! End to end: simulated nodes and kubelets seen through the real kubectl and kube-rs —
//! registration, pods bound with `spec.nodeName` running, logs (also followed), image pull and
//! crash-loop back-off, graceful deletion, and a golden event sequence.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{TestCluster, json};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::wait::await_condition;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The name of the first node (sorted by name).
async fn first_node(c: &TestCluster) -> String {
    let out = c.kubectl_ok(None, &["get", "nodes", "-o", "json"]).await;
    let nodes = json(&out);
    let mut names: Vec<String> = nodes["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["metadata"]["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names.remove(0)
}

/// Creates a one-container pod bound to `node` with `kubectl apply`.
async fn run_pod(
    c: &TestCluster,
    name: &str,
    node: &str,
    container: serde_json::Value,
    restart: &str,
) {
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": node, "restartPolicy": restart, "containers": [container]},
    });
    c.kubectl_stdin(None, &["apply", "-f", "-"], Some(&manifest.to_string()))
        .await;
}

async fn pod_json(c: &TestCluster, name: &str) -> serde_json::Value {
    json(
        &c.kubectl_ok(None, &["get", "pod", name, "-o", "json"])
            .await,
    )
}

/// Waits (a watch, through kube-rs) until the pod satisfies `cond`.
async fn wait_pod(c: &TestCluster, name: &str, what: &str, cond: impl Fn(&Pod) -> bool) {
    let api: Api<Pod> = Api::namespaced(c.kube_client().await, "default");
    let done = await_condition(api, name, move |p: Option<&Pod>| p.is_some_and(&cond));
    tokio::time::timeout(Duration::from_secs(30), done)
        .await
        .unwrap_or_else(|_| panic!("pod {name} did not get {what} within 30 s"))
        .expect("watch works");
}

fn container_state(p: &Pod) -> Option<&k8s_openapi::api::core::v1::ContainerStatus> {
    p.status.as_ref()?.container_statuses.as_ref()?.first()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_register_ready_with_their_flavor() {
    let c = TestCluster::start().await;
    // Cluster::start returns once /readyz is 200, which waits for the nodes: no wait here.
    let nodes = json(&c.kubectl_ok(None, &["get", "nodes", "-o", "json"]).await);
    let items = nodes["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "{nodes}");
    let mut ips = Vec::new();
    for n in items {
        let ready = n["status"]["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .find(|c| c["type"] == "Ready")
            .expect("Ready condition");
        assert_eq!(ready["status"], "True");
        assert_eq!(ready["reason"], "KubeletReady");
        assert_eq!(
            n["status"]["nodeInfo"]["kubeletVersion"],
            kubesim_api::KUBERNETES_VERSION
        );
        assert_eq!(
            n["metadata"]["labels"]["node.kubernetes.io/instance-type"],
            "b3-16"
        );
        assert_eq!(n["metadata"]["labels"]["nodepool"], "default");
        assert_eq!(n["status"]["capacity"]["cpu"], "4");
        assert_eq!(n["status"]["allocatable"]["cpu"], "3830m");
        assert_eq!(n["status"]["capacity"]["pods"], "110");
        ips.push(
            n["status"]["addresses"][0]["address"]
                .as_str()
                .expect("ip")
                .to_string(),
        );
    }
    ips.sort();
    assert_eq!(ips, vec!["10.0.0.10", "10.0.0.11", "10.0.0.12"]);

    let wide = c.kubectl_ok(None, &["get", "nodes", "-o", "wide"]).await;
    let mut lines = wide.lines();
    let header: Vec<&str> = lines.next().expect("header").split_whitespace().collect();
    assert_eq!(
        header,
        vec![
            "NAME",
            "STATUS",
            "ROLES",
            "AGE",
            "VERSION",
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME"
        ]
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3, "{wide}");
    for row in rows {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[1], "Ready", "{row}");
        assert_eq!(cells[4], kubesim_api::KUBERNETES_VERSION, "{row}");
        assert!(cells[5].starts_with("10.0.0."), "{row}");
        assert!(
            row.contains("Ubuntu 22.04.5 LTS") && row.contains("containerd://"),
            "{row}"
        );
    }

    let node = first_node(&c).await;
    let lease = json(
        &c.kubectl_ok(
            None,
            &["get", "lease", "-n", "kube-node-lease", &node, "-o", "json"],
        )
        .await,
    );
    assert_eq!(lease["spec"]["holderIdentity"], node.as_str());
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 40);

    let describe = c.kubectl_ok(None, &["describe", "node", &node]).await;
    for want in [
        "Capacity:",
        "Allocatable:",
        "Conditions:",
        "KubeletReady",
        "kubelet is posting ready status",
        "MemoryPressure",
        "KubeletHasSufficientMemory",
        "nodepool=default",
        "InternalIP:",
        "PodCIDR:",
        "10.2.",
        &format!("HolderIdentity:  {node}"),
        "Kubelet Version:",
        "Starting kubelet.",
    ] {
        assert!(
            describe.contains(want),
            "describe node lacks {want:?}:\n{describe}"
        );
    }
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bound_pod_runs_and_logs_like_nginx() {
    let c = TestCluster::start().await;
    let node = first_node(&c).await;
    run_pod(
        &c,
        "web",
        &node,
        serde_json::json!({"name": "nginx", "image": "nginx"}),
        "Always",
    )
    .await;
    c.kubectl_ok(
        None,
        &["wait", "--for=condition=Ready", "pod/web", "--timeout=30s"],
    )
    .await;
    let pod = pod_json(&c, "web").await;
    assert_eq!(pod["status"]["phase"], "Running");
    assert!(
        pod["status"]["podIP"]
            .as_str()
            .expect("podIP")
            .starts_with("10.2.")
    );
    assert!(
        pod["status"]["hostIP"]
            .as_str()
            .expect("hostIP")
            .starts_with("10.0.0.")
    );
    let cs = &pod["status"]["containerStatuses"][0];
    assert_eq!(cs["ready"], true);
    assert_eq!(cs["image"], "docker.io/library/nginx:latest");
    assert!(
        cs["containerID"]
            .as_str()
            .expect("id")
            .starts_with("containerd://")
    );

    let logs = c.kubectl_ok(None, &["logs", "web"]).await;
    assert!(
        logs.contains("Configuration complete; ready for start up")
            && logs.contains("start worker processes"),
        "{logs}"
    );
    let tail = c
        .kubectl_ok(None, &["logs", "web", "--tail=1", "--timestamps"])
        .await;
    assert_eq!(tail.lines().count(), 1, "{tail}");
    assert!(tail.starts_with("20") && tail.contains("Z "), "{tail}");
    let err = c.kubectl_err(None, &["logs", "web", "--previous"]).await;
    assert!(
        err.contains("previous terminated container \"nginx\" in pod \"web\" not found"),
        "{err}"
    );

    let describe = c.kubectl_ok(None, &["describe", "pod", "web"]).await;
    for want in [
        "Status:           Running",
        "Started container nginx",
        "containerd://",
    ] {
        assert!(
            describe.contains(want),
            "describe pod lacks {want:?}:\n{describe}"
        );
    }
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_streams_lines_as_they_are_printed() {
    let c = TestCluster::start().await;
    let node = first_node(&c).await;
    run_pod(
        &c,
        "talker",
        &node,
        serde_json::json!({"name": "sh", "image": "busybox", "command": ["sh", "-c", "echo a; sleep 2; echo b"]}),
        "Never",
    )
    .await;
    wait_pod(&c, "talker", "a running container", |p| {
        container_state(p).is_some_and(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()))
    })
    .await;
    let mut cmd = c.kubectl_command(None, &["logs", "-f", "talker"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("kubectl runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a line in time")
        .expect("reads");
    assert_eq!(first.as_deref(), Some("a"));
    // "a" arrived while the container still runs: the stream is live, not a final dump.
    let pod = pod_json(&c, "talker").await;
    assert!(
        pod["status"]["containerStatuses"][0]["state"]["running"].is_object(),
        "{pod}"
    );
    let second = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a second line in time")
        .expect("reads");
    assert_eq!(second.as_deref(), Some("b"));
    // The stream ends when the container exits.
    let end = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the stream ends")
        .expect("reads");
    assert_eq!(end, None);
    let status = child.wait().await.expect("kubectl exits");
    assert!(status.success());
    wait_pod(&c, "talker", "phase Succeeded", |p| {
        p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded")
    })
    .await;
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typo_in_the_image_ends_in_image_pull_backoff() {
    let c = TestCluster::start().await;
    let node = first_node(&c).await;
    run_pod(
        &c,
        "typo",
        &node,
        serde_json::json!({"name": "web", "image": "ngnix"}),
        "Always",
    )
    .await;
    c.kubectl_ok(
        None,
        &[
            "wait",
            "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ImagePullBackOff",
            "pod/typo",
            "--timeout=30s",
        ],
    )
    .await;
    let pod = pod_json(&c, "typo").await;
    assert_eq!(pod["status"]["phase"], "Pending");
    assert_eq!(
        pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"],
        "Back-off pulling image \"ngnix\""
    );
    let err = c.kubectl_err(None, &["logs", "typo"]).await;
    assert!(
        err.contains("container \"web\" in pod \"typo\" is waiting to start: trying and failing to pull image"),
        "{err}"
    );
    let events = c
        .kubectl_ok(
            None,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=typo",
                "-o",
                "json",
            ],
        )
        .await;
    assert!(
        events.contains("pull access denied, repository does not exist"),
        "{events}"
    );
    assert!(events.contains("Error: ImagePullBackOff"), "{events}");
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_container_crash_loops_with_back_off() {
    // Back-off is Kubernetes' curve (10 s, 20 s, 40 s…); at 100× it takes 0.1 s, 0.2 s….
    let c = TestCluster::start_with(|cfg| cfg.time_scale = 100.0).await;
    let node = first_node(&c).await;
    run_pod(
        &c,
        "crasher",
        &node,
        serde_json::json!({"name": "app", "image": "busybox", "command": ["sh", "-c", "echo failing; exit 3"]}),
        "Always",
    )
    .await;
    wait_pod(&c, "crasher", "CrashLoopBackOff with two restarts", |p| {
        container_state(p).is_some_and(|s| {
            s.restart_count >= 2
                && s.state
                    .as_ref()
                    .and_then(|st| st.waiting.as_ref())
                    .is_some_and(|w| w.reason.as_deref() == Some("CrashLoopBackOff"))
        })
    })
    .await;
    let pod = pod_json(&c, "crasher").await;
    let cs = &pod["status"]["containerStatuses"][0];
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 3);
    assert_eq!(cs["lastState"]["terminated"]["reason"], "Error");
    let msg = cs["state"]["waiting"]["message"].as_str().expect("message");
    assert!(
        msg.starts_with("back-off ")
            && msg.contains("restarting failed container=app pod=crasher_default("),
        "{msg}"
    );
    assert_eq!(pod["status"]["phase"], "Running");
    let previous = c.kubectl_ok(None, &["logs", "crasher", "--previous"]).await;
    assert_eq!(previous, "failing\n");
    let events = c
        .kubectl_ok(
            None,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=crasher,reason=BackOff",
                "-o",
                "json",
            ],
        )
        .await;
    assert!(
        events.contains("Back-off restarting failed container app in pod crasher_default("),
        "{events}"
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_running_pod_completes() {
    let c = TestCluster::start().await;
    let node = first_node(&c).await;
    run_pod(
        &c,
        "goner",
        &node,
        serde_json::json!({"name": "web", "image": "nginx:1.27"}),
        "Always",
    )
    .await;
    c.kubectl_ok(
        None,
        &[
            "wait",
            "--for=condition=Ready",
            "pod/goner",
            "--timeout=30s",
        ],
    )
    .await;
    // kubectl waits for the pod to be gone: the kubelet stops it and deletes it (grace 0).
    let out = c
        .kubectl_ok(None, &["delete", "pod", "goner", "--timeout=30s"])
        .await;
    assert_eq!(out.trim(), "pod \"goner\" deleted");
    let err = c.kubectl_err(None, &["get", "pod", "goner"]).await;
    assert!(
        err.contains("NotFound") || err.contains("not found"),
        "{err}"
    );
    let events = c
        .kubectl_ok(
            None,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=goner,reason=Killing",
                "-o",
                "json",
            ],
        )
        .await;
    assert!(events.contains("Stopping container web"), "{events}");
    c.handle.shutdown().await;
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/golden/kubelet")
        .join(name)
}

/// Compares `actual` with a golden file; `UPDATE_GOLDEN=1` rewrites it.
fn check_golden(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        actual,
        want,
        "golden {} differs (UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pods_events_follow_the_kubelets_sequence() {
    let c = TestCluster::start().await;
    let node = first_node(&c).await;
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "seq", "namespace": "default"},
        "spec": {
            "nodeName": node,
            "initContainers": [{"name": "init", "image": "busybox:1.37", "command": ["sh", "-c", "echo ready"]}],
            "containers": [{"name": "web", "image": "nginx:1.27"}],
        },
    });
    c.kubectl_stdin(None, &["apply", "-f", "-"], Some(&manifest.to_string()))
        .await;
    c.kubectl_ok(
        None,
        &["wait", "--for=condition=Ready", "pod/seq", "--timeout=30s"],
    )
    .await;
    c.kubectl_ok(None, &["delete", "pod", "seq", "--timeout=30s"])
        .await;
    let events = json(
        &c.kubectl_ok(
            None,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=seq",
                "-o",
                "json",
            ],
        )
        .await,
    );
    let mut items: Vec<&serde_json::Value> =
        events["items"].as_array().expect("items").iter().collect();
    items.sort_by_key(|e| {
        e["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|rv| rv.parse::<u64>().ok())
            .unwrap_or(0)
    });
    let mut text = String::new();
    for e in items {
        assert_eq!(e["source"]["component"], "kubelet");
        assert_eq!(e["source"]["host"], node.as_str());
        assert_eq!(e["involvedObject"]["kind"], "Pod");
        text.push_str(&format!(
            "{} {} {} {}\n",
            e["type"].as_str().unwrap_or(""),
            e["reason"].as_str().unwrap_or(""),
            e["involvedObject"]["fieldPath"].as_str().unwrap_or("-"),
            e["message"].as_str().unwrap_or(""),
        ));
    }
    check_golden("pod-events.txt", &text);
    c.handle.shutdown().await;
}
