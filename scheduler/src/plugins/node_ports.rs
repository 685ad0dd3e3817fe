//! `NodePorts`: a pod's host ports must be free on the node.

use crate::cache::{NodeInfo, PodInfo};
use crate::framework::Status;
use crate::plugins::NODE_PORTS;

/// `ErrReason` of the plugin.
pub const REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// Filter: rejects nodes where one of the pod's host ports is taken.
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    let taken = pod
        .host_ports
        .iter()
        .any(|want| node.used_ports.iter().any(|used| used.conflicts(want)));
    if taken {
        Status::unschedulable(NODE_PORTS, REASON)
    } else {
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use k8s_openapi::api::core::v1::{ContainerPort, Pod};

    fn with_port(name: &str, host_port: i32, ip: Option<&str>) -> Pod {
        let mut p = pod(name, &[], &[]);
        if let Some(spec) = p.spec.as_mut() {
            spec.containers[0].ports = Some(vec![ContainerPort {
                container_port: 80,
                host_port: Some(host_port),
                host_ip: ip.map(str::to_string),
                ..Default::default()
            }]);
        }
        p
    }

    #[test]
    fn host_ports_conflict_per_protocol_and_address() {
        let n = node_info(
            node("n", &[], &[]),
            vec![with_port("a", 8080, Some("10.0.0.1"))],
        );
        let cases = [
            (
                "same port, all addresses",
                with_port("p", 8080, None),
                false,
            ),
            (
                "same port, same address",
                with_port("p", 8080, Some("10.0.0.1")),
                false,
            ),
            (
                "same port, other address",
                with_port("p", 8080, Some("10.0.0.2")),
                true,
            ),
            ("other port", with_port("p", 8081, None), true),
            ("no host port", pod("p", &[], &[]), true),
        ];
        for (name, p, fits) in cases {
            assert_eq!(filter(&info(p), &n).is_success(), fits, "{name}");
        }
    }
}
