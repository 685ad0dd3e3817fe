//! The default plugins and the order and weights upstream's default profile runs them in.
//!
//! Each plugin is a module of pure functions over typed objects (`filter`, `score`, and where a
//! plugin needs per-pod precomputation, `pre_filter`/`pre_score` returning a typed state).
//! [`pre_filter`], [`run_filters`] and [`score_nodes`] are the glue the scheduling cycle calls.
//! Nothing here does I/O.

pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;

use crate::cache::{NamespaceLabels, NodeInfo, PodInfo};
use crate::framework::Status;

/// The highest score a score plugin gives (`MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// Plugin name.
pub const NODE_UNSCHEDULABLE: &str = "NodeUnschedulable";
/// Plugin name.
pub const NODE_NAME: &str = "NodeName";
/// Plugin name.
pub const TAINT_TOLERATION: &str = "TaintToleration";
/// Plugin name.
pub const NODE_AFFINITY: &str = "NodeAffinity";
/// Plugin name.
pub const NODE_PORTS: &str = "NodePorts";
/// Plugin name.
pub const NODE_RESOURCES_FIT: &str = "NodeResourcesFit";
/// Plugin name.
pub const NODE_RESOURCES_BALANCED_ALLOCATION: &str = "NodeResourcesBalancedAllocation";
/// Plugin name.
pub const POD_TOPOLOGY_SPREAD: &str = "PodTopologySpread";
/// Plugin name.
pub const INTER_POD_AFFINITY: &str = "InterPodAffinity";
/// Plugin name.
pub const DEFAULT_PREEMPTION: &str = "DefaultPreemption";

/// Score weights of upstream's default profile (`pkg/scheduler/apis/config/v1/default_plugins.go`).
pub mod weights {
    /// `TaintToleration`.
    pub const TAINT_TOLERATION: i64 = 3;
    /// `NodeAffinity`.
    pub const NODE_AFFINITY: i64 = 2;
    /// `NodeResourcesFit` (`LeastAllocated`).
    pub const NODE_RESOURCES_FIT: i64 = 1;
    /// `NodeResourcesBalancedAllocation`.
    pub const NODE_RESOURCES_BALANCED_ALLOCATION: i64 = 1;
    /// `PodTopologySpread`.
    pub const POD_TOPOLOGY_SPREAD: i64 = 2;
    /// `InterPodAffinity`.
    pub const INTER_POD_AFFINITY: i64 = 2;
}

/// What PreFilter plugins computed for one pod in one cycle (`CycleState`).
#[derive(Debug, Clone, Default)]
pub struct CycleState {
    /// `PodTopologySpread`'s counts.
    pub spread: pod_topology_spread::PreFilterState,
    /// `InterPodAffinity`'s counts.
    pub affinity: inter_pod_affinity::PreFilterState,
}

/// Runs the PreFilter plugins over every node.
pub fn pre_filter(pod: &PodInfo, nodes: &[&NodeInfo], ns: &NamespaceLabels) -> CycleState {
    CycleState {
        spread: pod_topology_spread::pre_filter(pod, nodes),
        affinity: inter_pod_affinity::pre_filter(pod, nodes, ns),
    }
}

/// Runs the Filter plugins in the default profile's order and stops at the first rejection, so
/// a node reports only the first plugin that rejected it (as `RunFilterPlugins`).
pub fn run_filters(state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
    let simple: [fn(&PodInfo, &NodeInfo) -> Status; 6] = [
        node_unschedulable::filter,
        node_name::filter,
        taint_toleration::filter,
        node_affinity::filter,
        node_ports::filter,
        node_resources::filter,
    ];
    for f in simple {
        let s = f(pod, node);
        if !s.is_success() {
            return s;
        }
    }
    let s = pod_topology_spread::filter(&state.spread, pod, node);
    if !s.is_success() {
        return s;
    }
    inter_pod_affinity::filter(&state.affinity, pod, node)
}

/// `DefaultNormalizeScore`: scales raw scores so the highest becomes 100 (or, reversed, the
/// highest becomes 0 and zero becomes 100).
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        *s = MAX_NODE_SCORE * *s / max;
        if reverse {
            *s = MAX_NODE_SCORE - *s;
        }
    }
}

