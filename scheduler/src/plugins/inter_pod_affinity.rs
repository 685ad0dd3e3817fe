//! `InterPodAffinity`: required pod affinity and anti-affinity (the incoming pod's, and existing
//! pods' anti-affinity against it) filter nodes by topology domain; preferred terms score them.
//!
//! Mirrors `pkg/scheduler/framework/plugins/interpodaffinity`: PreFilter counts, per topology
//! pair (`topologyKey=value`), the existing pods that matter; Filter only looks the node's pairs up.

use std::collections::HashMap;

use crate::cache::{AffinityTerm, NamespaceLabels, NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::{INTER_POD_AFFINITY, MAX_NODE_SCORE};

/// `ErrReasonAffinityRulesNotMatch`.
pub const REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
/// `ErrReasonAntiAffinityRulesNotMatch`.
pub const REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
/// `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const REASON_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";

/// A topology domain: a node label key and its value.
type Pair = (String, String);

/// What PreFilter computes once per pod.
#[derive(Debug, Clone, Default)]
pub struct PreFilterState {
    /// Whether neither the pod nor any existing pod has required (anti-)affinity terms.
    pub skip: bool,
    existing_anti_affinity: HashMap<Pair, i64>,
    affinity: HashMap<Pair, i64>,
    anti_affinity: HashMap<Pair, i64>,
    matches_own_affinity: bool,
}

fn pair_of(term: &AffinityTerm, node: &NodeInfo) -> Option<Pair> {
    node.labels()
        .get(&term.topology_key)
        .map(|v| (term.topology_key.clone(), v.clone()))
}

/// PreFilter: counts, per topology pair, the existing pods whose required anti-affinity rejects
/// the pod, the pods matching all of the pod's required affinity terms, and the pods its
/// required anti-affinity terms match.
pub fn pre_filter(pod: &PodInfo, nodes: &[&NodeInfo], ns: &NamespaceLabels) -> PreFilterState {
    let mut state = PreFilterState::default();
    let any_existing_anti = nodes.iter().any(|n| n.pods_with_required_anti_affinity > 0);
    if pod.required_affinity.is_empty()
        && pod.required_anti_affinity.is_empty()
        && !any_existing_anti
    {
        state.skip = true;
        return state;
    }
    for node in nodes {
        if node.pods_with_required_anti_affinity > 0 {
            for existing in &node.pods {
                for term in &existing.required_anti_affinity {
                    if term.matches(pod, ns)
                        && let Some(p) = pair_of(term, node)
                    {
                        *state.existing_anti_affinity.entry(p).or_default() += 1;
                    }
                }
            }
        }
        if pod.required_affinity.is_empty() && pod.required_anti_affinity.is_empty() {
            continue;
        }
        for existing in &node.pods {
            if !pod.required_affinity.is_empty()
                && pod
                    .required_affinity
                    .iter()
                    .all(|t| t.matches(existing, ns))
            {
                for term in &pod.required_affinity {
                    if let Some(p) = pair_of(term, node) {
                        *state.affinity.entry(p).or_default() += 1;
                    }
                }
            }
            for term in &pod.required_anti_affinity {
                if term.matches(existing, ns)
                    && let Some(p) = pair_of(term, node)
                {
                    *state.anti_affinity.entry(p).or_default() += 1;
                }
            }
        }
    }
    state.matches_own_affinity = pod.required_affinity.iter().all(|t| t.matches(pod, ns));
    state
}

/// Filter: the node must be in a domain with pods the pod has affinity to (unless no such pod
/// exists anywhere and the pod matches its own terms: the first of a group), in no domain with
/// pods it has anti-affinity to, and in no domain whose pods have anti-affinity to it.
pub fn filter(state: &PreFilterState, pod: &PodInfo, node: &NodeInfo) -> Status {
    if state.skip {
        return Status::success();
    }
    let mut pods_exist = true;
    for term in &pod.required_affinity {
        match pair_of(term, node) {
            None => return Status::unresolvable(INTER_POD_AFFINITY, REASON_AFFINITY),
            Some(p) => {
                if state.affinity.get(&p).copied().unwrap_or(0) <= 0 {
                    pods_exist = false;
                }
            }
        }
    }
    let first_of_group = state.affinity.is_empty() && state.matches_own_affinity;
    if !(pods_exist || first_of_group) {
        return Status::unresolvable(INTER_POD_AFFINITY, REASON_AFFINITY);
    }
    for term in &pod.required_anti_affinity {
        if let Some(p) = pair_of(term, node)
            && state.anti_affinity.get(&p).copied().unwrap_or(0) > 0
        {
            return Status::unschedulable(INTER_POD_AFFINITY, REASON_ANTI_AFFINITY);
        }
    }
    if !state.existing_anti_affinity.is_empty() {
        for (k, v) in node.labels() {
            if state
                .existing_anti_affinity
                .get(&(k.clone(), v.clone()))
                .copied()
                .unwrap_or(0)
                > 0
            {
                return Status::unschedulable(INTER_POD_AFFINITY, REASON_EXISTING_ANTI_AFFINITY);
            }
        }
    }
    Status::success()
}

/// Weights summed per topology pair, computed once per pod before scoring.
#[derive(Debug, Clone, Default)]
pub struct PreScoreState {
    topology_score: HashMap<String, HashMap<String, i64>>,
}

impl PreScoreState {
    fn add(
        &mut self,
        term: &AffinityTerm,
        weight: i64,
        target: &PodInfo,
        node: &NodeInfo,
        ns: &NamespaceLabels,
    ) {
        if term.matches(target, ns)
            && let Some(v) = node.labels().get(&term.topology_key)
        {
            *self
                .topology_score
                .entry(term.topology_key.clone())
                .or_default()
                .entry(v.clone())
                .or_default() += weight;
        }
    }
}

/// `hardPodAffinityWeight`: how much an existing pod's required affinity to the incoming pod
/// counts when scoring (the default of `InterPodAffinityArgs`).
pub const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// PreScore: sums, per topology pair, the weights of preferred terms (the pod's toward existing
/// pods, existing pods' toward the pod; anti-affinity subtracts) and of existing pods' required
/// affinity toward the pod.
pub fn pre_score(pod: &PodInfo, nodes: &[&NodeInfo], ns: &NamespaceLabels) -> PreScoreState {
    let mut s = PreScoreState::default();
    let has_preferred =
        !(pod.preferred_affinity.is_empty() && pod.preferred_anti_affinity.is_empty());
    for node in nodes {
        if !has_preferred && node.pods_with_affinity == 0 {
            continue;
        }
        for existing in &node.pods {
            if !has_preferred && !existing.has_affinity() {
                continue;
            }
            for (w, term) in &pod.preferred_affinity {
                s.add(term, i64::from(*w), existing, node, ns);
            }
            for (w, term) in &pod.preferred_anti_affinity {
                s.add(term, -i64::from(*w), existing, node, ns);
            }
            for term in &existing.required_affinity {
                s.add(term, HARD_POD_AFFINITY_WEIGHT, pod, node, ns);
            }
            for (w, term) in &existing.preferred_affinity {
                s.add(term, i64::from(*w), pod, node, ns);
            }
            for (w, term) in &existing.preferred_anti_affinity {
                s.add(term, -i64::from(*w), pod, node, ns);
            }
        }
    }
    s
}

/// Raw score: the summed weights of the node's topology pairs.
pub fn score(state: &PreScoreState, node: &NodeInfo) -> i64 {
    let labels = node.labels();
    state
        .topology_score
        .iter()
        .filter_map(|(key, values)| labels.get(key).and_then(|v| values.get(v)))
        .sum()
}

/// NormalizeScore: rescales raw scores linearly so the lowest is 0 and the highest 100.
pub fn normalize(scores: &mut [i64]) {
    let (Some(min), Some(max)) = (scores.iter().min().copied(), scores.iter().max().copied())
    else {
        return;
    };
    let diff = max - min;
    for s in scores.iter_mut() {
        *s = if diff > 0 {
            MAX_NODE_SCORE * (*s - min) / diff
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use k8s_openapi::api::core::v1::{
        Affinity, Pod, PodAffinity, PodAffinityTerm, PodAntiAffinity, WeightedPodAffinityTerm,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

    fn term(app: &str, key: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            label_selector: Some(LabelSelector {
                match_labels: Some([("app".to_string(), app.to_string())].into()),
                ..Default::default()
            }),
            topology_key: key.into(),
            ..Default::default()
        }
    }

    fn with_affinity(
        mut p: Pod,
        affinity: Vec<PodAffinityTerm>,
        anti: Vec<PodAffinityTerm>,
    ) -> Pod {
        if let Some(spec) = p.spec.as_mut() {
            spec.affinity = Some(Affinity {
                pod_affinity: Some(PodAffinity {
                    required_during_scheduling_ignored_during_execution: Some(affinity),
                    ..Default::default()
                }),
                pod_anti_affinity: Some(PodAntiAffinity {
                    required_during_scheduling_ignored_during_execution: Some(anti),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        p
    }

    fn zone_node(name: &str, zone: &str, pods: Vec<Pod>) -> NodeInfo {
        node_info(
            node(
                name,
                &[],
                &[("zone", zone), ("kubernetes.io/hostname", name)],
            ),
            pods,
        )
    }

    fn run(pod: Pod, nodes: &[NodeInfo]) -> Vec<Status> {
        let p = info(pod);
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let ns = NamespaceLabels::default();
        let state = pre_filter(&p, &refs, &ns);
        nodes.iter().map(|n| filter(&state, &p, n)).collect()
    }

    #[test]
    fn required_anti_affinity_spreads_one_pod_per_host() {
        let web = |n: &str| {
            with_affinity(
                pod(n, &[], &[("app", "web")]),
                vec![],
                vec![term("web", "kubernetes.io/hostname")],
            )
        };
        let nodes = [
            zone_node("n1", "a", vec![web("w1")]),
            zone_node("n2", "a", vec![]),
            zone_node("n3", "b", vec![web("w3")]),
        ];
        let s = run(web("w2"), &nodes);
        assert_eq!(s[0].reasons, vec![REASON_ANTI_AFFINITY]);
        assert_eq!(s[0].code, crate::framework::Code::Unschedulable);
        assert!(s[1].is_success());
        assert_eq!(s[2].reasons, vec![REASON_ANTI_AFFINITY]);
        // A pod without anti-affinity of its own is still kept off by existing pods' terms.
        let plain = run(pod("other", &[], &[("app", "web")]), &nodes);
        assert_eq!(plain[0].reasons, vec![REASON_EXISTING_ANTI_AFFINITY]);
        assert!(plain[1].is_success());
    }

    #[test]
    fn required_affinity_follows_matching_pods_by_zone() {
        let nodes = [
            zone_node("n1", "a", vec![pod("db", &[], &[("app", "db")])]),
            zone_node("n2", "a", vec![]),
            zone_node("n3", "b", vec![]),
        ];
        let s = run(
            with_affinity(
                pod("web", &[], &[("app", "web")]),
                vec![term("db", "zone")],
                vec![],
            ),
            &nodes,
        );
        assert!(s[0].is_success());
        assert!(s[1].is_success());
        assert_eq!(s[2].reasons, vec![REASON_AFFINITY]);
        assert_eq!(
            s[2].code,
            crate::framework::Code::UnschedulableAndUnresolvable
        );
    }

    #[test]
    fn the_first_pod_of_a_self_affine_group_may_go_anywhere() {
        let nodes = [zone_node("n1", "a", vec![]), zone_node("n2", "b", vec![])];
        let self_affine = with_affinity(
            pod("c1", &[], &[("app", "cache")]),
            vec![term("cache", "zone")],
            vec![],
        );
        assert!(run(self_affine, &nodes).iter().all(Status::is_success));
        let other = with_affinity(
            pod("x", &[], &[("app", "x")]),
            vec![term("cache", "zone")],
            vec![],
        );
        assert!(run(other, &nodes).iter().all(|s| !s.is_success()));
    }

    #[test]
    fn preferred_affinity_scores_domains_with_matching_pods_higher() {
        let nodes = [
            zone_node("n1", "a", vec![pod("db", &[], &[("app", "db")])]),
            zone_node("n2", "a", vec![]),
            zone_node("n3", "b", vec![]),
        ];
        let mut p = pod("web", &[], &[]);
        if let Some(spec) = p.spec.as_mut() {
            spec.affinity = Some(Affinity {
                pod_affinity: Some(PodAffinity {
                    preferred_during_scheduling_ignored_during_execution: Some(vec![
                        WeightedPodAffinityTerm {
                            weight: 10,
                            pod_affinity_term: term("db", "zone"),
                        },
                    ]),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        let p = info(p);
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let state = pre_score(&p, &refs, &NamespaceLabels::default());
        let mut scores: Vec<i64> = nodes.iter().map(|n| score(&state, n)).collect();
        assert_eq!(scores, vec![10, 10, 0]);
        normalize(&mut scores);
        assert_eq!(scores, vec![100, 100, 0]);
    }

    #[test]
    fn namespace_selectors_widen_a_term() {
        let mut other_ns = pod("db", &[], &[("app", "db")]);
        other_ns.metadata.namespace = Some("data".into());
        let nodes = [
            zone_node("n1", "a", vec![other_ns]),
            zone_node("n2", "b", vec![]),
        ];
        let mut t = term("db", "zone");
        let strict = run(
            with_affinity(pod("web", &[], &[]), vec![t.clone()], vec![]),
            &nodes,
        );
        assert!(strict.iter().all(|s| !s.is_success()), "own namespace only");
        t.namespace_selector = Some(LabelSelector::default());
        let wide = run(with_affinity(pod("web", &[], &[]), vec![t], vec![]), &nodes);
        assert!(wide[0].is_success());
        assert!(!wide[1].is_success());
    }
}
