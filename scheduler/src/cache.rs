//! The scheduler's view of the cluster: nodes with the pods assigned (or assumed) to them and the
//! totals the plugins read, pods nominated to nodes by preemption, and namespace labels.
//!
//! Mirrors `pkg/scheduler/backend/cache`: a pod is *assumed* on a node as soon as the scheduling
//! cycle picks it, so the next cycle sees the capacity as used while the bind is in flight; the
//! watch later *confirms* it, or a failed bind *forgets* it. The cache is owned by the scheduling
//! loop, so each cycle reads a consistent snapshot without copying it. It never talks to the API.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod, PodAffinityTerm, PodSpec, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kubesim_api::ObjectKey;

use crate::resources::{PodRequests, Resources, pod_requests};
use crate::selector::{NO_LABELS, label_selector_matches};

/// Namespace name → labels, for `namespaceSelector`s.
pub type NamespaceLabels = HashMap<String, BTreeMap<String, String>>;

/// The key of a pod (`namespace/name`).
pub fn pod_key(pod: &Pod) -> ObjectKey {
    ObjectKey {
        namespace: Some(pod.metadata.namespace.clone().unwrap_or_default()),
        name: pod.metadata.name.clone().unwrap_or_default(),
    }
}

/// One pod affinity term, with its namespaces resolved as upstream's `AffinityTerm`.
#[derive(Debug, Clone)]
pub struct AffinityTerm {
    /// Namespaces named by the term (the pod's own when neither these nor a selector are given).
    pub namespaces: BTreeSet<String>,
    /// The term's `namespaceSelector`; `None` matches no namespace, an empty one every namespace.
    pub namespace_selector: Option<LabelSelector>,
    /// The term's `labelSelector`; `None` matches no pod.
    pub selector: Option<LabelSelector>,
    /// The node label that defines the topology domain.
    pub topology_key: String,
}

impl AffinityTerm {
    fn new(owner_namespace: &str, term: &PodAffinityTerm) -> AffinityTerm {
        let mut namespaces: BTreeSet<String> = term.namespaces.iter().flatten().cloned().collect();
        if namespaces.is_empty() && term.namespace_selector.is_none() {
            namespaces.insert(owner_namespace.to_string());
        }
        AffinityTerm {
            namespaces,
            namespace_selector: term.namespace_selector.clone(),
            selector: term.label_selector.clone(),
            topology_key: term.topology_key.clone(),
        }
    }

    /// Whether `pod` is one of the pods this term is about.
    pub fn matches(&self, pod: &PodInfo, ns_labels: &NamespaceLabels) -> bool {
        let ns = pod.namespace();
        let ns_ok = self.namespaces.contains(ns)
            || self.namespace_selector.as_ref().is_some_and(|sel| {
                label_selector_matches(sel, ns_labels.get(ns).unwrap_or(&NO_LABELS))
            });
        ns_ok
            && self
                .selector
                .as_ref()
                .is_some_and(|sel| label_selector_matches(sel, pod.labels()))
    }
}

/// A host port a pod occupies on its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// The host IP (`0.0.0.0` for all).
    pub ip: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// The port.
    pub port: i32,
}

