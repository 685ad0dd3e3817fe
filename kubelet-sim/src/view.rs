//! What the simulated kubelet reads from a Pod: a small, owned view of the fields the lifecycle
//! depends on, built once per observed version of the pod. Pure.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, Pod, Probe};
use kubesim_api::wellknown;

use crate::stages::parse_duration;

/// When a container's image is pulled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// Every start.
    Always,
    /// Only when the node does not have it.
    IfNotPresent,
    /// Never.
    Never,
}

/// The pod's restart policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Restart every container that exits.
    Always,
    /// Restart containers that fail.
    OnFailure,
    /// Never restart.
    Never,
}

/// How a probe checks the container (for the Unhealthy event's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeKind {
    /// `httpGet`.
    Http,
    /// `tcpSocket` on this port.
    Tcp(String),
    /// `grpc`.
    Grpc,
    /// `exec`.
    Exec,
}

/// A probe's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeView {
    /// The handler kind.
    pub kind: ProbeKind,
    /// `initialDelaySeconds`.
    pub initial_delay: Duration,
    /// `periodSeconds` (default 10).
    pub period: Duration,
    /// `failureThreshold` (default 3).
    pub failure_threshold: u32,
}

/// One container of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerView {
    /// Name.
    pub name: String,
    /// Image as written in the spec.
    pub image: String,
    /// `command`.
    pub command: Vec<String>,
    /// `args`.
    pub args: Vec<String>,
    /// Literal environment variables (`value`; references resolve to empty strings).
    pub env: Vec<(String, String)>,
    /// Whether some variables come from `envFrom` (names unknown here).
    pub env_from: bool,
    /// Pull policy (defaulted as the API server does when absent).
    pub pull_policy: PullPolicy,
    /// Readiness probe.
    pub readiness: Option<ProbeView>,
    /// Liveness probe.
    pub liveness: Option<ProbeView>,
    /// Startup probe.
    pub startup: Option<ProbeView>,
    /// An init container with `restartPolicy: Always` (a native sidecar).
    pub sidecar: bool,
}

/// Fault injection read from the pod's `kubesim.dev/*` annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Readiness probes fail.
    pub readiness_fails: bool,
    /// Liveness probes fail.
    pub liveness_fails: bool,
    /// App containers exit with this code after `exit_after`.
    pub exit: Option<(i32, Duration)>,
    /// Containers become ready this long after they start.
    pub ready_after: Duration,
}

/// What the status said before this kubelet saw the pod (after a kubesim restart).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prior {
    /// Phase.
    pub phase: Option<String>,
    /// `podIP`.
    pub pod_ip: Option<String>,
    /// Restart counts of containers that had run, by name.
    pub ran: BTreeMap<String, i32>,
}

/// The kubelet's view of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodView {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID.
    pub uid: String,
    /// `resourceVersion` of the observed object.
    pub resource_version: String,
    /// Restart policy.
    pub restart_policy: RestartPolicy,
    /// Init containers.
    pub init: Vec<ContainerView>,
    /// App containers.
    pub app: Vec<ContainerView>,
    /// `deletionTimestamp` is set.
    pub deleting: bool,
    /// Grace period for stopping containers (simulated time).
    pub grace: Duration,
    /// Fault injection.
    pub overrides: Overrides,
    /// Status the pod carried when first seen.
    pub prior: Prior,
    /// Conditions owned by others (PodScheduled, readiness gates, DisruptionTarget…), kept
    /// as they are.
    pub foreign_conditions: Vec<serde_json::Value>,
    /// `spec.readinessGates` condition types.
    pub readiness_gates: Vec<String>,
}

fn probe(p: &Option<Probe>) -> Option<ProbeView> {
    let p = p.as_ref()?;
    let kind = if p.http_get.is_some() {
        ProbeKind::Http
    } else if let Some(t) = &p.tcp_socket {
        ProbeKind::Tcp(match &t.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        })
    } else if p.grpc.is_some() {
        ProbeKind::Grpc
    } else {
        ProbeKind::Exec
    };
    let secs = |v: Option<i32>, d: i32| Duration::from_secs(v.unwrap_or(d).max(0) as u64);
    Some(ProbeView {
        kind,
        initial_delay: secs(p.initial_delay_seconds, 0),
        period: secs(p.period_seconds, 10).max(Duration::from_secs(1)),
        failure_threshold: p.failure_threshold.unwrap_or(3).max(1) as u32,
    })
}

fn default_pull_policy(image: &str) -> PullPolicy {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        PullPolicy::IfNotPresent
    } else {
        match last.split_once(':') {
            None => PullPolicy::Always,
            Some((_, "latest")) => PullPolicy::Always,
            Some(_) => PullPolicy::IfNotPresent,
        }
    }
}

fn container(c: &Container, sidecar_allowed: bool) -> ContainerView {
    let image = c.image.clone().unwrap_or_default();
    let pull_policy = match c.image_pull_policy.as_deref() {
        Some("Always") => PullPolicy::Always,
        Some("Never") => PullPolicy::Never,
        Some("IfNotPresent") => PullPolicy::IfNotPresent,
        _ => default_pull_policy(&image),
    };
    ContainerView {
        name: c.name.clone(),
        command: c.command.clone().unwrap_or_default(),
        args: c.args.clone().unwrap_or_default(),
        env: c
            .env
            .iter()
            .flatten()
            .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
            .collect(),
        env_from: c.env_from.as_ref().is_some_and(|e| !e.is_empty())
            || c.env.iter().flatten().any(|e| e.value_from.is_some()),
        pull_policy,
        readiness: probe(&c.readiness_probe),
        liveness: probe(&c.liveness_probe),
        startup: probe(&c.startup_probe),
        sidecar: sidecar_allowed && c.restart_policy.as_deref() == Some("Always"),
        image,
    }
}

