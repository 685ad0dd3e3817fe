//! Server-side defaulting, as upstream's `pkg/apis/*/v1/defaults.go` (plus the create-time
//! fields the default admission plugins and registry strategies fill in that clients read back:
//! the pod's service account, priority and default tolerations, a Job's generated selector, a
//! Namespace's finalizer and phase, a Service's IP family fields).
//!
//! `apply_defaults` is idempotent (applying it twice equals applying it once) and never
//! overwrites a value the client set — except the one upstream overwrites too, the Namespace's
//! `kubernetes.io/metadata.name` label. It never allocates anything (cluster IPs, node ports).
//! Objects stay `serde_json::Value`s throughout, so unknown fields survive.

mod pod;

use kubesim_api::ResourceDef;
use serde_json::{Map, Value, json};

pub use pod::image_pull_policy;

/// Fills in the server-side defaults of `obj`, an object of `def`'s kind. Call it on create
/// (after setting `metadata.uid`, which a Job's generated selector uses) and, if wanted, on
/// update; it is a no-op on an already-defaulted object.
pub fn apply_defaults(def: &ResourceDef, obj: &mut Value) {
    if !obj.is_object() {
        return;
    }
    match (def.group.as_str(), def.kind.as_str()) {
        ("", "Pod") => pod::default_pod(obj),
        ("", "PodTemplate") => pod::default_template(child(obj, "template")),
        ("", "ReplicationController") => default_replication_controller(obj),
        ("", "Service") => default_service(obj),
        ("", "Namespace") => default_namespace(obj),
        ("", "Secret") => {
            set_if_empty_str(root(obj), "type", "Opaque");
        }
        ("", "PersistentVolumeClaim") => default_pvc(obj),
        ("", "PersistentVolume") => default_pv(obj),
        ("", "Node") => default_node(obj),
        ("", "Endpoints") => {
            for subset in array_items(obj, "subsets") {
                for port in array_items(subset, "ports") {
                    set_if_empty_str(root(port), "protocol", "TCP");
                }
            }
        }
        ("apps", "Deployment") => default_deployment(obj),
        ("apps", "ReplicaSet") => {
            set_if_absent(child(obj, "spec"), "replicas", json!(1));
            pod::default_template(child(child(obj, "spec"), "template"));
        }
        ("apps", "StatefulSet") => default_statefulset(obj),
        ("apps", "DaemonSet") => default_daemonset(obj),
        ("batch", "Job") => default_job(obj),
        ("batch", "CronJob") => default_cronjob(obj),
        ("autoscaling", "HorizontalPodAutoscaler") => default_hpa(def, obj),
        ("networking.k8s.io", "NetworkPolicy") => default_network_policy(obj),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => default_binding(obj),
        ("storage.k8s.io", "StorageClass") => {
            set_if_absent(obj, "reclaimPolicy", json!("Delete"));
            set_if_absent(obj, "volumeBindingMode", json!("Immediate"));
        }
        ("storage.k8s.io", "CSIDriver") => default_csi_driver(obj),
        ("scheduling.k8s.io", "PriorityClass") => {
            set_if_absent(obj, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("discovery.k8s.io", "EndpointSlice") => {
            for port in array_items(obj, "ports") {
                set_if_absent(port, "name", json!(""));
                set_if_absent(port, "protocol", json!("TCP"));
            }
        }
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => {
            default_webhooks(obj, false)
        }
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration") => {
            default_webhooks(obj, true)
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => default_crd(obj),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers: every accessor creates what is missing, so callers can chain them.
// ---------------------------------------------------------------------------------------------

/// The object itself as a map (turning a non-object into `{}`; callers only pass objects).
fn root(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut()
        .expect("invariant: the value was just made an object")
}

/// The object under `key`, created (as `{}`) when missing or null.
fn child<'a>(v: &'a mut Value, key: &str) -> &'a mut Value {
    let m = root(v);
    let slot = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot
}

/// The object under `key` only if it exists (and is an object).
fn existing<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    v.get_mut(key).filter(|c| c.is_object())
}

/// The items of the array under `key` (none when missing).
fn array_items<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// Sets `key` when it is missing or null (Go: a nil pointer field).
fn set_if_absent(m: &mut Value, key: &str, value: Value) {
    let m = root(m);
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), value);
    }
}

