//! `PodTopologySpread`: `DoNotSchedule` constraints filter nodes whose domain would exceed
//! `maxSkew`; `ScheduleAnyway` constraints prefer domains with fewer matching pods.
//!
//! Mirrors `pkg/scheduler/framework/plugins/podtopologyspread`: PreFilter counts matching pods
//! per topology pair over the nodes that pass the constraint's inclusion policies, and the skew
//! of a node is `count(its domain) + (1 if the pod matches itself) − min count over domains`.

use std::collections::{BTreeSet, HashMap};

use k8s_openapi::api::core::v1::TopologySpreadConstraint;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::node_affinity::required_matches;
use crate::plugins::taint_toleration::tolerates;
use crate::plugins::{MAX_NODE_SCORE, POD_TOPOLOGY_SPREAD};
use crate::selector::label_selector_matches;

/// `ErrReasonConstraintsNotMatch`.
pub const REASON: &str = "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`.
pub const REASON_MISSING_LABEL: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

const HOSTNAME: &str = "kubernetes.io/hostname";

type Pair = (String, String);

/// One constraint with its selector completed by `matchLabelKeys`.
#[derive(Debug, Clone)]
pub struct Constraint {
    max_skew: i64,
    topology_key: String,
    selector: LabelSelector,
    min_domains: usize,
    honor_node_affinity: bool,
    honor_node_taints: bool,
}

/// The pod's constraints with the given `whenUnsatisfiable`.
fn constraints(pod: &PodInfo, when: &str) -> Vec<Constraint> {
    pod.spec()
        .topology_spread_constraints
        .iter()
        .flatten()
        .filter(|c| c.when_unsatisfiable == when)
        .map(|c| constraint(pod, c))
        .collect()
}

fn constraint(pod: &PodInfo, c: &TopologySpreadConstraint) -> Constraint {
    let mut selector = c.label_selector.clone().unwrap_or_default();
    // matchLabelKeys: the pod's own values for these keys narrow the selector.
    for key in c.match_label_keys.iter().flatten() {
        if let Some(v) = pod.labels().get(key) {
            selector
                .match_expressions
                .get_or_insert_with(Vec::new)
                .push(LabelSelectorRequirement {
                    key: key.clone(),
                    operator: "In".into(),
                    values: Some(vec![v.clone()]),
                });
        }
    }
    if c.label_selector.is_none() {
        // A constraint without a selector matches no pod (`labels.Nothing()`).
        selector.match_expressions = Some(vec![LabelSelectorRequirement {
            key: String::new(),
            operator: "None".into(),
            values: None,
        }]);
    }
    Constraint {
        max_skew: i64::from(c.max_skew),
        topology_key: c.topology_key.clone(),
        selector,
        min_domains: c.min_domains.map_or(1, |m| usize::try_from(m).unwrap_or(1)),
        honor_node_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
        honor_node_taints: c.node_taints_policy.as_deref() == Some("Honor"),
    }
}

fn has_all_keys(node: &NodeInfo, cs: &[Constraint]) -> bool {
    cs.iter()
        .all(|c| node.labels().contains_key(&c.topology_key))
}

/// Whether a node counts for a constraint (`nodeAffinityPolicy`, `nodeTaintsPolicy`).
fn included(c: &Constraint, pod: &PodInfo, node: &NodeInfo) -> bool {
    if c.honor_node_affinity && !required_matches(pod, node) {
        return false;
    }
    if c.honor_node_taints {
        let tolerations = pod.spec().tolerations.as_deref().unwrap_or_default();
        let untolerated = node.taints().iter().any(|t| {
            matches!(t.effect.as_str(), "NoSchedule" | "NoExecute")
                && !tolerations.iter().any(|tol| tolerates(tol, t))
        });
        if untolerated {
            return false;
        }
    }
    true
}

/// Pods on the node in the pod's namespace, not terminating, that the selector matches.
fn count_matching(node: &NodeInfo, selector: &LabelSelector, namespace: &str) -> i64 {
    node.pods
        .iter()
        .filter(|p| {
            !p.is_terminating()
                && p.namespace() == namespace
                && label_selector_matches(selector, p.labels())
        })
        .count() as i64
}

/// What PreFilter computes for the `DoNotSchedule` constraints.
#[derive(Debug, Clone, Default)]
pub struct PreFilterState {
    constraints: Vec<Constraint>,
    counts: HashMap<Pair, i64>,
    /// Per constraint: the smallest count over its domains, and how many domains there are.
    min_counts: Vec<(i64, usize)>,
}

