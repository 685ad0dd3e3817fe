//! Pod and pod-template defaults: `SetDefaults_PodSpec`, `SetDefaults_Container`, volume and
//! probe defaults for every pod spec; `SetDefaults_Pod` and the create-time admission defaults
//! (service account, token volume, priority, default tolerations) for Pods only.

use serde_json::{Map, Value, json};

use super::{
    array_items, child, default_embedded_meta, existing, root, set_if_absent, set_if_empty_str,
    str_of,
};

/// Where the service account token volume is mounted in every container.
const SA_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A Pod: pod-spec defaults plus the Pod-only ones.
pub(super) fn default_pod(obj: &mut Value) {
    let seed = {
        let uid = obj
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if uid.is_empty() {
            name.to_string()
        } else {
            uid.to_string()
        }
    };
    let spec = child(obj, "spec");

    // Decoding takes the deprecated `serviceAccount` when `serviceAccountName` is empty; then
    // the ServiceAccount admission plugin defaults the name.
    let deprecated = str_of(spec, "serviceAccount").to_string();
    if !deprecated.is_empty() {
        set_if_empty_str(root(spec), "serviceAccountName", &deprecated);
    }
    set_if_empty_str(root(spec), "serviceAccountName", "default");
    default_pod_spec(spec);

    // SetDefaults_Pod.
    set_if_absent(spec, "enableServiceLinks", json!(true));
    for list in ["containers", "initContainers"] {
        for c in array_items(spec, list) {
            requests_from_limits(c);
        }
    }
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for list in ["containers", "initContainers"] {
            for c in array_items(spec, list) {
                for port in array_items(c, "ports") {
                    let host_unset = port
                        .get("hostPort")
                        .and_then(Value::as_i64)
                        .is_none_or(|p| p == 0);
                    if host_unset && let Some(cp) = port.get("containerPort").cloned() {
                        root(port).insert("hostPort".into(), cp);
                    }
                }
            }
        }
    }

    // Priority admission: no class (or a system class) resolves without a lookup.
    if spec.get("priority").is_none_or(Value::is_null) {
        let priority = match str_of(spec, "priorityClassName") {
            "" => Some(0),
            "system-cluster-critical" => Some(2_000_000_000),
            "system-node-critical" => Some(2_000_001_000),
            // SIMPLIFICATION: other PriorityClasses are not looked up; priority stays unset.
            _ => None,
        };
        if let Some(p) = priority {
            root(spec).insert("priority".into(), json!(p));
            set_if_absent(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
    }

    default_tolerations(spec);
    service_account_token_volume(spec, &seed);
}

/// A pod template (`{metadata, spec}`) inside a workload object.
pub(super) fn default_template(template: &mut Value) {
    default_embedded_meta(template);
    default_pod_spec(child(template, "spec"));
}

/// SetDefaults_PodSpec and everything nested in a pod spec.
fn default_pod_spec(spec: &mut Value) {
    let m = root(spec);
    set_if_empty_str(m, "dnsPolicy", "ClusterFirst");
    set_if_empty_str(m, "restartPolicy", "Always");
    set_if_empty_str(m, "schedulerName", "default-scheduler");
    set_if_absent(spec, "securityContext", json!({}));
    set_if_absent(spec, "terminationGracePeriodSeconds", json!(30));

    // The deprecated `serviceAccount` mirrors `serviceAccountName` (v1 conversion).
    let sa_name = str_of(spec, "serviceAccountName").to_string();
    let sa_old = str_of(spec, "serviceAccount").to_string();
    if sa_name.is_empty() && !sa_old.is_empty() {
        root(spec).insert("serviceAccountName".into(), Value::from(sa_old));
    } else if !sa_name.is_empty() {
        root(spec).insert("serviceAccount".into(), Value::from(sa_name));
    }

    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for c in array_items(spec, list) {
            default_container(c);
        }
    }
    for v in array_items(spec, "volumes") {
        default_volume(v);
    }
}

