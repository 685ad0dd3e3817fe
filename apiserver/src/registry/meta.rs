//! Small helpers over an object's `metadata` as JSON: names, timestamps, finalizers and the
//! field manager of a write (`managedFields` themselves are kept by [`crate::ssa`]).

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

/// Takes `metadata.managedFields` out of an object written by a client (`None` when absent).
/// Field tracking ([`crate::ssa::track_update`]) decides whether they replace the live ones.
pub fn take_managed_fields(obj: &mut Value) -> Option<Value> {
    obj.get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"))
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
    fn managed_fields_are_taken_out() {
        let mut obj = json!({"metadata": {"name": "a", "managedFields": []}});
        assert_eq!(take_managed_fields(&mut obj), Some(json!([])));
        assert_eq!(obj, json!({"metadata": {"name": "a"}}));
        assert_eq!(take_managed_fields(&mut json!({})), None);
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
