//! Server-side printing: the columns and cells of `meta.k8s.io/v1` Tables, as kube-apiserver v1.33
//! builds them for `kubectl get` (the equivalent of upstream's `pkg/printers/internalversion`).
//!
//! Every built-in kind with an upstream printer gets upstream's column names, types, priorities
//! and cell formatting. Like the real server, rows always carry every cell, the `-o wide` ones
//! (priority 1) included; kubectl hides those unless asked. Built-in kinds without a printer (Roles,
//! ClusterRoles, LimitRanges, CRDs, ...) get upstream's default table, `Name` and `Created At`;
//! custom resources get `Name` and `Age`, the CRD default without additional printer columns.
//!
//! Objects are read as stored JSON, never as typed structs: a missing or malformed field prints as
//! upstream prints the zero value and never panics.
//!
//! Known differences: quantities are printed as stored rather than re-canonicalised, and rows
//! carry no `conditions` (upstream marks finished pods with them; kubectl no longer uses them).

mod cluster;
mod columns;
mod fields;
mod workloads;

use std::collections::HashSet;
use std::sync::OnceLock;

use kubesim_api::ResourceDef;
use serde_json::{Value, json};

/// One column definition of a Table (`Table.columnDefinitions[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column header, e.g. `Name` or `Nominated Node` (kubectl upper-cases it).
    pub name: &'static str,
    /// OpenAPI type of the cells: `string`, `integer`, `boolean`, `number` or `date`.
    pub type_: &'static str,
    /// OpenAPI format; `name` marks the column holding the object's name, otherwise empty.
    pub format: &'static str,
    /// Human-readable description of the column.
    pub description: &'static str,
    /// 0 for columns always shown, 1 for columns kubectl shows only with `-o wide`.
    pub priority: i32,
}

/// Which upstream printer renders a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Printer {
    Pod,
    PodTemplate,
    PodDisruptionBudget,
    ReplicationController,
    ReplicaSet,
    DaemonSet,
    Job,
    CronJob,
    Service,
    Ingress,
    IngressClass,
    StatefulSet,
    Endpoints,
    Node,
    Event,
    Namespace,
    Secret,
    ServiceAccount,
    PersistentVolume,
    PersistentVolumeClaim,
    ComponentStatus,
    Deployment,
    HorizontalPodAutoscaler,
    ConfigMap,
    NetworkPolicy,
    RoleBinding,
    ClusterRoleBinding,
    CertificateSigningRequest,
    Lease,
    StorageClass,
    ControllerRevision,
    ResourceQuota,
    PriorityClass,
    RuntimeClass,
    VolumeAttachment,
    EndpointSlice,
    CsiNode,
    CsiDriver,
    CsiStorageCapacity,
    Webhooks,
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    ServiceCidr,
    IpAddress,
    ApiService,
    /// A built-in kind without its own printer: upstream's default table convertor.
    DefaultBuiltin,
    /// A custom resource: the CRD table convertor without additional printer columns.
    Custom,
}

/// Every `(group, plural)` kubesim serves as a built-in resource.
fn builtin_resources() -> &'static HashSet<(String, String)> {
    static BUILTIN: OnceLock<HashSet<(String, String)>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        kubesim_api::resources::builtin()
            .into_iter()
            .map(|d| (d.group, d.plural))
            .collect()
    })
}

