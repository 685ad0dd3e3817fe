//! Pod spec validation (the checks users hit first) and the pod update rule.

use std::collections::BTreeSet;

use kubesim_api::Cause;
use serde_json::{Map, Value};

use super::strings::{is_dns1123_label, is_valid_port_name, is_valid_port_num};
use super::{arr_at, not_found};

/// Where a pod spec is being validated: a Pod itself, or a template inside a controller.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SpecOf {
    Pod,
    Template,
}

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

/// ValidatePodSpec, reduced to the essential checks. `path` is e.g. `spec` or
/// `spec.template.spec`.
// SIMPLIFICATION: only the checks users hit first (containers, names, images, ports, volume
// names and mounts, env names, restart/DNS policy, activeDeadlineSeconds); no resource
// quantity, probe, security context, affinity or volume-source validation.
pub(super) fn validate_pod_spec(
    spec: Option<&Value>,
    path: &str,
    of: SpecOf,
    errs: &mut Vec<Cause>,
) {
    let empty = Value::Object(Map::new());
    let spec = spec.unwrap_or(&empty);

    // Volumes: names required, DNS labels, unique.
    let mut volumes: BTreeSet<String> = BTreeSet::new();
    for (i, v) in arr_at(spec, "volumes").iter().enumerate() {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("");
        let p = format!("{path}.volumes[{i}].name");
        if name.is_empty() {
            errs.push(Cause::required(&p, ""));
        } else {
            for msg in is_dns1123_label(name) {
                errs.push(Cause::invalid(&p, &Value::from(name), &msg));
            }
            if !volumes.insert(name.to_string()) {
                errs.push(Cause::duplicate(&p, &Value::from(name)));
            }
        }
    }

    let containers = arr_at(spec, "containers");
    if containers.is_empty() {
        errs.push(Cause::required(&format!("{path}.containers"), ""));
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (i, c) in containers.iter().enumerate() {
        validate_container(
            c,
            &format!("{path}.containers[{i}]"),
            &mut names,
            &volumes,
            of,
            errs,
        );
    }
    for (i, c) in arr_at(spec, "initContainers").iter().enumerate() {
        validate_container(
            c,
            &format!("{path}.initContainers[{i}]"),
            &mut names,
            &volumes,
            of,
            errs,
        );
    }

    match spec
        .get("restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
    {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(Cause::required(&format!("{path}.restartPolicy"), "")),
        other => errs.push(Cause::not_supported(
            &format!("{path}.restartPolicy"),
            &Value::from(other),
            &["Always", "OnFailure", "Never"],
        )),
    }
    match spec.get("dnsPolicy").and_then(Value::as_str).unwrap_or("") {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.push(Cause::required(&format!("{path}.dnsPolicy"), "")),
        other => errs.push(Cause::not_supported(
            &format!("{path}.dnsPolicy"),
            &Value::from(other),
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    if let Some(ads) = spec.get("activeDeadlineSeconds").and_then(Value::as_i64)
        && ads < 1
    {
        errs.push(Cause::invalid(
            &format!("{path}.activeDeadlineSeconds"),
            &Value::from(ads),
            "must be between 1 and 2147483647, inclusive",
        ));
    }
}

fn validate_container(
    c: &Value,
    path: &str,
    names: &mut BTreeSet<String>,
    volumes: &BTreeSet<String>,
    of: SpecOf,
    errs: &mut Vec<Cause>,
) {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let name_path = format!("{path}.name");
    if name.is_empty() {
        errs.push(Cause::required(&name_path, ""));
    } else {
        for msg in is_dns1123_label(name) {
            errs.push(Cause::invalid(&name_path, &Value::from(name), &msg));
        }
        if !names.insert(name.to_string()) {
            errs.push(Cause::duplicate(&name_path, &Value::from(name)));
        }
    }
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    if image.is_empty() {
        errs.push(Cause::required(&format!("{path}.image"), ""));
    } else if of == SpecOf::Pod && image.trim() != image {
        errs.push(Cause::invalid(
            &format!("{path}.image"),
            &Value::from(image),
            "must not have leading or trailing whitespace",
        ));
    }

    let mut port_names: BTreeSet<String> = BTreeSet::new();
    for (i, p) in arr_at(c, "ports").iter().enumerate() {
        let pp = format!("{path}.ports[{i}]");
        if let Some(n) = p
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        {
            for msg in is_valid_port_name(n) {
                errs.push(Cause::invalid(&format!("{pp}.name"), &Value::from(n), &msg));
            }
            if !port_names.insert(n.to_string()) {
                errs.push(Cause::duplicate(&format!("{pp}.name"), &Value::from(n)));
            }
        }
        match p.get("containerPort").and_then(Value::as_i64) {
            None | Some(0) => errs.push(Cause::required(&format!("{pp}.containerPort"), "")),
            Some(n) => {
                for msg in is_valid_port_num(n) {
                    errs.push(Cause::invalid(
                        &format!("{pp}.containerPort"),
                        &Value::from(n),
                        &msg,
                    ));
                }
            }
        }
        if let Some(h) = p
            .get("hostPort")
            .and_then(Value::as_i64)
            .filter(|h| *h != 0)
        {
            for msg in is_valid_port_num(h) {
                errs.push(Cause::invalid(
                    &format!("{pp}.hostPort"),
                    &Value::from(h),
                    &msg,
                ));
            }
        }
        match p.get("protocol").and_then(Value::as_str).unwrap_or("") {
            "" => errs.push(Cause::required(&format!("{pp}.protocol"), "")),
            proto if PROTOCOLS.contains(&proto) => {}
            other => errs.push(Cause::not_supported(
                &format!("{pp}.protocol"),
                &Value::from(other),
                PROTOCOLS,
            )),
        }
    }

    for (i, m) in arr_at(c, "volumeMounts").iter().enumerate() {
        let mp = format!("{path}.volumeMounts[{i}]");
        let vname = m.get("name").and_then(Value::as_str).unwrap_or("");
        if vname.is_empty() {
            errs.push(Cause::required(&format!("{mp}.name"), ""));
        } else if !volumes.contains(vname) {
            errs.push(not_found(&format!("{mp}.name"), vname));
        }
        if m.get("mountPath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            errs.push(Cause::required(&format!("{mp}.mountPath"), ""));
        }
    }

    for (i, e) in arr_at(c, "env").iter().enumerate() {
        if e.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            errs.push(Cause::required(&format!("{path}.env[{i}].name"), ""));
        }
    }
}

/// The fields a pod update may change, as upstream lists them.
const UPDATABLE: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// ValidatePodUpdate's spec rule: only images, activeDeadlineSeconds, toleration additions and a
/// negative grace period moving to 1 may change.
pub(super) fn validate_pod_update(new: &Value, old: &Value, errs: &mut Vec<Cause>) {
    let empty = Value::Object(Map::new());
    let new_spec = new.get("spec").unwrap_or(&empty);
    let old_spec = old.get("spec").unwrap_or(&empty);

    // activeDeadlineSeconds may be set or lowered, never removed or raised.
    let new_ads = new_spec
        .get("activeDeadlineSeconds")
        .and_then(Value::as_i64);
    let old_ads = old_spec
        .get("activeDeadlineSeconds")
        .and_then(Value::as_i64);
    if let Some(o) = old_ads {
        match new_ads {
            None => errs.push(Cause::invalid(
                "spec.activeDeadlineSeconds",
                &Value::Null,
                "must not update from a positive integer to nil value",
            )),
            Some(n) if n > o => errs.push(Cause::invalid(
                "spec.activeDeadlineSeconds",
                &Value::from(n),
                "must be less than or equal to previous value",
            )),
            _ => {}
        }
    }

    // Tolerations: only additions.
    let new_tols = arr_at(new_spec, "tolerations");
    for t in arr_at(old_spec, "tolerations") {
        if !new_tols.contains(t) {
            errs.push(Cause::forbidden(
                "spec.tolerations",
                "existing toleration can not be modified except its tolerationSeconds",
            ));
            break;
        }
    }

    // Munge the updatable fields of the new spec back to the old values and compare the rest.
    let mut munged = new_spec.clone();
    if let Some(m) = munged.as_object_mut() {
        for list in ["containers", "initContainers"] {
            let old_list = arr_at(old_spec, list);
            if let Some(Value::Array(cs)) = m.get_mut(list)
                && cs.len() == old_list.len()
            {
                for (c, oc) in cs.iter_mut().zip(old_list) {
                    if let (Some(c), Some(img)) = (c.as_object_mut(), oc.get("image")) {
                        c.insert("image".into(), img.clone());
                    }
                }
            }
        }
        copy_field(m, old_spec, "activeDeadlineSeconds");
        copy_field(m, old_spec, "tolerations");
        let old_grace = old_spec
            .get("terminationGracePeriodSeconds")
            .and_then(Value::as_i64);
        let new_grace = m
            .get("terminationGracePeriodSeconds")
            .and_then(Value::as_i64);
        if old_grace.is_some_and(|g| g < 0) && new_grace == Some(1) {
            copy_field(m, old_spec, "terminationGracePeriodSeconds");
        }
    }
    if &munged != old_spec {
        let diff = spec_diff(old_spec, &munged);
        // SIMPLIFICATION: upstream appends a go-cmp diff of the internal PodSpec; we list the
        // differing top-level spec fields instead.
        errs.push(Cause::forbidden(
            "spec",
            &format!("pod updates may not change fields other than {UPDATABLE}\n  core.PodSpec{{\n{diff}  }}\n"),
        ));
    }
}

fn copy_field(m: &mut Map<String, Value>, old: &Value, key: &str) {
    match old.get(key) {
        Some(v) => {
            m.insert(key.to_string(), v.clone());
        }
        None => {
            m.remove(key);
        }
    }
}

/// A short, go-cmp-flavoured listing of the top-level spec fields that differ.
pub(super) fn spec_diff(old: &Value, new: &Value) -> String {
    let empty = Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let mut keys: BTreeSet<&String> = o.keys().collect();
    keys.extend(n.keys());
    let mut out = String::new();
    for k in keys {
        let (ov, nv) = (o.get(k), n.get(k));
        if ov != nv {
            if let Some(v) = ov {
                out.push_str(&format!("- \t{k}: {v},\n"));
            }
            if let Some(v) = nv {
                out.push_str(&format!("+ \t{k}: {v},\n"));
            }
        }
    }
    out
}