/// Sets `key` when it is missing, null or `""` (Go: an empty string field).
fn set_if_empty_str(m: &mut Map<String, Value>, key: &str, value: &str) {
    let empty = match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    };
    if empty {
        m.insert(key.to_string(), Value::from(value));
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn is_empty_map(v: Option<&Value>) -> bool {
    v.is_none_or(|v| v.is_null() || v.as_object().is_some_and(Map::is_empty))
}

/// An embedded ObjectMeta as upstream serializes a zero one: `creationTimestamp: null`.
fn default_embedded_meta(v: &mut Value) {
    let meta = child(v, "metadata");
    let m = root(meta);
    if !m.contains_key("creationTimestamp") {
        m.insert("creationTimestamp".into(), Value::Null);
    }
}

// ---------------------------------------------------------------------------------------------
// core/v1
// ---------------------------------------------------------------------------------------------

fn default_replication_controller(obj: &mut Value) {
    let labels = obj
        .pointer("/spec/template/metadata/labels")
        .filter(|l| !is_empty_map(Some(l)))
        .cloned();
    if let Some(labels) = labels {
        let spec = child(obj, "spec");
        if is_empty_map(spec.get("selector")) {
            root(spec).insert("selector".into(), labels.clone());
        }
        let meta = child(obj, "metadata");
        if is_empty_map(meta.get("labels")) {
            root(meta).insert("labels".into(), labels);
        }
    }
    let spec = child(obj, "spec");
    set_if_absent(spec, "replicas", json!(1));
    if let Some(t) = existing(spec, "template") {
        pod::default_template(t);
    }
}

fn default_service(obj: &mut Value) {
    let spec = child(obj, "spec");
    let m = root(spec);
    set_if_empty_str(m, "sessionAffinity", "None");
    if str_of(spec, "sessionAffinity") == "None" {
        root(spec).remove("sessionAffinityConfig");
    }
    set_if_empty_str(root(spec), "type", "ClusterIP");
    for port in array_items(spec, "ports") {
        set_if_empty_str(root(port), "protocol", "TCP");
        let target_unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if target_unset && let Some(p) = port.get("port").cloned() {
            root(port).insert("targetPort".into(), p);
        }
    }
    let ty = str_of(spec, "type").to_string();
    let has_external_ips = spec
        .get("externalIPs")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let externally_accessible =
        ty == "LoadBalancer" || ty == "NodePort" || (ty == "ClusterIP" && has_external_ips);
    if externally_accessible {
        set_if_empty_str(root(spec), "externalTrafficPolicy", "Cluster");
    }
    if matches!(ty.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        set_if_absent(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_if_absent(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if ty != "ExternalName" {
        // Registry behaviour on a single-stack IPv4 cluster (no allocation involved).
        // SIMPLIFICATION: the cluster is always IPv4 single-stack; requested families and
        // PreferDualStack are not reconciled against cluster capabilities.
        let headless = str_of(spec, "clusterIP") == "None";
        let selectorless = is_empty_map(spec.get("selector"));
        let policy = if headless && selectorless {
            "RequireDualStack"
        } else {
            "SingleStack"
        };
        set_if_absent(spec, "ipFamilyPolicy", json!(policy));
        let families_empty = spec
            .get("ipFamilies")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if families_empty {
            root(spec).insert("ipFamilies".into(), json!(["IPv4"]));
        }
        let ip = str_of(spec, "clusterIP").to_string();
        let ips_empty = spec
            .get("clusterIPs")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if !ip.is_empty() && ips_empty {
            root(spec).insert("clusterIPs".into(), json!([ip]));
        }
    }
    // A Service's status always carries `loadBalancer: {}` (a non-pointer struct upstream).
    let status = child(obj, "status");
    set_if_absent(status, "loadBalancer", json!({}));
}

fn default_namespace(obj: &mut Value) {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let deleting = obj
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    if !name.is_empty() {
        // Upstream sets this label unconditionally: it always equals the name.
        let labels = child(child(obj, "metadata"), "labels");
        root(labels).insert("kubernetes.io/metadata.name".into(), Value::from(name));
    }
    // The `kubernetes` finalizer is added on create only; the namespace controller removes it
    // while the namespace terminates, and it must not come back.
    let spec = child(obj, "spec");
    if !deleting && spec.get("finalizers").is_none_or(Value::is_null) {
        root(spec).insert("finalizers".into(), json!(["kubernetes"]));
    }
    let status = child(obj, "status");
    set_if_empty_str(root(status), "phase", "Active");
}

fn default_pvc(obj: &mut Value) {
    set_if_absent(child(obj, "spec"), "volumeMode", json!("Filesystem"));
    set_if_empty_str(root(child(obj, "status")), "phase", "Pending");
}

fn default_pv(obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_empty_str(root(spec), "persistentVolumeReclaimPolicy", "Retain");
    set_if_absent(spec, "volumeMode", json!("Filesystem"));
    if let Some(hp) = existing(spec, "hostPath") {
        set_if_absent(hp, "type", json!(""));
    }
    set_if_empty_str(root(child(obj, "status")), "phase", "Pending");
}

fn default_node(obj: &mut Value) {
    let Some(status) = existing(obj, "status") else {
        return;
    };
    let capacity = status.get("capacity").filter(|c| c.is_object()).cloned();
    if let Some(capacity) = capacity {
        set_if_absent(status, "allocatable", capacity);
    }
}

// ---------------------------------------------------------------------------------------------
// apps/v1
// ---------------------------------------------------------------------------------------------

fn default_deployment(obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_absent(spec, "replicas", json!(1));
    let strategy = child(spec, "strategy");
    set_if_empty_str(root(strategy), "type", "RollingUpdate");
    if str_of(strategy, "type") == "RollingUpdate" {
        let ru = child(strategy, "rollingUpdate");
        set_if_absent(ru, "maxUnavailable", json!("25%"));
        set_if_absent(ru, "maxSurge", json!("25%"));
    }
    set_if_absent(spec, "revisionHistoryLimit", json!(10));
    set_if_absent(spec, "progressDeadlineSeconds", json!(600));
    pod::default_template(child(spec, "template"));
}

fn default_statefulset(obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_empty_str(root(spec), "podManagementPolicy", "OrderedReady");
    let strategy = child(spec, "updateStrategy");
    if str_of(strategy, "type").is_empty() {
        root(strategy).insert("type".into(), json!("RollingUpdate"));
        set_if_absent(strategy, "rollingUpdate", json!({}));
    }
    if str_of(strategy, "type") == "RollingUpdate"
        && let Some(ru) = existing(strategy, "rollingUpdate")
    {
        set_if_absent(ru, "partition", json!(0));
    }
    let retention = child(spec, "persistentVolumeClaimRetentionPolicy");
    set_if_empty_str(root(retention), "whenDeleted", "Retain");
    set_if_empty_str(root(retention), "whenScaled", "Retain");
    set_if_absent(spec, "replicas", json!(1));
    set_if_absent(spec, "revisionHistoryLimit", json!(10));
    pod::default_template(child(spec, "template"));
    for claim in array_items(spec, "volumeClaimTemplates") {
        let m = root(claim);
        set_if_empty_str(m, "apiVersion", "v1");
        set_if_empty_str(m, "kind", "PersistentVolumeClaim");
        default_embedded_meta(claim);
        default_pvc(claim);
    }
}

fn default_daemonset(obj: &mut Value) {
    let spec = child(obj, "spec");
    let strategy = child(spec, "updateStrategy");
    set_if_empty_str(root(strategy), "type", "RollingUpdate");
    if str_of(strategy, "type") == "RollingUpdate" {
        let ru = child(strategy, "rollingUpdate");
        set_if_absent(ru, "maxUnavailable", json!(1));
        set_if_absent(ru, "maxSurge", json!(0));
    }
    set_if_absent(spec, "revisionHistoryLimit", json!(10));
    pod::default_template(child(spec, "template"));
}

// ---------------------------------------------------------------------------------------------
// batch/v1
// ---------------------------------------------------------------------------------------------

fn default_job(obj: &mut Value) {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let spec = child(obj, "spec");
    let unset = |v: Option<&Value>| v.is_none_or(Value::is_null);
    if unset(spec.get("completions")) && unset(spec.get("parallelism")) {
        root(spec).insert("completions".into(), json!(1));
        root(spec).insert("parallelism".into(), json!(1));
    }
    set_if_absent(spec, "parallelism", json!(1));
    let backoff = if unset(spec.get("backoffLimitPerIndex")) {
        6
    } else {
        i64::from(i32::MAX)
    };
    set_if_absent(spec, "backoffLimit", json!(backoff));
    set_if_absent(spec, "completionMode", json!("NonIndexed"));
    set_if_absent(spec, "suspend", json!(false));
    if let Some(rules) = spec
        .pointer_mut("/podFailurePolicy/rules")
        .and_then(Value::as_array_mut)
    {
        for rule in rules {
            for pattern in array_items(rule, "onPodConditions") {
                set_if_empty_str(root(pattern), "status", "True");
            }
        }
    }
    let replacement = if unset(spec.get("podFailurePolicy")) {
        "TerminatingOrFailed"
    } else {
        "Failed"
    };
    set_if_absent(spec, "podReplacementPolicy", json!(replacement));
    set_if_absent(spec, "manualSelector", json!(false));

    // The registry's generated selector (unless the selector is manual).
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if !manual && !uid.is_empty() {
        let template = child(spec, "template");
        let labels = child(child(template, "metadata"), "labels");
        for (key, value) in [
            ("batch.kubernetes.io/controller-uid", &uid),
            ("batch.kubernetes.io/job-name", &name),
            ("controller-uid", &uid),
            ("job-name", &name),
        ] {
            let m = root(labels);
            if !m.contains_key(key) {
                m.insert(key.into(), Value::from(value.as_str()));
            }
        }
        let match_labels = child(child(spec, "selector"), "matchLabels");
        let m = root(match_labels);
        if !m.contains_key("batch.kubernetes.io/controller-uid") {
            m.insert(
                "batch.kubernetes.io/controller-uid".into(),
                Value::from(uid.as_str()),
            );
        }
    }
    pod::default_template(child(spec, "template"));

    // The Job's own labels default to its pod template's.
    let template_labels = obj
        .pointer("/spec/template/metadata/labels")
        .filter(|l| !is_empty_map(Some(l)))
        .cloned();
    if let Some(labels) = template_labels {
        let meta = child(obj, "metadata");
        if is_empty_map(meta.get("labels")) {
            root(meta).insert("labels".into(), labels);
        }
    }
}

fn default_cronjob(obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_empty_str(root(spec), "concurrencyPolicy", "Allow");
    set_if_absent(spec, "suspend", json!(false));
    set_if_absent(spec, "successfulJobsHistoryLimit", json!(3));
    set_if_absent(spec, "failedJobsHistoryLimit", json!(1));
    let job_template = child(spec, "jobTemplate");
    default_embedded_meta(job_template);
    pod::default_template(child(child(job_template, "spec"), "template"));
}

// ---------------------------------------------------------------------------------------------
// Other groups
// ---------------------------------------------------------------------------------------------

fn default_hpa(def: &ResourceDef, obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_absent(spec, "minReplicas", json!(1));
    if def.version != "v2" {
        return;
    }
    if spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        root(spec).insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(behavior) = existing(spec, "behavior") {
        let up = child(behavior, "scaleUp");
        set_if_absent(up, "stabilizationWindowSeconds", json!(0));
        set_if_absent(up, "selectPolicy", json!("Max"));
        set_if_absent(
            up,
            "policies",
            json!([{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]),
        );
        let down = child(behavior, "scaleDown");
        set_if_absent(down, "stabilizationWindowSeconds", json!(300));
        set_if_absent(down, "selectPolicy", json!("Max"));
        set_if_absent(
            down,
            "policies",
            json!([{"type": "Percent", "value": 100, "periodSeconds": 15}]),
        );
    }
}

fn default_network_policy(obj: &mut Value) {
    let spec = child(obj, "spec");
    for dir in ["ingress", "egress"] {
        for rule in array_items(spec, dir) {
            for port in array_items(rule, "ports") {
                set_if_absent(port, "protocol", json!("TCP"));
            }
        }
    }
    if spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        let has_egress = spec
            .get("egress")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let types = if has_egress {
            json!(["Ingress", "Egress"])
        } else {
            json!(["Ingress"])
        };
        root(spec).insert("policyTypes".into(), types);
    }
}

fn default_binding(obj: &mut Value) {
    if let Some(role_ref) = existing(obj, "roleRef") {
        set_if_empty_str(root(role_ref), "apiGroup", "rbac.authorization.k8s.io");
    }
    for subject in array_items(obj, "subjects") {
        let group = match str_of(subject, "kind") {
            "User" | "Group" => "rbac.authorization.k8s.io",
            _ => continue,
        };
        set_if_empty_str(root(subject), "apiGroup", group);
    }
}

fn default_csi_driver(obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_absent(spec, "attachRequired", json!(true));
    set_if_absent(spec, "podInfoOnMount", json!(false));
    set_if_absent(spec, "storageCapacity", json!(false));
    set_if_absent(spec, "fsGroupPolicy", json!("ReadWriteOnceWithFSType"));
    set_if_absent(spec, "requiresRepublish", json!(false));
    set_if_absent(spec, "seLinuxMount", json!(false));
    if spec
        .get("volumeLifecycleModes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        root(spec).insert("volumeLifecycleModes".into(), json!(["Persistent"]));
    }
}

fn default_webhooks(obj: &mut Value, mutating: bool) {
    for hook in array_items(obj, "webhooks") {
        set_if_absent(hook, "failurePolicy", json!("Fail"));
        set_if_absent(hook, "matchPolicy", json!("Equivalent"));
        set_if_absent(hook, "namespaceSelector", json!({}));
        set_if_absent(hook, "objectSelector", json!({}));
        set_if_absent(hook, "timeoutSeconds", json!(10));
        if mutating {
            set_if_absent(hook, "reinvocationPolicy", json!("Never"));
        }
        for rule in array_items(hook, "rules") {
            set_if_absent(rule, "scope", json!("*"));
        }
        if let Some(service) = hook
            .pointer_mut("/clientConfig/service")
            .filter(|s| s.is_object())
        {
            set_if_absent(service, "port", json!(443));
        }
    }
}

fn default_crd(obj: &mut Value) {
    let spec = child(obj, "spec");
    set_if_absent(spec, "conversion", json!({"strategy": "None"}));
    if let Some(service) = spec
        .pointer_mut("/conversion/webhook/clientConfig/service")
        .filter(|s| s.is_object())
    {
        set_if_absent(service, "port", json!(443));
    }
    let names = child(spec, "names");
    let kind = str_of(names, "kind").to_string();
    if !kind.is_empty() {
        set_if_empty_str(root(names), "singular", &kind.to_lowercase());
        set_if_empty_str(root(names), "listKind", &format!("{kind}List"));
    }
}

#[cfg(test)]
mod tests;
