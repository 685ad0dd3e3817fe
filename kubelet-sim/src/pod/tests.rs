//! The pod state machine on a manual clock: no I/O, no sleeping.

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::Pod;
use kubesim_api::clock::{Clock, ManualTime, Profile};
use serde_json::{Value, json};

use super::*;
use crate::status::{log_view, pod_status};

struct Harness {
    stages: &'static Stages,
    delays: Delays,
    images: BTreeSet<String>,
    ips: IpPool,
    rt: PodRt,
    pod: PodView,
    now: SimInstant,
    wall0: SystemTime,
    events: Vec<String>,
    deleted: bool,
}

fn pod(spec: Value) -> Pod {
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "resourceVersion": "5"},
        "spec": spec,
    }))
    .expect("a pod")
}

fn one(image: &str, command: Option<Value>, restart: &str) -> Pod {
    let mut c = json!({"name": "c", "image": image});
    if let Some(cmd) = command {
        c["command"] = cmd;
    }
    pod(json!({"containers": [c], "restartPolicy": restart}))
}

impl Harness {
    fn new(p: Pod, profile: Profile) -> Harness {
        let stages = Stages::builtin();
        let clock = Clock::new(
            std::sync::Arc::new(ManualTime::new(SystemTime::UNIX_EPOCH)),
            1.0,
            profile,
        );
        let view = PodView::of(&p);
        Harness {
            stages,
            delays: stages.delays.under(&clock),
            images: BTreeSet::new(),
            ips: IpPool::new(Ipv4Addr::new(10, 2, 0, 0)),
            rt: PodRt::new(&view, stages),
            pod: view,
            now: SimInstant::default(),
            wall0: SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_725_600),
            events: Vec::new(),
            deleted: false,
        }
    }

    fn fast(p: Pod) -> Harness {
        Harness::new(p, Profile::Fast)
    }

    fn wall(&self) -> SystemTime {
        self.wall0 + self.now.0
    }

    fn advance(&mut self) -> Effects {
        let wall = self.wall();
        let mut env = Env {
            node: "n1",
            host_ip: "10.0.0.10",
            kernel: "5.15.0-136-generic",
            delays: &self.delays,
            stages: self.stages,
            catalog: Catalog::builtin(),
            images: &mut self.images,
            ips: &mut self.ips,
        };
        let fx = self.rt.advance(&self.pod, self.now, wall, &mut env);
        for e in &fx.events {
            self.events.push(format!(
                "{} {}: {}",
                e.text.kind, e.text.reason, e.text.message
            ));
        }
        self.deleted |= fx.delete;
        fx
    }

    /// Advances from wake-up to wake-up until `until` (simulated time since start).
    fn run_for(&mut self, until: Duration) {
        let end = SimInstant(until);
        loop {
            let fx = self.advance();
            match fx.wake {
                Some(w) if w <= end => self.now = w.max(self.now.plus(Duration::from_nanos(1))),
                _ => {
                    self.now = end;
                    self.advance();
                    return;
                }
            }
        }
    }

    fn status(&mut self) -> Value {
        let wall = self.wall();
        pod_status(&self.pod, &mut self.rt, wall, "10.0.0.10")
    }

    fn logs(&self) -> Vec<String> {
        let c = &self.rt.app[0];
        let id = c.latest_id().expect("ran");
        c.logs
            .read(id, 0)
            .expect("instance")
            .lines
            .into_iter()
            .map(|l| l.text)
            .collect()
    }
}

#[test]
fn backoff_follows_upstreams_curve() {
    let mut b = Backoff::new(Stages::builtin().backoff.container);
    let t = |s: u64| SimInstant(Duration::from_secs(s));
    assert!(!b.in_backoff_since(t(0), t(0)));
    b.next(t(0));
    assert_eq!(b.current(), Duration::from_secs(10));
    assert!(b.in_backoff_since(t(5), t(10)));
    assert!(!b.in_backoff_since(t(5), t(15)));
    let mut seen = vec![];
    for i in 1..8 {
        b.next(t(i * 20));
        seen.push(b.current().as_secs());
    }
    assert_eq!(seen, vec![20, 40, 80, 160, 300, 300, 300]);
    // Idle for more than twice the maximum: starts over.
    b.next(t(10_000));
    assert_eq!(b.current(), Duration::from_secs(10));
}

#[test]
fn ip_pool_hands_out_and_takes_back() {
    let mut p = IpPool::new(Ipv4Addr::new(10, 2, 3, 0));
    assert_eq!(p.alloc(), Some(Ipv4Addr::new(10, 2, 3, 2)));
    assert!(p.claim(Ipv4Addr::new(10, 2, 3, 9)));
    assert!(!p.claim(Ipv4Addr::new(10, 2, 3, 9)));
    assert!(!p.claim(Ipv4Addr::new(10, 2, 4, 9)));
    p.release(Ipv4Addr::new(10, 2, 3, 2));
    assert_eq!(p.alloc(), Some(Ipv4Addr::new(10, 2, 3, 2)));
}

