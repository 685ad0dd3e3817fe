//! `NodeUnschedulable`: cordoned nodes (`spec.unschedulable`) take only pods that tolerate the
//! `node.kubernetes.io/unschedulable:NoSchedule` taint.

use k8s_openapi::api::core::v1::Taint;

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::NODE_UNSCHEDULABLE;
use crate::plugins::taint_toleration::tolerates;

/// `ErrReasonUnschedulable` of the plugin.
pub const REASON: &str = "node(s) were unschedulable";

/// The taint a cordoned node implies.
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Filter: rejects cordoned nodes unless the pod tolerates the unschedulable taint.
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    if !node.unschedulable() {
        return Status::success();
    }
    let taint = Taint {
        key: TAINT_UNSCHEDULABLE.into(),
        effect: "NoSchedule".into(),
        ..Default::default()
    };
    let tolerated = pod
        .spec()
        .tolerations
        .iter()
        .flatten()
        .any(|t| tolerates(t, &taint));
    if tolerated {
        Status::success()
    } else {
        Status::unresolvable(NODE_UNSCHEDULABLE, REASON)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use k8s_openapi::api::core::v1::Toleration;

    #[test]
    fn cordoned_nodes_take_only_tolerating_pods() {
        let mut n = node("n", &[], &[]);
        let free = node_info(n.clone(), vec![]);
        if let Some(spec) = n.spec.as_mut() {
            spec.unschedulable = Some(true);
        }
        let cordoned = node_info(n, vec![]);
        let plain = info(pod("p", &[], &[]));
        assert!(filter(&plain, &free).is_success());
        assert_eq!(filter(&plain, &cordoned).reasons, vec![REASON]);
        let mut tolerant = pod("t", &[], &[]);
        if let Some(spec) = tolerant.spec.as_mut() {
            spec.tolerations = Some(vec![Toleration {
                key: Some(TAINT_UNSCHEDULABLE.into()),
                operator: Some("Exists".into()),
                effect: Some("NoSchedule".into()),
                ..Default::default()
            }]);
        }
        assert!(filter(&info(tolerant), &cordoned).is_success());
    }
}
