//! The CustomResourceDefinition object itself (`apiextensions.k8s.io/v1`): its defaults, its
//! validation (upstream's `ValidateCustomResourceDefinition[Update]`, worded the same), the
//! status the naming and establishing controllers maintain (`acceptedNames`, `NamesAccepted`,
//! `Established`, `storedVersions`), and the served versions it turns into.

use std::cmp::Ordering;
use std::sync::Arc;

use kubesim_api::{Cause, ResourceDef, SubresourceDef};
use serde_json::{Map, Value, json};

use super::path;
use super::printer::Printer;
use super::schema::{self, Schema};
use crate::registry::meta;
use crate::validation::strings;

/// The finalizer that holds a deleted CRD until its objects are gone.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// Discovery verbs of a custom resource, in upstream's order.
const VERBS: &[&str] = &[
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];

/// The scale subresource's paths.
#[derive(Debug, Clone)]
pub struct ScalePaths {
    /// `specReplicasPath`, e.g. `.spec.replicas`.
    pub spec_replicas: String,
    /// `statusReplicasPath`, e.g. `.status.replicas`.
    pub status_replicas: String,
    /// `labelSelectorPath`, e.g. `.status.selector`.
    pub label_selector: Option<String>,
}

/// One served version of a CRD: everything the registry needs to handle its objects.
#[derive(Debug, Clone)]
pub struct ServedVersion {
    /// The CRD's name (`plural.group`).
    pub crd: String,
    /// How the resource appears in the table and discovery.
    pub def: ResourceDef,
    /// The version's structural schema.
    pub schema: Option<Arc<Schema>>,
    /// Its Table columns.
    pub printer: Printer,
    /// Whether the status subresource is enabled.
    pub status: bool,
    /// The scale subresource, if enabled.
    pub scale: Option<ScalePaths>,
    /// Whether the CRD is being deleted (no new objects then).
    pub terminating: bool,
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn versions(crd: &Value) -> &[Value] {
    crd.pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The storage version's name.
pub fn storage_version(crd: &Value) -> Option<String> {
    versions(crd)
        .iter()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .and_then(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_string)
}

/// Upstream's v1 defaults: `names.singular` (lower-case kind), `names.listKind` (`KindList`),
/// `conversion.strategy: None`, and port 443 of a conversion webhook service.
pub fn apply_defaults(crd: &mut Value) {
    let Some(spec) = crd.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
        let kind = names
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if names
            .get("singular")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            names.insert("singular".into(), json!(kind.to_lowercase()));
        }
        if !kind.is_empty()
            && names
                .get("listKind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
        {
            names.insert("listKind".into(), json!(format!("{kind}List")));
        }
    }
    let conversion = spec
        .entry("conversion")
        .or_insert_with(|| json!({"strategy": "None"}));
    if let Some(c) = conversion.as_object_mut() {
        if c.get("strategy")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            c.insert("strategy".into(), json!("None"));
        }
        if let Some(svc) = c
            .get_mut("webhook")
            .and_then(|w| w.get_mut("clientConfig"))
            .and_then(|cc| cc.get_mut("service"))
            .and_then(Value::as_object_mut)
            && !svc.contains_key("port")
        {
            svc.insert("port".into(), json!(443));
        }
    }
}

