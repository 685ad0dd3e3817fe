//! Simulated nodes: the Node object a kubelet registers (labels, taints, capacity and
//! allocatable of its flavor, conditions, addresses, nodeInfo, pod CIDR), its heartbeats — a
//! Lease in `kube-node-lease` renewed every 10 s and the node status posted when it changes or
//! every 5 minutes — all on the injected clock, all through the API.
//!
//! Addressing (documented in the README): node `i` of the cluster (counting pools in order)
//! gets InternalIP `10.0.<i / 240>.<10 + i % 240>` and pod CIDR `10.2.<i>.0/24` (OVHcloud's pod
//! range is 10.2.0.0/16).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{Node, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kubesim_api::flavor::Flavor;
use kubesim_api::{KUBERNETES_VERSION, wellknown};
use serde_json::{Value, json};

use crate::status::rfc3339;

/// The OS image nodes report.
pub const OS_IMAGE: &str = "Ubuntu 22.04.5 LTS";
/// The kernel nodes report.
pub const KERNEL_VERSION: &str = "5.15.0-136-generic";
/// The container runtime nodes report.
pub const CONTAINER_RUNTIME: &str = "containerd://1.7.27";

/// One node to simulate, as its pool describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    /// Node name.
    pub name: String,
    /// Pool name (label `nodepool`).
    pub pool: String,
    /// Flavor.
    pub flavor: &'static Flavor,
    /// Extra labels from the pool.
    pub labels: BTreeMap<String, String>,
    /// Taints from the pool.
    pub taints: Vec<Taint>,
    /// Region label.
    pub region: String,
    /// Zone label.
    pub zone: String,
    /// Index of the node in the cluster (addresses and pod CIDR derive from it; < 256).
    pub index: u32,
}

impl NodeSpec {
    /// The node's InternalIP.
    pub fn internal_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(
            10,
            0,
            (self.index / 240) as u8,
            (10 + self.index % 240) as u8,
        )
    }

    /// The first address of the node's pod CIDR.
    pub fn pod_net(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 2, self.index as u8, 0)
    }

    /// `spec.podCIDR`.
    pub fn pod_cidr(&self) -> String {
        format!("{}/24", self.pod_net())
    }

    /// Every label the node carries: the kubelet's own, the cloud provider's, OVHcloud's and
    /// the pool's.
    pub fn all_labels(&self) -> BTreeMap<String, String> {
        let mut l = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            l.insert(k.to_string(), v.to_string());
        };
        set(wellknown::LABEL_ARCH_BETA, "amd64");
        set(wellknown::LABEL_OS_BETA, "linux");
        set(wellknown::LABEL_INSTANCE_TYPE_BETA, self.flavor.name);
        set(wellknown::LABEL_REGION_BETA, &self.region);
        set(wellknown::LABEL_ZONE_BETA, &self.zone);
        set(wellknown::LABEL_ARCH, "amd64");
        set(wellknown::LABEL_HOSTNAME, &self.name);
        set(wellknown::LABEL_OS, "linux");
        set(
            wellknown::LABEL_OVH_NODE_TYPE,
            if self.flavor.is_gpu() {
                "gpu"
            } else {
                "standard"
            },
        );
        set(wellknown::LABEL_INSTANCE_TYPE, self.flavor.name);
        set(wellknown::LABEL_NODEPOOL, &self.pool);
        set(wellknown::LABEL_REGION, &self.region);
        set(wellknown::LABEL_ZONE, &self.zone);
        for (k, v) in &self.labels {
            l.insert(k.clone(), v.clone());
        }
        l
    }
}

/// The node's conditions as a healthy kubelet reports them (`heartbeat` = now).
pub fn conditions(heartbeat: SystemTime, since: SystemTime) -> Value {
    let c = |ty: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": ty,
            "status": status,
            "lastHeartbeatTime": rfc3339(heartbeat),
            "lastTransitionTime": rfc3339(since),
            "reason": reason,
            "message": message,
        })
    };
    json!([
        c(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
        ),
        c(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure"
        ),
        c(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
        ),
        c(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status"
        ),
    ])
}

