//! The column definitions of every printer: names, types, priorities and descriptions as the
//! v1.33 API server sends them in `Table.columnDefinitions`.

use super::{Column, Printer};

/// ObjectMeta's documentation of `name`, which upstream uses for every Name column.
const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some \
resources may allow a client to request the generation of an appropriate name automatically. Name is primarily \
intended for creation idempotence and configuration definition. Cannot be updated. More info: \
https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// ObjectMeta's documentation of `creationTimestamp`, which upstream uses for every Age column.
const AGE_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. \
It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. \
It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: \
https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const CONTAINERS_DOC: &str = "Names of each container in the template.";
const IMAGES_DOC: &str = "Images referenced by each container in the template.";
const SELECTOR_DOC: &str = "A label query over the objects this controller manages.";

fn col(name: &'static str, type_: &'static str, description: &'static str) -> Column {
    Column {
        name,
        type_,
        format: "",
        description,
        priority: 0,
    }
}

fn wide(name: &'static str, type_: &'static str, description: &'static str) -> Column {
    Column {
        priority: 1,
        ..col(name, type_, description)
    }
}

fn name_col() -> Column {
    Column {
        format: "name",
        ..col("Name", "string", NAME_DOC)
    }
}

fn age_col() -> Column {
    col("Age", "string", AGE_DOC)
}

fn s(name: &'static str, description: &'static str) -> Column {
    col(name, "string", description)
}

fn int(name: &'static str, description: &'static str) -> Column {
    col(name, "integer", description)
}

fn template_cols(selector: bool) -> Vec<Column> {
    let mut out = vec![
        wide("Containers", "string", CONTAINERS_DOC),
        wide("Images", "string", IMAGES_DOC),
    ];
    if selector {
        out.push(wide("Selector", "string", SELECTOR_DOC));
    }
    out
}

fn with_template(mut cols: Vec<Column>, selector: bool) -> Vec<Column> {
    cols.extend(template_cols(selector));
    cols
}

fn binding_cols(what: &'static str) -> Vec<Column> {
    let (users, groups, sas) = match what {
        "clusterRoleBinding" => (
            "Users in the clusterRoleBinding",
            "Groups in the clusterRoleBinding",
            "ServiceAccounts in the clusterRoleBinding",
        ),
        _ => (
            "Users in the roleBinding",
            "Groups in the roleBinding",
            "ServiceAccounts in the roleBinding",
        ),
    };
    vec![
        name_col(),
        s(
            "Role",
            "RoleRef can only reference a role in the current namespace or a cluster role.",
        ),
        age_col(),
        wide("Users", "string", users),
        wide("Groups", "string", groups),
        wide("ServiceAccounts", "string", sas),
    ]
}

