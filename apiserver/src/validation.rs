//! Object validation as the Kubernetes API server does it (v1.33): metadata for every kind, the
//! spec checks users hit first for the common kinds, and the update rules (immutable fields).
//!
//! `validate` returns field causes; the caller turns a non-empty list into a 422
//! `ApiError::Invalid`. Messages are worded like upstream's `field.Error`s because kubectl prints
//! them verbatim (`The Deployment "web" is invalid: spec.template.metadata.labels: ...`).
//!
//! Metadata changes the caller owns (name, namespace, uid, creationTimestamp on update) are not
//! checked here.

pub mod strings;

mod meta;
mod pod;
mod workloads;

use kubesim_api::{Cause, ResourceDef};
use serde_json::{Map, Value};

pub use strings::NameRule;

/// Validates `obj` (an object of `def`'s kind, defaults already applied). `old` is the stored
/// object on update (`None` on create), which adds the update rules.
pub fn validate(def: &ResourceDef, obj: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut errs = Vec::new();
    meta::validate_object_meta(def, obj, old.is_some(), &mut errs);
    workloads::validate_kind(def, obj, &mut errs);
    if let Some(old) = old {
        workloads::validate_kind_update(def, obj, old, &mut errs);
    }
    errs
}

/// The rule upstream applies to `metadata.name` for this kind.
pub fn name_rule(def: &ResourceDef) -> NameRule {
    match (def.group.as_str(), def.kind.as_str()) {
        ("", "Namespace") => NameRule::Label,
        ("", "Service") => NameRule::Dns1035,
        (
            "rbac.authorization.k8s.io",
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding",
        ) => NameRule::PathSegment,
        ("certificates.k8s.io", "CertificateSigningRequest") => NameRule::Anything,
        // APIService names are `version.group` (`v1.` for the core group): path segments.
        ("apiregistration.k8s.io", "APIService") => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

// ---------------------------------------------------------------------------------------------
// Small JSON and formatting helpers shared by the submodules.
// ---------------------------------------------------------------------------------------------

/// The value at a dotted path.
fn at<'a>(obj: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(obj, |v, k| v.get(k))
}

/// The string at a dotted path, or `""`.
fn str_at<'a>(obj: &'a Value, dotted: &str) -> &'a str {
    at(obj, dotted).and_then(Value::as_str).unwrap_or("")
}

/// The array at a dotted path, or empty.
fn arr_at<'a>(obj: &'a Value, dotted: &str) -> &'a [Value] {
    at(obj, dotted)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The object at a dotted path, if it is one.
fn map_at<'a>(obj: &'a Value, dotted: &str) -> Option<&'a Map<String, Value>> {
    at(obj, dotted).and_then(Value::as_object)
}

/// Go's `%#v` of a `map[string]string` (keys sorted, as Go prints maps).
fn go_string_map(m: Option<&Map<String, Value>>) -> String {
    let Some(m) = m else {
        return "map[string]string(nil)".to_string();
    };
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    let parts: Vec<String> = keys
        .iter()
        .map(|k| {
            let v = m.get(*k).and_then(Value::as_str).unwrap_or("");
            format!("{k:?}:{v:?}")
        })
        .collect();
    format!("map[string]string{{{}}}", parts.join(", "))
}

/// Go's `%#v` of a `[]string`.
fn go_string_slice(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        None => "[]string(nil)".to_string(),
        Some(a) => {
            let parts: Vec<String> = a
                .iter()
                .map(|s| format!("{:?}", s.as_str().unwrap_or("")))
                .collect();
            format!("[]string{{{}}}", parts.join(", "))
        }
    }
}

/// Go's `%#v` of a `v1.LabelSelector` value, as `field is immutable` messages show it.
fn go_label_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel.filter(|s| s.is_object()) else {
        return "(*v1.LabelSelector)(nil)".to_string();
    };
    let ml = go_string_map(sel.get("matchLabels").and_then(Value::as_object));
    let exprs = match sel.get("matchExpressions").and_then(Value::as_array) {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(a) => {
            let parts: Vec<String> = a
                .iter()
                .map(|e| {
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{:?}, Operator:{:?}, Values:{}}}",
                        str_at(e, "key"),
                        str_at(e, "operator"),
                        go_string_slice(e.get("values"))
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", parts.join(", "))
        }
    };
    format!("v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{exprs}}}")
}

/// A cause with an already-rendered bad value (for values Go prints with `%#v`).
fn invalid_raw(field: &str, shown: &str, detail: &str) -> Cause {
    Cause::new(
        "FieldValueInvalid",
        format!("Invalid value: {shown}: {detail}"),
        field,
    )
}

/// `field: Too long: must have at most N bytes`.
fn too_long(field: &str, max: usize) -> Cause {
    Cause::new(
        "FieldValueTooLong",
        format!("Too long: must have at most {max} bytes"),
        field,
    )
}

/// `field: Not found: "value"`.
fn not_found(field: &str, value: &str) -> Cause {
    Cause::new("FieldValueNotFound", format!("Not found: {value:?}"), field)
}

/// Upstream's `field is immutable` for a value Go prints with `%v`/`%q`.
fn immutable(field: &str, new: &Value) -> Cause {
    Cause::invalid(field, new, "field is immutable")
}

#[cfg(test)]
mod tests;