/// The node's `status` (pure).
pub fn node_status(spec: &NodeSpec, heartbeat: SystemTime, since: SystemTime) -> Value {
    let map = |pairs: Vec<(String, String)>| -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k, json!(v))).collect())
    };
    json!({
        "capacity": map(spec.flavor.capacity()),
        "allocatable": map(spec.flavor.allocatable()),
        "conditions": conditions(heartbeat, since),
        "addresses": [
            {"type": "InternalIP", "address": spec.internal_ip().to_string()},
            {"type": "Hostname", "address": spec.name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": crate::ids::hex(&["machine", &spec.name], 32),
            "systemUUID": crate::ids::uuid(&["system", &spec.name]),
            "bootID": crate::ids::uuid(&["boot", &spec.name]),
            "kernelVersion": KERNEL_VERSION,
            "osImage": OS_IMAGE,
            "containerRuntimeVersion": CONTAINER_RUNTIME,
            "kubeletVersion": KUBERNETES_VERSION,
            // SIMPLIFICATION: no kube-proxy runs (its version is empty, as with upstream's
            // DisableNodeKubeProxyVersion) and `status.images` is not reported.
            "kubeProxyVersion": "",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    })
}

/// The Node a kubelet registers (pure).
pub fn node_object(spec: &NodeSpec, now: SystemTime) -> Value {
    let mut node = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": spec.all_labels(),
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": spec.pod_cidr(),
            "podCIDRs": [spec.pod_cidr()],
            "providerID": format!("openstack:///{}", crate::ids::uuid(&["instance", &spec.name])),
        },
        "status": node_status(spec, now, now),
    });
    if !spec.taints.is_empty() {
        node["spec"]["taints"] = json!(spec.taints);
    }
    node
}