fn printer_for(def: &ResourceDef) -> Printer {
    use Printer as P;
    match (def.group.as_str(), def.plural.as_str()) {
        ("", "pods") => P::Pod,
        ("", "podtemplates") => P::PodTemplate,
        ("", "replicationcontrollers") => P::ReplicationController,
        ("", "services") => P::Service,
        ("", "endpoints") => P::Endpoints,
        ("", "nodes") => P::Node,
        ("", "events") | ("events.k8s.io", "events") => P::Event,
        ("", "namespaces") => P::Namespace,
        ("", "secrets") => P::Secret,
        ("", "serviceaccounts") => P::ServiceAccount,
        ("", "persistentvolumes") => P::PersistentVolume,
        ("", "persistentvolumeclaims") => P::PersistentVolumeClaim,
        ("", "componentstatuses") => P::ComponentStatus,
        ("", "configmaps") => P::ConfigMap,
        ("", "resourcequotas") => P::ResourceQuota,
        ("apps", "replicasets") => P::ReplicaSet,
        ("apps", "daemonsets") => P::DaemonSet,
        ("apps", "statefulsets") => P::StatefulSet,
        ("apps", "deployments") => P::Deployment,
        ("apps", "controllerrevisions") => P::ControllerRevision,
        ("batch", "jobs") => P::Job,
        ("batch", "cronjobs") => P::CronJob,
        ("autoscaling", "horizontalpodautoscalers") => P::HorizontalPodAutoscaler,
        ("policy", "poddisruptionbudgets") => P::PodDisruptionBudget,
        ("networking.k8s.io", "ingresses") => P::Ingress,
        ("networking.k8s.io", "ingressclasses") => P::IngressClass,
        ("networking.k8s.io", "networkpolicies") => P::NetworkPolicy,
        ("networking.k8s.io", "servicecidrs") => P::ServiceCidr,
        ("networking.k8s.io", "ipaddresses") => P::IpAddress,
        ("rbac.authorization.k8s.io", "rolebindings") => P::RoleBinding,
        ("rbac.authorization.k8s.io", "clusterrolebindings") => P::ClusterRoleBinding,
        ("certificates.k8s.io", "certificatesigningrequests") => P::CertificateSigningRequest,
        ("coordination.k8s.io", "leases") => P::Lease,
        ("storage.k8s.io", "storageclasses") => P::StorageClass,
        ("storage.k8s.io", "volumeattachments") => P::VolumeAttachment,
        ("storage.k8s.io", "csinodes") => P::CsiNode,
        ("storage.k8s.io", "csidrivers") => P::CsiDriver,
        ("storage.k8s.io", "csistoragecapacities") => P::CsiStorageCapacity,
        ("scheduling.k8s.io", "priorityclasses") => P::PriorityClass,
        ("node.k8s.io", "runtimeclasses") => P::RuntimeClass,
        ("discovery.k8s.io", "endpointslices") => P::EndpointSlice,
        (
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations" | "validatingwebhookconfigurations",
        ) => P::Webhooks,
        ("admissionregistration.k8s.io", "validatingadmissionpolicies") => {
            P::ValidatingAdmissionPolicy
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings") => {
            P::ValidatingAdmissionPolicyBinding
        }
        ("apiregistration.k8s.io", "apiservices") => P::ApiService,
        (group, plural)
            if builtin_resources().contains(&(group.to_string(), plural.to_string())) =>
        {
            P::DefaultBuiltin
        }
        _ => P::Custom,
    }
}

/// Columns for a resource (by group + plural); unknown resources get Name + Age like upstream's default.
pub fn columns(def: &ResourceDef) -> Vec<Column> {
    columns::for_printer(printer_for(def))
}