/// Whether every version carries the same (non-null) value at `key` (then upstream's internal
/// form moves it to the top level and reports errors there).
fn identical_per_version(crd: &Value, key: &str) -> bool {
    let vs = versions(crd);
    let Some(first) = vs.first().and_then(|v| v.get(key)) else {
        return false;
    };
    !is_empty(first) && vs.iter().all(|v| v.get(key) == Some(first))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// `spec.versions: Invalid value: ...`.
// SIMPLIFICATION: upstream prints the whole Go slice as the value; it is abbreviated here. See
// README#differences.
fn versions_invalid(detail: &str) -> Cause {
    Cause::new(
        "FieldValueInvalid",
        format!("Invalid value: []apiextensions.CustomResourceDefinitionVersion{{...}}: {detail}"),
        "spec.versions",
    )
}

/// Validates a CRD (with defaults applied); `old` is the stored CRD on update.
pub fn validate(crd: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut errs = Vec::new();
    let group = s(crd, "/spec/group");
    let plural = s(crd, "/spec/names/plural");
    let name = s(crd, "/metadata/name");
    if name != format!("{plural}.{group}") {
        errs.push(Cause::invalid(
            "metadata.name",
            &json!(name),
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    // spec.group
    if group.is_empty() {
        errs.push(Cause::required("spec.group", ""));
    } else {
        let bad = strings::is_dns1123_subdomain(group);
        if !bad.is_empty() {
            errs.push(Cause::invalid("spec.group", &json!(group), &bad.join(",")));
        } else if !group.contains('.') {
            errs.push(Cause::invalid(
                "spec.group",
                &json!(group),
                "should be a domain with at least one dot",
            ));
        }
    }
    // spec.scope
    match s(crd, "/spec/scope") {
        "" => errs.push(Cause::required("spec.scope", "")),
        "Cluster" | "Namespaced" => {}
        other => errs.push(Cause::not_supported(
            "spec.scope",
            &json!(other),
            &["Cluster", "Namespaced"],
        )),
    }
    let vs = versions(crd);
    // schemas are required in every version
    for (i, v) in vs.iter().enumerate() {
        if v.pointer("/schema/openAPIV3Schema")
            .is_none_or(Value::is_null)
        {
            errs.push(Cause::required(
                &format!("spec.versions[{i}].schema.openAPIV3Schema"),
                "schemas are required",
            ));
        }
    }
    let top_schema = identical_per_version(crd, "schema");
    let top_sub = identical_per_version(crd, "subresources");
    let top_cols = identical_per_version(crd, "additionalPrinterColumns");
    let mut storage = 0;
    let mut seen: Vec<&str> = Vec::new();
    let mut unique = true;
    for (i, v) in vs.iter().enumerate() {
        let vp = format!("spec.versions[{i}]");
        let vname = v.get("name").and_then(Value::as_str).unwrap_or("");
        if v.get("storage").and_then(Value::as_bool) == Some(true) {
            storage += 1;
        }
        if seen.contains(&vname) {
            unique = false;
        }
        seen.push(vname);
        let bad = strings::is_dns1035_label(vname);
        if !bad.is_empty() {
            errs.push(Cause::invalid(
                &path::child(&vp, "name"),
                &json!(vname),
                &bad.join(","),
            ));
        }
        if v.get("deprecationWarning").is_some_and(|w| !w.is_null())
            && v.get("deprecated").and_then(Value::as_bool) != Some(true)
        {
            errs.push(Cause::invalid(
                &path::child(&vp, "deprecationWarning"),
                v.get("deprecationWarning").unwrap_or(&Value::Null),
                "can only be set for deprecated versions",
            ));
        }
        let status_enabled = v
            .pointer("/subresources/status")
            .is_some_and(|x| !x.is_null());
        if (!top_schema || i == 0)
            && let Some(raw) = v
                .pointer("/schema/openAPIV3Schema")
                .filter(|x| !x.is_null())
        {
            let base = if top_schema {
                "spec.validation.openAPIV3Schema".to_string()
            } else {
                format!("{vp}.schema.openAPIV3Schema")
            };
            errs.extend(schema::check(raw, &base, status_enabled));
        }
        if (!top_sub || i == 0)
            && let Some(sub) = v.get("subresources").filter(|x| !x.is_null())
        {
            let base = if top_sub {
                "spec.subresources".to_string()
            } else {
                format!("{vp}.subresources")
            };
            check_subresources(sub, &base, &mut errs);
        }
        if (!top_cols || i == 0)
            && let Some(cols) = v.get("additionalPrinterColumns").and_then(Value::as_array)
        {
            let base = if top_cols {
                "spec.additionalPrinterColumns".to_string()
            } else {
                format!("{vp}.additionalPrinterColumns")
            };
            for (j, c) in cols.iter().enumerate() {
                check_column(c, &path::index(&base, j), &mut errs);
            }
        }
    }
    if !unique {
        errs.push(versions_invalid("must contain unique version names"));
    }
    if storage != 1 {
        errs.push(versions_invalid(
            "must have exactly one version marked as storage version",
        ));
    }
    // names
    for (k, field) in [
        ("plural", "spec.names.plural"),
        ("singular", "spec.names.singular"),
        ("kind", "spec.names.kind"),
        ("listKind", "spec.names.listKind"),
    ] {
        if s(crd, &format!("/spec/names/{k}")).is_empty() {
            errs.push(Cause::required(field, ""));
        }
    }
    check_names(crd.pointer("/spec/names"), "spec.names", &mut errs);
    // conversion
    if let Some(conv) = crd.pointer("/spec/conversion").filter(|c| c.is_object()) {
        match conv.get("strategy").and_then(Value::as_str).unwrap_or("") {
            "" => errs.push(Cause::required("spec.conversion.strategy", "")),
            "None" => {
                if conv.get("webhook").is_some_and(|w| !w.is_null()) {
                    errs.push(Cause::forbidden(
                        "spec.conversion.webhookClientConfig",
                        "should not be set when strategy is not set to Webhook",
                    ));
                }
            }
            // SIMPLIFICATION: a Webhook strategy is accepted but never called: versions convert
            // as with None (only apiVersion changes); see README#differences.
            "Webhook" => {
                if conv
                    .pointer("/webhook/clientConfig")
                    .is_none_or(Value::is_null)
                {
                    errs.push(Cause::required(
                        "spec.conversion.webhookClientConfig",
                        "required when strategy is set to Webhook",
                    ));
                }
            }
            other => errs.push(Cause::not_supported(
                "spec.conversion.strategy",
                &json!(other),
                &["None", "Webhook"],
            )),
        }
    }
    if crd
        .pointer("/spec/preserveUnknownFields")
        .and_then(Value::as_bool)
        == Some(true)
        && old
            .and_then(|o| o.pointer("/spec/preserveUnknownFields"))
            .and_then(Value::as_bool)
            != Some(true)
    {
        errs.push(Cause::invalid(
            "spec.preserveUnknownFields",
            &json!(true),
            "cannot set to true, set x-preserve-unknown-fields to true in spec.versions[*].schema instead",
        ));
    }
    check_api_approval(crd, old, group, &mut errs);
    if let Some(old) = old {
        let immutable = |field: &str, ptr: &str, errs: &mut Vec<Cause>| {
            let now = crd.pointer(ptr).cloned().unwrap_or(Value::Null);
            if old.pointer(ptr).cloned().unwrap_or(Value::Null) != now {
                errs.push(Cause::invalid(field, &now, "field is immutable"));
            }
        };
        if is_condition_true(old, "Established") {
            immutable("spec.scope", "/spec/scope", &mut errs);
            immutable("spec.names.kind", "/spec/names/kind", &mut errs);
        }
        immutable("spec.group", "/spec/group", &mut errs);
        immutable("spec.names.plural", "/spec/names/plural", &mut errs);
    }
    check_names(
        crd.pointer("/status/acceptedNames"),
        "status.acceptedNames",
        &mut errs,
    );
    errs
}

fn check_api_approval(crd: &Value, old: Option<&Value>, group: &str, errs: &mut Vec<Cause>) {
    const ANNOTATION: &str = "api-approved.kubernetes.io";
    let protected = group == "k8s.io"
        || group == "kubernetes.io"
        || group.ends_with(".k8s.io")
        || group.ends_with(".kubernetes.io");
    if !protected {
        return;
    }
    let value = |o: &Value| {
        o.pointer("/metadata/annotations")
            .and_then(|a| a.get(ANNOTATION))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let now = value(crd);
    if old.is_some_and(|o| value(o) == now) {
        return;
    }
    let field = format!("metadata.annotations[{ANNOTATION}]");
    match now.as_deref() {
        None => errs.push(Cause::required(
            &field,
            &format!("protected groups must have approval annotation {ANNOTATION:?}, see https://github.com/kubernetes/enhancements/pull/1111"),
        )),
        Some(v) if v.starts_with("unapproved") || v.starts_with("https://") || v.starts_with("http://") => {}
        Some(v) => errs.push(Cause::invalid(
            &field,
            &json!(v),
            &format!("protected groups must have approval annotation {ANNOTATION:?} with either a URL or a reason starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111"),
        )),
    }
}

fn check_names(names: Option<&Value>, p: &str, errs: &mut Vec<Cause>) {
    let Some(names) = names else {
        return;
    };
    let get = |k: &str| names.get(k).and_then(Value::as_str).unwrap_or("");
    for k in ["plural", "singular"] {
        let v = get(k);
        let bad = strings::is_dns1035_label(v);
        if !v.is_empty() && !bad.is_empty() {
            errs.push(Cause::invalid(
                &path::child(p, k),
                &json!(v),
                &bad.join(","),
            ));
        }
    }
    for k in ["kind", "listKind"] {
        let v = get(k);
        let bad = strings::is_dns1035_label(&v.to_lowercase());
        if !v.is_empty() && !bad.is_empty() {
            errs.push(Cause::invalid(
                &path::child(p, k),
                &json!(v),
                &format!(
                    "may have mixed case, but should otherwise match: {}",
                    bad.join(",")
                ),
            ));
        }
    }
    for k in ["shortNames", "categories"] {
        if let Some(list) = names.get(k).and_then(Value::as_array) {
            for (i, item) in list.iter().enumerate() {
                let v = item.as_str().unwrap_or("");
                let bad = strings::is_dns1035_label(v);
                if !bad.is_empty() {
                    errs.push(Cause::invalid(
                        &path::index(&path::child(p, k), i),
                        &json!(v),
                        &bad.join(","),
                    ));
                }
            }
        }
    }
    if !get("kind").is_empty() && get("kind") == get("listKind") {
        errs.push(Cause::invalid(
            &path::child(p, "listKind"),
            &json!(get("listKind")),
            "kind and listKind may not be the same",
        ));
    }
}

fn check_simple_json_path(v: &str, p: &str, errs: &mut Vec<Cause>) -> bool {
    if v.is_empty() {
        errs.push(Cause::invalid(p, &json!(v), "must not be empty"));
        false
    } else if !v.starts_with('.') {
        errs.push(Cause::invalid(
            p,
            &json!(v),
            "must be a simple json path starting with .",
        ));
        false
    } else {
        true
    }
}

fn check_subresources(sub: &Value, p: &str, errs: &mut Vec<Cause>) {
    let Some(scale) = sub.get("scale").filter(|x| !x.is_null()) else {
        return;
    };
    let g = |k: &str| scale.get(k).and_then(Value::as_str).unwrap_or("");
    let spec = g("specReplicasPath");
    let sp = format!("{p}.scale.specReplicasPath");
    if spec.is_empty() {
        errs.push(Cause::required(&sp, ""));
    } else if check_simple_json_path(spec, &sp, errs) && !spec.starts_with(".spec.") {
        errs.push(Cause::invalid(
            &sp,
            &json!(spec),
            "should be a json path under .spec",
        ));
    }
    let status = g("statusReplicasPath");
    let stp = format!("{p}.scale.statusReplicasPath");
    if status.is_empty() {
        errs.push(Cause::required(&stp, ""));
    } else if check_simple_json_path(status, &stp, errs) && !status.starts_with(".status.") {
        errs.push(Cause::invalid(
            &stp,
            &json!(status),
            "should be a json path under .status",
        ));
    }
    let sel = g("labelSelectorPath");
    let selp = format!("{p}.scale.labelSelectorPath");
    if !sel.is_empty()
        && check_simple_json_path(sel, &selp, errs)
        && !sel.starts_with(".spec.")
        && !sel.starts_with(".status.")
    {
        errs.push(Cause::invalid(
            &selp,
            &json!(sel),
            "should be a json path under either .spec or .status",
        ));
    }
}

fn check_column(c: &Value, p: &str, errs: &mut Vec<Cause>) {
    const TYPES: &str = "boolean,date,integer,number,string";
    const FORMATS: &[&str] = &[
        "byte",
        "date",
        "date-time",
        "double",
        "float",
        "int32",
        "int64",
        "password",
    ];
    let g = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
    if g("name").is_empty() {
        errs.push(Cause::required(&path::child(p, "name"), ""));
    }
    match g("type") {
        "" => errs.push(Cause::required(
            &path::child(p, "type"),
            &format!("must be one of {TYPES}"),
        )),
        "integer" | "number" | "string" | "boolean" | "date" => {}
        other => errs.push(Cause::invalid(
            &path::child(p, "type"),
            &json!(other),
            &format!("must be one of {TYPES}"),
        )),
    }
    let format = g("format");
    if !format.is_empty() && !FORMATS.contains(&format) {
        errs.push(Cause::invalid(
            &path::child(p, "format"),
            &json!(format),
            &format!("must be one of {}", FORMATS.join(",")),
        ));
    }
    let jp = g("jsonPath");
    let jpp = path::child(p, "JSONPath");
    if jp.is_empty() {
        errs.push(Cause::required(&jpp, ""));
    } else if check_simple_json_path(jp, &jpp, errs)
        && let Err(e) = super::jsonpath::JsonPath::parse(jp)
    {
        errs.push(Cause::invalid(
            &jpp,
            &json!(jp),
            &format!("unrecognized column definition: {e}"),
        ));
    }
}

/// Whether a condition of that type is `True`.
pub fn is_condition_true(crd: &Value, type_: &str) -> bool {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == type_ && c["status"] == "True")
        })
}

/// Sets a condition, keeping `lastTransitionTime` when the status does not change.
pub fn set_condition(crd: &mut Value, type_: &str, status: &str, reason: &str, message: &str) {
    if !crd.get("status").is_some_and(Value::is_object) {
        crd["status"] = json!({});
    }
    let st = &mut crd["status"];
    if !st.get("conditions").is_some_and(Value::is_array) {
        st["conditions"] = json!([]);
    }
    let Some(conds) = st.get_mut("conditions").and_then(Value::as_array_mut) else {
        return;
    };
    let now = meta::now_rfc3339();
    match conds.iter_mut().find(|c| c["type"] == type_) {
        Some(c) => {
            if c["status"] != status {
                c["lastTransitionTime"] = json!(now);
            }
            c["status"] = json!(status);
            c["reason"] = json!(reason);
            c["message"] = json!(message);
        }
        None => conds.push(json!({
            "type": type_,
            "status": status,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        })),
    }
}

/// Names one CRD holds in its group (accepted plural/singular/short names, kinds).
struct Taken {
    resources: Vec<String>,
    kinds: Vec<String>,
}

fn taken_names(group: &str, self_name: &str, others: &[Value]) -> Taken {
    let mut t = Taken {
        resources: vec![],
        kinds: vec![],
    };
    for o in others {
        if s(o, "/spec/group") != group || s(o, "/metadata/name") == self_name {
            continue;
        }
        let Some(a) = o.pointer("/status/acceptedNames") else {
            continue;
        };
        let g = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        t.resources.extend([g("plural"), g("singular")]);
        if let Some(sn) = a.get("shortNames").and_then(Value::as_array) {
            t.resources
                .extend(sn.iter().filter_map(Value::as_str).map(str::to_string));
        }
        t.kinds.extend([g("kind"), g("listKind")]);
    }
    t.resources.retain(|x| !x.is_empty());
    t.kinds.retain(|x| !x.is_empty());
    t
}

/// Maintains the status the naming and establishing controllers write: `storedVersions`
/// (plus the storage version), `acceptedNames` and the `NamesAccepted`/`Established` conditions.
/// `others` are the other stored CRDs (for name conflicts within the group).
pub fn update_status(crd: &mut Value, others: &[Value]) {
    if !crd.get("status").is_some_and(Value::is_object) {
        crd["status"] = json!({});
    }
    let group = s(crd, "/spec/group").to_string();
    let name = s(crd, "/metadata/name").to_string();
    let requested = crd
        .pointer("/spec/names")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let accepted = crd
        .pointer("/status/acceptedNames")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let taken = taken_names(&group, &name, others);
    let mut new_names = accepted.as_object().cloned().unwrap_or_default();
    let mut conflict: Option<(&str, String)> = None;
    let req = |k: &str| requested.get(k).and_then(Value::as_str).unwrap_or("");
    let acc = |k: &str| accepted.get(k).and_then(Value::as_str).unwrap_or("");
    let fresh = |k: &str, pool: &[String]| req(k) == acc(k) || !pool.iter().any(|x| x == req(k));
    for (k, reason, pool) in [
        ("plural", "PluralConflict", &taken.resources),
        ("singular", "SingularConflict", &taken.resources),
    ] {
        if fresh(k, pool) {
            new_names.insert(k.into(), json!(req(k)));
        } else {
            conflict = Some((reason, format!("{:?} is already in use", req(k))));
        }
    }
    let short: Vec<String> = requested
        .get("shortNames")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let accepted_short: Vec<String> = accepted
        .get("shortNames")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    match short
        .iter()
        .find(|x| !accepted_short.contains(x) && taken.resources.contains(x))
    {
        Some(bad) => conflict = Some(("ShortNamesConflict", format!("{bad:?} is already in use"))),
        None => {
            if short.is_empty() {
                new_names.remove("shortNames");
            } else {
                new_names.insert("shortNames".into(), json!(short));
            }
        }
    }
    for (k, reason) in [("kind", "KindConflict"), ("listKind", "ListKindConflict")] {
        if fresh(k, &taken.kinds) {
            new_names.insert(k.into(), json!(req(k)));
        } else {
            conflict = Some((reason, format!("{:?} is already in use", req(k))));
        }
    }
    match requested.get("categories").and_then(Value::as_array) {
        Some(c) if !c.is_empty() => {
            new_names.insert("categories".into(), Value::Array(c.clone()));
        }
        _ => {
            new_names.remove("categories");
        }
    }
    let ordered = order_names(new_names);
    crd["status"]["acceptedNames"] = Value::Object(ordered);
    match conflict {
        None => {
            set_condition(
                crd,
                "NamesAccepted",
                "True",
                "NoConflicts",
                "no conflicts found",
            );
            if !is_condition_true(crd, "Established") {
                set_condition(
                    crd,
                    "Established",
                    "True",
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                );
            }
        }
        Some((reason, message)) => {
            set_condition(crd, "NamesAccepted", "False", reason, &message);
            if !is_condition_true(crd, "Established") {
                set_condition(
                    crd,
                    "Established",
                    "False",
                    "NotAccepted",
                    "not all names are accepted",
                );
            }
        }
    }
    // storedVersions: every version objects may have been stored at.
    let mut stored: Vec<Value> = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(sv) = storage_version(crd)
        && !stored.iter().any(|x| x == sv.as_str())
    {
        stored.push(json!(sv));
    }
    crd["status"]["storedVersions"] = Value::Array(stored);
    // The status keys in upstream's order.
    if let Some(st) = crd.get_mut("status").and_then(Value::as_object_mut) {
        let mut out = Map::new();
        for k in ["acceptedNames", "conditions", "storedVersions"] {
            if let Some(v) = st.remove(k) {
                out.insert(k.into(), v);
            }
        }
        out.extend(std::mem::take(st));
        *st = out;
    }
}

/// acceptedNames keys in the order upstream serializes them (kind and plural always present).
fn order_names(mut m: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for k in [
        "categories",
        "kind",
        "listKind",
        "plural",
        "shortNames",
        "singular",
    ] {
        match m.remove(k) {
            Some(v) => {
                out.insert(k.into(), v);
            }
            None if k == "kind" || k == "plural" => {
                out.insert(k.into(), json!(""));
            }
            None => {}
        }
    }
    out
}

/// Orders versions as discovery does: GA before beta before alpha, higher numbers first, then
/// anything else alphabetically.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parse(v: &str) -> Option<(u64, u8, u64)> {
        let rest = v.strip_prefix('v')?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let major: u64 = digits.parse().ok()?;
        let tail = &rest[digits.len()..];
        if tail.is_empty() {
            return Some((major, 2, 0));
        }
        let (level, num) = if let Some(n) = tail.strip_prefix("beta") {
            (1, n)
        } else if let Some(n) = tail.strip_prefix("alpha") {
            (0, n)
        } else {
            return None;
        };
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some((major, level, num.parse().ok()?))
    }
    match (parse(a), parse(b)) {
        (Some((ma, la, na)), Some((mb, lb, nb))) => lb.cmp(&la).then(mb.cmp(&ma)).then(nb.cmp(&na)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The versions a stored CRD serves, in discovery order (empty until its names are accepted).
// SIMPLIFICATION: the registry stores objects at the first served version (the preferred one),
// not at the `storage` version; with None conversion only `apiVersion` differs. See
// README#differences.
pub fn served_versions(crd: &Value) -> Vec<ServedVersion> {
    if !is_condition_true(crd, "Established") && !is_condition_true(crd, "NamesAccepted") {
        return vec![];
    }
    let names = crd
        .pointer("/status/acceptedNames")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let n = |k: &str| {
        names
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let list = |k: &str| -> Vec<String> {
        names
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (plural, kind) = (n("plural"), n("kind"));
    let group = s(crd, "/spec/group").to_string();
    if plural.is_empty() || kind.is_empty() || group.is_empty() {
        return vec![];
    }
    let namespaced = s(crd, "/spec/scope") != "Cluster";
    let crd_name = s(crd, "/metadata/name").to_string();
    let terminating = meta::is_deleting(crd);
    let mut out: Vec<ServedVersion> = versions(crd)
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool) == Some(true))
        .map(|v| {
            let version = v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let status = v
                .pointer("/subresources/status")
                .is_some_and(|x| !x.is_null());
            let scale = v
                .pointer("/subresources/scale")
                .filter(|x| !x.is_null())
                .map(|sc| ScalePaths {
                    spec_replicas: sc
                        .get("specReplicasPath")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    status_replicas: sc
                        .get("statusReplicasPath")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    label_selector: sc
                        .get("labelSelectorPath")
                        .and_then(Value::as_str)
                        .filter(|x| !x.is_empty())
                        .map(str::to_string),
                });
            let mut subresources = Vec::new();
            if scale.is_some() {
                subresources.push(SubresourceDef {
                    name: "scale".into(),
                    group: "autoscaling".into(),
                    version: "v1".into(),
                    kind: "Scale".into(),
                    verbs: vec!["get".into(), "patch".into(), "update".into()],
                });
            }
            if status {
                subresources.push(SubresourceDef {
                    name: "status".into(),
                    group: group.clone(),
                    version: version.clone(),
                    kind: kind.clone(),
                    verbs: vec!["get".into(), "patch".into(), "update".into()],
                });
            }
            let def = ResourceDef {
                group: group.clone(),
                version: version.clone(),
                kind: kind.clone(),
                plural: plural.clone(),
                singular: {
                    let sg = n("singular");
                    if sg.is_empty() {
                        kind.to_lowercase()
                    } else {
                        sg
                    }
                },
                namespaced,
                short_names: list("shortNames"),
                categories: list("categories"),
                verbs: VERBS.iter().map(|x| x.to_string()).collect(),
                subresources,
                storage: format!("{group}/{plural}"),
                virtual_only: false,
            };
            let schema = v
                .pointer("/schema/openAPIV3Schema")
                .filter(|x| x.is_object())
                .map(|raw| Arc::new(Schema::parse(raw)));
            ServedVersion {
                crd: crd_name.clone(),
                def,
                schema,
                printer: Printer::new(v.get("additionalPrinterColumns")),
                status,
                scale,
                terminating,
            }
        })
        .collect();
    out.sort_by(|a, b| compare_versions(&a.def.version, &b.def.version));
    out
}
