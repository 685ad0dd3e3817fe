//! Resource arithmetic: what a pod requests and what a node offers, in integer units.
//!
//! Mirrors `k8s.io/component-helpers/resource.PodRequests` and the scheduler's
//! `framework.Resource`: CPU in millicores, memory and ephemeral storage in bytes, the pod count,
//! and every other resource name (`nvidia.com/gpu`, `hugepages-2Mi`, …) as a whole-unit scalar.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::quantity;

/// `cpu`.
pub const CPU: &str = "cpu";
/// `memory`.
pub const MEMORY: &str = "memory";
/// `ephemeral-storage`.
pub const EPHEMERAL_STORAGE: &str = "ephemeral-storage";
/// `pods`.
pub const PODS: &str = "pods";

/// The CPU a container without a CPU request counts as when spreading (`DefaultMilliCPURequest`).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// The memory a container without a memory request counts as when spreading
/// (`DefaultMemoryRequest`, 200 MiB).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// An amount of each resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU in millicores.
    pub milli_cpu: i64,
    /// Memory in bytes.
    pub memory: i64,
    /// Ephemeral storage in bytes.
    pub ephemeral_storage: i64,
    /// Number of pods (only meaningful for a node's allocatable).
    pub allowed_pods: i64,
    /// Every other resource, in whole units.
    pub scalar: BTreeMap<String, i64>,
}

impl Resources {
    /// Reads a `ResourceList`. Quantities that do not parse count as zero (the API server
    /// validates them, so this only guards against garbage).
    pub fn from_list(list: Option<&BTreeMap<String, Quantity>>) -> Resources {
        let mut out = Resources::default();
        for (name, q) in list.into_iter().flatten() {
            match name.as_str() {
                CPU => out.milli_cpu = quantity::milli_value(&q.0).unwrap_or(0),
                MEMORY => out.memory = quantity::value(&q.0).unwrap_or(0),
                EPHEMERAL_STORAGE => out.ephemeral_storage = quantity::value(&q.0).unwrap_or(0),
                PODS => out.allowed_pods = quantity::value(&q.0).unwrap_or(0),
                other => {
                    out.scalar
                        .insert(other.to_string(), quantity::value(&q.0).unwrap_or(0));
                }
            }
        }
        out
    }

    /// Adds `other` to `self`.
    pub fn add(&mut self, other: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_add(other.milli_cpu);
        self.memory = self.memory.saturating_add(other.memory);
        self.ephemeral_storage = self
            .ephemeral_storage
            .saturating_add(other.ephemeral_storage);
        self.allowed_pods = self.allowed_pods.saturating_add(other.allowed_pods);
        for (k, v) in &other.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = e.saturating_add(*v);
        }
    }

    /// Subtracts `other` from `self`.
    pub fn sub(&mut self, other: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_sub(other.milli_cpu);
        self.memory = self.memory.saturating_sub(other.memory);
        self.ephemeral_storage = self
            .ephemeral_storage
            .saturating_sub(other.ephemeral_storage);
        self.allowed_pods = self.allowed_pods.saturating_sub(other.allowed_pods);
        for (k, v) in &other.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = e.saturating_sub(*v);
        }
        self.scalar.retain(|_, v| *v != 0);
    }

    /// Raises each amount of `self` to at least the one in `other`.
    pub fn set_max(&mut self, other: &Resources) {
        self.milli_cpu = self.milli_cpu.max(other.milli_cpu);
        self.memory = self.memory.max(other.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(other.ephemeral_storage);
        self.allowed_pods = self.allowed_pods.max(other.allowed_pods);
        for (k, v) in &other.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
    }

    /// Whether nothing at all is requested.
    pub fn is_zero(&self) -> bool {
        self.milli_cpu == 0
            && self.memory == 0
            && self.ephemeral_storage == 0
            && self.scalar.values().all(|v| *v == 0)
    }
}

/// The requests of a pod, and the CPU and memory it counts as when spreading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodRequests {
    /// What the pod requests (what `NodeResourcesFit` checks).
    pub requests: Resources,
    /// CPU in millicores with the 100m default for containers that request none.
    pub non_zero_milli_cpu: i64,
    /// Memory in bytes with the 200 MiB default for containers that request none.
    pub non_zero_memory: i64,
}