/// The cells of one row, pre-formatted like upstream (ages like "5m", "3d4h" via human_duration).
pub fn cells(def: &ResourceDef, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
    use Printer as P;
    use cluster as c;
    use workloads as w;
    match printer_for(def) {
        P::Pod => w::pod(obj, now),
        P::PodTemplate => w::pod_template(obj),
        P::PodDisruptionBudget => w::pod_disruption_budget(obj, now),
        P::ReplicationController => w::replication_controller(obj, now),
        P::ReplicaSet => w::replica_set(obj, now),
        P::DaemonSet => w::daemon_set(obj, now),
        P::Job => w::job(obj, now),
        P::CronJob => w::cron_job(obj, now),
        P::StatefulSet => w::stateful_set(obj, now),
        P::Deployment => w::deployment(obj, now),
        P::HorizontalPodAutoscaler => w::horizontal_pod_autoscaler(obj, now),
        P::ControllerRevision => w::controller_revision(obj, now),
        P::Service => c::service(obj, now),
        P::Ingress => c::ingress(obj, now),
        P::IngressClass => c::ingress_class(obj, now),
        P::Endpoints => c::endpoints(obj, now),
        P::Node => c::node(obj, now),
        P::Event => c::event(obj, now),
        P::Namespace => c::namespace(obj, now),
        P::Secret => c::secret(obj, now),
        P::ServiceAccount => c::service_account(obj, now),
        P::PersistentVolume => c::persistent_volume(obj, now),
        P::PersistentVolumeClaim => c::persistent_volume_claim(obj, now),
        P::ComponentStatus => c::component_status(obj),
        P::ConfigMap => c::config_map(obj, now),
        P::NetworkPolicy => c::network_policy(obj, now),
        P::RoleBinding | P::ClusterRoleBinding => c::role_binding(obj, now),
        P::CertificateSigningRequest => c::certificate_signing_request(obj, now),
        P::Lease => c::lease(obj, now),
        P::StorageClass => c::storage_class(obj, now),
        P::ResourceQuota => c::resource_quota(obj, now),
        P::PriorityClass => c::priority_class(obj, now),
        P::RuntimeClass => c::runtime_class(obj, now),
        P::VolumeAttachment => c::volume_attachment(obj, now),
        P::EndpointSlice => c::endpoint_slice(obj, now),
        P::CsiNode => c::csi_node(obj, now),
        P::CsiDriver => c::csi_driver(obj, now),
        P::CsiStorageCapacity => c::csi_storage_capacity(obj),
        P::Webhooks => c::webhooks(obj, now),
        P::ValidatingAdmissionPolicy => c::validating_admission_policy(obj, now),
        P::ValidatingAdmissionPolicyBinding => c::validating_admission_policy_binding(obj, now),
        P::ServiceCidr => c::service_cidr(obj, now),
        P::IpAddress => c::ip_address(obj, now),
        P::ApiService => c::api_service(obj, now),
        P::DefaultBuiltin => vec![json!(fields::name(obj)), json!(fields::created_at(obj))],
        P::Custom => vec![json!(fields::name(obj)), json!(fields::age(obj, now))],
    }
}

