//! Label and node selector matching over typed objects, as `metav1.LabelSelectorAsSelector` and
//! `component-helpers/scheduling/corev1/nodeaffinity` evaluate them.
//!
//! Pure functions; an invalid selector (unknown operator, `Gt` with a non-integer) matches nothing,
//! which is how the scheduler treats selectors the API server let through.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{NodeSelector, NodeSelectorRequirement, NodeSelectorTerm};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// An empty label map, for objects without labels.
pub static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// Whether `labels` match a `metav1.LabelSelector`. An empty selector matches everything.
pub fn label_selector_matches(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    for (k, v) in sel.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or_default();
        let found = labels.get(&e.key);
        let ok = match e.operator.as_str() {
            "In" => found.is_some_and(|v| values.contains(v)),
            "NotIn" => found.is_none_or(|v| !values.contains(v)),
            "Exists" => found.is_some(),
            "DoesNotExist" => found.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Whether `labels` match a plain map selector (`spec.nodeSelector`): every pair must be present.
pub fn map_selector_matches(
    sel: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Whether one node selector requirement holds for a value found under its key (or none).
fn requirement_matches(req: &NodeSelectorRequirement, found: Option<&str>) -> bool {
    let values = req.values.as_deref().unwrap_or_default();
    let as_int = |s: &str| s.parse::<i64>().ok();
    match req.operator.as_str() {
        "In" => found.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => found.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => found.is_some(),
        "DoesNotExist" => found.is_none(),
        "Gt" | "Lt" => {
            let [bound] = values else { return false };
            let (Some(bound), Some(v)) = (as_int(bound), found.and_then(as_int)) else {
                return false;
            };
            if req.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// Whether a node (its name and labels) matches one `NodeSelectorTerm`: all `matchExpressions`
/// over labels and all `matchFields` (only `metadata.name` is a field). An empty term matches
/// nothing.
pub fn node_selector_term_matches(
    term: &NodeSelectorTerm,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    exprs
        .iter()
        .all(|r| requirement_matches(r, labels.get(&r.key).map(String::as_str)))
        && fields.iter().all(|r| {
            r.key == "metadata.name"
                && matches!(r.operator.as_str(), "In" | "NotIn")
                && requirement_matches(r, Some(node_name))
        })
}

/// Whether a node matches a `NodeSelector`: any of its terms.
pub fn node_selector_matches(
    sel: &NodeSelector,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    sel.node_selector_terms
        .iter()
        .any(|t| node_selector_term_matches(t, node_name, labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, op: &str, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn label_selectors_match_like_upstream() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let expr = |k: &str, op: &str, v: &[&str]| LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: k.into(),
                operator: op.into(),
                values: Some(v.iter().map(|s| s.to_string()).collect()),
            }]),
            ..Default::default()
        };
        let cases: Vec<(&str, LabelSelector, bool)> = vec![
            ("empty selector", LabelSelector::default(), true),
            (
                "matchLabels hit",
                LabelSelector {
                    match_labels: Some(labels(&[("app", "web")])),
                    ..Default::default()
                },
                true,
            ),
            (
                "matchLabels miss",
                LabelSelector {
                    match_labels: Some(labels(&[("app", "db")])),
                    ..Default::default()
                },
                false,
            ),
            ("In", expr("tier", "In", &["front", "back"]), true),
            (
                "NotIn on a missing key",
                expr("zone", "NotIn", &["a"]),
                true,
            ),
            ("NotIn hit", expr("tier", "NotIn", &["front"]), false),
            ("Exists", expr("app", "Exists", &[]), true),
            ("DoesNotExist", expr("app", "DoesNotExist", &[]), false),
            ("unknown operator", expr("app", "Like", &[]), false),
        ];
        for (name, sel, want) in cases {
            assert_eq!(label_selector_matches(&sel, &l), want, "{name}");
        }
    }

    #[test]
    fn node_selector_terms_cover_every_operator() {
        let l = labels(&[("zone", "a"), ("cores", "8")]);
        let cases = [
            ("In", req("zone", "In", &["a", "b"]), true),
            ("NotIn", req("zone", "NotIn", &["a"]), false),
            ("Exists", req("zone", "Exists", &[]), true),
            ("DoesNotExist", req("gpu", "DoesNotExist", &[]), true),
            ("Gt", req("cores", "Gt", &["4"]), true),
            ("Gt equal", req("cores", "Gt", &["8"]), false),
            ("Lt", req("cores", "Lt", &["16"]), true),
            ("Lt not an integer", req("zone", "Lt", &["16"]), false),
            ("Gt missing label", req("gpu", "Gt", &["1"]), false),
        ];
        for (name, r, want) in cases {
            let term = NodeSelectorTerm {
                match_expressions: Some(vec![r]),
                match_fields: None,
            };
            assert_eq!(node_selector_term_matches(&term, "n1", &l), want, "{name}");
        }
    }

    #[test]
    fn match_fields_select_by_node_name_and_empty_terms_match_nothing() {
        let by_name = NodeSelectorTerm {
            match_expressions: None,
            match_fields: Some(vec![req("metadata.name", "In", &["n1"])]),
        };
        assert!(node_selector_term_matches(&by_name, "n1", &NO_LABELS));
        assert!(!node_selector_term_matches(&by_name, "n2", &NO_LABELS));
        assert!(!node_selector_term_matches(
            &NodeSelectorTerm::default(),
            "n1",
            &NO_LABELS
        ));
        let sel = NodeSelector {
            node_selector_terms: vec![NodeSelectorTerm::default(), by_name],
        };
        assert!(node_selector_matches(&sel, "n1", &NO_LABELS));
    }
}
