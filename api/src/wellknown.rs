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