impl HostPort {
    /// Whether two host ports cannot be bound together (`HostPortInfo.CheckConflict`).
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

/// A pod with what the plugins need computed once: priority, requests, affinity terms, ports.
#[derive(Debug, Clone)]
pub struct PodInfo {
    /// The pod as last seen.
    pub pod: Arc<Pod>,
    /// `namespace/name`.
    pub key: ObjectKey,
    /// The resolved priority (`spec.priority`, else its PriorityClass's value, else 0).
    pub priority: i32,
    /// Requests and the non-zero requests used for spreading.
    pub requests: PodRequests,
    /// `requiredDuringScheduling…` pod affinity terms.
    pub required_affinity: Vec<AffinityTerm>,
    /// `requiredDuringScheduling…` pod anti-affinity terms.
    pub required_anti_affinity: Vec<AffinityTerm>,
    /// `preferredDuringScheduling…` pod affinity terms with their weights.
    pub preferred_affinity: Vec<(i32, AffinityTerm)>,
    /// `preferredDuringScheduling…` pod anti-affinity terms with their weights.
    pub preferred_anti_affinity: Vec<(i32, AffinityTerm)>,
    /// Host ports the pod's containers ask for.
    pub host_ports: Vec<HostPort>,
}

static EMPTY_SPEC: std::sync::LazyLock<PodSpec> = std::sync::LazyLock::new(PodSpec::default);

impl PodInfo {
    /// Computes a pod's info with the given resolved priority.
    pub fn new(pod: Arc<Pod>, priority: i32) -> PodInfo {
        let key = pod_key(&pod);
        let ns = key.namespace.clone().unwrap_or_default();
        let spec = pod.spec.as_ref().unwrap_or(&EMPTY_SPEC);
        let requests = pod_requests(spec);
        let affinity = spec.affinity.as_ref();
        let pa = affinity.and_then(|a| a.pod_affinity.as_ref());
        let paa = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let required = |terms: Option<&Vec<PodAffinityTerm>>| {
            terms
                .into_iter()
                .flatten()
                .map(|t| AffinityTerm::new(&ns, t))
                .collect::<Vec<_>>()
        };
        let preferred =
            |terms: Option<&Vec<k8s_openapi::api::core::v1::WeightedPodAffinityTerm>>| {
                terms
                    .into_iter()
                    .flatten()
                    .map(|w| (w.weight, AffinityTerm::new(&ns, &w.pod_affinity_term)))
                    .collect::<Vec<_>>()
            };
        let mut host_ports = Vec::new();
        for c in spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
        {
            for p in c.ports.iter().flatten() {
                if let Some(port) = p.host_port.filter(|p| *p > 0) {
                    host_ports.push(HostPort {
                        ip: p
                            .host_ip
                            .clone()
                            .filter(|ip| !ip.is_empty())
                            .unwrap_or_else(|| "0.0.0.0".into()),
                        protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                        port,
                    });
                }
            }
        }
        PodInfo {
            required_affinity: required(pa.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            required_anti_affinity: required(paa.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            preferred_affinity: preferred(pa.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            preferred_anti_affinity: preferred(paa.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            pod,
            key,
            priority,
            requests,
            host_ports,
        }
    }

    /// The pod's spec (an empty one if absent).
    pub fn spec(&self) -> &PodSpec {
        self.pod.spec.as_ref().unwrap_or(&EMPTY_SPEC)
    }

    /// The pod's namespace.
    pub fn namespace(&self) -> &str {
        self.key.namespace.as_deref().unwrap_or_default()
    }

    /// The pod's labels.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        self.pod.metadata.labels.as_ref().unwrap_or(&NO_LABELS)
    }

    /// Whether the pod is being deleted.
    pub fn is_terminating(&self) -> bool {
        self.pod.metadata.deletion_timestamp.is_some()
    }

    /// Whether the pod has any pod affinity or anti-affinity term.
    pub fn has_affinity(&self) -> bool {
        !(self.required_affinity.is_empty()
            && self.required_anti_affinity.is_empty()
            && self.preferred_affinity.is_empty()
            && self.preferred_anti_affinity.is_empty())
    }
}

/// A node with the pods on it and their totals (`framework.NodeInfo`).
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// The node's name.
    pub name: String,
    /// The Node object; `None` while pods refer to a node the cache has not seen (or lost).
    pub node: Option<Arc<Node>>,
    /// Pods assigned or assumed to the node.
    pub pods: Vec<Arc<PodInfo>>,
    /// The sum of the pods' requests.
    pub requested: Resources,
    /// The sum of the pods' CPU requests with defaults for containers requesting none.
    pub non_zero_milli_cpu: i64,
    /// The sum of the pods' memory requests with defaults for containers requesting none.
    pub non_zero_memory: i64,
    /// `status.allocatable`.
    pub allocatable: Resources,
    /// Host ports in use.
    pub used_ports: Vec<HostPort>,
    /// How many pods here have pod affinity or anti-affinity terms.
    pub pods_with_affinity: usize,
    /// How many pods here have required anti-affinity terms.
    pub pods_with_required_anti_affinity: usize,
}

impl NodeInfo {
    /// An empty node info for `name`, without a Node object.
    pub fn new(name: &str) -> NodeInfo {
        NodeInfo {
            name: name.to_string(),
            node: None,
            pods: Vec::new(),
            requested: Resources::default(),
            non_zero_milli_cpu: 0,
            non_zero_memory: 0,
            allocatable: Resources::default(),
            used_ports: Vec::new(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
        }
    }

    /// A node info for a Node object, with no pods.
    pub fn of(node: Node) -> NodeInfo {
        let mut info = NodeInfo::new(node.metadata.name.as_deref().unwrap_or_default());
        info.set_node(Arc::new(node));
        info
    }

    /// Replaces the Node object (and its allocatable).
    pub fn set_node(&mut self, node: Arc<Node>) {
        self.allocatable =
            Resources::from_list(node.status.as_ref().and_then(|s| s.allocatable.as_ref()));
        self.node = Some(node);
    }

    /// The node's labels.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        self.node
            .as_ref()
            .and_then(|n| n.metadata.labels.as_ref())
            .unwrap_or(&NO_LABELS)
    }

    /// The node's taints.
    pub fn taints(&self) -> &[Taint] {
        self.node
            .as_ref()
            .and_then(|n| n.spec.as_ref())
            .and_then(|s| s.taints.as_deref())
            .unwrap_or_default()
    }

    /// Whether `spec.unschedulable` is set (cordoned).
    pub fn unschedulable(&self) -> bool {
        self.node
            .as_ref()
            .and_then(|n| n.spec.as_ref())
            .and_then(|s| s.unschedulable)
            .unwrap_or(false)
    }

    /// Adds a pod and its requests.
    pub fn add_pod(&mut self, pod: Arc<PodInfo>) {
        self.requested.add(&pod.requests.requests);
        self.non_zero_milli_cpu += pod.requests.non_zero_milli_cpu;
        self.non_zero_memory += pod.requests.non_zero_memory;
        self.used_ports.extend(pod.host_ports.iter().cloned());
        if pod.has_affinity() {
            self.pods_with_affinity += 1;
        }
        if !pod.required_anti_affinity.is_empty() {
            self.pods_with_required_anti_affinity += 1;
        }
        self.pods.push(pod);
    }

    /// Removes a pod by key, returning it.
    pub fn remove_pod(&mut self, key: &ObjectKey) -> Option<Arc<PodInfo>> {
        let i = self.pods.iter().position(|p| &p.key == key)?;
        let pod = self.pods.swap_remove(i);
        self.requested.sub(&pod.requests.requests);
        self.non_zero_milli_cpu -= pod.requests.non_zero_milli_cpu;
        self.non_zero_memory -= pod.requests.non_zero_memory;
        for hp in &pod.host_ports {
            if let Some(j) = self.used_ports.iter().position(|u| u == hp) {
                self.used_ports.swap_remove(j);
            }
        }
        if pod.has_affinity() {
            self.pods_with_affinity -= 1;
        }
        if !pod.required_anti_affinity.is_empty() {
            self.pods_with_required_anti_affinity -= 1;
        }
        Some(pod)
    }
}

/// Where a cached pod is.
#[derive(Debug, Clone)]
struct CachedPod {
    node: String,
    assumed: bool,
}

/// What a Node update changed, for requeueing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    /// A node the cache did not know.
    Added,
    /// Something the plugins read changed (labels, taints, cordon, allocatable, conditions).
    Updated,
    /// Only things no plugin reads changed (heartbeats, annotations).
    Unchanged,
}

/// The scheduler's cache. Owned by the scheduling loop; not shared.
#[derive(Debug, Default)]
pub struct Cache {
    nodes: Vec<NodeInfo>,
    index: HashMap<String, usize>,
    pods: HashMap<ObjectKey, CachedPod>,
    nominated_by_node: HashMap<String, Vec<Arc<PodInfo>>>,
    nominated_node: HashMap<ObjectKey, String>,
    namespaces: NamespaceLabels,
}

impl Cache {
    /// An empty cache.
    pub fn new() -> Cache {
        Cache::default()
    }