/// Computes what a pod requests, as upstream's `PodRequests`.
///
/// Regular containers and restartable init containers (sidecars) run together, so their
/// requests add up. A regular init container runs alone, next to the sidecars started before
/// it, so the pod needs the largest such step. The pod then requests the larger of the two,
/// plus its `overhead`. Example: containers of 1 and 2 CPU with init containers of 4 and 1 CPU
/// request `max(1 + 2, 4, 1) = 4` CPU.
// SIMPLIFICATION: pod-level `spec.resources` (alpha in 1.33) and in-place resize status are ignored.
pub fn pod_requests(spec: &PodSpec) -> PodRequests {
    let requests = aggregate(spec, |c| {
        let list = c.resources.as_ref().and_then(|r| r.requests.as_ref());
        Resources::from_list(list)
    });
    let non_zero = aggregate(spec, |c| {
        let list = c.resources.as_ref().and_then(|r| r.requests.as_ref());
        let r = Resources::from_list(list);
        let has = |name: &str| list.is_some_and(|l| l.contains_key(name));
        Resources {
            milli_cpu: if has(CPU) {
                r.milli_cpu
            } else {
                DEFAULT_MILLI_CPU_REQUEST
            },
            memory: if has(MEMORY) {
                r.memory
            } else {
                DEFAULT_MEMORY_REQUEST
            },
            ..Resources::default()
        }
    });
    PodRequests {
        requests,
        non_zero_milli_cpu: non_zero.milli_cpu,
        non_zero_memory: non_zero.memory,
    }
}

/// Applies the container-combination rule to per-container amounts, then adds the overhead.
fn aggregate(spec: &PodSpec, per_container: impl Fn(&Container) -> Resources) -> Resources {
    let mut total = Resources::default();
    for c in &spec.containers {
        total.add(&per_container(c));
    }
    let mut sidecars = Resources::default();
    let mut init_max = Resources::default();
    for c in spec.init_containers.iter().flatten() {
        let mut step = per_container(c);
        if c.restart_policy.as_deref() == Some("Always") {
            total.add(&step);
            sidecars.add(&step);
            step = sidecars.clone();
        } else {
            step.add(&sidecars);
        }
        init_max.set_max(&step);
    }
    total.set_max(&init_max);
    if let Some(overhead) = &spec.overhead {
        total.add(&Resources::from_list(Some(overhead)));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ResourceRequirements;

    fn container(name: &str, reqs: &[(&str, &str)], restart: Option<&str>) -> Container {
        Container {
            name: name.into(),
            resources: Some(ResourceRequirements {
                requests: Some(
                    reqs.iter()
                        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                        .collect(),
                ),
                ..Default::default()
            }),
            restart_policy: restart.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn requests_follow_the_init_container_max_rule() {
        struct Case {
            name: &'static str,
            containers: Vec<Container>,
            init: Vec<Container>,
            overhead: Option<&'static str>,
            cpu: i64,
            memory: i64,
        }
        let cases = [
            Case {
                name: "regular containers add up",
                containers: vec![
                    container("a", &[("cpu", "1"), ("memory", "1Gi")], None),
                    container("b", &[("cpu", "500m")], None),
                ],
                init: vec![],
                overhead: None,
                cpu: 1500,
                memory: 1 << 30,
            },
            Case {
                name: "a big init container wins",
                containers: vec![
                    container("a", &[("cpu", "1")], None),
                    container("b", &[("cpu", "2")], None),
                ],
                init: vec![
                    container("i1", &[("cpu", "4")], None),
                    container("i2", &[("cpu", "1")], None),
                ],
                overhead: None,
                cpu: 4000,
                memory: 0,
            },
            Case {
                name: "sidecars run with the containers and the later init containers",
                containers: vec![container("a", &[("cpu", "1")], None)],
                init: vec![
                    container("side", &[("cpu", "1")], Some("Always")),
                    container("i", &[("cpu", "2500m")], None),
                ],
                overhead: None,
                cpu: 3500,
                memory: 0,
            },
            Case {
                name: "overhead is added",
                containers: vec![container("a", &[("cpu", "1")], None)],
                init: vec![],
                overhead: Some("250m"),
                cpu: 1250,
                memory: 0,
            },
        ];
        for case in cases {
            let spec = PodSpec {
                containers: case.containers,
                init_containers: Some(case.init),
                overhead: case
                    .overhead
                    .map(|o| [("cpu".to_string(), Quantity(o.to_string()))].into()),
                ..Default::default()
            };
            let r = pod_requests(&spec);
            assert_eq!(r.requests.milli_cpu, case.cpu, "{}", case.name);
            assert_eq!(r.requests.memory, case.memory, "{}", case.name);
        }
    }

    #[test]
    fn containers_without_requests_count_as_defaults_when_spreading() {
        let spec = PodSpec {
            containers: vec![
                Container {
                    name: "bare".into(),
                    ..Default::default()
                },
                container("cpu-only", &[("cpu", "0")], None),
            ],
            ..Default::default()
        };
        let r = pod_requests(&spec);
        assert!(r.requests.is_zero());
        assert_eq!(r.non_zero_milli_cpu, DEFAULT_MILLI_CPU_REQUEST);
        assert_eq!(r.non_zero_memory, 2 * DEFAULT_MEMORY_REQUEST);
    }

    #[test]
    fn extended_resources_are_scalars() {
        let spec = PodSpec {
            containers: vec![container("gpu", &[("nvidia.com/gpu", "2")], None)],
            ..Default::default()
        };
        let r = pod_requests(&spec);
        assert_eq!(r.requests.scalar.get("nvidia.com/gpu"), Some(&2));
        assert!(!r.requests.is_zero());
    }
}