#[test]
fn nginx_runs_and_becomes_ready() {
    let mut h = Harness::fast(one("nginx", None, "Always"));
    // Before anything: pending, waiting in ContainerCreating.
    let st = h.status();
    assert_eq!(st["phase"], "Pending");
    assert_eq!(
        st["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ContainerCreating"
    );
    h.run_for(Duration::from_secs(1));
    assert_eq!(
        h.events,
        vec![
            "Normal Pulling: Pulling image \"nginx\"",
            "Normal Pulled: Successfully pulled image \"nginx\" in 0s (0s including waiting). Image size: 72195292 bytes.",
            "Normal Created: Created container: c",
            "Normal Started: Started container c",
        ]
    );
    let st = h.status();
    assert_eq!(st["phase"], "Running");
    assert_eq!(st["podIP"], "10.2.0.2");
    let cs = &st["containerStatuses"][0];
    assert_eq!(cs["ready"], true);
    assert_eq!(cs["started"], true);
    assert_eq!(cs["image"], "docker.io/library/nginx:latest");
    assert!(
        cs["imageID"]
            .as_str()
            .expect("id")
            .starts_with("docker.io/library/nginx@sha256:")
    );
    assert!(
        cs["containerID"]
            .as_str()
            .expect("id")
            .starts_with("containerd://")
    );
    assert!(cs["state"]["running"]["startedAt"].is_string());
    let types: Vec<&str> = st["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .map(|c| c["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        types,
        vec![
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    assert!(
        st["conditions"]
            .as_array()
            .expect("c")
            .iter()
            .all(|c| c["status"] == "True")
    );
    assert!(
        h.logs()
            .iter()
            .any(|l| l.contains("start worker processes"))
    );
}

#[test]
fn realistic_profile_takes_time_to_pull() {
    let mut h = Harness::new(one("nginx", None, "Always"), Profile::Realistic);
    h.run_for(Duration::from_millis(500));
    assert_eq!(h.status()["phase"], "Pending");
    h.run_for(Duration::from_secs(5));
    assert_eq!(h.status()["phase"], "Running");
    assert!(
        h.events[1]
            .contains("Successfully pulled image \"nginx\" in 1.603s (1.603s including waiting)"),
        "{:?}",
        h.events
    );
}

#[test]
fn a_script_prints_sleeps_and_completes() {
    let mut h = Harness::fast(one(
        "busybox",
        Some(json!(["sh", "-c", "echo a; sleep 1; echo b"])),
        "Never",
    ));
    h.run_for(Duration::from_millis(500));
    assert_eq!(h.logs(), vec!["a"]);
    assert_eq!(h.status()["phase"], "Running");
    h.run_for(Duration::from_secs(2));
    assert_eq!(h.logs(), vec!["a", "b"]);
    let st = h.status();
    assert_eq!(st["phase"], "Succeeded");
    let t = &st["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(
        (t["exitCode"].as_i64(), t["reason"].as_str()),
        (Some(0), Some("Completed"))
    );
    let ready = &st["conditions"][2];
    assert_eq!(
        (&ready["status"], &ready["reason"]),
        (&json!("False"), &json!("PodCompleted"))
    );
    assert_eq!(st["conditions"][0]["status"], "False");
}

#[test]
fn failing_containers_crash_loop_with_growing_backoff() {
    let mut h = Harness::fast(one(
        "busybox",
        Some(json!(["sh", "-c", "echo boom; exit 3"])),
        "Always",
    ));
    h.run_for(Duration::from_secs(1));
    // First exit: restarted at once. Second: back-off 10s.
    let st = h.status();
    let cs = &st["containerStatuses"][0];
    assert_eq!(cs["restartCount"], 1);
    assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert_eq!(
        cs["state"]["waiting"]["message"],
        "back-off 10s restarting failed container=c pod=p_ns(u-1)"
    );
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 3);
    assert_eq!(cs["lastState"]["terminated"]["reason"], "Error");
    assert_eq!(st["phase"], "Running");
    assert_eq!(
        st["conditions"][3]["message"],
        "containers with unready status: [c]"
    );
    h.run_for(Duration::from_secs(11));
    let cs = &h.status()["containerStatuses"][0];
    assert_eq!(cs["restartCount"], 2);
    assert_eq!(
        cs["state"]["waiting"]["message"],
        "back-off 20s restarting failed container=c pod=p_ns(u-1)"
    );
    h.run_for(Duration::from_secs(31));
    assert_eq!(h.status()["containerStatuses"][0]["restartCount"], 3);
    assert!(
        h.events.iter().any(
            |e| e == "Warning BackOff: Back-off restarting failed container c in pod p_ns(u-1)"
        )
    );
    // The crashed instance's logs stay readable.
    assert!(log_view(&h.rt.app[0]).last_terminated.is_some());
}

#[test]
fn typos_end_in_image_pull_backoff() {
    let mut h = Harness::fast(one("ngnix", None, "Always"));
    h.run_for(Duration::from_secs(1));
    let cs = &h.status()["containerStatuses"][0];
    assert_eq!(cs["state"]["waiting"]["reason"], "ImagePullBackOff");
    assert_eq!(
        cs["state"]["waiting"]["message"],
        "Back-off pulling image \"ngnix\""
    );
    assert_eq!(cs["image"], "ngnix");
    assert_eq!(cs["imageID"], "");
    let reasons: Vec<&str> = h
        .events
        .iter()
        .map(|e| e.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        reasons,
        vec![
            "Normal Pulling",
            "Warning Failed",
            "Warning Failed",
            "Normal BackOff",
            "Warning Failed"
        ]
    );
    assert!(h.events[1].contains("pull access denied, repository does not exist"));
    assert_eq!(h.events[2], "Warning Failed: Error: ErrImagePull");
    assert_eq!(h.events[4], "Warning Failed: Error: ImagePullBackOff");
    // The pull is retried when the back-off ends.
    h.run_for(Duration::from_secs(11));
    assert_eq!(
        h.events
            .iter()
            .filter(|e| e.starts_with("Normal Pulling"))
            .count(),
        2
    );
    assert_eq!(h.status()["phase"], "Pending");
}

#[test]
fn init_containers_run_first_in_order() {
    let p = pod(json!({
        "initContainers": [
            {"name": "one", "image": "busybox", "command": ["sh", "-c", "echo first"]},
            {"name": "two", "image": "busybox", "command": ["sh", "-c", "sleep 2"]},
        ],
        "containers": [{"name": "app", "image": "nginx:1.27"}],
    }));
    let mut h = Harness::fast(p);
    h.run_for(Duration::from_secs(1));
    let st = h.status();
    assert_eq!(st["phase"], "Pending");
    assert_eq!(
        st["containerStatuses"][0]["state"]["waiting"]["reason"],
        "PodInitializing"
    );
    assert_eq!(
        st["initContainerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert!(st["initContainerStatuses"][1]["state"]["running"].is_object());
    assert_eq!(
        st["conditions"][1]["message"],
        "containers with incomplete status: [two]"
    );
    h.run_for(Duration::from_secs(3));
    let st = h.status();
    assert_eq!(st["phase"], "Running");
    assert_eq!(st["conditions"][1]["status"], "True");
    let started: Vec<&String> = h.events.iter().filter(|e| e.contains("Started")).collect();
    assert_eq!(
        started,
        vec![
            "Normal Started: Started container one",
            "Normal Started: Started container two",
            "Normal Started: Started container app"
        ]
    );
}

#[test]
fn deletion_stops_containers_then_deletes_the_pod() {
    let mut h = Harness::new(one("nginx:1.27", None, "Always"), Profile::Realistic);
    h.run_for(Duration::from_secs(5));
    assert_eq!(h.status()["phase"], "Running");
    h.pod.deleting = true;
    h.advance();
    assert_eq!(
        h.events.last().map(String::as_str),
        Some("Normal Killing: Stopping container c")
    );
    assert!(!h.deleted);
    h.run_for(Duration::from_secs(6));
    assert!(h.deleted);
    let st = h.status();
    assert_eq!(st["phase"], "Succeeded");
    assert_eq!(
        st["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        0
    );
}

#[test]
fn a_shell_as_pid_one_waits_out_the_grace_period() {
    let mut h = Harness::fast(one("busybox", Some(json!(["sleep", "3600"])), "Always"));
    h.run_for(Duration::from_secs(1));
    h.pod.deleting = true;
    h.pod.grace = Duration::from_secs(30);
    h.run_for(Duration::from_secs(20));
    assert!(!h.deleted);
    h.run_for(Duration::from_secs(32));
    assert!(h.deleted);
    assert_eq!(
        h.status()["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        137
    );
}

#[test]
fn failing_readiness_keeps_the_pod_unready() {
    let mut p = one("nginx:1.27", None, "Always");
    if let Some(spec) = p.spec.as_mut() {
        spec.containers[0].readiness_probe = serde_json::from_value(
            json!({"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}),
        )
        .ok();
    }
    p.metadata.annotations =
        Some([("kubesim.dev/readiness".to_string(), "fail".to_string())].into());
    let mut h = Harness::fast(p);
    h.run_for(Duration::from_secs(12));
    let st = h.status();
    assert_eq!(st["phase"], "Running");
    assert_eq!(st["containerStatuses"][0]["ready"], false);
    assert_eq!(st["conditions"][2]["reason"], "ContainersNotReady");
    assert_eq!(
        h.events
            .iter()
            .filter(|e| e.starts_with("Warning Unhealthy"))
            .count(),
        3
    );
    assert!(h.events.iter().any(|e| e
        == "Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503"));
    // Lifting the annotation makes the next probe pass.
    h.pod.overrides.readiness_fails = false;
    h.run_for(Duration::from_secs(13));
    assert_eq!(h.status()["containerStatuses"][0]["ready"], true);
}

#[test]
fn exit_annotations_make_any_container_fail() {
    let mut p = one("nginx:1.27", None, "OnFailure");
    p.metadata.annotations = Some(
        [
            ("kubesim.dev/exit-code".to_string(), "2".to_string()),
            ("kubesim.dev/exit-after".to_string(), "5s".to_string()),
        ]
        .into(),
    );
    let mut h = Harness::fast(p);
    h.run_for(Duration::from_secs(4));
    assert_eq!(h.status()["containerStatuses"][0]["restartCount"], 0);
    h.run_for(Duration::from_secs(6));
    let st = h.status();
    assert_eq!(st["containerStatuses"][0]["restartCount"], 1);
    assert_eq!(
        st["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        2
    );
}

#[test]
fn a_new_image_restarts_the_container() {
    let mut h = Harness::fast(one("nginx:1.26", None, "Always"));
    h.run_for(Duration::from_secs(1));
    h.pod.app[0].image = "nginx:1.27".into();
    h.run_for(Duration::from_secs(2));
    assert!(
        h.events
            .iter()
            .any(|e| e == "Normal Killing: Container c definition changed, will be restarted")
    );
    let cs = &h.status()["containerStatuses"][0];
    assert_eq!(cs["restartCount"], 1);
    assert_eq!(cs["image"], "docker.io/library/nginx:1.27");
}

#[test]
fn pods_seen_again_after_a_restart_come_back_as_restarts() {
    let mut p = one("nginx:1.27", None, "Always");
    p.status = serde_json::from_value(json!({
        "phase": "Running",
        "podIP": "10.2.0.7",
        "containerStatuses": [{
            "name": "c", "restartCount": 2, "containerID": "containerd://old",
            "image": "nginx:1.27", "imageID": "", "ready": true,
        }],
    }))
    .ok();
    let mut h = Harness::fast(p);
    h.run_for(Duration::from_secs(1));
    assert_eq!(
        h.events[0],
        "Normal SandboxChanged: Pod sandbox changed, it will be killed and re-created."
    );
    let st = h.status();
    assert_eq!(st["podIP"], "10.2.0.7");
    assert_eq!(st["containerStatuses"][0]["restartCount"], 3);
    assert_eq!(st["phase"], "Running");
}

#[test]
fn finished_pods_are_left_alone_until_deleted() {
    let mut p = one("busybox", Some(json!(["true"])), "Never");
    p.status = serde_json::from_value(json!({"phase": "Succeeded"})).ok();
    let mut h = Harness::fast(p);
    let fx = h.advance();
    assert!(fx.events.is_empty() && fx.wake.is_none() && !fx.delete);
    h.pod.deleting = true;
    assert!(h.advance().delete);
}

#[test]
fn startup_probes_gate_started_and_the_other_probes() {
    let mut p = one("nginx:1.27", None, "Always");
    if let Some(spec) = p.spec.as_mut() {
        spec.containers[0].startup_probe =
            serde_json::from_value(json!({"tcpSocket": {"port": 80}, "initialDelaySeconds": 5}))
                .ok();
        spec.containers[0].liveness_probe =
            serde_json::from_value(json!({"exec": {"command": ["true"]}})).ok();
    }
    let mut h = Harness::fast(p);
    h.run_for(Duration::from_secs(3));
    let cs = &h.status()["containerStatuses"][0];
    assert_eq!(
        (&cs["started"], &cs["ready"]),
        (&json!(false), &json!(false))
    );
    // Nothing to do until the startup probe: the next wake-up is then, not now.
    assert_eq!(h.advance().wake, Some(SimInstant(Duration::from_secs(5))));
    h.run_for(Duration::from_secs(6));
    let cs = &h.status()["containerStatuses"][0];
    assert_eq!((&cs["started"], &cs["ready"]), (&json!(true), &json!(true)));
}