    /// Nodes that have a Node object, in a stable order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeInfo> {
        self.nodes.iter().filter(|n| n.node.is_some())
    }

    /// How many nodes have a Node object.
    pub fn node_count(&self) -> usize {
        self.nodes().count()
    }

    /// One node by name (only if its Node object is known).
    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.index
            .get(name)
            .map(|i| &self.nodes[*i])
            .filter(|n| n.node.is_some())
    }

    fn node_mut(&mut self, name: &str) -> &mut NodeInfo {
        let i = match self.index.get(name) {
            Some(i) => *i,
            None => {
                self.nodes.push(NodeInfo::new(name));
                self.index.insert(name.to_string(), self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        &mut self.nodes[i]
    }

    fn drop_if_empty(&mut self, name: &str) {
        let Some(&i) = self.index.get(name) else {
            return;
        };
        if self.nodes[i].node.is_some() || !self.nodes[i].pods.is_empty() {
            return;
        }
        self.index.remove(name);
        self.nodes.swap_remove(i);
        if let Some(moved) = self.nodes.get(i) {
            self.index.insert(moved.name.clone(), i);
        }
    }

    /// Adds or replaces a Node, saying whether anything the plugins read changed.
    pub fn set_node(&mut self, node: Node) -> NodeChange {
        let name = node.metadata.name.clone().unwrap_or_default();
        let info = self.node_mut(&name);
        let change = match &info.node {
            None => NodeChange::Added,
            Some(old) if relevant_node_fields_equal(old, &node) => NodeChange::Unchanged,
            Some(_) => NodeChange::Updated,
        };
        info.set_node(Arc::new(node));
        change
    }

    /// Forgets a Node; pods still assigned to it are kept until they are deleted.
    pub fn remove_node(&mut self, name: &str) {
        if let Some(&i) = self.index.get(name) {
            self.nodes[i].node = None;
            self.nodes[i].allocatable = Resources::default();
        }
        self.drop_if_empty(name);
    }

    /// Node names the cache knows a Node object for.
    pub fn node_names(&self) -> Vec<String> {
        self.nodes().map(|n| n.name.clone()).collect()
    }

    /// Records a pod the API reports as assigned to `node`: confirms an assumed pod, moves a pod
    /// that changed nodes, or adds a new one. Returns the previous info, if any.
    pub fn add_assigned_pod(&mut self, info: Arc<PodInfo>, node: &str) -> Option<Arc<PodInfo>> {
        let key = info.key.clone();
        self.clear_nominated(&key);
        let previous = self.remove_pod(&key);
        self.node_mut(node).add_pod(info);
        self.pods.insert(
            key,
            CachedPod {
                node: node.to_string(),
                assumed: false,
            },
        );
        previous
    }

    /// Places a pod on the node the scheduling cycle chose, before binding.
    pub fn assume(&mut self, info: Arc<PodInfo>, node: &str) {
        let key = info.key.clone();
        self.clear_nominated(&key);
        self.remove_pod(&key);
        self.node_mut(node).add_pod(info);
        self.pods.insert(
            key,
            CachedPod {
                node: node.to_string(),
                assumed: true,
            },
        );
    }

    /// Undoes `assume` after a failed bind. A pod the watch has confirmed meanwhile stays.
    pub fn forget(&mut self, key: &ObjectKey) {
        if self.pods.get(key).is_some_and(|p| p.assumed) {
            self.remove_pod(key);
        }
    }

    /// Whether a pod is assumed and not yet confirmed by the watch.
    pub fn is_assumed(&self, key: &ObjectKey) -> bool {
        self.pods.get(key).is_some_and(|p| p.assumed)
    }

    /// Whether a pod is in the cache (assigned or assumed).
    pub fn has_pod(&self, key: &ObjectKey) -> bool {
        self.pods.contains_key(key)
    }

    /// Removes a pod wherever it is, returning it.
    pub fn remove_pod(&mut self, key: &ObjectKey) -> Option<Arc<PodInfo>> {
        let cached = self.pods.remove(key)?;
        let removed = self.node_mut(&cached.node).remove_pod(key);
        self.drop_if_empty(&cached.node);
        removed
    }

    /// Keys of every cached pod.
    pub fn pod_keys(&self) -> Vec<ObjectKey> {
        self.pods.keys().cloned().collect()
    }

    /// Rebuilds the info of cached pods for which `refresh` returns a new one (after a
    /// PriorityClass changed).
    pub fn refresh_pods(&mut self, refresh: impl Fn(&PodInfo) -> Option<PodInfo>) {
        let mut changed = Vec::new();
        for n in &self.nodes {
            for p in &n.pods {
                if let Some(new) = refresh(p) {
                    changed.push((n.name.clone(), Arc::new(new)));
                }
            }
        }
        for (node, info) in changed {
            let key = info.key.clone();
            let nm = self.node_mut(&node);
            nm.remove_pod(&key);
            nm.add_pod(info);
        }
    }

    /// Records that `info` is nominated to `node` by preemption (or clears it with `None`).
    pub fn set_nominated(&mut self, info: Arc<PodInfo>, node: Option<&str>) {
        self.clear_nominated(&info.key);
        if let Some(node) = node.filter(|n| !n.is_empty()) {
            self.nominated_node
                .insert(info.key.clone(), node.to_string());
            self.nominated_by_node
                .entry(node.to_string())
                .or_default()
                .push(info);
        }
    }

    /// Drops a pod's nomination.
    pub fn clear_nominated(&mut self, key: &ObjectKey) {
        if let Some(node) = self.nominated_node.remove(key)
            && let Some(list) = self.nominated_by_node.get_mut(&node)
        {
            list.retain(|p| &p.key != key);
            if list.is_empty() {
                self.nominated_by_node.remove(&node);
            }
        }
    }

    /// Pods nominated to `node`.
    pub fn nominated_pods(&self, node: &str) -> &[Arc<PodInfo>] {
        self.nominated_by_node
            .get(node)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The node a pod is nominated to.
    pub fn nominated_node_of(&self, key: &ObjectKey) -> Option<&str> {
        self.nominated_node.get(key).map(String::as_str)
    }

    /// Sets a namespace's labels.
    pub fn set_namespace(&mut self, name: &str, labels: BTreeMap<String, String>) {
        self.namespaces.insert(name.to_string(), labels);
    }

    /// Forgets a namespace.
    pub fn remove_namespace(&mut self, name: &str) {
        self.namespaces.remove(name);
    }

    /// Namespace labels, for `namespaceSelector`s.
    pub fn namespaces(&self) -> &NamespaceLabels {
        &self.namespaces
    }
}

/// Whether two versions of a Node agree on everything the plugins read.
fn relevant_node_fields_equal(a: &Node, b: &Node) -> bool {
    let conditions = |n: &Node| -> Vec<(String, String)> {
        n.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .map(|c| (c.type_.clone(), c.status.clone()))
            .collect()
    };
    a.metadata.labels == b.metadata.labels
        && a.spec.as_ref().and_then(|s| s.taints.as_ref())
            == b.spec.as_ref().and_then(|s| s.taints.as_ref())
        && a.spec.as_ref().and_then(|s| s.unschedulable)
            == b.spec.as_ref().and_then(|s| s.unschedulable)
        && a.status.as_ref().and_then(|s| s.allocatable.as_ref())
            == b.status.as_ref().and_then(|s| s.allocatable.as_ref())
        && conditions(a) == conditions(b)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builders for pods and nodes used by the unit tests of every plugin.

    use super::*;
    use k8s_openapi::api::core::v1::{
        Container, NodeSpec, NodeStatus, PodStatus, ResourceRequirements,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

    /// A node with the given allocatable (`cpu`, `memory`, `pods`, …) and labels.
    pub fn node(name: &str, alloc: &[(&str, &str)], labels: &[(&str, &str)]) -> Node {
        Node {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some(name.into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
            spec: Some(NodeSpec::default()),
            status: Some(NodeStatus {
                allocatable: Some(
                    alloc
                        .iter()
                        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                        .collect(),
                ),
                ..Default::default()
            }),
        }
    }

    /// A pod in `default` with one container requesting `reqs`, and the given labels.
    pub fn pod(name: &str, reqs: &[(&str, &str)], labels: &[(&str, &str)]) -> Pod {
        Pod {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                uid: Some(format!("uid-{name}")),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    resources: Some(ResourceRequirements {
                        requests: Some(
                            reqs.iter()
                                .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                                .collect(),
                        ),
                        ..Default::default()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            status: Some(PodStatus::default()),
        }
    }

    /// A pod info with priority 0.
    pub fn info(pod: Pod) -> Arc<PodInfo> {
        Arc::new(PodInfo::new(Arc::new(pod), 0))
    }

    /// A node info holding `pods`.
    pub fn node_info(node: Node, pods: Vec<Pod>) -> NodeInfo {
        let mut n = NodeInfo::of(node);
        for p in pods {
            n.add_pod(info(p));
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn assumed_pods_count_until_forgotten_and_confirmed_pods_stay() {
        let mut cache = Cache::new();
        assert_eq!(
            cache.set_node(node("n1", &[("cpu", "4")], &[])),
            NodeChange::Added
        );
        let p = info(pod("p", &[("cpu", "1")], &[]));
        cache.assume(p.clone(), "n1");
        assert!(cache.is_assumed(&p.key));
        assert_eq!(cache.node("n1").map(|n| n.requested.milli_cpu), Some(1000));
        cache.forget(&p.key);
        assert_eq!(cache.node("n1").map(|n| n.requested.milli_cpu), Some(0));

        cache.assume(p.clone(), "n1");
        cache.add_assigned_pod(p.clone(), "n1");
        assert!(!cache.is_assumed(&p.key));
        cache.forget(&p.key);
        assert_eq!(cache.node("n1").map(|n| n.pods.len()), Some(1));
    }

    #[test]
    fn pods_of_unknown_nodes_wait_for_their_node() {
        let mut cache = Cache::new();
        let p = info(pod("p", &[("cpu", "1")], &[]));
        cache.add_assigned_pod(p.clone(), "later");
        assert!(cache.node("later").is_none());
        assert_eq!(cache.node_count(), 0);
        cache.set_node(node("later", &[("cpu", "4")], &[]));
        assert_eq!(
            cache.node("later").map(|n| n.requested.milli_cpu),
            Some(1000)
        );
        cache.remove_node("later");
        assert_eq!(cache.node_count(), 0);
        cache.remove_pod(&p.key);
        assert!(!cache.has_pod(&p.key));
    }

    #[test]
    fn heartbeat_only_node_updates_are_unchanged() {
        let mut cache = Cache::new();
        let n = node("n1", &[("cpu", "4")], &[("zone", "a")]);
        cache.set_node(n.clone());
        let mut annotated = n.clone();
        annotated.metadata.annotations = Some([("x".to_string(), "y".to_string())].into());
        assert_eq!(cache.set_node(annotated), NodeChange::Unchanged);
        assert_eq!(
            cache.set_node(node("n1", &[("cpu", "8")], &[("zone", "a")])),
            NodeChange::Updated
        );
    }

    #[test]
    fn nominations_are_tracked_per_node() {
        let mut cache = Cache::new();
        let p = info(pod("p", &[("cpu", "1")], &[]));
        cache.set_nominated(p.clone(), Some("n1"));
        assert_eq!(cache.nominated_pods("n1").len(), 1);
        cache.set_nominated(p.clone(), Some("n2"));
        assert!(cache.nominated_pods("n1").is_empty());
        assert_eq!(cache.nominated_node_of(&p.key), Some("n2"));
        cache.clear_nominated(&p.key);
        assert!(cache.nominated_pods("n2").is_empty());
    }
}
