//! Rows for pods and the workload controllers: Pod, PodTemplate, ReplicationController, ReplicaSet,
//! Deployment, StatefulSet, DaemonSet, Job, CronJob, HorizontalPodAutoscaler, PodDisruptionBudget
//! and ControllerRevision.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::fields::{
    age, at, bool_word, condition_true, containers, deleting, format_label_selector, format_labels,
    human_between, int_at, int_or_string, list_at, name, opt_int, opt_str, quantity,
    selector_string, since, str_at, time_at,
};

/// Init containers with `restartPolicy: Always` are sidecars: they count as app containers.
fn is_sidecar(spec_init: &[Value], container_name: &str) -> bool {
    spec_init
        .iter()
        .find(|c| str_at(c, &["name"]) == container_name)
        .is_some_and(|c| str_at(c, &["restartPolicy"]) == "Always")
}

/// Keeps the later of `slot` and the container's last termination time.
fn note_last_termination(slot: &mut Option<Timestamp>, status: &Value) {
    if at(status, &["lastState", "terminated"]).is_some()
        && let Some(finished) = time_at(status, &["lastState", "terminated", "finishedAt"])
        && slot.is_none_or(|t| t < finished)
    {
        *slot = Some(finished);
    }
}

/// The `Signal:N` / `ExitCode:N` fallback for a terminated container without a reason.
fn exit_reason(terminated: &Value) -> String {
    let signal = int_at(terminated, &["signal"]);
    if signal != 0 {
        format!("Signal:{signal}")
    } else {
        format!("ExitCode:{}", int_at(terminated, &["exitCode"]))
    }
}

pub(super) fn pod(obj: &Value, now: Timestamp) -> Vec<Value> {
    let spec_init = list_at(obj, &["spec", "initContainers"]);
    let conditions = list_at(obj, &["status", "conditions"]);
    let phase = str_at(obj, &["status", "phase"]);
    let status_reason = str_at(obj, &["status", "reason"]);
    let mut reason = if status_reason.is_empty() {
        phase.to_string()
    } else {
        status_reason.to_string()
    };
    if conditions.iter().any(|c| {
        str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated"
    }) {
        reason = "SchedulingGated".into();
    }

    let sidecars = spec_init
        .iter()
        .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
        .count();
    let total = list_at(obj, &["spec", "containers"]).len() + sidecars;
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_sidecar_restart: Option<Timestamp> = None;

    let mut initializing = false;
    for (i, status) in list_at(obj, &["status", "initContainerStatuses"])
        .iter()
        .enumerate()
    {
        let count = int_at(status, &["restartCount"]);
        restarts += count;
        note_last_termination(&mut last_restart, status);
        let sidecar = is_sidecar(spec_init, str_at(status, &["name"]));
        if sidecar {
            sidecar_restarts += count;
            note_last_termination(&mut last_sidecar_restart, status);
        }
        let terminated = at(status, &["state", "terminated"]);
        let waiting_reason = str_at(status, &["state", "waiting", "reason"]);
        match terminated {
            Some(t) if int_at(t, &["exitCode"]) == 0 => continue,
            _ if sidecar && at(status, &["started"]).and_then(Value::as_bool) == Some(true) => {
                if at(status, &["ready"]).and_then(Value::as_bool) == Some(true) {
                    ready += 1;
                }
                continue;
            }
            Some(t) => {
                let why = str_at(t, &["reason"]);
                reason = if why.is_empty() {
                    format!("Init:{}", exit_reason(t))
                } else {
                    format!("Init:{why}")
                };
            }
            None if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" => {
                reason = format!("Init:{waiting_reason}");
            }
            None => reason = format!("Init:{i}/{}", spec_init.len()),
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for status in list_at(obj, &["status", "containerStatuses"]).iter().rev() {
            restarts += int_at(status, &["restartCount"]);
            note_last_termination(&mut last_restart, status);
            let waiting_reason = str_at(status, &["state", "waiting", "reason"]);
            let terminated = at(status, &["state", "terminated"]);
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                let why = str_at(t, &["reason"]);
                reason = if why.is_empty() {
                    exit_reason(t)
                } else {
                    why.to_string()
                };
            } else if at(status, &["ready"]).and_then(Value::as_bool) == Some(true)
                && at(status, &["state", "running"]).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .into();
        }
    }

    if deleting(obj) && status_reason == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting(obj) && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts_cell = match last_restart {
        Some(last) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(last), now)),
        _ => restarts.to_string(),
    };

    let pod_ip = list_at(obj, &["status", "podIPs"])
        .first()
        .map(|ip| str_at(ip, &["ip"]))
        .unwrap_or_else(|| str_at(obj, &["status", "podIP"]));
    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let gates = list_at(obj, &["spec", "readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let passing = gates
            .iter()
            .filter(|gate| {
                let wanted = str_at(gate, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| str_at(c, &["type"]) == wanted)
                    .is_some_and(|c| str_at(c, &["status"]) == "True")
            })
            .count();
        format!("{passing}/{}", gates.len())
    };
    vec![
        json!(name(obj)),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_cell),
        json!(age(obj, now)),
        json!(or_none(pod_ip)),
        json!(or_none(str_at(obj, &["spec", "nodeName"]))),
        json!(or_none(str_at(obj, &["status", "nominatedNodeName"]))),
        json!(readiness_gates),
    ]
}