/// The pull policy upstream derives from the image reference: `Always` for `:latest` and for
/// untagged images without a digest, otherwise `IfNotPresent` (also for unparsable references).
// SIMPLIFICATION: a light reading of the docker reference grammar (lower-case path components,
// optional registry host, tag, digest), not the full grammar.
pub fn image_pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    // Path components must be lower case; the first component may be a registry host.
    let path = match repo.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => repo,
    };
    let valid = !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        })
        && tag.is_none_or(|t| !t.is_empty())
        && digest.is_none_or(|d| d.contains(':'));
    if !valid {
        return "IfNotPresent";
    }
    let tag = match (tag, digest) {
        (Some(t), _) => t,
        (None, Some(_)) => "",
        (None, None) => "latest",
    };
    if tag == "latest" {
        "Always"
    } else {
        "IfNotPresent"
    }
}

/// SetDefaults_Container (and the defaults of what containers hold).
fn default_container(c: &mut Value) {
    let image = str_of(c, "image").to_string();
    let m = root(c);
    set_if_empty_str(m, "imagePullPolicy", image_pull_policy(&image));
    set_if_empty_str(m, "terminationMessagePath", "/dev/termination-log");
    set_if_empty_str(m, "terminationMessagePolicy", "File");
    // `resources` is a non-pointer struct upstream: always present.
    set_if_absent(c, "resources", json!({}));
    for port in array_items(c, "ports") {
        set_if_empty_str(root(port), "protocol", "TCP");
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = existing(c, probe) {
            default_probe(p);
        }
    }
    if let Some(lifecycle) = existing(c, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(h) = existing(lifecycle, hook)
                && let Some(get) = existing(h, "httpGet")
            {
                default_http_get(get);
            }
        }
    }
    for env in array_items(c, "env") {
        if let Some(from) = existing(env, "valueFrom") {
            default_field_refs(from);
        }
    }
}

fn default_probe(p: &mut Value) {
    for (key, value) in [
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ] {
        let unset = p.get(key).and_then(Value::as_i64).is_none_or(|n| n == 0);
        if unset {
            root(p).insert(key.into(), json!(value));
        }
    }
    if let Some(get) = existing(p, "httpGet") {
        default_http_get(get);
    }
    if let Some(grpc) = existing(p, "grpc") {
        set_if_absent(grpc, "service", json!(""));
    }
}

fn default_http_get(get: &mut Value) {
    let m = root(get);
    set_if_empty_str(m, "path", "/");
    set_if_empty_str(m, "scheme", "HTTP");
}

/// `fieldRef.apiVersion` defaults to `v1`; a `resourceFieldRef`'s zero divisor prints as "0".
fn default_field_refs(holder: &mut Value) {
    if let Some(fr) = existing(holder, "fieldRef") {
        set_if_empty_str(root(fr), "apiVersion", "v1");
    }
    if let Some(rr) = existing(holder, "resourceFieldRef") {
        set_if_absent(rr, "divisor", json!("0"));
    }
}

fn default_volume(v: &mut Value) {
    let has_source = v.as_object().is_some_and(|m| m.keys().any(|k| k != "name"));
    if !has_source {
        root(v).insert("emptyDir".into(), json!({}));
        return;
    }
    for key in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(src) = existing(v, key) {
            set_if_absent(src, "defaultMode", json!(420));
        }
    }
    if let Some(src) = existing(v, "downwardAPI") {
        for item in array_items(src, "items") {
            default_field_refs(item);
        }
    }
    if let Some(src) = existing(v, "projected") {
        for source in array_items(src, "sources") {
            if let Some(token) = existing(source, "serviceAccountToken") {
                set_if_absent(token, "expirationSeconds", json!(3600));
            }
            if let Some(dapi) = existing(source, "downwardAPI") {
                for item in array_items(dapi, "items") {
                    default_field_refs(item);
                }
            }
        }
    }
    if let Some(src) = existing(v, "hostPath") {
        set_if_absent(src, "type", json!(""));
    }
    if let Some(src) = existing(v, "iscsi") {
        set_if_empty_str(root(src), "iscsiInterface", "default");
    }
    if let Some(src) = existing(v, "rbd") {
        let m = root(src);
        set_if_empty_str(m, "pool", "rbd");
        set_if_empty_str(m, "user", "admin");
        set_if_empty_str(m, "keyring", "/etc/ceph/keyring");
    }
    if let Some(claim) = v
        .pointer_mut("/ephemeral/volumeClaimTemplate")
        .filter(|c| c.is_object())
    {
        set_if_absent(child(claim, "spec"), "volumeMode", json!("Filesystem"));
    }
}

