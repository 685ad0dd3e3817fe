//! The pod status a kubelet reports, computed from the runtime state (pure): phase (upstream's
//! `getPhase`), the kubelet-owned conditions with their upstream reasons, container statuses
//! (`state`, `lastState`, `ready`, `started`, `restartCount`, `image`, `imageID`,
//! `containerID`), pod and host IPs and `startTime`.

use std::time::SystemTime;

use serde_json::{Value, json};

use crate::logs::{LogState, LogView};
use crate::pod::{Ctr, Phase, PodRt, Sandbox, Term};
use crate::view::{ContainerView, PodView, RestartPolicy};

/// Formats a wall-clock time as a `metav1.Time` (RFC 3339, seconds).
pub fn rfc3339(t: SystemTime) -> String {
    let ts = jiff::Timestamp::try_from(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What a container status shows.
enum Shown<'a> {
    Running(SystemTime, &'a str),
    Terminated(&'a Term),
    Waiting(&'a str, Option<&'a str>),
}

/// Waiting reasons that are shown even while a restart is under way.
const ERROR_REASONS: [&str; 4] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "ErrImageNeverPull",
    "InvalidImageName",
];

fn shown(c: &Ctr) -> (Shown<'_>, Option<&Term>) {
    let n = c.terms.len();
    let last = c.terms.last();
    let before_last = if n >= 2 { c.terms.get(n - 2) } else { None };
    let waiting = Shown::Waiting(&c.waiting.0, c.waiting.1.as_deref());
    match &c.phase {
        Phase::Running(i) => (Shown::Running(i.started_wall, &i.id), last),
        Phase::CrashBackOff { .. } => (waiting, last),
        Phase::Done => match last {
            Some(t) => (Shown::Terminated(t), before_last),
            None => (waiting, None),
        },
        _ if ERROR_REASONS.contains(&c.waiting.0.as_str()) => (waiting, last),
        _ => match last {
            Some(t) => (Shown::Terminated(t), before_last),
            None => (waiting, None),
        },
    }
}

fn terminated(t: &Term) -> Value {
    json!({
        "exitCode": t.exit_code,
        "reason": t.reason,
        "startedAt": rfc3339(t.started),
        "finishedAt": rfc3339(t.finished),
        "containerID": t.id,
    })
}

/// Whether the container is running and ready.
fn ready(c: &Ctr) -> bool {
    c.instance().is_some_and(|i| i.ready && i.started)
}

fn container_status(c: &Ctr, spec: &ContainerView) -> Value {
    let (state, last) = shown(c);
    let state = match state {
        Shown::Running(at, _) => json!({"running": {"startedAt": rfc3339(at)}}),
        Shown::Terminated(t) => json!({"terminated": terminated(t)}),
        Shown::Waiting(reason, msg) => {
            let mut w = json!({"reason": reason});
            if let Some(m) = msg {
                w["message"] = json!(m);
            }
            json!({"waiting": w})
        }
    };
    let last_state = match last {
        Some(t) => json!({"terminated": terminated(t)}),
        None => json!({}),
    };
    let created = c.latest_id().is_some();
    let (image, image_id) = match (&c.pulled, created) {
        (Some(p), true) => (p.image.clone(), p.image_id.clone()),
        _ => (spec.image.clone(), String::new()),
    };
    let mut out = json!({
        "name": c.name,
        "state": state,
        "lastState": last_state,
        "ready": ready(c),
        "restartCount": c.restart_count,
        "image": image,
        "imageID": image_id,
    });
    if let Some(id) = c.latest_id() {
        out["containerID"] = json!(id);
    }
    out["started"] = json!(c.instance().is_some_and(|i| i.started));
    out
}

/// What the log API needs to know of a container.
pub fn log_view(c: &Ctr) -> LogView {
    let (state, last) = shown(c);
    let state = match state {
        Shown::Running(_, id) => LogState::Running(id.to_string()),
        Shown::Terminated(t) => LogState::Terminated(Some(t.id.clone())),
        Shown::Waiting(r, _) => LogState::Waiting(r.to_string()),
    };
    LogView {
        state,
        last_terminated: last.map(|t| Some(t.id.clone())),
    }
}

fn init_done(c: &Ctr, spec: &ContainerView) -> bool {
    if spec.sidecar {
        return c.instance().is_some_and(|i| i.started) || !c.terms.is_empty();
    }
    matches!(c.phase, Phase::Done) && c.terms.last().is_some_and(|t| t.exit_code == 0)
}

/// The pod phase (upstream's `getPhase`).
pub fn phase(pod: &PodView, rt: &PodRt) -> &'static str {
    let init_failed = rt.init.iter().zip(pod.init.iter()).any(|(c, s)| {
        !s.sidecar
            && matches!(c.phase, Phase::Done)
            && c.terms.last().is_some_and(|t| t.exit_code != 0)
    });
    let init_pending = rt
        .init
        .iter()
        .zip(pod.init.iter())
        .any(|(c, s)| !init_done(c, s));
    let terminal = rt.killing && !rt.all().any(|c| matches!(c.phase, Phase::Running(_)));
    if init_pending {
        if init_failed && (pod.restart_policy == RestartPolicy::Never || terminal) {
            return "Failed";
        }
        if terminal {
            return "Failed";
        }
        return "Pending";
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in &rt.app {
        match &c.phase {
            Phase::Running(_) => running += 1,
            _ => match c.terms.last() {
                Some(t) => {
                    stopped += 1;
                    if t.exit_code == 0 {
                        succeeded += 1;
                    }
                }
                None => waiting += 1,
            },
        }
    }
    if terminal {
        return if stopped == succeeded && waiting == 0 {
            "Succeeded"
        } else {
            "Failed"
        };
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        return match pod.restart_policy {
            RestartPolicy::Always => "Running",
            _ if stopped == succeeded => "Succeeded",
            RestartPolicy::Never => "Failed",
            RestartPolicy::OnFailure => "Running",
        };
    }
    "Pending"
}

/// The pod's `status`, ready for `pods/{name}/status`. Records condition transitions in `rt`.
pub fn pod_status(pod: &PodView, rt: &mut PodRt, wall: SystemTime, host_ip: &str) -> Value {
    let phase = phase(pod, rt);
    let terminal = matches!(phase, "Succeeded" | "Failed");
    let incomplete: Vec<&str> = rt
        .init
        .iter()
        .zip(pod.init.iter())
        .filter(|(c, s)| !init_done(c, s))
        .map(|(c, _)| c.name.as_str())
        .collect();
    let unready: Vec<&str> = rt
        .app
        .iter()
        .filter(|c| !ready(c))
        .map(|c| c.name.as_str())
        .collect();
    let list = |names: &[&str]| format!("[{}]", names.join(" "));
    let mut owned: Vec<(&str, bool, Option<String>, Option<String>)> = Vec::new();
    owned.push((
        "PodReadyToStartContainers",
        rt.sandbox == Sandbox::Ready && !terminal,
        None,
        None,
    ));
    owned.push((
        "Initialized",
        incomplete.is_empty(),
        Some("ContainersNotInitialized".into()),
        Some(format!(
            "containers with incomplete status: {}",
            list(&incomplete)
        )),
    ));
    let containers_ready = unready.is_empty() && !terminal;
    let (cr_reason, cr_message) = if phase == "Succeeded" {
        (Some("PodCompleted".to_string()), None)
    } else {
        (
            Some("ContainersNotReady".to_string()),
            Some(format!(
                "containers with unready status: {}",
                list(&unready)
            )),
        )
    };
    // Readiness gates: each named condition must be present and True.
    let mut gate_problem = None;
    for g in &pod.readiness_gates {
        let found = pod
            .foreign_conditions
            .iter()
            .find(|c| c["type"].as_str() == Some(g.as_str()));
        match found {
            None => {
                gate_problem = Some(format!(
                    "corresponding condition of pod readiness gate {g:?} does not exist."
                ));
                break;
            }
            Some(c) if c["status"] != "True" => {
                gate_problem = Some(format!(
                    "the status of pod readiness gate {g:?} is not \"True\", but {}",
                    c["status"].as_str().unwrap_or("Unknown")
                ));
                break;
            }
            _ => {}
        }
    }
    let (ready, r_reason, r_message) = match (&gate_problem, containers_ready) {
        (_, false) => (false, cr_reason.clone(), cr_message.clone()),
        (Some(p), true) => (
            false,
            Some("ReadinessGatesNotReady".into()),
            Some(p.clone()),
        ),
        (None, true) => (true, None, None),
    };
    owned.push(("Ready", ready, r_reason, r_message));
    owned.push(("ContainersReady", containers_ready, cr_reason, cr_message));

    let mut conditions = Vec::new();
    for (ty, ok, reason, message) in owned {
        let status = if ok { "True" } else { "False" };
        let since = match rt.conditions.get(ty) {
            Some((s, t)) if s == status => *t,
            _ => {
                rt.conditions
                    .insert(ty.to_string(), (status.to_string(), wall));
                wall
            }
        };
        let mut c = json!({"type": ty, "status": status, "lastProbeTime": null, "lastTransitionTime": rfc3339(since)});
        if !ok {
            if let Some(r) = reason {
                c["reason"] = json!(r);
            }
            if let Some(m) = message {
                c["message"] = json!(m);
            }
        }
        conditions.push(c);
    }
    let mut foreign = pod.foreign_conditions.clone();
    if !foreign.iter().any(|c| c["type"] == "PodScheduled") {
        let since = rt
            .conditions
            .entry("PodScheduled".into())
            .or_insert(("True".into(), wall))
            .1;
        foreign.insert(
            0,
            json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": rfc3339(since)}),
        );
    }
    conditions.extend(foreign);

    let mut status = json!({"phase": phase, "conditions": conditions, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}]});
    if let Some(ip) = rt.ip {
        status["podIP"] = json!(ip.to_string());
        status["podIPs"] = json!([{"ip": ip.to_string()}]);
    }
    if let Some(t) = rt.start_time {
        status["startTime"] = json!(rfc3339(t));
    }
    if !pod.init.is_empty() {
        status["initContainerStatuses"] = json!(
            rt.init
                .iter()
                .zip(pod.init.iter())
                .map(|(c, s)| container_status(c, s))
                .collect::<Vec<_>>()
        );
    }
    status["containerStatuses"] = json!(
        rt.app
            .iter()
            .zip(pod.app.iter())
            .map(|(c, s)| container_status(c, s))
            .collect::<Vec<_>>()
    );
    status
}
