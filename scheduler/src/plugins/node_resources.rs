//! `NodeResourcesFit` (filter, and its default `LeastAllocated` score) and
//! `NodeResourcesBalancedAllocation` (score).
//!
//! Mirrors `pkg/scheduler/framework/plugins/noderesources`: `fitsRequest` compares the pod's
//! requests with allocatable minus what the node's pods request; the scores look at CPU and
//! memory with weight 1 each.

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::{MAX_NODE_SCORE, NODE_RESOURCES_FIT};
use crate::resources::{CPU, EPHEMERAL_STORAGE, MEMORY, PODS, Resources};

/// One resource a node lacks (`InsufficientResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsufficientResource {
    /// The resource's name.
    pub resource: String,
    /// `Insufficient cpu`, `Too many pods`, ….
    pub reason: String,
    /// What the pod asks for.
    pub requested: i64,
    /// What the node's pods already request.
    pub used: i64,
    /// The node's allocatable amount.
    pub capacity: i64,
}

/// Lists what a node lacks to take a pod requesting `request` (`fitsRequest`).
pub fn fits_request(request: &Resources, node: &NodeInfo) -> Vec<InsufficientResource> {
    let mut out = Vec::new();
    let pods = i64::try_from(node.pods.len()).unwrap_or(i64::MAX);
    if pods + 1 > node.allocatable.allowed_pods {
        out.push(InsufficientResource {
            resource: PODS.into(),
            reason: "Too many pods".into(),
            requested: 1,
            used: pods,
            capacity: node.allocatable.allowed_pods,
        });
    }
    if request.is_zero() {
        return out;
    }
    let mut check = |name: &str, want: i64, used: i64, capacity: i64| {
        if want > 0 && want > capacity.saturating_sub(used) {
            out.push(InsufficientResource {
                resource: name.into(),
                reason: format!("Insufficient {name}"),
                requested: want,
                used,
                capacity,
            });
        }
    };
    check(
        CPU,
        request.milli_cpu,
        node.requested.milli_cpu,
        node.allocatable.milli_cpu,
    );
    check(
        MEMORY,
        request.memory,
        node.requested.memory,
        node.allocatable.memory,
    );
    check(
        EPHEMERAL_STORAGE,
        request.ephemeral_storage,
        node.requested.ephemeral_storage,
        node.allocatable.ephemeral_storage,
    );
    for (name, want) in &request.scalar {
        let used = node.requested.scalar.get(name).copied().unwrap_or(0);
        let cap = node.allocatable.scalar.get(name).copied().unwrap_or(0);
        check(name, *want, used, cap);
    }
    out
}

/// Filter: rejects nodes without room for the pod's requests. Every missing resource is a
/// separate reason, so `3 Insufficient cpu, 3 Insufficient memory` both count.
// Kubernetes 1.33 answers Unschedulable even when the request exceeds the node's whole
// allocatable (UnschedulableAndUnresolvable for that case came in 1.34).
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    let missing = fits_request(&pod.requests.requests, node);
    if missing.is_empty() {
        return Status::success();
    }
    let mut status = Status::unschedulable(NODE_RESOURCES_FIT, String::new());
    status.reasons = missing.into_iter().map(|m| m.reason).collect();
    status
}

/// `(requested, allocatable)` of CPU and memory once the pod is added, using the non-zero
/// defaults for containers without requests (as the `LeastAllocated` strategy does).
fn non_zero_usage(pod: &PodInfo, node: &NodeInfo) -> [(i64, i64); 2] {
    [
        (
            node.non_zero_milli_cpu + pod.requests.non_zero_milli_cpu,
            node.allocatable.milli_cpu,
        ),
        (
            node.non_zero_memory + pod.requests.non_zero_memory,
            node.allocatable.memory,
        ),
    ]
}

/// Score of `NodeResourcesFit` with its default `LeastAllocated` strategy: the share of CPU and
/// memory left free once the pod is placed, 0–100, CPU and memory weighted equally.
pub fn least_allocated_score(pod: &PodInfo, node: &NodeInfo) -> i64 {
    let usage = non_zero_usage(pod, node);
    let mut sum = 0;
    for (requested, capacity) in usage {
        sum += if capacity == 0 || requested > capacity {
            0
        } else {
            (capacity - requested) * MAX_NODE_SCORE / capacity
        };
    }
    sum / usage.len() as i64
}