/// SetDefaults_Pod: a container with limits but no requests for a resource requests its limit.
fn requests_from_limits(c: &mut Value) {
    let Some(limits) = c
        .pointer("/resources/limits")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let requests = child(child(c, "resources"), "requests");
    let m = root(requests);
    for (k, v) in limits {
        m.entry(k).or_insert(v);
    }
}

/// The DefaultTolerationSeconds admission plugin: tolerate not-ready/unreachable nodes for 300s
/// unless the pod already tolerates them.
fn default_tolerations(spec: &mut Value) {
    let mut wanted = Vec::new();
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let tolerated = spec
            .get("tolerations")
            .and_then(Value::as_array)
            .is_some_and(|ts| {
                ts.iter().any(|t| {
                    let k = str_of(t, "key");
                    let e = str_of(t, "effect");
                    (k == key || k.is_empty()) && (e == "NoExecute" || e.is_empty())
                })
            });
        if !tolerated {
            wanted.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
    if wanted.is_empty() {
        return;
    }
    let m = root(spec);
    let list = m
        .entry("tolerations")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !list.is_array() {
        *list = Value::Array(Vec::new());
    }
    if let Some(a) = list.as_array_mut() {
        a.extend(wanted);
    }
}

/// A short, stable suffix (upstream's alphabet) derived from the pod's uid.
// SIMPLIFICATION: upstream picks the suffix at random; deriving it keeps defaulting idempotent.
fn suffix(seed: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    // FNV-1a: deterministic, so re-applying defaults names the same volume.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..5)
        .map(|i| {
            let idx = ((h >> (i * 12)) % ALPHABET.len() as u64) as usize;
            ALPHABET[idx] as char
        })
        .collect()
}

/// The ServiceAccount admission plugin's projected token volume (`kube-api-access-xxxxx`),
/// mounted read-only in every container, unless automounting is off or already done.
fn service_account_token_volume(spec: &mut Value, seed: &str) {
    if spec
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
        == Some(false)
    {
        return;
    }
    let already_volume = spec
        .get("volumes")
        .and_then(Value::as_array)
        .is_some_and(|vs| {
            vs.iter()
                .any(|v| str_of(v, "name").starts_with("kube-api-access-"))
        });
    let already_mounted = ["containers", "initContainers"].iter().any(|list| {
        spec.get(*list).and_then(Value::as_array).is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("volumeMounts")
                    .and_then(Value::as_array)
                    .is_some_and(|ms| ms.iter().any(|m| str_of(m, "mountPath") == SA_MOUNT_PATH))
            })
        })
    });
    if already_volume || already_mounted {
        return;
    }
    let name = format!("kube-api-access-{}", suffix(seed));
    let volume = json!({
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ]
        }
    });
    push(root(spec), "volumes", volume);
    for list in ["containers", "initContainers"] {
        for c in array_items(spec, list) {
            push(
                root(c),
                "volumeMounts",
                json!({"name": name, "readOnly": true, "mountPath": SA_MOUNT_PATH}),
            );
        }
    }
}

fn push(m: &mut Map<String, Value>, key: &str, item: Value) {
    let slot = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    if let Some(a) = slot.as_array_mut() {
        a.push(item);
    }
}
