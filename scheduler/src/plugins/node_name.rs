//! `NodeName`: a pod that names a node in `spec.nodeName` fits only there.

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::NODE_NAME;

/// `ErrReason` of the plugin.
pub const REASON: &str = "node(s) didn't match the requested node name";

/// Filter: rejects every node but the one the pod names, if it names one.
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    match pod.spec().node_name.as_deref() {
        Some(name) if !name.is_empty() && name != node.name => {
            Status::unresolvable(NODE_NAME, REASON)
        }
        _ => Status::success(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;

    #[test]
    fn only_the_named_node_fits() {
        let n1 = node_info(node("n1", &[], &[]), vec![]);
        let n2 = node_info(node("n2", &[], &[]), vec![]);
        let mut p = pod("p", &[], &[]);
        assert!(filter(&info(p.clone()), &n1).is_success());
        if let Some(spec) = p.spec.as_mut() {
            spec.node_name = Some("n1".into());
        }
        let p = info(p);
        assert!(filter(&p, &n1).is_success());
        assert_eq!(filter(&p, &n2).reasons, vec![REASON]);
    }
}