/// PreFilter: counts matching pods per topology pair for each `DoNotSchedule` constraint.
pub fn pre_filter(pod: &PodInfo, nodes: &[&NodeInfo]) -> PreFilterState {
    let cs = constraints(pod, "DoNotSchedule");
    let mut counts: HashMap<Pair, i64> = HashMap::new();
    if cs.is_empty() {
        return PreFilterState::default();
    }
    for node in nodes {
        if !has_all_keys(node, &cs) {
            continue;
        }
        for c in &cs {
            let Some(value) = node.labels().get(&c.topology_key) else {
                continue;
            };
            if !included(c, pod, node) {
                continue;
            }
            let pair = (c.topology_key.clone(), value.clone());
            *counts.entry(pair).or_default() += count_matching(node, &c.selector, pod.namespace());
        }
    }
    let min_counts = cs
        .iter()
        .map(|c| {
            let domains: Vec<i64> = counts
                .iter()
                .filter(|((k, _), _)| k == &c.topology_key)
                .map(|(_, n)| *n)
                .collect();
            (domains.iter().copied().min().unwrap_or(0), domains.len())
        })
        .collect();
    PreFilterState {
        constraints: cs,
        counts,
        min_counts,
    }
}

/// Filter: rejects nodes lacking a constraint's topology label, or whose domain would be more
/// than `maxSkew` above the least-loaded domain (taken as 0 while there are fewer domains than
/// `minDomains`).
pub fn filter(state: &PreFilterState, pod: &PodInfo, node: &NodeInfo) -> Status {
    for (i, c) in state.constraints.iter().enumerate() {
        let Some(value) = node.labels().get(&c.topology_key) else {
            return Status::unresolvable(POD_TOPOLOGY_SPREAD, REASON_MISSING_LABEL);
        };
        let self_match = i64::from(label_selector_matches(&c.selector, pod.labels()));
        let (min, domains) = state.min_counts[i];
        let min = if domains < c.min_domains { 0 } else { min };
        let count = state
            .counts
            .get(&(c.topology_key.clone(), value.clone()))
            .copied()
            .unwrap_or(0);
        if count + self_match - min > c.max_skew {
            return Status::unschedulable(POD_TOPOLOGY_SPREAD, REASON);
        }
    }
    Status::success()
}

/// What PreScore computes for the `ScheduleAnyway` constraints.
#[derive(Debug, Clone, Default)]
pub struct PreScoreState {
    constraints: Vec<Constraint>,
    counts: HashMap<Pair, i64>,
    weights: Vec<f64>,
}

/// PreScore: counts matching pods per domain of the feasible nodes and weighs each constraint
/// by `ln(number of domains + 2)`.
pub fn pre_score(pod: &PodInfo, feasible: &[&NodeInfo], all: &[&NodeInfo]) -> PreScoreState {
    let cs = constraints(pod, "ScheduleAnyway");
    if cs.is_empty() {
        return PreScoreState::default();
    }
    let mut counts: HashMap<Pair, i64> = HashMap::new();
    let mut sizes = vec![0usize; cs.len()];
    let mut values: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); cs.len()];
    for node in feasible.iter().filter(|n| has_all_keys(n, &cs)) {
        for (i, c) in cs.iter().enumerate() {
            if c.topology_key == HOSTNAME {
                sizes[i] += 1;
                continue;
            }
            let Some(v) = node.labels().get(&c.topology_key) else {
                continue;
            };
            values[i].insert(v);
            counts
                .entry((c.topology_key.clone(), v.clone()))
                .or_default();
        }
    }
    for (i, c) in cs.iter().enumerate() {
        if c.topology_key != HOSTNAME {
            sizes[i] = values[i].len();
        }
    }
    for node in all.iter().filter(|n| has_all_keys(n, &cs)) {
        for c in &cs {
            let Some(value) = node.labels().get(&c.topology_key) else {
                continue;
            };
            if !included(c, pod, node) {
                continue;
            }
            let pair = (c.topology_key.clone(), value.clone());
            if let Some(n) = counts.get_mut(&pair) {
                *n += count_matching(node, &c.selector, pod.namespace());
            }
        }
    }
    PreScoreState {
        weights: sizes.iter().map(|s| ((*s + 2) as f64).ln()).collect(),
        constraints: cs,
        counts,
    }
}

/// Raw score (lower is better), or `None` for a node without every topology label, which
/// scores 0 after normalization.
pub fn score(state: &PreScoreState, pod: &PodInfo, node: &NodeInfo) -> Option<i64> {
    if state.constraints.is_empty() {
        return Some(0);
    }
    if !has_all_keys(node, &state.constraints) {
        return None;
    }
    let mut total = 0.0;
    for (i, c) in state.constraints.iter().enumerate() {
        let value = node.labels().get(&c.topology_key)?;
        let count = if c.topology_key == HOSTNAME {
            count_matching(node, &c.selector, pod.namespace())
        } else {
            state
                .counts
                .get(&(c.topology_key.clone(), value.clone()))
                .copied()
                .unwrap_or(0)
        };
        total += count as f64 * state.weights[i] + (c.max_skew - 1) as f64;
    }
    Some(total.round() as i64)
}