pub(super) fn pod_template(obj: &Value) -> Vec<Value> {
    let (names, images) = containers(list_at(obj, &["template", "spec", "containers"]));
    vec![
        json!(name(obj)),
        json!(names),
        json!(images),
        json!(format_labels(at(obj, &["template", "metadata", "labels"]))),
    ]
}

pub(super) fn pod_disruption_budget(obj: &Value, now: Timestamp) -> Vec<Value> {
    let or_na = |v: Option<String>| v.unwrap_or_else(|| "N/A".into());
    vec![
        json!(name(obj)),
        json!(or_na(int_or_string(at(obj, &["spec", "minAvailable"])))),
        json!(or_na(int_or_string(at(obj, &["spec", "maxUnavailable"])))),
        json!(int_at(obj, &["status", "disruptionsAllowed"])),
        json!(age(obj, now)),
    ]
}

/// Desired replicas; the API defaults a missing count to 1.
fn desired(obj: &Value) -> i64 {
    opt_int(obj, &["spec", "replicas"]).unwrap_or(1)
}

/// Name, desired, current, ready, age: the shared head of ReplicationController and ReplicaSet rows.
fn replica_head(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(desired(obj)),
        json!(int_at(obj, &["status", "replicas"])),
        json!(int_at(obj, &["status", "readyReplicas"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn replication_controller(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut row = replica_head(obj, now);
    let (names, images) = containers(list_at(obj, &["spec", "template", "spec", "containers"]));
    row.extend([
        json!(names),
        json!(images),
        json!(format_labels(at(obj, &["spec", "selector"]))),
    ]);
    row
}

pub(super) fn replica_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut row = replica_head(obj, now);
    let (names, images) = containers(list_at(obj, &["spec", "template", "spec", "containers"]));
    row.extend([
        json!(names),
        json!(images),
        json!(format_label_selector(at(obj, &["spec", "selector"]))),
    ]);
    row
}

pub(super) fn deployment(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = containers(list_at(obj, &["spec", "template", "spec", "containers"]));
    // Deployments print the bare selector string: empty rather than <none>.
    let selector =
        selector_string(at(obj, &["spec", "selector"])).unwrap_or_else(|| "<invalid>".into());
    vec![
        json!(name(obj)),
        json!(format!(
            "{}/{}",
            int_at(obj, &["status", "readyReplicas"]),
            desired(obj)
        )),
        json!(int_at(obj, &["status", "updatedReplicas"])),
        json!(int_at(obj, &["status", "availableReplicas"])),
        json!(age(obj, now)),
        json!(names),
        json!(images),
        json!(selector),
    ]
}

pub(super) fn stateful_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = containers(list_at(obj, &["spec", "template", "spec", "containers"]));
    vec![
        json!(name(obj)),
        json!(format!(
            "{}/{}",
            int_at(obj, &["status", "readyReplicas"]),
            desired(obj)
        )),
        json!(age(obj, now)),
        json!(names),
        json!(images),
    ]
}

pub(super) fn daemon_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = containers(list_at(obj, &["spec", "template", "spec", "containers"]));
    vec![
        json!(name(obj)),
        json!(int_at(obj, &["status", "desiredNumberScheduled"])),
        json!(int_at(obj, &["status", "currentNumberScheduled"])),
        json!(int_at(obj, &["status", "numberReady"])),
        json!(int_at(obj, &["status", "updatedNumberScheduled"])),
        json!(int_at(obj, &["status", "numberAvailable"])),
        json!(format_labels(at(
            obj,
            &["spec", "template", "spec", "nodeSelector"]
        ))),
        json!(age(obj, now)),
        json!(names),
        json!(images),
        json!(format_label_selector(at(obj, &["spec", "selector"]))),
    ]
}

pub(super) fn job(obj: &Value, now: Timestamp) -> Vec<Value> {
    let succeeded = int_at(obj, &["status", "succeeded"]);
    let completions = match opt_int(obj, &["spec", "completions"]) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match opt_int(obj, &["spec", "parallelism"]).unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (
        time_at(obj, &["status", "startTime"]),
        time_at(obj, &["status", "completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_between(start, now),
        (Some(start), Some(done)) => human_between(start, done),
    };
    let conditions = list_at(obj, &["status", "conditions"]);
    let status = if condition_true(conditions, "Complete") {
        "Complete"
    } else if condition_true(conditions, "Failed") {
        "Failed"
    } else if deleting(obj) {
        "Terminating"
    } else if condition_true(conditions, "Suspended") {
        "Suspended"
    } else if condition_true(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = containers(list_at(obj, &["spec", "template", "spec", "containers"]));
    vec![
        json!(name(obj)),
        json!(status),
        json!(completions),
        json!(duration),
        json!(age(obj, now)),
        json!(names),
        json!(images),
        json!(format_label_selector(at(obj, &["spec", "selector"]))),
    ]
}

pub(super) fn cron_job(obj: &Value, now: Timestamp) -> Vec<Value> {
    let last_schedule = match time_at(obj, &["status", "lastScheduleTime"]) {
        Some(t) => since(Some(t), now),
        None => "<none>".into(),
    };
    let job_template = at(obj, &["spec", "jobTemplate", "spec"]).unwrap_or(&Value::Null);
    let (names, images) = containers(list_at(job_template, &["template", "spec", "containers"]));
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["spec", "schedule"])),
        json!(opt_str(obj, &["spec", "timeZone"]).unwrap_or("<none>")),
        json!(bool_word(
            at(obj, &["spec", "suspend"]).and_then(Value::as_bool)
        )),
        json!(list_at(obj, &["status", "active"]).len()),
        json!(last_schedule),
        json!(age(obj, now)),
        json!(names),
        json!(images),
        json!(format_label_selector(at(job_template, &["selector"]))),
    ]
}

/// The HPA's metric specs and statuses in autoscaling/v2 shape. An autoscaling/v1 object is
/// lifted the way the API converts it: its CPU target (80% when unset, the storage default)
/// becomes one Resource metric.
fn hpa_metrics(obj: &Value) -> (Vec<Value>, Vec<Value>) {
    let v1 = str_at(obj, &["apiVersion"]) == "autoscaling/v1"
        || (at(obj, &["spec", "metrics"]).is_none()
            && at(obj, &["spec", "targetCPUUtilizationPercentage"]).is_some());
    if !v1 {
        return (
            list_at(obj, &["spec", "metrics"]).to_vec(),
            list_at(obj, &["status", "currentMetrics"]).to_vec(),
        );
    }
    let target = opt_int(obj, &["spec", "targetCPUUtilizationPercentage"]).unwrap_or(80);
    let spec = json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}});
    let status = match opt_int(obj, &["status", "currentCPUUtilizationPercentage"]) {
        Some(current) => vec![
            json!({"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}),
        ],
        None => vec![],
    };
    (vec![spec], status)
}

/// A pointer quantity as Go prints it: `<nil>` when absent.
fn q(v: Option<&Value>) -> String {
    quantity(v).unwrap_or_else(|| "<nil>".into())
}

/// One HPA metric as the Targets column shows it (`cpu: 40%/80%`, `1k/500 (avg)`, ...).
fn hpa_metric(spec: &Value, status: Option<&Value>) -> String {
    let unknown = || "<unknown>".to_string();
    // The status entry at the same index, if it reports the same source.
    let current = |source: &str| status.and_then(|s| at(s, &[source]));
    match str_at(spec, &["type"]) {
        kind @ ("External" | "Object") => {
            let source = if kind == "External" {
                "external"
            } else {
                "object"
            };
            let target = at(spec, &[source, "target"]).unwrap_or(&Value::Null);
            if let Some(avg) = at(target, &["averageValue"]) {
                let cur = current(source)
                    .and_then(|c| at(c, &["current", "averageValue"]))
                    .map(|v| q(Some(v)))
                    .unwrap_or_else(unknown);
                format!("{cur}/{} (avg)", q(Some(avg)))
            } else {
                let cur = current(source)
                    .map(|c| q(at(c, &["current", "value"])))
                    .unwrap_or_else(unknown);
                format!("{cur}/{}", q(at(target, &["value"])))
            }
        }
        "Pods" => {
            let cur = current("pods")
                .map(|c| q(at(c, &["current", "averageValue"])))
                .unwrap_or_else(unknown);
            format!("{cur}/{}", q(at(spec, &["pods", "target", "averageValue"])))
        }
        kind @ ("Resource" | "ContainerResource") => {
            let source = if kind == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let resource = str_at(spec, &[source, "name"]);
            let target = at(spec, &[source, "target"]).unwrap_or(&Value::Null);
            if let Some(avg) = at(target, &["averageValue"]) {
                let cur = current(source)
                    .map(|c| q(at(c, &["current", "averageValue"])))
                    .unwrap_or_else(unknown);
                format!("{resource}: {cur}/{}", q(Some(avg)))
            } else {
                let cur = current(source)
                    .and_then(|c| opt_int(c, &["current", "averageUtilization"]))
                    .map(|u| format!("{u}%"))
                    .unwrap_or_else(unknown);
                let goal = opt_int(target, &["averageUtilization"])
                    .map(|u| format!("{u}%"))
                    .unwrap_or_else(|| "<auto>".into());
                format!("{resource}: {cur}/{goal}")
            }
        }
        _ => "<unknown type>".into(),
    }
}

fn hpa_targets(obj: &Value) -> String {
    const MAX: usize = 2;
    let (specs, statuses) = hpa_metrics(obj);
    if specs.is_empty() {
        return "<none>".into();
    }
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| hpa_metric(spec, statuses.get(i)))
        .collect();
    let shown = list
        .iter()
        .take(MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > MAX {
        format!("{shown} + {} more...", list.len() - MAX)
    } else {
        shown
    }
}

pub(super) fn horizontal_pod_autoscaler(obj: &Value, now: Timestamp) -> Vec<Value> {
    let target = at(obj, &["spec", "scaleTargetRef"]).unwrap_or(&Value::Null);
    vec![
        json!(name(obj)),
        json!(format!(
            "{}/{}",
            str_at(target, &["kind"]),
            str_at(target, &["name"])
        )),
        json!(hpa_targets(obj)),
        json!(
            opt_int(obj, &["spec", "minReplicas"])
                .map_or_else(|| "<unset>".into(), |n| n.to_string())
        ),
        json!(int_at(obj, &["spec", "maxReplicas"])),
        json!(int_at(obj, &["status", "currentReplicas"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn controller_revision(obj: &Value, now: Timestamp) -> Vec<Value> {
    let controller = list_at(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| at(r, &["controller"]).and_then(Value::as_bool) == Some(true))
        .map(|r| {
            let kind = str_at(r, &["kind"]);
            let api_version = str_at(r, &["apiVersion"]);
            let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
            let owner = str_at(r, &["name"]);
            match (kind, group) {
                ("", _) => owner.to_string(),
                (kind, "") => format!("{}/{owner}", kind.to_lowercase()),
                (kind, group) => {
                    format!("{}.{}/{owner}", kind.to_lowercase(), group.to_lowercase())
                }
            }
        })
        .unwrap_or_else(|| "<none>".into());
    vec![
        json!(name(obj)),
        json!(controller),
        json!(int_at(obj, &["revision"])),
        json!(age(obj, now)),
    ]
}