/// Registers the node: creates it, or (after a restart) re-asserts its labels and status.
pub async fn register(
    client: &kube::Client,
    spec: &NodeSpec,
    now: SystemTime,
) -> kube::Result<Node> {
    let api: Api<Node> = Api::all(client.clone());
    let obj = node_object(spec, now);
    let node: Node = serde_json::from_value(obj.clone()).map_err(kube::Error::SerdeError)?;
    match api.create(&PostParams::default(), &node).await {
        Ok(n) => Ok(n),
        Err(kube::Error::Api(e)) if e.code == 409 => {
            let labels = json!({"metadata": {"labels": spec.all_labels()}});
            api.patch(&spec.name, &PatchParams::default(), &Patch::Merge(&labels))
                .await?;
            api.patch_status(
                &spec.name,
                &PatchParams::default(),
                &Patch::Merge(&json!({"status": obj["status"]})),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Creates or renews the node's Lease; returns the stored Lease.
pub async fn renew_lease(
    client: &kube::Client,
    node: &Node,
    current: Option<Lease>,
    duration_seconds: i32,
    now: SystemTime,
) -> kube::Result<Lease> {
    let api: Api<Lease> = Api::namespaced(client.clone(), wellknown::NAMESPACE_KUBE_NODE_LEASE);
    let name = node.metadata.name.clone().unwrap_or_default();
    let renew = MicroTime(jiff::Timestamp::try_from(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH));
    let current = match current {
        Some(l) => Some(l),
        None => api.get_opt(&name).await?,
    };
    match current {
        Some(mut lease) => {
            let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
            spec.renew_time = Some(renew);
            spec.holder_identity = Some(name.clone());
            spec.lease_duration_seconds = Some(duration_seconds);
            match api.replace(&name, &PostParams::default(), &lease).await {
                Ok(l) => Ok(l),
                Err(kube::Error::Api(e)) if e.code == 409 || e.code == 404 => {
                    // Someone else wrote it (or it was deleted): start over next time.
                    Err(kube::Error::Api(e))
                }
                Err(e) => Err(e),
            }
        }
        None => {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    namespace: Some(wellknown::NAMESPACE_KUBE_NODE_LEASE.into()),
                    owner_references: Some(vec![OwnerReference {
                        api_version: "v1".into(),
                        kind: "Node".into(),
                        name: name.clone(),
                        uid: node.metadata.uid.clone().unwrap_or_default(),
                        ..OwnerReference::default()
                    }]),
                    ..ObjectMeta::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(name.clone()),
                    lease_duration_seconds: Some(duration_seconds),
                    renew_time: Some(renew),
                    ..LeaseSpec::default()
                }),
            };
            api.create(&PostParams::default(), &lease).await
        }
    }
}

/// Posts the node's status with a fresh heartbeat.
pub async fn post_status(
    client: &kube::Client,
    spec: &NodeSpec,
    heartbeat: SystemTime,
    since: SystemTime,
) -> kube::Result<Node> {
    let api: Api<Node> = Api::all(client.clone());
    api.patch_status(
        &spec.name,
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": node_status(spec, heartbeat, since)})),
    )
    .await
}

/// Time until the next multiple of `period` after `elapsed` (for steady heartbeats).
pub fn until_next(elapsed: Duration, period: Duration) -> Duration {
    if period.is_zero() {
        return Duration::ZERO;
    }
    let p = period.as_nanos();
    let rem = elapsed.as_nanos() % p;
    Duration::from_nanos((p - rem) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(index: u32) -> NodeSpec {
        NodeSpec {
            name: "default-node-1a2b3c".into(),
            pool: "default".into(),
            flavor: Flavor::lookup("b3-16").expect("known"),
            labels: [("team".to_string(), "web".to_string())].into(),
            taints: vec![],
            region: "EU-WEST-PAR".into(),
            zone: "eu-west-par-a".into(),
            index,
        }
    }

    #[test]
    fn nodes_are_registered_like_an_ovhcloud_kubelet_would() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_725_600);
        let n = node_object(&spec(0), now);
        let labels = &n["metadata"]["labels"];
        assert_eq!(labels["nodepool"], "default");
        assert_eq!(labels["node.kubernetes.io/instance-type"], "b3-16");
        assert_eq!(labels["kubernetes.io/hostname"], "default-node-1a2b3c");
        assert_eq!(labels["topology.kubernetes.io/zone"], "eu-west-par-a");
        assert_eq!(labels["team"], "web");
        assert_eq!(n["spec"]["podCIDR"], "10.2.0.0/24");
        let st = &n["status"];
        assert_eq!(st["capacity"]["pods"], "110");
        assert_eq!(st["allocatable"]["cpu"], "3830m");
        assert_eq!(st["addresses"][0]["address"], "10.0.0.10");
        assert_eq!(st["nodeInfo"]["kubeletVersion"], KUBERNETES_VERSION);
        let ready = &st["conditions"][3];
        assert_eq!(
            (&ready["type"], &ready["status"], &ready["reason"]),
            (&json!("Ready"), &json!("True"), &json!("KubeletReady"))
        );
        // The object deserializes as a Node.
        let _: Node = serde_json::from_value(n).expect("a Node");
    }

    #[test]
    fn addresses_spread_over_octets() {
        assert_eq!(spec(239).internal_ip(), Ipv4Addr::new(10, 0, 0, 249));
        assert_eq!(spec(240).internal_ip(), Ipv4Addr::new(10, 0, 1, 10));
        assert_eq!(spec(7).pod_cidr(), "10.2.7.0/24");
    }

    #[test]
    fn heartbeats_stay_on_their_period() {
        let p = Duration::from_secs(10);
        assert_eq!(
            until_next(Duration::from_secs(3), p),
            Duration::from_secs(7)
        );
        assert_eq!(
            until_next(Duration::from_secs(10), p),
            Duration::from_secs(10)
        );
    }
}