/// NormalizeScore: fewer matching pods score higher; nodes without the labels score 0.
pub fn normalize(raw: &[Option<i64>]) -> Vec<i64> {
    let present: Vec<i64> = raw.iter().flatten().copied().collect();
    let min = present.iter().copied().min().unwrap_or(0);
    let max = present.iter().copied().max().unwrap_or(0);
    raw.iter()
        .map(|s| match s {
            None => 0,
            Some(_) if max == 0 => MAX_NODE_SCORE,
            Some(s) => MAX_NODE_SCORE * (max + min - s) / max,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use k8s_openapi::api::core::v1::Pod;

    fn spread(mut p: Pod, key: &str, max_skew: i32, when: &str, min_domains: Option<i32>) -> Pod {
        if let Some(spec) = p.spec.as_mut() {
            spec.topology_spread_constraints = Some(vec![TopologySpreadConstraint {
                max_skew,
                topology_key: key.into(),
                when_unsatisfiable: when.into(),
                label_selector: Some(LabelSelector {
                    match_labels: Some([("app".to_string(), "web".to_string())].into()),
                    ..Default::default()
                }),
                min_domains,
                ..Default::default()
            }]);
        }
        p
    }

    fn web(name: &str) -> Pod {
        pod(name, &[], &[("app", "web")])
    }

    fn zone_node(name: &str, zone: Option<&str>, pods: Vec<Pod>) -> NodeInfo {
        let mut labels = vec![("kubernetes.io/hostname", name)];
        if let Some(z) = zone {
            labels.push(("zone", z));
        }
        node_info(node(name, &[], &labels), pods)
    }

    #[test]
    fn max_skew_one_over_three_zones_fills_the_emptiest_zone() {
        let nodes = [
            zone_node("a", Some("z1"), vec![web("w1")]),
            zone_node("b", Some("z2"), vec![web("w2")]),
            zone_node("c", Some("z3"), vec![]),
            zone_node("d", None, vec![]),
        ];
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let p = info(spread(web("new"), "zone", 1, "DoNotSchedule", None));
        let state = pre_filter(&p, &refs);
        let got: Vec<Status> = nodes.iter().map(|n| filter(&state, &p, n)).collect();
        assert_eq!(got[0].reasons, vec![REASON]);
        assert_eq!(got[1].reasons, vec![REASON]);
        assert!(got[2].is_success());
        assert_eq!(got[3].reasons, vec![REASON_MISSING_LABEL]);
        assert_eq!(
            got[3].code,
            crate::framework::Code::UnschedulableAndUnresolvable
        );
    }

    #[test]
    fn min_domains_counts_missing_domains_as_empty() {
        let nodes = [
            zone_node("a", Some("z1"), vec![web("w1")]),
            zone_node("b", Some("z2"), vec![web("w2")]),
        ];
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let without = info(spread(web("new"), "zone", 1, "DoNotSchedule", None));
        let state = pre_filter(&without, &refs);
        assert!(filter(&state, &without, &nodes[0]).is_success());
        let with = info(spread(web("new"), "zone", 1, "DoNotSchedule", Some(3)));
        let state = pre_filter(&with, &refs);
        assert!(!filter(&state, &with, &nodes[0]).is_success());
    }

    #[test]
    fn pods_that_do_not_match_the_selector_are_not_counted() {
        let nodes = [
            zone_node("a", Some("z1"), vec![pod("db", &[], &[("app", "db")])]),
            zone_node("b", Some("z2"), vec![]),
        ];
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let p = info(spread(web("new"), "zone", 1, "DoNotSchedule", None));
        let state = pre_filter(&p, &refs);
        assert!(nodes.iter().all(|n| filter(&state, &p, n).is_success()));
    }

    #[test]
    fn schedule_anyway_prefers_emptier_domains() {
        let nodes = [
            zone_node("a", Some("z1"), vec![web("w1"), web("w2")]),
            zone_node("b", Some("z2"), vec![web("w3")]),
            zone_node("c", Some("z3"), vec![]),
            zone_node("d", None, vec![]),
        ];
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let p = info(spread(web("new"), "zone", 1, "ScheduleAnyway", None));
        let state = pre_score(&p, &refs, &refs);
        let raw: Vec<Option<i64>> = nodes.iter().map(|n| score(&state, &p, n)).collect();
        // ln(3 + 2) ≈ 1.609 per matching pod.
        assert_eq!(raw, vec![Some(3), Some(2), Some(0), None]);
        assert_eq!(normalize(&raw), vec![0, 33, 100, 0]);
    }
}
