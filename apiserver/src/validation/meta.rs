//! `metadata` validation, as upstream's ValidateObjectMeta: name/generateName format per kind,
//! namespace, generation, labels, annotations (keys and total size), finalizers and owner
//! references.

use kubesim_api::{Cause, ResourceDef};
use serde_json::{Map, Value};

use super::strings::{is_dns1123_label, is_qualified_name, is_valid_label_value};
use super::{go_string_slice, invalid_raw, name_rule, too_long};

/// Upper bound on the summed size of all annotation keys and values.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

pub(super) fn validate_object_meta(
    def: &ResourceDef,
    obj: &Value,
    update: bool,
    errs: &mut Vec<Cause>,
) {
    let empty = Value::Object(Map::new());
    let meta = obj.get("metadata").unwrap_or(&empty);
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("");
    let generate_name = meta
        .get("generateName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let rule = name_rule(def);

    if !update && !generate_name.is_empty() {
        for msg in rule.check(generate_name, true) {
            errs.push(Cause::invalid(
                "metadata.generateName",
                &Value::from(generate_name),
                &msg,
            ));
        }
    }
    if name.is_empty() {
        // The caller generates the name from generateName before validating; a name that is
        // still missing is an error either way.
        errs.push(Cause::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in rule.check(name, false) {
            errs.push(Cause::invalid("metadata.name", &Value::from(name), &msg));
        }
    }
    if def.kind == "CronJob" && def.group == "batch" && name.len() > 52 {
        errs.push(Cause::invalid(
            "metadata.name",
            &Value::from(name),
            "must be no more than 52 characters",
        ));
    }

    if def.namespaced {
        let ns = meta.get("namespace").and_then(Value::as_str).unwrap_or("");
        if ns.is_empty() {
            errs.push(Cause::required("metadata.namespace", ""));
        } else {
            for msg in is_dns1123_label(ns) {
                errs.push(Cause::invalid("metadata.namespace", &Value::from(ns), &msg));
            }
        }
    }

    if let Some(g) = meta.get("generation").and_then(Value::as_i64)
        && g < 0
    {
        errs.push(Cause::invalid(
            "metadata.generation",
            &Value::from(g),
            "must be greater than or equal to 0",
        ));
    }

    validate_labels(
        meta.get("labels").and_then(Value::as_object),
        "metadata.labels",
        errs,
    );
    validate_annotations(
        meta.get("annotations").and_then(Value::as_object),
        "metadata.annotations",
        errs,
    );
    validate_finalizers(meta.get("finalizers"), "metadata.finalizers", errs);
    validate_owner_references(
        meta.get("ownerReferences"),
        "metadata.ownerReferences",
        errs,
    );
}

/// ValidateLabels: qualified-name keys, label-format values; all causes on the map's path.
pub(super) fn validate_labels(
    labels: Option<&Map<String, Value>>,
    path: &str,
    errs: &mut Vec<Cause>,
) {
    let Some(labels) = labels else { return };
    for (k, v) in labels {
        for msg in is_qualified_name(k) {
            errs.push(Cause::invalid(path, &Value::from(k.as_str()), &msg));
        }
        let v = v.as_str().unwrap_or("");
        for msg in is_valid_label_value(v) {
            errs.push(Cause::invalid(path, &Value::from(v), &msg));
        }
    }
}

/// ValidateAnnotations: keys are qualified names (case-insensitively), total size ≤ 256 KiB.
pub(super) fn validate_annotations(
    annotations: Option<&Map<String, Value>>,
    path: &str,
    errs: &mut Vec<Cause>,
) {
    let Some(annotations) = annotations else {
        return;
    };
    let mut total = 0usize;
    for (k, v) in annotations {
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(Cause::invalid(path, &Value::from(k.as_str()), &msg));
        }
        total += k.len() + v.as_str().map(str::len).unwrap_or(0);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
}

fn validate_finalizers(finalizers: Option<&Value>, path: &str, errs: &mut Vec<Cause>) {
    let Some(list) = finalizers.and_then(Value::as_array) else {
        return;
    };
    let mut orphan = false;
    let mut foreground = false;
    for f in list {
        let f = f.as_str().unwrap_or("");
        for msg in is_qualified_name(f) {
            errs.push(Cause::invalid(path, &Value::from(f), &msg));
        }
        orphan |= f == "orphan";
        foreground |= f == "foregroundDeletion";
    }
    if orphan && foreground {
        errs.push(invalid_raw(
            path,
            &go_string_slice(finalizers),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
}

/// The version part of an apiVersion, as schema.FromAPIVersionAndKind sees it.
fn version_of(api_version: &str) -> &str {
    let parts: Vec<&str> = api_version.split('/').collect();
    match parts.as_slice() {
        [v] => v,
        [_, v] => v,
        _ => "",
    }
}

fn validate_owner_references(refs: Option<&Value>, path: &str, errs: &mut Vec<Cause>) {
    let Some(list) = refs.and_then(Value::as_array) else {
        return;
    };
    let mut controller: Option<String> = None;
    for r in list {
        let api_version = r.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = r.get("name").and_then(Value::as_str).unwrap_or("");
        let uid = r.get("uid").and_then(Value::as_str).unwrap_or("");
        if version_of(api_version).is_empty() {
            errs.push(Cause::invalid(
                &format!("{path}.apiVersion"),
                &Value::from(api_version),
                "version must not be empty",
            ));
        }
        if kind.is_empty() {
            errs.push(Cause::invalid(
                &format!("{path}.kind"),
                &Value::from(kind),
                "kind must not be empty",
            ));
        }
        if name.is_empty() {
            errs.push(Cause::invalid(
                &format!("{path}.name"),
                &Value::from(name),
                "name must not be empty",
            ));
        }
        if uid.is_empty() {
            errs.push(Cause::invalid(
                &format!("{path}.uid"),
                &Value::from(uid),
                "uid must not be empty",
            ));
        }
        if r.get("controller").and_then(Value::as_bool) == Some(true) {
            let this = format!("{kind}/{name}");
            match &controller {
                None => controller = Some(this),
                Some(first) => {
                    // SIMPLIFICATION: upstream prints the whole []v1.OwnerReference with %#v.
                    errs.push(invalid_raw(
                        path,
                        "[]v1.OwnerReference{...}",
                        &format!("Only one reference can have Controller set to true. Found \"true\" in references for {first} and {this}"),
                    ));
                }
            }
        }
    }
}
