//! Applying PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge
//! patch. Server-side apply is answered by the HTTP layer until it is built.

use kubesim_api::ApiError;
use serde_json::Value;

/// The patch formats of the Kubernetes API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// The patch type of a Content-Type header value.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// Applies `body` of type `pt` to `current`, returning the patched object.
pub fn apply(current: &Value, pt: PatchType, body: &[u8]) -> Result<Value, ApiError> {
    match pt {
        PatchType::Json => {
            let patch: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            let mut out = current.clone();
            json_patch::patch(&mut out, &patch)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
            Ok(out)
        }
        PatchType::Merge | PatchType::Strategic => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            if !patch.is_object() {
                return Err(ApiError::BadRequest(
                    "patch body must be a JSON object".into(),
                ));
            }
            let mut out = current.clone();
            if pt == PatchType::Strategic {
                strategic_merge(&mut out, &patch);
            } else {
                json_patch::merge(&mut out, &patch);
            }
            Ok(out)
        }
        PatchType::Apply => Err(ApiError::Internal(
            "server-side apply goes through Registry::apply".into(),
        )),
    }
}

/// Strategic merge patch, as far as it goes now: maps merge, `null` deletes, `$patch: replace`
/// and `$patch: delete` on maps, and lists merge by the well-known merge keys of built-in kinds.
// SIMPLIFICATION: the directives `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList`
// and per-type merge-key tables come with declarative management (issue 3); see README#differences.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(pm) = patch else {
        *target = patch.clone();
        return;
    };
    if pm.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch.clone();
        if let Some(m) = replaced.as_object_mut() {
            m.remove("$patch");
        }
        *target = replaced;
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let tm = target
        .as_object_mut()
        .expect("invariant: target was made an object");
    for (k, v) in pm {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            tm.remove(k);
            continue;
        }
        match (tm.get_mut(k), v) {
            (Some(Value::Array(existing)), Value::Array(items)) => match merge_key(k) {
                Some(key) if items.iter().all(|i| i.get(key).is_some()) => {
                    merge_list(existing, items, key)
                }
                _ => *tm.get_mut(k).expect("invariant: key exists") = strip_directives(v),
            },
            (Some(existing @ Value::Object(_)), Value::Object(_)) => strategic_merge(existing, v),
            _ => {
                tm.insert(k.clone(), strip_directives(v));
            }
        }
    }
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let id = item.get(key);
        let pos = existing.iter().position(|e| e.get(key) == id);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(p), true) => {
                existing.remove(p);
            }
            (None, true) => {}
            (Some(p), false) => strategic_merge(&mut existing[p], item),
            (None, false) => existing.push(strip_directives(item)),
        }
    }
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

/// The merge key of the well-known list fields of built-in kinds.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "conditions" => Some("type"),
        "taints" => Some("key"),
        "ownerReferences" => Some("uid"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "resourceClaims" => Some("name"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut obj = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        strategic_merge(
            &mut obj,
            &json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}),
        );
        assert_eq!(obj["spec"]["containers"][1]["image"], "z");
        assert_eq!(obj["spec"]["containers"][0]["image"], "x");
    }

    #[test]
    fn strategic_merge_null_deletes_and_patch_delete_removes_item() {
        let mut obj = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        strategic_merge(
            &mut obj,
            &json!({"metadata": {"labels": {"a": null}}, "spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
        );
        assert_eq!(
            obj,
            json!({"metadata": {"labels": {"b": "2"}}, "spec": {"containers": [{"name": "b"}]}})
        );
    }

    #[test]
    fn content_types_map_to_patch_types() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
    }
}