/// Score of `NodeResourcesBalancedAllocation`: how evenly CPU and memory would be used,
/// `(1 − standard deviation of the used fractions) × 100`.
pub fn balanced_allocation_score(pod: &PodInfo, node: &NodeInfo) -> i64 {
    // BalancedAllocation looks at the actual requests, not the non-zero defaults.
    let usage = [
        (
            node.requested.milli_cpu + pod.requests.requests.milli_cpu,
            node.allocatable.milli_cpu,
        ),
        (
            node.requested.memory + pod.requests.requests.memory,
            node.allocatable.memory,
        ),
    ];
    let fractions: Vec<f64> = usage
        .iter()
        .filter(|(_, cap)| *cap > 0)
        .map(|(req, cap)| (*req as f64 / *cap as f64).min(1.0))
        .collect();
    let std = match fractions.as_slice() {
        [a, b] => (a - b).abs() / 2.0,
        _ => 0.0,
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;

    #[test]
    fn filter_names_every_missing_resource() {
        let n = node_info(
            node(
                "n",
                &[
                    ("cpu", "2"),
                    ("memory", "4Gi"),
                    ("pods", "2"),
                    ("nvidia.com/gpu", "1"),
                ],
                &[],
            ),
            vec![pod("existing", &[("cpu", "1500m"), ("memory", "1Gi")], &[])],
        );
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Vec<&'a str>);
        let cases: [Case; 6] = [
            ("fits", &[("cpu", "500m"), ("memory", "1Gi")], vec![]),
            ("cpu", &[("cpu", "600m")], vec!["Insufficient cpu"]),
            (
                "cpu and memory",
                &[("cpu", "1"), ("memory", "4Gi")],
                vec!["Insufficient cpu", "Insufficient memory"],
            ),
            ("gpu fits", &[("nvidia.com/gpu", "1")], vec![]),
            (
                "gpu",
                &[("nvidia.com/gpu", "2")],
                vec!["Insufficient nvidia.com/gpu"],
            ),
            (
                "unknown extended resource",
                &[("example.com/foo", "1")],
                vec!["Insufficient example.com/foo"],
            ),
        ];
        for (name, reqs, want) in cases {
            let p = info(pod("p", reqs, &[]));
            assert_eq!(filter(&p, &n).reasons, want, "{name}");
        }
    }

    #[test]
    fn a_full_node_has_too_many_pods_even_for_best_effort_pods() {
        let n = node_info(
            node("n", &[("cpu", "2"), ("pods", "1")], &[]),
            vec![pod("existing", &[], &[])],
        );
        let p = info(pod("p", &[], &[]));
        let s = filter(&p, &n);
        assert_eq!(s.reasons, vec!["Too many pods"]);
        assert_eq!(s.code, crate::framework::Code::Unschedulable);
    }

    #[test]
    fn least_allocated_prefers_emptier_nodes() {
        let empty = node_info(node("a", &[("cpu", "4"), ("memory", "8Gi")], &[]), vec![]);
        let busy = node_info(
            node("b", &[("cpu", "4"), ("memory", "8Gi")], &[]),
            vec![pod("x", &[("cpu", "2"), ("memory", "4Gi")], &[])],
        );
        let p = info(pod("p", &[("cpu", "1"), ("memory", "2Gi")], &[]));
        // (3/4 + 6/8) / 2 = 75 on the empty node, (1/4 + 2/8) / 2 = 25 on the busy one.
        assert_eq!(least_allocated_score(&p, &empty), 75);
        assert_eq!(least_allocated_score(&p, &busy), 25);
    }

    #[test]
    fn balanced_allocation_prefers_even_usage() {
        let n = node_info(node("a", &[("cpu", "4"), ("memory", "4Gi")], &[]), vec![]);
        let even = info(pod("even", &[("cpu", "2"), ("memory", "2Gi")], &[]));
        let skewed = info(pod("skewed", &[("cpu", "2"), ("memory", "0")], &[]));
        assert_eq!(balanced_allocation_score(&even, &n), 100);
        assert_eq!(balanced_allocation_score(&skewed, &n), 75);
    }
}
