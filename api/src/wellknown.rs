//! Labels, annotations, finalizers, namespaces and field managers that more than one crate names.

/// The namespace objects land in when none is given.
pub const NAMESPACE_DEFAULT: &str = "default";
/// The namespace of the control plane's own objects.
pub const NAMESPACE_KUBE_SYSTEM: &str = "kube-system";
/// The namespace readable by everyone.
pub const NAMESPACE_KUBE_PUBLIC: &str = "kube-public";
/// The namespace holding node heartbeat Leases.
pub const NAMESPACE_KUBE_NODE_LEASE: &str = "kube-node-lease";
/// The namespaces every cluster has from the start.
pub const SYSTEM_NAMESPACES: [&str; 4] = [
    NAMESPACE_DEFAULT,
    NAMESPACE_KUBE_SYSTEM,
    NAMESPACE_KUBE_PUBLIC,
    NAMESPACE_KUBE_NODE_LEASE,
];
/// Label the API server puts on every Namespace, holding its name.
pub const LABEL_NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";
/// Finalizer the namespace controller removes once a namespace is empty.
pub const FINALIZER_KUBERNETES: &str = "kubernetes";
/// Finalizer set by foreground cascading deletion.
pub const FINALIZER_FOREGROUND_DELETION: &str = "foregroundDeletion";
/// Finalizer set by orphan deletion.
pub const FINALIZER_ORPHAN: &str = "orphan";
/// Annotation kubectl's client-side apply keeps the last applied manifest in.
pub const ANNOTATION_LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// Label marking cluster services listed by `kubectl cluster-info`.
pub const LABEL_CLUSTER_SERVICE: &str = "kubernetes.io/cluster-service";
/// Annotation on a watch-list bookmark that ends the initial events.
pub const ANNOTATION_INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";
/// Group every administrator belongs to.
pub const GROUP_SYSTEM_MASTERS: &str = "system:masters";
/// Group of every authenticated user.
pub const GROUP_AUTHENTICATED: &str = "system:authenticated";

/// Node label: the node's hostname (its name).
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// Node label: the operating system (`linux`).
pub const LABEL_OS: &str = "kubernetes.io/os";
/// Node label: the CPU architecture (`amd64`).
pub const LABEL_ARCH: &str = "kubernetes.io/arch";
/// Deprecated node label kubelets still set: the operating system.
pub const LABEL_OS_BETA: &str = "beta.kubernetes.io/os";
/// Deprecated node label kubelets still set: the CPU architecture.
pub const LABEL_ARCH_BETA: &str = "beta.kubernetes.io/arch";
/// Node label: the instance flavor (`b3-16`).
pub const LABEL_INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
/// Deprecated node label the cloud provider still sets: the instance flavor.
pub const LABEL_INSTANCE_TYPE_BETA: &str = "beta.kubernetes.io/instance-type";
/// Node label: the region.
pub const LABEL_REGION: &str = "topology.kubernetes.io/region";
/// Node label: the zone.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";
/// Deprecated node label the cloud provider still sets: the region.
pub const LABEL_REGION_BETA: &str = "failure-domain.beta.kubernetes.io/region";
/// Deprecated node label the cloud provider still sets: the zone.
pub const LABEL_ZONE_BETA: &str = "failure-domain.beta.kubernetes.io/zone";
/// Node label OVHcloud Managed Kubernetes puts on every node: its node pool's name.
pub const LABEL_NODEPOOL: &str = "nodepool";
/// Node label OVHcloud Managed Kubernetes puts on every node: `standard` or `gpu`.
pub const LABEL_OVH_NODE_TYPE: &str = "node.k8s.ovh/type";
/// The group every kubelet's identity belongs to.
pub const GROUP_SYSTEM_NODES: &str = "system:nodes";
/// Prefix of a node's user name (`system:node:<name>`).
pub const USER_NODE_PREFIX: &str = "system:node:";
/// Pod annotation: `fail` makes every readiness probe of the pod fail (`pass`, the default,
/// makes them succeed).
pub const ANNOTATION_SIM_READINESS: &str = "kubesim.dev/readiness";
/// Pod annotation: `fail` makes every liveness probe of the pod fail, so containers with one
/// are restarted.
pub const ANNOTATION_SIM_LIVENESS: &str = "kubesim.dev/liveness";
/// Pod annotation: every app container exits with this code (after `kubesim.dev/exit-after`).
pub const ANNOTATION_SIM_EXIT_CODE: &str = "kubesim.dev/exit-code";
/// Pod annotation: simulated time (Go duration, e.g. `30s`) after which containers exit with
/// `kubesim.dev/exit-code` (0 when only this one is set).
pub const ANNOTATION_SIM_EXIT_AFTER: &str = "kubesim.dev/exit-after";
/// Pod annotation: simulated time (Go duration) each container of the pod takes to become ready
/// after it starts.
pub const ANNOTATION_SIM_READY_AFTER: &str = "kubesim.dev/ready-after";
