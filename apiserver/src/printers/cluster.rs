//! Rows for everything that is not a workload: services and networking, nodes and namespaces,
//! configuration, events, storage, RBAC, scheduling, admission and API registration.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::fields::{
    access_modes, age, annotation, at, deleting, format_label_selector, format_labels, human_nanos,
    int_at, join_host_port, len_at, list_at, list_with_more, name, opt_bool, opt_int, opt_str,
    quantity, selector_string, since, str_at, time_at,
};

/// Load-balancer ingress points: IPs, else hostnames, de-duplicated and sorted.
fn load_balancer_points(obj: &Value) -> String {
    let points: BTreeSet<&str> = list_at(obj, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|i| {
            let ip = str_at(i, &["ip"]);
            let host = str_at(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    points.into_iter().collect::<Vec<_>>().join(",")
}

fn service_external_ip(obj: &Value) -> String {
    let external: Vec<&str> = list_at(obj, &["spec", "externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match str_at(obj, &["spec", "type"]) {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".into(),
        "LoadBalancer" => {
            let lb = load_balancer_points(obj);
            if !external.is_empty() {
                let mut all: Vec<&str> = if lb.is_empty() {
                    vec![]
                } else {
                    lb.split(',').collect()
                };
                all.extend(external);
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".into()
            }
        }
        "ExternalName" => str_at(obj, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".into(),
    }
}

fn service_ports(obj: &Value) -> String {
    let ports: Vec<String> = list_at(obj, &["spec", "ports"])
        .iter()
        .map(|p| {
            let protocol = opt_str(p, &["protocol"]).unwrap_or("TCP");
            let port = int_at(p, &["port"]);
            match int_at(p, &["nodePort"]) {
                node_port if node_port > 0 => format!("{port}:{node_port}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

pub(super) fn service(obj: &Value, now: Timestamp) -> Vec<Value> {
    let cluster_ip = list_at(obj, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .or_else(|| opt_str(obj, &["spec", "clusterIP"]).filter(|ip| !ip.is_empty()))
        .unwrap_or("<none>");
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["spec", "type"])),
        json!(cluster_ip),
        json!(service_external_ip(obj)),
        json!(service_ports(obj)),
        json!(age(obj, now)),
        json!(format_labels(at(obj, &["spec", "selector"]))),
    ]
}

pub(super) fn endpoints(obj: &Value, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 3;
    let subsets = list_at(obj, &["subsets"]);
    let formatted = if subsets.is_empty() {
        "<none>".to_string()
    } else {
        let mut list: Vec<String> = Vec::new();
        let mut count = 0usize;
        for subset in subsets {
            let addresses = list_at(subset, &["addresses"]);
            let ports = list_at(subset, &["ports"]);
            if ports.is_empty() {
                // Headless services may have no ports: list the bare addresses.
                count += addresses.len();
                list.extend(addresses.iter().map(|a| str_at(a, &["ip"]).to_string()));
                continue;
            }
            for port in ports {
                count += addresses.len();
                let port = int_at(port, &["port"]);
                list.extend(
                    addresses
                        .iter()
                        .map(|a| join_host_port(str_at(a, &["ip"]), port)),
                );
            }
        }
        let shown = list.iter().take(MAX).cloned().collect::<Vec<_>>().join(",");
        if list.len() > MAX {
            format!("{shown} + {} more...", count - MAX)
        } else {
            shown
        }
    };
    vec![json!(name(obj)), json!(formatted), json!(age(obj, now))]
}

pub(super) fn endpoint_slice(obj: &Value, now: Timestamp) -> Vec<Value> {
    let ports: Vec<String> = list_at(obj, &["ports"])
        .iter()
        .map(|p| match (opt_int(p, &["port"]), opt_str(p, &["name"])) {
            (Some(port), _) => port.to_string(),
            (None, Some(name)) => name.to_string(),
            (None, None) => "*".into(),
        })
        .collect();
    let addresses: Vec<String> = list_at(obj, &["endpoints"])
        .iter()
        .flat_map(|e| {
            list_at(e, &["addresses"])
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
        })
        .collect();
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["addressType"])),
        json!(list_with_more(&ports, 3)),
        json!(list_with_more(&addresses, 3)),
        json!(age(obj, now)),
    ]
}

fn node_roles(obj: &Value) -> String {
    const ROLE_PREFIX: &str = "node-role.kubernetes.io/";
    let mut roles = BTreeSet::new();
    if let Some(Value::Object(labels)) = at(obj, &["metadata", "labels"]) {
        for (key, value) in labels {
            if let Some(role) = key.strip_prefix(ROLE_PREFIX).filter(|r| !r.is_empty()) {
                roles.insert(role.to_string());
            } else if key == "kubernetes.io/role"
                && let Some(role) = value.as_str().filter(|v| !v.is_empty())
            {
                roles.insert(role.to_string());
            }
        }
    }
    if roles.is_empty() {
        "<none>".into()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    }
}

fn node_address(obj: &Value, kind: &str) -> String {
    list_at(obj, &["status", "addresses"])
        .iter()
        .find(|a| str_at(a, &["type"]) == kind)
        .map(|a| str_at(a, &["address"]).to_string())
        .unwrap_or_else(|| "<none>".into())
}

pub(super) fn node(obj: &Value, now: Timestamp) -> Vec<Value> {
    // Only the Ready condition counts; the last entry of a type wins, as in upstream's map.
    let ready = list_at(obj, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| str_at(c, &["type"]) == "Ready");
    let mut status = vec![match ready {
        Some(c) if str_at(c, &["status"]) == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if opt_bool(obj, &["spec", "unschedulable"]) == Some(true) {
        status.push("SchedulingDisabled");
    }
    let info = |field: &str| match str_at(obj, &["status", "nodeInfo", field]) {
        "" => "<unknown>".to_string(),
        value => value.to_string(),
    };
    vec![
        json!(name(obj)),
        json!(status.join(",")),
        json!(node_roles(obj)),
        json!(age(obj, now)),
        json!(str_at(obj, &["status", "nodeInfo", "kubeletVersion"])),
        json!(node_address(obj, "InternalIP")),
        json!(node_address(obj, "ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

pub(super) fn namespace(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["status", "phase"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn config_map(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(len_at(obj, &["data"]) + len_at(obj, &["binaryData"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn secret(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["type"])),
        json!(len_at(obj, &["data"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn service_account(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(len_at(obj, &["secrets"])),
        json!(age(obj, now)),
    ]
}

/// The first non-empty string among `paths`.
fn first_of<'a>(obj: &'a Value, paths: &[&[&str]]) -> &'a str {
    paths
        .iter()
        .map(|p| str_at(obj, p))
        .find(|s| !s.is_empty())
        .unwrap_or("")
}

/// Core v1 events and events.k8s.io/v1 events share this printer; either shape is read.
pub(super) fn event(obj: &Value, now: Timestamp) -> Vec<Value> {
    let first_ts =
        time_at(obj, &["firstTimestamp"]).or_else(|| time_at(obj, &["deprecatedFirstTimestamp"]));
    let first = match first_ts {
        Some(t) => since(Some(t), now),
        None => since(time_at(obj, &["eventTime"]), now),
    };
    let last_ts =
        time_at(obj, &["lastTimestamp"]).or_else(|| time_at(obj, &["deprecatedLastTimestamp"]));
    let mut last = match last_ts {
        Some(t) => since(Some(t), now),
        None => first.clone(),
    };
    let mut count = opt_int(obj, &["count"])
        .or_else(|| opt_int(obj, &["deprecatedCount"]))
        .unwrap_or(0);
    if let Some(series) = at(obj, &["series"]) {
        last = since(time_at(series, &["lastObservedTime"]), now);
        count = int_at(series, &["count"]);
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }
    let involved = at(obj, &["involvedObject"])
        .or_else(|| at(obj, &["regarding"]))
        .unwrap_or(&Value::Null);
    let kind = str_at(involved, &["kind"]).to_lowercase();
    let target = match str_at(involved, &["name"]) {
        "" => kind,
        involved_name => format!("{kind}/{involved_name}"),
    };
    let component = first_of(
        obj,
        &[
            &["source", "component"],
            &["deprecatedSource", "component"],
            &["reportingComponent"],
            &["reportingController"],
        ],
    );
    let host = first_of(
        obj,
        &[
            &["source", "host"],
            &["deprecatedSource", "host"],
            &["reportingInstance"],
        ],
    );
    let source = if host.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {host}")
    };
    let message = first_of(obj, &[&["message"], &["note"]]).trim();
    vec![
        json!(last),
        json!(str_at(obj, &["type"])),
        json!(str_at(obj, &["reason"])),
        json!(target),
        json!(str_at(involved, &["fieldPath"])),
        json!(source),
        json!(message),
        json!(first),
        json!(count),
        json!(name(obj)),
    ]
}

const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

pub(super) fn persistent_volume(obj: &Value, now: Timestamp) -> Vec<Value> {
    let claim = at(obj, &["spec", "claimRef"])
        .map(|c| format!("{}/{}", str_at(c, &["namespace"]), str_at(c, &["name"])))
        .unwrap_or_default();
    let phase = if deleting(obj) {
        "Terminating"
    } else {
        str_at(obj, &["status", "phase"])
    };
    let class = annotation(obj, BETA_STORAGE_CLASS)
        .unwrap_or_else(|| str_at(obj, &["spec", "storageClassName"]));
    vec![
        json!(name(obj)),
        json!(quantity(at(obj, &["spec", "capacity", "storage"])).unwrap_or_else(|| "0".into())),
        json!(access_modes(list_at(obj, &["spec", "accessModes"]))),
        json!(str_at(obj, &["spec", "persistentVolumeReclaimPolicy"])),
        json!(phase),
        json!(claim),
        json!(class),
        json!(opt_str(obj, &["spec", "volumeAttributesClassName"]).unwrap_or("<unset>")),
        json!(str_at(obj, &["status", "reason"])),
        json!(age(obj, now)),
        json!(opt_str(obj, &["spec", "volumeMode"]).unwrap_or("<unset>")),
    ]
}

pub(super) fn persistent_volume_claim(obj: &Value, now: Timestamp) -> Vec<Value> {
    let phase = if deleting(obj) {
        "Terminating"
    } else {
        str_at(obj, &["status", "phase"])
    };
    let volume = str_at(obj, &["spec", "volumeName"]);
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity(at(obj, &["status", "capacity", "storage"])).unwrap_or_else(|| "0".into()),
            access_modes(list_at(obj, &["status", "accessModes"])),
        )
    };
    let class = annotation(obj, BETA_STORAGE_CLASS)
        .or_else(|| opt_str(obj, &["spec", "storageClassName"]))
        .unwrap_or("");
    vec![
        json!(name(obj)),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(class),
        json!(opt_str(obj, &["spec", "volumeAttributesClassName"]).unwrap_or("<unset>")),
        json!(age(obj, now)),
        json!(opt_str(obj, &["spec", "volumeMode"]).unwrap_or("<unset>")),
    ]
}

pub(super) fn component_status(obj: &Value) -> Vec<Value> {
    let healthy = list_at(obj, &["conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Healthy");
    let (status, message, error) = match healthy {
        Some(c) => (
            if str_at(c, &["status"]) == "True" {
                "Healthy"
            } else {
                "Unhealthy"
            },
            str_at(c, &["message"]),
            str_at(c, &["error"]),
        ),
        None => ("Unknown", "", ""),
    };
    vec![
        json!(name(obj)),
        json!(status),
        json!(message),
        json!(error),
    ]
}

pub(super) fn ingress(obj: &Value, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 3;
    let rules = list_at(obj, &["spec", "rules"]);
    let mut hosts: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if hosts.len() == MAX {
            more = true;
        }
        let host = str_at(rule, &["host"]);
        if !more && !host.is_empty() {
            hosts.push(host);
        }
    }
    let hosts = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let ports = if list_at(obj, &["spec", "tls"]).is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        json!(name(obj)),
        json!(opt_str(obj, &["spec", "ingressClassName"]).unwrap_or("<none>")),
        json!(hosts),
        json!(load_balancer_points(obj)),
        json!(ports),
        json!(age(obj, now)),
    ]
}

pub(super) fn ingress_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    let parameters = match at(obj, &["spec", "parameters"]) {
        None => "<none>".to_string(),
        Some(p) => {
            let kind = match opt_str(p, &["apiGroup"]) {
                Some(group) => format!("{}.{group}", str_at(p, &["kind"])),
                None => str_at(p, &["kind"]).to_string(),
            };
            format!("{kind}/{}", str_at(p, &["name"]))
        }
    };
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["spec", "controller"])),
        json!(parameters),
        json!(age(obj, now)),
    ]
}

pub(super) fn network_policy(obj: &Value, now: Timestamp) -> Vec<Value> {
    // A missing podSelector reads as the empty selector, which selects every pod: `<none>`.
    let selector = format_label_selector(at(obj, &["spec", "podSelector"]));
    vec![json!(name(obj)), json!(selector), json!(age(obj, now))]
}

pub(super) fn role_binding(obj: &Value, now: Timestamp) -> Vec<Value> {
    let role = format!(
        "{}/{}",
        str_at(obj, &["roleRef", "kind"]),
        str_at(obj, &["roleRef", "name"])
    );
    let (mut users, mut groups, mut accounts) = (Vec::new(), Vec::new(), Vec::new());
    for subject in list_at(obj, &["subjects"]) {
        let subject_name = str_at(subject, &["name"]).to_string();
        match str_at(subject, &["kind"]) {
            "ServiceAccount" => accounts.push(format!(
                "{}/{subject_name}",
                str_at(subject, &["namespace"])
            )),
            "User" => users.push(subject_name),
            "Group" => groups.push(subject_name),
            _ => {}
        }
    }
    vec![
        json!(name(obj)),
        json!(role),
        json!(age(obj, now)),
        json!(users.join(", ")),
        json!(groups.join(", ")),
        json!(accounts.join(", ")),
    ]
}

pub(super) fn certificate_signing_request(obj: &Value, now: Timestamp) -> Vec<Value> {
    let conditions = list_at(obj, &["status", "conditions"]);
    let has = |kind: &str| conditions.iter().any(|c| str_at(c, &["type"]) == kind);
    let mut status = if has("Denied") {
        "Denied"
    } else if has("Approved") {
        "Approved"
    } else {
        "Pending"
    }
    .to_string();
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !str_at(obj, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    let signer = match str_at(obj, &["spec", "signerName"]) {
        "" => "<none>",
        signer => signer,
    };
    let duration = opt_int(obj, &["spec", "expirationSeconds"]).map_or_else(
        || "<none>".into(),
        |s| human_nanos(i128::from(s) * 1_000_000_000),
    );
    vec![
        json!(name(obj)),
        json!(age(obj, now)),
        json!(signer),
        json!(str_at(obj, &["spec", "username"])),
        json!(duration),
        json!(status),
    ]
}

pub(super) fn lease(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["spec", "holderIdentity"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn storage_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    let is_default = |key: &str| annotation(obj, key) == Some("true");
    let mut shown = name(obj);
    if is_default("storageclass.kubernetes.io/is-default-class")
        || is_default("storageclass.beta.kubernetes.io/is-default-class")
    {
        shown.push_str(" (default)");
    }
    vec![
        json!(shown),
        json!(str_at(obj, &["provisioner"])),
        json!(opt_str(obj, &["reclaimPolicy"]).unwrap_or("Delete")),
        json!(opt_str(obj, &["volumeBindingMode"]).unwrap_or("Immediate")),
        json!(opt_bool(obj, &["allowVolumeExpansion"]).unwrap_or(false)),
        json!(age(obj, now)),
    ]
}

pub(super) fn resource_quota(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (mut requests, mut limits) = (Vec::new(), Vec::new());
    if let Some(Value::Object(hard)) = at(obj, &["status", "hard"]) {
        let mut resources: Vec<&String> = hard.keys().collect();
        resources.sort();
        for resource in resources {
            let used =
                quantity(at(obj, &["status", "used", resource])).unwrap_or_else(|| "0".into());
            let limit = quantity(hard.get(resource)).unwrap_or_else(|| "0".into());
            let entry = format!("{resource}: {used}/{limit}");
            let mut pieces = resource.split('.');
            if pieces.next() == Some("limits") && pieces.next().is_some() {
                limits.push(entry);
            } else {
                requests.push(entry);
            }
        }
    }
    vec![
        json!(name(obj)),
        json!(requests.join(", ")),
        json!(limits.join(", ")),
        json!(age(obj, now)),
    ]
}

pub(super) fn priority_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(int_at(obj, &["value"])),
        json!(opt_bool(obj, &["globalDefault"]).unwrap_or(false)),
        json!(age(obj, now)),
        json!(str_at(obj, &["preemptionPolicy"])),
    ]
}

pub(super) fn runtime_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["handler"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn volume_attachment(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["spec", "attacher"])),
        json!(str_at(obj, &["spec", "source", "persistentVolumeName"])),
        json!(str_at(obj, &["spec", "nodeName"])),
        json!(opt_bool(obj, &["status", "attached"]).unwrap_or(false)),
        json!(age(obj, now)),
    ]
}

pub(super) fn csi_node(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(len_at(obj, &["spec", "drivers"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn csi_driver(obj: &Value, now: Timestamp) -> Vec<Value> {
    let flag = |field: &str, default: bool| opt_bool(obj, &["spec", field]).unwrap_or(default);
    let modes: Vec<&str> = list_at(obj, &["spec", "volumeLifecycleModes"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let tokens = at(obj, &["spec", "tokenRequests"]).map_or_else(
        || "<unset>".to_string(),
        |t| {
            t.as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|r| str_at(r, &["audience"]))
                .collect::<Vec<_>>()
                .join(",")
        },
    );
    vec![
        json!(name(obj)),
        json!(flag("attachRequired", true)),
        json!(flag("podInfoOnMount", false)),
        json!(flag("storageCapacity", false)),
        json!(tokens),
        json!(flag("requiresRepublish", false)),
        json!(if modes.is_empty() {
            "<none>".to_string()
        } else {
            modes.join(",")
        }),
        json!(age(obj, now)),
    ]
}

pub(super) fn csi_storage_capacity(obj: &Value) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["storageClassName"])),
        json!(quantity(at(obj, &["capacity"])).unwrap_or_else(|| "<unset>".into())),
    ]
}

pub(super) fn webhooks(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        json!(name(obj)),
        json!(len_at(obj, &["webhooks"])),
        json!(age(obj, now)),
    ]
}

pub(super) fn validating_admission_policy(obj: &Value, now: Timestamp) -> Vec<Value> {
    let param_kind = at(obj, &["spec", "paramKind"]).map_or_else(
        || "<unset>".to_string(),
        |p| format!("{}/{}", str_at(p, &["apiVersion"]), str_at(p, &["kind"])),
    );
    vec![
        json!(name(obj)),
        json!(len_at(obj, &["spec", "validations"])),
        json!(param_kind),
        json!(age(obj, now)),
    ]
}

pub(super) fn validating_admission_policy_binding(obj: &Value, now: Timestamp) -> Vec<Value> {
    let param = match at(obj, &["spec", "paramRef"]) {
        None => "<unset>".to_string(),
        Some(p) => match (str_at(p, &["name"]), str_at(p, &["namespace"])) {
            ("", _) => match at(p, &["selector"]) {
                Some(selector) => selector_string(Some(selector)).unwrap_or_default(),
                None => "<unset>".to_string(),
            },
            (param_name, "") => format!("*/{param_name}"),
            (param_name, ns) => format!("{ns}/{param_name}"),
        },
    };
    vec![
        json!(name(obj)),
        json!(str_at(obj, &["spec", "policyName"])),
        json!(param),
        json!(age(obj, now)),
    ]
}

pub(super) fn service_cidr(obj: &Value, now: Timestamp) -> Vec<Value> {
    let cidrs: Vec<&str> = list_at(obj, &["spec", "cidrs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    vec![
        json!(name(obj)),
        json!(cidrs.join(",")),
        json!(age(obj, now)),
    ]
}

pub(super) fn ip_address(obj: &Value, now: Timestamp) -> Vec<Value> {
    let parent = match at(obj, &["spec", "parentRef"]) {
        None => "<none>".to_string(),
        Some(p) => {
            let resource = str_at(p, &["resource"]);
            let mut out = match str_at(p, &["group"]) {
                "" => resource.to_lowercase(),
                group => format!("{resource}.{group}").to_lowercase(),
            };
            let ns = str_at(p, &["namespace"]);
            if !ns.is_empty() {
                out.push('/');
                out.push_str(ns);
            }
            out.push('/');
            out.push_str(str_at(p, &["name"]));
            out
        }
    };
    vec![json!(name(obj)), json!(parent), json!(age(obj, now))]
}

pub(super) fn api_service(obj: &Value, now: Timestamp) -> Vec<Value> {
    let service = at(obj, &["spec", "service"]).map_or_else(
        || "Local".to_string(),
        |s| format!("{}/{}", str_at(s, &["namespace"]), str_at(s, &["name"])),
    );
    let available = list_at(obj, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Available");
    let status = match available {
        None => "Unknown".to_string(),
        Some(c) => match (str_at(c, &["status"]), str_at(c, &["reason"])) {
            ("True", _) => "True".to_string(),
            (status, "") => status.to_string(),
            (status, reason) => format!("{status} ({reason})"),
        },
    };
    vec![
        json!(name(obj)),
        json!(service),
        json!(status),
        json!(age(obj, now)),
    ]
}