/// Upstream's duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration).
pub fn human_duration(d: std::time::Duration) -> String {
    fields::human_nanos(i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_api::ResourceTable;
    use std::time::Duration;

    const NOW: &str = "2025-06-01T12:00:00Z";

    fn now() -> jiff::Timestamp {
        NOW.parse().expect("timestamp")
    }

    /// `secs` seconds before NOW, in RFC 3339.
    fn ago(secs: i64) -> String {
        now()
            .checked_sub(jiff::SignedDuration::from_secs(secs))
            .expect("in range")
            .to_string()
    }

    fn def(group: &str, version: &str, plural: &str) -> ResourceDef {
        ResourceTable::builtin()
            .by_plural(group, version, plural)
            .cloned()
            .expect("built-in resource")
    }

    fn row(group: &str, plural: &str, obj: &Value) -> Vec<Value> {
        let d = ResourceTable::builtin()
            .all()
            .iter()
            .find(|d| d.group == group && d.plural == plural)
            .cloned();
        let d = d.expect("built-in resource");
        let cells = cells(&d, obj, now());
        assert_eq!(
            cells.len(),
            columns(&d).len(),
            "{plural}: one cell per column"
        );
        cells
    }

    fn header(group: &str, version: &str, plural: &str) -> Vec<(&'static str, i32)> {
        columns(&def(group, version, plural))
            .into_iter()
            .map(|c| (c.name, c.priority))
            .collect()
    }

    #[test]
    fn human_duration_follows_upstream_boundaries() {
        let h = |s: u64| human_duration(Duration::from_secs(s));
        assert_eq!(h(0), "0s");
        assert_eq!(h(59), "59s");
        assert_eq!(h(119), "119s");
        assert_eq!(h(120), "2m");
        assert_eq!(h(121), "2m1s");
        assert_eq!(h(599), "9m59s");
        assert_eq!(h(600), "10m");
        assert_eq!(h(3 * 3600 - 1), "179m");
        assert_eq!(h(3 * 3600), "3h");
        assert_eq!(h(3 * 3600 + 25 * 60), "3h25m");
        assert_eq!(h(8 * 3600), "8h");
        assert_eq!(h(47 * 3600 + 3599), "47h");
        assert_eq!(h(48 * 3600), "2d");
        assert_eq!(h(3 * 86400 + 4 * 3600), "3d4h");
        assert_eq!(h(8 * 86400), "8d");
        assert_eq!(h(729 * 86400), "729d");
        assert_eq!(h(730 * 86400), "2y");
        assert_eq!(h(730 * 86400 + 10 * 86400), "2y10d");
        assert_eq!(h(8 * 365 * 86400), "8y");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1s");
        assert_eq!(fields::human_nanos(-1_500_000_000), "0s");
        assert_eq!(fields::human_nanos(-2_000_000_000), "<invalid>");
    }

    #[test]
    fn pod_columns_match_upstream() {
        assert_eq!(
            header("", "v1", "pods"),
            [
                ("Name", 0),
                ("Ready", 0),
                ("Status", 0),
                ("Restarts", 0),
                ("Age", 0),
                ("IP", 1),
                ("Node", 1),
                ("Nominated Node", 1),
                ("Readiness Gates", 1)
            ]
        );
        let cols = columns(&def("", "v1", "pods"));
        assert_eq!((cols[0].format, cols[0].type_), ("name", "string"));
        assert!(cols[0].description.starts_with("Name must be unique"));
        assert_eq!(cols[3].type_, "string");
    }

    #[test]
    fn running_pod() {
        let pod = json!({
            "metadata": {"name": "web-1", "creationTimestamp": ago(300)},
            "spec": {"nodeName": "node-1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {
                "phase": "Running",
                "podIP": "10.0.0.5",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [
                    {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
                    {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {}}}
                ]
            }
        });
        assert_eq!(
            row("", "pods", &pod),
            [
                json!("web-1"),
                json!("2/2"),
                json!("Running"),
                json!("0"),
                json!("5m"),
                json!("10.0.0.5"),
                json!("node-1"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn crash_looping_pod_shows_reason_and_last_restart() {
        let pod = json!({
            "metadata": {"name": "crash", "creationTimestamp": ago(3600)},
            "spec": {"containers": [{"name": "app"}], "readinessGates": [{"conditionType": "example.com/gate"}]},
            "status": {
                "phase": "Running",
                "podIPs": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
                "conditions": [{"type": "example.com/gate", "status": "True"}],
                "containerStatuses": [{
                    "name": "app", "ready": false, "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(300)}}
                }]
            }
        });
        let cells = row("", "pods", &pod);
        assert_eq!(
            cells[1..5],
            [
                json!("0/1"),
                json!("CrashLoopBackOff"),
                json!("5 (5m ago)"),
                json!("60m")
            ]
        );
        assert_eq!(cells[5], json!("10.0.0.7"));
        assert_eq!(cells[8], json!("1/1"));
    }

    #[test]
    fn terminating_and_node_lost_pods() {
        let mut pod = json!({
            "metadata": {"name": "p", "creationTimestamp": ago(60), "deletionTimestamp": NOW},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": true, "state": {"running": {}}}]}
        });
        assert_eq!(row("", "pods", &pod)[2], json!("Terminating"));
        pod["status"]["reason"] = json!("NodeLost");
        assert_eq!(row("", "pods", &pod)[2], json!("Unknown"));
        pod["status"] = json!({"phase": "Succeeded"});
        assert_eq!(row("", "pods", &pod)[2], json!("Succeeded"));
    }

    #[test]
    fn initializing_pods() {
        let pod = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "app"}]},
            "status": {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "i1", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "i2", "state": {"running": {}}}
                ],
                "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}]
            }
        });
        let cells = row("", "pods", &pod);
        assert_eq!(
            cells[1..5],
            [
                json!("0/1"),
                json!("Init:1/2"),
                json!("0"),
                json!("<unknown>")
            ]
        );
        let failed = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "app"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        });
        assert_eq!(
            row("", "pods", &failed)[2..4],
            [json!("Init:CrashLoopBackOff"), json!("2")]
        );
        let sidecar = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "app"}]},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                "initContainerStatuses": [{"name": "proxy", "started": true, "ready": true, "state": {"running": {}}}],
                "containerStatuses": [{"name": "app", "ready": true, "state": {"running": {}}}]
            }
        });
        assert_eq!(
            row("", "pods", &sidecar)[1..3],
            [json!("2/2"), json!("Running")]
        );
    }

    #[test]
    fn empty_objects_never_panic() {
        let table = ResourceTable::builtin();
        for d in table.all() {
            for obj in [
                json!({}),
                json!(null),
                json!({"metadata": null, "spec": 3, "status": "x"}),
            ] {
                let cells = cells(d, &obj, now());
                assert!(!cells.is_empty(), "{}", d.plural);
            }
        }
        let custom = ResourceDef {
            group: "example.com".into(),
            plural: "widgets".into(),
            ..def("", "v1", "pods")
        };
        let cols: Vec<&str> = columns(&custom).iter().map(|c| c.name).collect();
        assert_eq!(cols, ["Name", "Age"]);
        let w = json!({"metadata": {"name": "w1", "creationTimestamp": ago(300)}});
        assert_eq!(cells(&custom, &w, now()), [json!("w1"), json!("5m")]);
    }

    #[test]
    fn kinds_without_printers_use_the_default_table() {
        for (group, plural) in [
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
            ("", "limitranges"),
        ] {
            let obj =
                json!({"metadata": {"name": "x", "creationTimestamp": "2024-03-04T05:06:07.891Z"}});
            assert_eq!(
                header(group, "v1", plural),
                [("Name", 0), ("Created At", 0)]
            );
            assert_eq!(
                row(group, plural, &obj),
                [json!("x"), json!("2024-03-04T05:06:07Z")]
            );
        }
        let d = def("rbac.authorization.k8s.io", "v1", "roles");
        assert_eq!(columns(&d)[1].type_, "date");
    }

    #[test]
    fn node_port_service() {
        let svc = json!({
            "metadata": {"name": "web", "creationTimestamp": ago(86400 * 3 + 3600 * 4)},
            "spec": {
                "type": "NodePort",
                "clusterIP": "10.96.0.10",
                "clusterIPs": ["10.96.0.10"],
                "selector": {"tier": "web", "app": "shop"},
                "ports": [
                    {"port": 80, "nodePort": 30080, "protocol": "TCP"},
                    {"port": 53, "protocol": "UDP"}
                ]
            }
        });
        assert_eq!(
            row("", "services", &svc),
            [
                json!("web"),
                json!("NodePort"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("80:30080/TCP,53/UDP"),
                json!("3d4h"),
                json!("app=shop,tier=web")
            ]
        );
        let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "None"}});
        assert_eq!(
            row("", "services", &lb)[2..5],
            [json!("None"), json!("<pending>"), json!("<none>")]
        );
        let lb_ready = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer"},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}, {"hostname": "a.example"}]}}});
        assert_eq!(
            row("", "services", &lb_ready)[3],
            json!("192.0.2.9,a.example")
        );
        let external = json!({"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "db.example"}});
        assert_eq!(
            row("", "services", &external)[2..4],
            [json!("<none>"), json!("db.example")]
        );
    }

    #[test]
    fn node_status_and_roles() {
        assert_eq!(
            header("", "v1", "nodes"),
            [
                ("Name", 0),
                ("Status", 0),
                ("Roles", 0),
                ("Age", 0),
                ("Version", 0),
                ("Internal-IP", 1),
                ("External-IP", 1),
                ("OS-Image", 1),
                ("Kernel-Version", 1),
                ("Container-Runtime", 1)
            ]
        );
        let node = json!({
            "metadata": {"name": "cp-1", "creationTimestamp": ago(7200), "labels": {
                "node-role.kubernetes.io/control-plane": "",
                "node-role.kubernetes.io/etcd": "",
                "kubernetes.io/role": "master",
                "kubernetes.io/hostname": "cp-1"
            }},
            "spec": {"unschedulable": true},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "cp-1"}, {"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.33.5", "osImage": "Debian GNU/Linux 12", "kernelVersion": "6.1.0",
                    "containerRuntimeVersion": "containerd://2.0.0"}
            }
        });
        assert_eq!(
            row("", "nodes", &node),
            [
                json!("cp-1"),
                json!("Ready,SchedulingDisabled"),
                json!("control-plane,etcd,master"),
                json!("120m"),
                json!("v1.33.5"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("Debian GNU/Linux 12"),
                json!("6.1.0"),
                json!("containerd://2.0.0")
            ]
        );
        let bare = json!({"metadata": {"name": "n"}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
        let cells = row("", "nodes", &bare);
        assert_eq!(cells[1..3], [json!("NotReady"), json!("<none>")]);
        assert_eq!(cells[7], json!("<unknown>"));
        assert_eq!(
            row("", "nodes", &json!({"metadata": {"name": "n"}}))[1],
            json!("Unknown")
        );
    }

    #[test]
    fn deployment_row() {
        assert_eq!(
            header("apps", "v1", "deployments"),
            [
                ("Name", 0),
                ("Ready", 0),
                ("Up-to-date", 0),
                ("Available", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1)
            ]
        );
        let deploy = json!({
            "metadata": {"name": "web", "creationTimestamp": ago(45)},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [
                    {"key": "env", "operator": "In", "values": ["prod", "canary"]},
                    {"key": "legacy", "operator": "DoesNotExist"}
                ]},
                "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}
            },
            "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        assert_eq!(
            row("apps", "deployments", &deploy),
            [
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("45s"),
                json!("nginx,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web,env in (canary,prod),!legacy")
            ]
        );
        let fresh = json!({"metadata": {"name": "x"}, "spec": {"selector": {}}});
        assert_eq!(
            row("apps", "deployments", &fresh)[1..4],
            [json!("0/1"), json!(0), json!(0)]
        );
        assert_eq!(row("apps", "deployments", &fresh)[7], json!(""));
        assert_eq!(row("apps", "replicasets", &fresh)[7], json!("<none>"));
    }

    #[test]
    fn job_status_completions_and_duration() {
        assert_eq!(
            header("batch", "v1", "jobs")[..5],
            [
                ("Name", 0),
                ("Status", 0),
                ("Completions", 0),
                ("Duration", 0),
                ("Age", 0)
            ]
        );
        let done = json!({
            "metadata": {"name": "pi", "creationTimestamp": ago(600)},
            "spec": {"completions": 1, "parallelism": 1},
            "status": {"succeeded": 1, "startTime": ago(600), "completionTime": ago(590),
                "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}
        });
        assert_eq!(
            row("batch", "jobs", &done)[1..5],
            [json!("Complete"), json!("1/1"), json!("10s"), json!("10m")]
        );
        let running = json!({
            "metadata": {"name": "q"},
            "spec": {"parallelism": 3},
            "status": {"active": 3, "startTime": ago(150)}
        });
        assert_eq!(
            row("batch", "jobs", &running)[1..4],
            [json!("Running"), json!("0/1 of 3"), json!("2m30s")]
        );
        let failed = json!({"metadata": {"name": "f"}, "spec": {"completions": 2},
            "status": {"failed": 7, "conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}});
        assert_eq!(
            row("batch", "jobs", &failed)[1..4],
            [json!("Failed"), json!("0/2"), json!("")]
        );
        let suspended = json!({"metadata": {"name": "s"}, "spec": {"completions": 1, "suspend": true},
            "status": {"conditions": [{"type": "Suspended", "status": "True"}]}});
        assert_eq!(row("batch", "jobs", &suspended)[1], json!("Suspended"));
        let deleting = json!({"metadata": {"name": "d", "deletionTimestamp": NOW}, "spec": {"completions": 1}});
        assert_eq!(row("batch", "jobs", &deleting)[1], json!("Terminating"));
    }

    #[test]
    fn cron_job_row() {
        let cj = json!({
            "metadata": {"name": "hello", "creationTimestamp": ago(3600)},
            "spec": {"schedule": "*/1 * * * *", "timeZone": "Etc/UTC", "suspend": false,
                "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}},
            "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": ago(30)}
        });
        assert_eq!(
            row("batch", "cronjobs", &cj),
            [
                json!("hello"),
                json!("*/1 * * * *"),
                json!("Etc/UTC"),
                json!("False"),
                json!(1),
                json!("30s"),
                json!("60m"),
                json!("c"),
                json!("busybox"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn event_rows() {
        assert_eq!(
            header("", "v1", "events"),
            [
                ("Last Seen", 0),
                ("Type", 0),
                ("Reason", 0),
                ("Object", 0),
                ("Subobject", 1),
                ("Source", 1),
                ("Message", 0),
                ("First Seen", 1),
                ("Count", 1),
                ("Name", 1)
            ]
        );
        let ev = json!({
            "metadata": {"name": "web-1.17a"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{app}"},
            "reason": "Pulled", "type": "Normal", "message": " Pulled image \n",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ago(600), "lastTimestamp": ago(60), "count": 4
        });
        assert_eq!(
            row("", "events", &ev),
            [
                json!("60s"),
                json!("Normal"),
                json!("Pulled"),
                json!("pod/web-1"),
                json!("spec.containers{app}"),
                json!("kubelet, node-1"),
                json!("Pulled image"),
                json!("10m"),
                json!(4),
                json!("web-1.17a")
            ]
        );
        let new_api = json!({
            "metadata": {"name": "e"}, "regarding": {"kind": "Deployment", "name": "web"},
            "reason": "ScalingReplicaSet", "type": "Normal", "note": "Scaled up",
            "eventTime": ago(5), "reportingController": "deployment-controller"
        });
        let cells = row("events.k8s.io", "events", &new_api);
        assert_eq!(cells[0], json!("5s"));
        assert_eq!(
            cells[3..9],
            [
                json!("deployment/web"),
                json!(""),
                json!("deployment-controller"),
                json!("Scaled up"),
                json!("5s"),
                json!(1)
            ]
        );
    }

    #[test]
    fn storage_and_config_rows() {
        let cm = json!({"metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(row("", "configmaps", &cm)[1], json!(3));
        let secret = json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}});
        assert_eq!(
            row("", "secrets", &secret)[1..3],
            [json!("Opaque"), json!(1)]
        );
        let pvc = json!({
            "metadata": {"name": "data"},
            "spec": {"volumeName": "pv-1", "storageClassName": "standard", "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"]}
        });
        assert_eq!(
            row("", "persistentvolumeclaims", &pvc)[1..7],
            [
                json!("Bound"),
                json!("pv-1"),
                json!("2Gi"),
                json!("RWO,RWX"),
                json!("standard"),
                json!("<unset>")
            ]
        );
        let sc = json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            row("storage.k8s.io", "storageclasses", &sc)[..5],
            [
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false)
            ]
        );
        let quota = json!({"metadata": {"name": "q"}, "status": {
            "hard": {"pods": "10", "limits.cpu": "2", "requests.cpu": "1"},
            "used": {"pods": "3", "requests.cpu": "500m"}}});
        assert_eq!(
            row("", "resourcequotas", &quota)[1..3],
            [
                json!("pods: 3/10, requests.cpu: 500m/1"),
                json!("limits.cpu: 0/2")
            ]
        );
    }

    #[test]
    fn hpa_rows_for_both_versions() {
        let v2 = json!({
            "apiVersion": "autoscaling/v2",
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
                    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
                ]},
            "status": {"currentReplicas": 2, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}
            ]}
        });
        assert_eq!(
            row("autoscaling", "horizontalpodautoscalers", &v2)[1..6],
            [
                json!("Deployment/web"),
                json!("cpu: 40%/80%, memory: <unknown>/100Mi + 1 more..."),
                json!("1"),
                json!(5),
                json!(2)
            ]
        );
        let v1 = json!({
            "apiVersion": "autoscaling/v1",
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3, "targetCPUUtilizationPercentage": 50},
            "status": {"currentReplicas": 1}
        });
        let d = def("autoscaling", "v1", "horizontalpodautoscalers");
        let cells = cells(&d, &v1, now());
        assert_eq!(cells[2..4], [json!("cpu: <unknown>/50%"), json!("<unset>")]);
    }

    #[test]
    fn rbac_and_misc_rows() {
        let rb = json!({"metadata": {"name": "rb"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "jane"}, {"kind": "ServiceAccount", "name": "sa", "namespace": "dev"},
                {"kind": "Group", "name": "ops"}, {"kind": "User", "name": "bob"}]});
        assert_eq!(
            row("rbac.authorization.k8s.io", "rolebindings", &rb)[1..],
            [
                json!("ClusterRole/view"),
                json!("<unknown>"),
                json!("jane, bob"),
                json!("ops"),
                json!("dev/sa")
            ]
        );
        let pdb = json!({"metadata": {"name": "p"}, "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
        assert_eq!(
            row("policy", "poddisruptionbudgets", &pdb)[1..4],
            [json!("50%"), json!("N/A"), json!(1)]
        );
        let ep = json!({"metadata": {"name": "e"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "ports": [{"port": 80}, {"port": 443}]}]});
        assert_eq!(
            row("", "endpoints", &ep)[1],
            json!("10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...")
        );
        let sts = json!({"metadata": {"name": "db"}, "spec": {"replicas": 3}, "status": {"readyReplicas": 3}});
        assert_eq!(row("apps", "statefulsets", &sts)[1], json!("3/3"));
        let ds = json!({"metadata": {"name": "proxy"}, "spec": {"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}}}},
            "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1, "updatedNumberScheduled": 2, "numberAvailable": 1}});
        assert_eq!(
            row("apps", "daemonsets", &ds)[1..7],
            [
                json!(2),
                json!(2),
                json!(1),
                json!(2),
                json!(1),
                json!("kubernetes.io/os=linux")
            ]
        );
        let ns = json!({"metadata": {"name": "default"}, "status": {"phase": "Active"}});
        assert_eq!(row("", "namespaces", &ns)[1], json!("Active"));
        let lease = json!({"metadata": {"name": "node-1"}, "spec": {"holderIdentity": "node-1"}});
        assert_eq!(
            row("coordination.k8s.io", "leases", &lease)[1],
            json!("node-1")
        );
        let apisvc = json!({"metadata": {"name": "v1.apps"}, "status": {"conditions": [{"type": "Available", "status": "True"}]}});
        assert_eq!(
            row("apiregistration.k8s.io", "apiservices", &apisvc)[1..3],
            [json!("Local"), json!("True")]
        );
        let rev = json!({"metadata": {"name": "web-7d9", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]}, "revision": 2});
        assert_eq!(
            row("apps", "controllerrevisions", &rev)[1..3],
            [json!("statefulset.apps/web"), json!(2)]
        );
        let ing = json!({"metadata": {"name": "i"}, "spec": {"ingressClassName": "nginx", "tls": [{}],
            "rules": [{"host": "a.example"}, {}, {"host": "b.example"}]}});
        assert_eq!(
            row("networking.k8s.io", "ingresses", &ing)[1..5],
            [
                json!("nginx"),
                json!("a.example,b.example"),
                json!(""),
                json!("80, 443")
            ]
        );
        let np = json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}});
        assert_eq!(
            row("networking.k8s.io", "networkpolicies", &np)[1],
            json!("<none>")
        );
        let csr = json!({"metadata": {"name": "c"}, "spec": {"signerName": "kubernetes.io/kube-apiserver-client",
            "username": "jane", "expirationSeconds": 86400}, "status": {"conditions": [{"type": "Approved"}], "certificate": "LS0t"}});
        assert_eq!(
            row("certificates.k8s.io", "certificatesigningrequests", &csr)[2..],
            [
                json!("kubernetes.io/kube-apiserver-client"),
                json!("jane"),
                json!("24h"),
                json!("Approved,Issued")
            ]
        );
    }
}
