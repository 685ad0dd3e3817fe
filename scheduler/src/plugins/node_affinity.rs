//! `NodeAffinity`: `spec.nodeSelector` and required node affinity filter nodes; preferred node
//! affinity terms add their weights to a node's score.

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::NODE_AFFINITY;
use crate::selector::{map_selector_matches, node_selector_matches, node_selector_term_matches};

/// `ErrReasonPod` of the plugin.
pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether a node satisfies the pod's `nodeSelector` and required node affinity
/// (`GetRequiredNodeAffinity(pod).Match(node)`).
pub fn required_matches(pod: &PodInfo, node: &NodeInfo) -> bool {
    let spec = pod.spec();
    if let Some(sel) = &spec.node_selector
        && !map_selector_matches(sel, node.labels())
    {
        return false;
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    required.is_none_or(|sel| node_selector_matches(sel, &node.name, node.labels()))
}

/// Filter: rejects nodes that do not match the pod's node selector or required node affinity.
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    if required_matches(pod, node) {
        Status::success()
    } else {
        Status::unresolvable(NODE_AFFINITY, REASON)
    }
}

/// Raw score: the sum of the weights of the preferred terms the node matches.
pub fn score(pod: &PodInfo, node: &NodeInfo) -> i64 {
    pod.spec()
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.preferred_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .into_iter()
        .flatten()
        .filter(|t| node_selector_term_matches(&t.preference, &node.name, node.labels()))
        .map(|t| i64::from(t.weight))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use k8s_openapi::api::core::v1::{
        Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
        PreferredSchedulingTerm,
    };

    fn term(key: &str, op: &str, values: &[&str]) -> NodeSelectorTerm {
        NodeSelectorTerm {
            match_expressions: Some(vec![NodeSelectorRequirement {
                key: key.into(),
                operator: op.into(),
                values: Some(values.iter().map(|s| s.to_string()).collect()),
            }]),
            match_fields: None,
        }
    }

    fn pod_with(
        selector: &[(&str, &str)],
        required: Option<Vec<NodeSelectorTerm>>,
        preferred: Vec<(i32, NodeSelectorTerm)>,
    ) -> std::sync::Arc<PodInfo> {
        let mut p = pod("p", &[], &[]);
        if let Some(spec) = p.spec.as_mut() {
            if !selector.is_empty() {
                spec.node_selector = Some(
                    selector
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                );
            }
            spec.affinity = Some(Affinity {
                node_affinity: Some(NodeAffinity {
                    required_during_scheduling_ignored_during_execution: required.map(|terms| {
                        NodeSelector {
                            node_selector_terms: terms,
                        }
                    }),
                    preferred_during_scheduling_ignored_during_execution: Some(
                        preferred
                            .into_iter()
                            .map(|(weight, preference)| PreferredSchedulingTerm {
                                weight,
                                preference,
                            })
                            .collect(),
                    ),
                }),
                ..Default::default()
            });
        }
        info(p)
    }

    #[test]
    fn filter_applies_node_selector_and_required_terms() {
        let ssd = node_info(node("n1", &[], &[("disk", "ssd"), ("zone", "a")]), vec![]);
        let hdd = node_info(node("n2", &[], &[("disk", "hdd"), ("zone", "b")]), vec![]);
        let cases = [
            (
                "selector",
                pod_with(&[("disk", "ssd")], None, vec![]),
                true,
                false,
            ),
            (
                "terms are ORed",
                pod_with(
                    &[],
                    Some(vec![
                        term("zone", "In", &["a"]),
                        term("disk", "In", &["hdd"]),
                    ]),
                    vec![],
                ),
                true,
                true,
            ),
            (
                "NotIn",
                pod_with(&[], Some(vec![term("zone", "NotIn", &["a"])]), vec![]),
                false,
                true,
            ),
            (
                "selector and affinity both apply",
                pod_with(
                    &[("disk", "ssd")],
                    Some(vec![term("zone", "In", &["b"])]),
                    vec![],
                ),
                false,
                false,
            ),
        ];
        for (name, p, on_ssd, on_hdd) in cases {
            assert_eq!(filter(&p, &ssd).is_success(), on_ssd, "{name} on ssd");
            assert_eq!(filter(&p, &hdd).is_success(), on_hdd, "{name} on hdd");
        }
        assert_eq!(
            filter(&pod_with(&[("disk", "nvme")], None, vec![]), &ssd).reasons,
            vec![REASON]
        );
    }

    #[test]
    fn score_sums_matching_preferred_weights() {
        let n = node_info(node("n1", &[], &[("disk", "ssd"), ("zone", "a")]), vec![]);
        let p = pod_with(
            &[],
            None,
            vec![
                (10, term("disk", "In", &["ssd"])),
                (5, term("zone", "In", &["a"])),
                (50, term("zone", "In", &["b"])),
            ],
        );
        assert_eq!(score(&p, &n), 15);
    }
}