/// Runs the Score plugins over the feasible nodes and returns each node's weighted total.
// SIMPLIFICATION: ImageLocality (weight 1) is not run: kubesim nodes report no images.
pub fn score_nodes(
    pod: &PodInfo,
    feasible: &[&NodeInfo],
    all: &[&NodeInfo],
    ns: &NamespaceLabels,
) -> Vec<i64> {
    let mut total = vec![0i64; feasible.len()];
    let mut add = |scores: &[i64], weight: i64| {
        for (t, s) in total.iter_mut().zip(scores) {
            *t += s * weight;
        }
    };

    let mut taints: Vec<i64> = feasible
        .iter()
        .map(|n| taint_toleration::score(pod, n))
        .collect();
    default_normalize(&mut taints, true);
    add(&taints, weights::TAINT_TOLERATION);

    let mut affinity: Vec<i64> = feasible
        .iter()
        .map(|n| node_affinity::score(pod, n))
        .collect();
    default_normalize(&mut affinity, false);
    add(&affinity, weights::NODE_AFFINITY);

    let fit: Vec<i64> = feasible
        .iter()
        .map(|n| node_resources::least_allocated_score(pod, n))
        .collect();
    add(&fit, weights::NODE_RESOURCES_FIT);

    let balanced: Vec<i64> = feasible
        .iter()
        .map(|n| node_resources::balanced_allocation_score(pod, n))
        .collect();
    add(&balanced, weights::NODE_RESOURCES_BALANCED_ALLOCATION);

    if pod
        .spec()
        .topology_spread_constraints
        .iter()
        .flatten()
        .any(|c| c.when_unsatisfiable == "ScheduleAnyway")
    {
        let state = pod_topology_spread::pre_score(pod, feasible, all);
        let raw: Vec<Option<i64>> = feasible
            .iter()
            .map(|n| pod_topology_spread::score(&state, pod, n))
            .collect();
        add(
            &pod_topology_spread::normalize(&raw),
            weights::POD_TOPOLOGY_SPREAD,
        );
    }

    let state = inter_pod_affinity::pre_score(pod, all, ns);
    let mut ipa: Vec<i64> = feasible
        .iter()
        .map(|n| inter_pod_affinity::score(&state, n))
        .collect();
    if ipa.iter().any(|s| *s != 0) {
        inter_pod_affinity::normalize(&mut ipa);
        add(&ipa, weights::INTER_POD_AFFINITY);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;

    #[test]
    fn default_normalize_scales_to_the_maximum() {
        let mut s = vec![0, 5, 10];
        default_normalize(&mut s, false);
        assert_eq!(s, vec![0, 50, 100]);
        let mut zeros = vec![0, 0];
        default_normalize(&mut zeros, false);
        assert_eq!(zeros, vec![0, 0]);
        default_normalize(&mut zeros, true);
        assert_eq!(zeros, vec![100, 100]);
    }

    #[test]
    fn filters_stop_at_the_first_rejection() {
        let mut n = node("n", &[("cpu", "1"), ("pods", "10")], &[]);
        if let Some(spec) = n.spec.as_mut() {
            spec.unschedulable = Some(true);
        }
        let n = node_info(n, vec![]);
        let p = info(pod("p", &[("cpu", "2")], &[]));
        let s = run_filters(&CycleState::default(), &p, &n);
        assert_eq!(s.plugin, NODE_UNSCHEDULABLE);
        assert_eq!(s.reasons.len(), 1);
    }

    #[test]
    fn scores_prefer_the_emptier_untainted_node() {
        let empty = node_info(
            node("a", &[("cpu", "4"), ("memory", "8Gi"), ("pods", "10")], &[]),
            vec![],
        );
        let busy = node_info(
            node("b", &[("cpu", "4"), ("memory", "8Gi"), ("pods", "10")], &[]),
            vec![pod("x", &[("cpu", "3"), ("memory", "1Gi")], &[])],
        );
        let p = info(pod("p", &[("cpu", "500m"), ("memory", "512Mi")], &[]));
        let nodes = [&empty, &busy];
        let scores = score_nodes(&p, &nodes, &nodes, &NamespaceLabels::default());
        assert!(scores[0] > scores[1], "{scores:?}");
    }
}
