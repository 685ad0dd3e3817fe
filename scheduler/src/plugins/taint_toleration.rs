//! `TaintToleration`: nodes with `NoSchedule`/`NoExecute` taints take only pods that tolerate
//! them; `PreferNoSchedule` taints the pod does not tolerate lower a node's score.

use k8s_openapi::api::core::v1::{Taint, Toleration};

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::TAINT_TOLERATION;

/// Whether a toleration tolerates a taint (`Toleration.ToleratesTaint`): effects match (or the
/// toleration names none), keys match (or the toleration's key is empty with `Exists`), and
/// `Exists` ignores the value while `Equal` (the default) compares it.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty())
        && effect != taint.effect
    {
        return false;
    }
    if let Some(key) = t.key.as_deref().filter(|k| !k.is_empty())
        && key != taint.key
    {
        return false;
    }
    match t.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        _ => false,
    }
}

/// Filter: rejects a node whose first untolerated `NoSchedule` or `NoExecute` taint is named
/// in the reason, as `node(s) had untolerated taint {key: value}`.
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    let tolerations = pod.spec().tolerations.as_deref().unwrap_or_default();
    let untolerated = node.taints().iter().find(|taint| {
        matches!(taint.effect.as_str(), "NoSchedule" | "NoExecute")
            && !tolerations.iter().any(|t| tolerates(t, taint))
    });
    match untolerated {
        None => Status::success(),
        Some(taint) => Status::unresolvable(
            TAINT_TOLERATION,
            format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint.key,
                taint.value.as_deref().unwrap_or("")
            ),
        ),
    }
}

/// Raw score: how many `PreferNoSchedule` taints of the node the pod does not tolerate (only
/// tolerations with no effect or `PreferNoSchedule` count). Normalized in reverse: fewer is better.
pub fn score(pod: &PodInfo, node: &NodeInfo) -> i64 {
    let tolerations: Vec<&Toleration> = pod
        .spec()
        .tolerations
        .iter()
        .flatten()
        .filter(|t| {
            matches!(
                t.effect.as_deref(),
                None | Some("") | Some("PreferNoSchedule")
            )
        })
        .collect();
    node.taints()
        .iter()
        .filter(|taint| taint.effect == "PreferNoSchedule")
        .filter(|taint| !tolerations.iter().any(|t| tolerates(t, taint)))
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use crate::plugins::default_normalize;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: (!value.is_empty()).then(|| value.to_string()),
            effect: effect.into(),
            ..Default::default()
        }
    }

    fn toleration(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
        Toleration {
            key: (!key.is_empty()).then(|| key.to_string()),
            operator: Some(op.into()),
            value: (!value.is_empty()).then(|| value.to_string()),
            effect: (!effect.is_empty()).then(|| effect.to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn tolerations_match_like_upstream() {
        let t = taint("dedicated", "gpu", "NoSchedule");
        let cases = [
            (
                "equal",
                toleration("dedicated", "Equal", "gpu", "NoSchedule"),
                true,
            ),
            (
                "equal other value",
                toleration("dedicated", "Equal", "cpu", "NoSchedule"),
                false,
            ),
            ("exists", toleration("dedicated", "Exists", "", ""), true),
            (
                "other effect",
                toleration("dedicated", "Exists", "", "NoExecute"),
                false,
            ),
            ("wildcard", toleration("", "Exists", "", ""), true),
            ("other key", toleration("zone", "Exists", "", ""), false),
        ];
        for (name, tol, want) in cases {
            assert_eq!(tolerates(&tol, &t), want, "{name}");
        }
    }

    fn tainted(taints: Vec<Taint>) -> NodeInfo {
        let mut n = node("n", &[], &[]);
        if let Some(spec) = n.spec.as_mut() {
            spec.taints = Some(taints);
        }
        node_info(n, vec![])
    }

    fn tolerating(tols: Vec<Toleration>) -> std::sync::Arc<PodInfo> {
        let mut p = pod("p", &[], &[]);
        if let Some(spec) = p.spec.as_mut() {
            spec.tolerations = Some(tols);
        }
        info(p)
    }

    #[test]
    fn filter_names_the_first_untolerated_hard_taint() {
        let n = tainted(vec![
            taint("soft", "", "PreferNoSchedule"),
            taint("dedicated", "gpu", "NoSchedule"),
            taint("evict", "", "NoExecute"),
        ]);
        assert_eq!(
            filter(&tolerating(vec![]), &n).reasons,
            vec!["node(s) had untolerated taint {dedicated: gpu}"]
        );
        assert_eq!(
            filter(
                &tolerating(vec![toleration("dedicated", "Equal", "gpu", "NoSchedule")]),
                &n
            )
            .reasons,
            vec!["node(s) had untolerated taint {evict: }"]
        );
        assert!(filter(&tolerating(vec![toleration("", "Exists", "", "")]), &n).is_success());
    }

    #[test]
    fn prefer_no_schedule_taints_lower_the_score() {
        let nodes = [
            tainted(vec![]),
            tainted(vec![taint("a", "", "PreferNoSchedule")]),
            tainted(vec![
                taint("a", "", "PreferNoSchedule"),
                taint("b", "", "PreferNoSchedule"),
            ]),
        ];
        let p = tolerating(vec![]);
        let mut scores: Vec<i64> = nodes.iter().map(|n| score(&p, n)).collect();
        assert_eq!(scores, vec![0, 1, 2]);
        default_normalize(&mut scores, true);
        assert_eq!(scores, vec![100, 50, 0]);
        let tolerant = tolerating(vec![toleration("a", "Exists", "", "PreferNoSchedule")]);
        assert_eq!(score(&tolerant, &nodes[2]), 1);
    }
}
