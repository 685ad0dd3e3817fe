//! Small helpers over an object's `metadata` as JSON: names, timestamps, finalizers and the
//! `managedFields` record of who wrote what.

use serde_json::{Map, Value, json};

/// The current wall-clock time as Kubernetes writes `metav1.Time` (RFC 3339, seconds, `Z`).
pub fn now_rfc3339() -> String {
    format_time(jiff::Timestamp::now())
}

/// A timestamp as `metav1.Time`.
pub fn format_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `metadata` of an object, created if missing.
pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("invariant: metadata is an object")
}

/// A string field of `metadata`, or "".
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The object's `metadata.resourceVersion` parsed, if any.
pub fn resource_version(obj: &Value) -> Option<u64> {
    let rv = meta_str(obj, "resourceVersion");
    if rv.is_empty() { None } else { rv.parse().ok() }
}

/// The object's finalizers.
pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the object is being deleted.
pub fn is_deleting(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

/// A random name suffix as upstream's `generateName` uses (5 of `bcdfghjklmnpqrstvwxz2456789`).
pub fn random_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Metadata fields the server owns; they never appear in `managedFields`.
const SYSTEM_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
];

/// The `fieldsV1` set of every field an object sets (`f:` entries), skipping server-owned ones.
// SIMPLIFICATION: lists are recorded as atomic values (no `k:`/`v:` entries) until server-side
// apply brings the per-type list semantics; see README#differences.
pub fn field_set(obj: &Value, include_status: bool) -> Value {
    let mut out = Map::new();
    if let Some(map) = obj.as_object() {
        for (k, v) in map {
            match k.as_str() {
                "apiVersion" | "kind" => {}
                "status" if !include_status => {}
                "metadata" => {
                    let mut m = Map::new();
                    if let Some(meta) = v.as_object() {
                        for (mk, mv) in meta {
                            if !SYSTEM_META.contains(&mk.as_str()) {
                                m.insert(format!("f:{mk}"), nested(mv));
                            }
                        }
                    }
                    if !m.is_empty() {
                        out.insert("f:metadata".into(), Value::Object(m));
                    }
                }
                _ => {
                    out.insert(format!("f:{k}"), nested(v));
                }
            }
        }
    }
    Value::Object(out)
}

fn nested(v: &Value) -> Value {
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut m = Map::new();
            m.insert(".".into(), json!({}));
            for (k, v) in map {
                m.insert(format!("f:{k}"), nested(v));
            }
            Value::Object(m)
        }
        _ => json!({}),
    }
}

/// The fields that differ between `old` and `new`, as a `fieldsV1` set.
pub fn changed_fields(old: &Value, new: &Value, include_status: bool) -> Value {
    fn walk(old: Option<&Value>, new: &Value) -> Option<Value> {
        match (old, new) {
            (Some(o), n) if o == n => None,
            (Some(Value::Object(o)), Value::Object(n)) => {
                let mut m = Map::new();
                for (k, v) in n {
                    if let Some(c) = walk(o.get(k), v) {
                        m.insert(format!("f:{k}"), c);
                    }
                }
                if m.is_empty() {
                    None
                } else {
                    Some(Value::Object(m))
                }
            }
            (_, n) => Some(nested(n)),
        }
    }
    let mut old_clean = field_source(old, include_status);
    let new_clean = field_source(new, include_status);
    if old_clean.is_null() {
        old_clean = json!({});
    }
    walk(Some(&old_clean), &new_clean).unwrap_or_else(|| json!({}))
}

fn field_source(obj: &Value, include_status: bool) -> Value {
    let mut o = obj.clone();
    if let Some(map) = o.as_object_mut() {
        map.remove("apiVersion");
        map.remove("kind");
        if !include_status {
            map.remove("status");
        }
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SYSTEM_META {
                meta.remove(*k);
            }
        }
    }
    o
}

/// Merges two `fieldsV1` sets.
pub fn union_fields(a: &mut Value, b: &Value) {
    if let (Some(am), Some(bm)) = (a.as_object_mut(), b.as_object()) {
        for (k, v) in bm {
            match am.get_mut(k) {
                Some(existing) => union_fields(existing, v),
                None => {
                    am.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

/// Records an `Update` by `manager` in `managedFields`, merging with its earlier entry.
pub fn record_update(
    obj: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
    fields: Value,
) {
    if fields.as_object().is_some_and(Map::is_empty) {
        return;
    }
    let time = now_rfc3339();
    let meta = meta_mut(obj);
    let entries = meta.entry("managedFields").or_insert_with(|| json!([]));
    if !entries.is_array() {
        *entries = json!([]);
    }
    let list = entries
        .as_array_mut()
        .expect("invariant: managedFields is an array");
    let same = |e: &Value| {
        e["manager"] == manager
            && e["operation"] == "Update"
            && e.get("subresource").and_then(Value::as_str) == subresource
    };
    if let Some(entry) = list.iter_mut().find(|e| same(e)) {
        let mut set = entry.get("fieldsV1").cloned().unwrap_or_else(|| json!({}));
        union_fields(&mut set, &fields);
        entry["fieldsV1"] = set;
        entry["time"] = json!(time);
        entry["apiVersion"] = json!(api_version);
    } else {
        let mut e = json!({
            "manager": manager,
            "operation": "Update",
            "apiVersion": api_version,
            "time": time,
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
        });
        if let Some(s) = subresource {
            e["subresource"] = json!(s);
        }
        list.push(e);
    }
}

/// The field manager of a request: the `fieldManager` parameter, else the User-Agent's product.
pub fn manager_name(field_manager: Option<&str>, user_agent: Option<&str>) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    match user_agent {
        Some(ua) if !ua.is_empty() => ua.split('/').next().unwrap_or(ua).to_string(),
        _ => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_lists_only_what_differs() {
        let old = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"k": "v"}});
        let new = json!({"metadata": {"name": "a", "labels": {"x": "2"}}, "data": {"k": "v"}});
        assert_eq!(
            changed_fields(&old, &new, false),
            json!({"f:metadata": {"f:labels": {"f:x": {}}}})
        );
    }

    #[test]
    fn field_set_skips_system_metadata_and_status() {
        let obj = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "uid": "u", "labels": {"a": "b"}},
                          "spec": {"x": 1}, "status": {"phase": "Pending"}});
        assert_eq!(
            field_set(&obj, false),
            json!({"f:metadata": {"f:labels": {".": {}, "f:a": {}}}, "f:spec": {".": {}, "f:x": {}}})
        );
    }

    #[test]
    fn manager_defaults_to_user_agent_product() {
        assert_eq!(
            manager_name(None, Some("OpenAPI-Generator/37.0.2/python")),
            "OpenAPI-Generator"
        );
        assert_eq!(manager_name(Some("helm"), Some("x/1")), "helm");
    }
}