/// The columns `printer` produces.
pub(super) fn for_printer(printer: Printer) -> Vec<Column> {
    use Printer as P;
    match printer {
        P::Pod => vec![
            name_col(),
            s(
                "Ready",
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            s(
                "Status",
                "The aggregate status of the containers in this pod.",
            ),
            s(
                "Restarts",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age_col(),
            wide(
                "IP",
                "string",
                "IP address allocated to the pod. Routable at least within the cluster.",
            ),
            wide(
                "Node",
                "string",
                "NodeName indicates in which node this pod is scheduled.",
            ),
            wide(
                "Nominated Node",
                "string",
                "The node this pod is nominated to run on after preemption.",
            ),
            wide(
                "Readiness Gates",
                "string",
                "Pod conditions evaluated for pod readiness.",
            ),
        ],
        P::PodTemplate => vec![
            name_col(),
            s("Containers", CONTAINERS_DOC),
            s("Images", IMAGES_DOC),
            s("Pod Labels", "The labels for the pod template."),
        ],
        P::PodDisruptionBudget => vec![
            name_col(),
            s(
                "Min Available",
                "The minimum number of pods that must be available.",
            ),
            s(
                "Max Unavailable",
                "The maximum number of pods that may be unavailable.",
            ),
            int(
                "Allowed Disruptions",
                "Calculated number of pods that may be disrupted at this time.",
            ),
            age_col(),
        ],
        P::ReplicationController | P::ReplicaSet => with_template(
            vec![
                name_col(),
                int("Desired", "Replicas is the number of desired replicas."),
                int(
                    "Current",
                    "Replicas is the most recently observed number of replicas.",
                ),
                int("Ready", "The number of ready replicas for this controller."),
                age_col(),
            ],
            true,
        ),
        P::DaemonSet => with_template(
            vec![
                name_col(),
                int(
                    "Desired",
                    "The total number of nodes that should be running the daemon pod.",
                ),
                int(
                    "Current",
                    "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
                ),
                int(
                    "Ready",
                    "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
                ),
                int(
                    "Up-to-date",
                    "The total number of nodes that are running updated daemon pod.",
                ),
                int(
                    "Available",
                    "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
                ),
                s(
                    "Node Selector",
                    "NodeSelector is a selector which must be true for the pod to fit on a node.",
                ),
                age_col(),
            ],
            true,
        ),
        P::Job => with_template(
            vec![
                name_col(),
                s("Status", "Status of the job."),
                s(
                    "Completions",
                    "The number of pods which reached phase Succeeded.",
                ),
                s("Duration", "Time required to complete the job."),
                age_col(),
            ],
            true,
        ),
        P::CronJob => with_template(
            vec![
                name_col(),
                s("Schedule", "The schedule in Cron format."),
                s("Timezone", "The time zone name for the given schedule."),
                col(
                    "Suspend",
                    "boolean",
                    "This flag tells the controller to suspend subsequent executions.",
                ),
                int("Active", "A list of pointers to currently running jobs."),
                s(
                    "Last Schedule",
                    "Information when was the last time the job was successfully scheduled.",
                ),
                age_col(),
            ],
            true,
        ),
        P::Service => vec![
            name_col(),
            s("Type", "type determines how the Service is exposed."),
            s("Cluster-IP", "clusterIP is the IP address of the service."),
            s(
                "External-IP",
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
            ),
            s(
                "Port(s)",
                "The list of ports that are exposed by this service.",
            ),
            age_col(),
            wide(
                "Selector",
                "string",
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        P::Ingress => vec![
            name_col(),
            s(
                "Class",
                "The name of the IngressClass resource that should be used for additional configuration",
            ),
            s(
                "Hosts",
                "Hosts that incoming requests are matched against before the ingress rule",
            ),
            s(
                "Address",
                "Address is a list containing ingress points for the load-balancer",
            ),
            s("Ports", "Ports of TLS configurations that open"),
            age_col(),
        ],
        P::IngressClass => vec![
            name_col(),
            s(
                "Controller",
                "Controller that is responsible for handling this class",
            ),
            s(
                "Parameters",
                "A reference to a resource with additional parameters",
            ),
            age_col(),
        ],
        P::StatefulSet => with_template(
            vec![
                name_col(),
                s("Ready", "Number of the pod with ready state"),
                age_col(),
            ],
            false,
        ),
        P::Endpoints => vec![
            name_col(),
            s(
                "Endpoints",
                "The set of all endpoints is the union of all subsets.",
            ),
            age_col(),
        ],
        P::Node => vec![
            name_col(),
            s("Status", "The status of the node"),
            s("Roles", "The roles of the node"),
            age_col(),
            s("Version", "Kubelet Version reported by the node."),
            wide(
                "Internal-IP",
                "string",
                "List of addresses reachable to the node.",
            ),
            wide(
                "External-IP",
                "string",
                "List of addresses reachable to the node.",
            ),
            wide(
                "OS-Image",
                "string",
                "OS Image reported by the node from /etc/os-release.",
            ),
            wide(
                "Kernel-Version",
                "string",
                "Kernel Version reported by the node from 'uname -r'.",
            ),
            wide(
                "Container-Runtime",
                "string",
                "ContainerRuntime Version reported by the node through runtime remote API.",
            ),
        ],
        P::Event => vec![
            s(
                "Last Seen",
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            s(
                "Type",
                "Type of this event (Normal, Warning), new types could be added in the future",
            ),
            s(
                "Reason",
                "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
            ),
            s("Object", "The object that this event is about."),
            wide(
                "Subobject",
                "string",
                "The field of the involved object this event is about.",
            ),
            wide("Source", "string", "The component reporting this event."),
            s(
                "Message",
                "A human-readable description of the status of this operation.",
            ),
            wide(
                "First Seen",
                "string",
                "The time at which the event was first recorded.",
            ),
            wide(
                "Count",
                "string",
                "The number of times this event has occurred.",
            ),
            Column {
                priority: 1,
                ..name_col()
            },
        ],
        P::Namespace => vec![
            name_col(),
            s("Status", "The status of the namespace"),
            age_col(),
        ],
        P::Secret => vec![
            name_col(),
            s(
                "Type",
                "Used to facilitate programmatic handling of secret data.",
            ),
            s("Data", "Data contains the secret data."),
            age_col(),
        ],
        P::ServiceAccount => vec![
            name_col(),
            s(
                "Secrets",
                "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
            ),
            age_col(),
        ],
        P::PersistentVolume => vec![
            name_col(),
            s(
                "Capacity",
                "capacity is the description of the persistent volume's resources and capacity.",
            ),
            s(
                "Access Modes",
                "accessModes contains all ways the volume can be mounted.",
            ),
            s(
                "Reclaim Policy",
                "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.",
            ),
            s(
                "Status",
                "phase indicates if a volume is available, bound to a claim, or released by a claim.",
            ),
            s(
                "Claim",
                "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
            ),
            s("StorageClass", "StorageClass of the pv"),
            s("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
            s(
                "Reason",
                "reason is a brief CamelCase string that describes any failure.",
            ),
            age_col(),
            wide(
                "VolumeMode",
                "string",
                "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.",
            ),
        ],
        P::PersistentVolumeClaim => vec![
            name_col(),
            s(
                "Status",
                "phase represents the current phase of PersistentVolumeClaim.",
            ),
            s(
                "Volume",
                "volumeName is the binding reference to the PersistentVolume backing this claim.",
            ),
            s(
                "Capacity",
                "capacity represents the actual resources of the underlying volume.",
            ),
            s(
                "Access Modes",
                "accessModes contains the actual access modes the volume backing the PVC has.",
            ),
            s("StorageClass", "StorageClass of the pvc"),
            s("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
            age_col(),
            wide(
                "VolumeMode",
                "string",
                "volumeMode defines what type of volume is required by the claim.",
            ),
        ],
        P::ComponentStatus => vec![
            name_col(),
            s("Status", "Status of the component conditions"),
            s("Message", "Message of the component conditions"),
            s("Error", "Error of the component conditions"),
        ],
        P::Deployment => with_template(
            vec![
                name_col(),
                s("Ready", "Number of the pod with ready state"),
                s(
                    "Up-to-date",
                    "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                ),
                s(
                    "Available",
                    "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                ),
                age_col(),
            ],
            true,
        ),
        P::HorizontalPodAutoscaler => vec![
            name_col(),
            s(
                "Reference",
                "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.",
            ),
            s(
                "Targets",
                "metrics contains the specifications for which to use to calculate the desired replica count.",
            ),
            s(
                "MinPods",
                "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.",
            ),
            s(
                "MaxPods",
                "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.",
            ),
            s(
                "Replicas",
                "currentReplicas is current number of replicas of pods managed by this autoscaler.",
            ),
            age_col(),
        ],
        P::ConfigMap => vec![
            name_col(),
            s("Data", "Data contains the configuration data."),
            age_col(),
        ],
        P::NetworkPolicy => vec![
            name_col(),
            s(
                "Pod-Selector",
                "Selects the pods to which this NetworkPolicy object applies.",
            ),
            age_col(),
        ],
        P::RoleBinding => binding_cols("roleBinding"),
        P::ClusterRoleBinding => binding_cols("clusterRoleBinding"),
        P::CertificateSigningRequest => vec![
            name_col(),
            age_col(),
            s("SignerName", "Requested signer for the request."),
            s("Requestor", "Name of the user that created the request."),
            s(
                "RequestedDuration",
                "Requested duration of validity of the issued certificate.",
            ),
            s("Condition", "Conditions applied to the request."),
        ],
        P::Lease => vec![
            name_col(),
            s(
                "Holder",
                "holderIdentity contains the identity of the holder of a current lease.",
            ),
            age_col(),
        ],
        P::StorageClass => vec![
            name_col(),
            s(
                "Provisioner",
                "provisioner indicates the type of the provisioner.",
            ),
            s(
                "ReclaimPolicy",
                "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
            ),
            s(
                "VolumeBindingMode",
                "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
            ),
            s(
                "AllowVolumeExpansion",
                "allowVolumeExpansion shows whether the storage class allow volume expand.",
            ),
            age_col(),
        ],
        P::ControllerRevision => vec![
            name_col(),
            s("Controller", "Controller of the object"),
            s(
                "Revision",
                "Revision indicates the revision of the state represented by Data.",
            ),
            age_col(),
        ],
        P::ResourceQuota => vec![
            name_col(),
            s(
                "Request",
                "Request represents a minimum amount of cpu/memory that a container may consume.",
            ),
            s(
                "Limit",
                "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
            ),
            age_col(),
        ],
        P::PriorityClass => vec![
            name_col(),
            int(
                "Value",
                "value represents the integer value of this priority class.",
            ),
            col(
                "Global-Default",
                "boolean",
                "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.",
            ),
            age_col(),
            wide(
                "PreemptionPolicy",
                "string",
                "preemptionPolicy is the Policy for preempting pods with lower priority.",
            ),
        ],
        P::RuntimeClass => vec![
            name_col(),
            s(
                "Handler",
                "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.",
            ),
            age_col(),
        ],
        P::VolumeAttachment => vec![
            name_col(),
            Column {
                format: "name",
                ..s(
                    "Attacher",
                    "attacher indicates the name of the volume driver that MUST handle this request.",
                )
            },
            s(
                "PV",
                "persistentVolumeName represents the name of the persistent volume to attach.",
            ),
            s(
                "Node",
                "nodeName represents the node that the volume should be attached to.",
            ),
            col(
                "Attached",
                "boolean",
                "attached indicates the volume is successfully attached.",
            ),
            age_col(),
        ],
        P::EndpointSlice => vec![
            name_col(),
            s(
                "AddressType",
                "addressType specifies the type of address carried by this EndpointSlice.",
            ),
            s(
                "Ports",
                "ports specifies the list of network ports exposed by each endpoint in this slice.",
            ),
            s(
                "Endpoints",
                "endpoints is a list of unique endpoints in this slice.",
            ),
            age_col(),
        ],
        P::CsiNode => vec![
            name_col(),
            int(
                "Drivers",
                "Drivers indicates the number of CSI drivers registered on the node",
            ),
            age_col(),
        ],
        P::CsiDriver => vec![
            name_col(),
            col(
                "AttachRequired",
                "boolean",
                "attachRequired indicates this CSI volume driver requires an attach operation.",
            ),
            col(
                "PodInfoOnMount",
                "boolean",
                "podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.",
            ),
            col(
                "StorageCapacity",
                "boolean",
                "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.",
            ),
            s(
                "TokenRequests",
                "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for.",
            ),
            col(
                "RequiresRepublish",
                "boolean",
                "requiresRepublish indicates the CSI driver wants NodePublishVolume being periodically called.",
            ),
            s(
                "Modes",
                "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.",
            ),
            age_col(),
        ],
        P::CsiStorageCapacity => vec![
            name_col(),
            s(
                "StorageClassName",
                "storageClassName represents the name of the StorageClass that the reported capacity applies to.",
            ),
            s(
                "Capacity",
                "capacity is the value reported by the CSI driver in its GetCapacityResponse.",
            ),
        ],
        P::Webhooks => vec![
            name_col(),
            int(
                "Webhooks",
                "Webhooks indicates the number of webhooks registered in this configuration",
            ),
            age_col(),
        ],
        P::ValidatingAdmissionPolicy => vec![
            name_col(),
            int(
                "Validations",
                "Validations indicates the number of validation rules defined in this configuration",
            ),
            s(
                "ParamKind",
                "ParamKind specifies the kind of resources used to parameterize this policy",
            ),
            age_col(),
        ],
        P::ValidatingAdmissionPolicyBinding => vec![
            name_col(),
            s(
                "PolicyName",
                "PolicyName indicates the policy definition which the policy binding binded to",
            ),
            s(
                "ParamRef",
                "ParamRef indicates the param resource which sets the configration param",
            ),
            age_col(),
        ],
        P::ServiceCidr => vec![
            name_col(),
            s(
                "CIDRs",
                "CIDRs defines the IP blocks in CIDR notation from which to assign service cluster IPs.",
            ),
            age_col(),
        ],
        // Upstream declares no Age column here although every row carries an age cell.
        P::IpAddress => vec![
            name_col(),
            s(
                "ParentRef",
                "ParentRef references the resource that an IPAddress is attached to.",
            ),
        ],
        P::ApiService => vec![
            name_col(),
            s(
                "Service",
                "The reference to the service that hosts this API endpoint.",
            ),
            s("Available", "Whether this service is available."),
            age_col(),
        ],
        P::DefaultBuiltin => vec![name_col(), col("Created At", "date", AGE_DOC)],
        P::Custom => vec![name_col(), col("Age", "date", AGE_DOC)],
    }
}