/// Reads the `kubesim.dev/*` annotations.
pub fn overrides(annotations: &BTreeMap<String, String>) -> Overrides {
    let get = |k: &str| annotations.get(k).map(|v| v.trim().to_string());
    let dur = |k: &str| {
        get(k).and_then(|v| {
            v.parse::<u64>()
                .map(Duration::from_secs)
                .ok()
                .or_else(|| parse_duration(&v).ok())
        })
    };
    let code = get(wellknown::ANNOTATION_SIM_EXIT_CODE).and_then(|v| v.parse::<i32>().ok());
    let after = dur(wellknown::ANNOTATION_SIM_EXIT_AFTER);
    let exit = match (code, after) {
        (None, None) => None,
        (code, after) => Some((code.unwrap_or(0), after.unwrap_or_default())),
    };
    Overrides {
        readiness_fails: get(wellknown::ANNOTATION_SIM_READINESS).as_deref() == Some("fail"),
        liveness_fails: get(wellknown::ANNOTATION_SIM_LIVENESS).as_deref() == Some("fail"),
        exit,
        ready_after: dur(wellknown::ANNOTATION_SIM_READY_AFTER).unwrap_or_default(),
    }
}

/// Condition types the kubelet owns (it writes them; others it keeps).
pub const KUBELET_CONDITIONS: [&str; 4] = [
    "PodReadyToStartContainers",
    "Initialized",
    "ContainersReady",
    "Ready",
];

impl PodView {
    /// The view of `pod`.
    pub fn of(pod: &Pod) -> PodView {
        let meta = &pod.metadata;
        let spec = pod.spec.clone().unwrap_or_default();
        let status = pod.status.clone().unwrap_or_default();
        let restart_policy = match spec.restart_policy.as_deref() {
            Some("Never") => RestartPolicy::Never,
            Some("OnFailure") => RestartPolicy::OnFailure,
            _ => RestartPolicy::Always,
        };
        let grace_secs = meta
            .deletion_grace_period_seconds
            .or(spec.termination_grace_period_seconds)
            .unwrap_or(30)
            .max(0);
        let mut ran = BTreeMap::new();
        for cs in status
            .container_statuses
            .iter()
            .flatten()
            .chain(status.init_container_statuses.iter().flatten())
        {
            if cs.container_id.as_ref().is_some_and(|id| !id.is_empty()) {
                ran.insert(cs.name.clone(), cs.restart_count);
            }
        }
        let foreign_conditions = status
            .conditions
            .iter()
            .flatten()
            .filter(|c| !KUBELET_CONDITIONS.contains(&c.type_.as_str()))
            .filter_map(|c| serde_json::to_value(c).ok())
            .collect();
        PodView {
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            resource_version: meta.resource_version.clone().unwrap_or_default(),
            restart_policy,
            init: spec
                .init_containers
                .iter()
                .flatten()
                .map(|c| container(c, true))
                .collect(),
            app: spec
                .containers
                .iter()
                .map(|c| container(c, false))
                .collect(),
            deleting: meta.deletion_timestamp.is_some(),
            grace: Duration::from_secs(grace_secs as u64),
            overrides: overrides(&meta.annotations.clone().unwrap_or_default()),
            prior: Prior {
                phase: status.phase.clone(),
                pod_ip: status.pod_ip.clone(),
                ran,
            },
            foreign_conditions,
            readiness_gates: spec
                .readiness_gates
                .iter()
                .flatten()
                .map(|g| g.condition_type.clone())
                .collect(),
        }
    }

    /// `<name>_<namespace>(<uid>)`, as the kubelet names pods in messages.
    pub fn full_name(&self) -> String {
        format!("{}_{}({})", self.name, self.namespace, self.uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_defaults_follow_the_tag() {
        assert_eq!(default_pull_policy("nginx"), PullPolicy::Always);
        assert_eq!(default_pull_policy("nginx:latest"), PullPolicy::Always);
        assert_eq!(default_pull_policy("nginx:1.27"), PullPolicy::IfNotPresent);
        assert_eq!(
            default_pull_policy("localhost:5000/app"),
            PullPolicy::Always
        );
    }

    #[test]
    fn annotations_stage_failures() {
        let a: BTreeMap<String, String> = [
            (wellknown::ANNOTATION_SIM_READINESS, "fail"),
            (wellknown::ANNOTATION_SIM_EXIT_CODE, "3"),
            (wellknown::ANNOTATION_SIM_EXIT_AFTER, "1m"),
            (wellknown::ANNOTATION_SIM_READY_AFTER, "5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let o = overrides(&a);
        assert!(o.readiness_fails && !o.liveness_fails);
        assert_eq!(o.exit, Some((3, Duration::from_secs(60))));
        assert_eq!(o.ready_after, Duration::from_secs(5));
        assert_eq!(overrides(&BTreeMap::new()), Overrides::default());
    }
}
