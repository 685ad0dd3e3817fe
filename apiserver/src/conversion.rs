//! Conversion between the versions of a resource kubesim serves at two group/versions, as
//! upstream's conversion functions do it:
//!
//! - `autoscaling/v2` ⇄ `autoscaling/v1` HorizontalPodAutoscaler: the v1 object carries the CPU
//!   utilization target/current value in its own fields and everything v1 cannot express (other
//!   metrics, all current metrics, conditions) as JSON in the `autoscaling.alpha.kubernetes.io/*`
//!   annotations, in the legacy (v2beta1-style) metric format; converting back restores them.
//!   As upstream, `spec.behavior` does not survive a trip through v1.
//! - core `v1` Event ⇄ `events.k8s.io/v1` Event: field renames (`involvedObject`/`regarding`,
//!   `message`/`note`, `source`/`deprecatedSource`, …), with the zero values upstream always
//!   serializes for the target shape.
//!
//! Any other version change of the same kind only rewrites `apiVersion` (structurally identical
//! versions, like a custom resource served with the `None` conversion strategy).

use kubesim_api::{ApiError, ResourceDef};
use serde_json::{Map, Value, json};

/// Annotation holding the metric specs autoscaling/v1 cannot express.
pub const METRIC_SPECS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
/// Annotation holding the current metric statuses (all of them) in autoscaling/v1.
pub const METRIC_STATUSES_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
/// Annotation holding the status conditions in autoscaling/v1.
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";

/// Converts `obj` (whose `apiVersion` says what it is) to the group/version of `to`, setting
/// `apiVersion` and `kind` of the result. Identity when the versions already match.
pub fn convert(mut obj: Value, to: &ResourceDef) -> Result<Value, ApiError> {
    let target = to.api_version();
    let from = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let from_kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !obj.is_object() {
        return Err(ApiError::Internal(format!(
            "cannot convert a non-object to {target}"
        )));
    }
    if !from_kind.is_empty() && from_kind != to.kind {
        return Err(ApiError::Internal(format!(
            "no conversion from {from}, Kind={from_kind} to {target}, Kind={}",
            to.kind
        )));
    }
    if from == target && from_kind == to.kind {
        return Ok(obj);
    }
    if from.is_empty() || from == target {
        set_type_meta(&mut obj, &target, &to.kind);
        return Ok(obj);
    }
    let kind = &to.kind;
    let (from_group, _) = split_api_version(&from);
    let mut out = match (from.as_str(), target.as_str(), to.kind.as_str()) {
        ("autoscaling/v2", "autoscaling/v1", "HorizontalPodAutoscaler") => hpa_v2_to_v1(obj)?,
        ("autoscaling/v1", "autoscaling/v2", "HorizontalPodAutoscaler") => hpa_v1_to_v2(obj)?,
        ("v1", "events.k8s.io/v1", "Event") => event_core_to_events(obj),
        ("events.k8s.io/v1", "v1", "Event") => event_events_to_core(obj),
        _ if from_group == to.group => obj,
        _ => {
            return Err(ApiError::Internal(format!(
                "no conversion from {from}, Kind={kind} to {target}, Kind={kind}"
            )));
        }
    };
    set_type_meta(&mut out, &target, &to.kind);
    Ok(out)
}

fn split_api_version(av: &str) -> (&str, &str) {
    match av.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", av),
    }
}

/// Puts `apiVersion` and `kind` first, as upstream serializes them.
fn set_type_meta(obj: &mut Value, api_version: &str, kind: &str) {
    let Value::Object(m) = obj else { return };
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::from(api_version));
    out.insert("kind".into(), Value::from(kind));
    for (k, v) in std::mem::take(m) {
        if k != "apiVersion" && k != "kind" {
            out.insert(k, v);
        }
    }
    *m = out;
}

/// Inserts `key` from `src` into `dst` when present (and not null).
fn copy(dst: &mut Map<String, Value>, dst_key: &str, src: &Value, src_key: &str) {
    if let Some(v) = src.get(src_key).filter(|v| !v.is_null()) {
        dst.insert(dst_key.to_string(), v.clone());
    }
}

fn obj_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// HorizontalPodAutoscaler
// ---------------------------------------------------------------------------------------------

fn is_cpu_utilization_spec(m: &Value) -> bool {
    m.get("type").and_then(Value::as_str) == Some("Resource")
        && m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
        && m.pointer("/resource/target/averageUtilization")
            .is_some_and(|v| !v.is_null())
}

/// A v2 MetricSpec in the legacy v1 annotation form.
fn metric_spec_to_v1(m: &Value) -> Value {
    let ty = m.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = Map::new();
    out.insert("type".into(), Value::from(ty));
    let mut src = Map::new();
    match ty {
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = m.get(key).cloned().unwrap_or(Value::Null);
            copy(&mut src, "name", &r, "name");
            let target = r.get("target").cloned().unwrap_or(Value::Null);
            copy(
                &mut src,
                "targetAverageUtilization",
                &target,
                "averageUtilization",
            );
            copy(&mut src, "targetAverageValue", &target, "averageValue");
            copy(&mut src, "container", &r, "container");
            out.insert(key.into(), Value::Object(src));
        }
        "Pods" => {
            let p = m.get("pods").cloned().unwrap_or(Value::Null);
            let metric = p.get("metric").cloned().unwrap_or(Value::Null);
            copy(&mut src, "metricName", &metric, "name");
            copy(
                &mut src,
                "targetAverageValue",
                p.get("target").unwrap_or(&Value::Null),
                "averageValue",
            );
            copy(&mut src, "selector", &metric, "selector");
            out.insert("pods".into(), Value::Object(src));
        }
        "Object" => {
            let o = m.get("object").cloned().unwrap_or(Value::Null);
            let metric = o.get("metric").cloned().unwrap_or(Value::Null);
            let target = o.get("target").cloned().unwrap_or(Value::Null);
            copy(&mut src, "target", &o, "describedObject");
            copy(&mut src, "metricName", &metric, "name");
            copy(&mut src, "targetValue", &target, "value");
            copy(&mut src, "selector", &metric, "selector");
            copy(&mut src, "averageValue", &target, "averageValue");
            out.insert("object".into(), Value::Object(src));
        }
        "External" => {
            let e = m.get("external").cloned().unwrap_or(Value::Null);
            let metric = e.get("metric").cloned().unwrap_or(Value::Null);
            let target = e.get("target").cloned().unwrap_or(Value::Null);
            copy(&mut src, "metricName", &metric, "name");
            copy(&mut src, "metricSelector", &metric, "selector");
            copy(&mut src, "targetValue", &target, "value");
            copy(&mut src, "targetAverageValue", &target, "averageValue");
            out.insert("external".into(), Value::Object(src));
        }
        _ => return m.clone(),
    }
    Value::Object(out)
}

/// A legacy v1-annotation MetricSpec back in v2 form.
fn metric_spec_to_v2(m: &Value) -> Value {
    let ty = m.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = Map::new();
    out.insert("type".into(), Value::from(ty));
    let mut src = Map::new();
    let mut target = Map::new();
    let mut metric = Map::new();
    match ty {
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = m.get(key).cloned().unwrap_or(Value::Null);
            copy(&mut src, "name", &r, "name");
            copy(&mut src, "container", &r, "container");
            let util = r.get("targetAverageUtilization").filter(|v| !v.is_null());
            target.insert(
                "type".into(),
                json!(if util.is_some() {
                    "Utilization"
                } else {
                    "AverageValue"
                }),
            );
            copy(
                &mut target,
                "averageUtilization",
                &r,
                "targetAverageUtilization",
            );
            copy(&mut target, "averageValue", &r, "targetAverageValue");
            src.insert("target".into(), Value::Object(target));
            out.insert(key.into(), Value::Object(src));
        }
        "Pods" => {
            let p = m.get("pods").cloned().unwrap_or(Value::Null);
            copy(&mut metric, "name", &p, "metricName");
            copy(&mut metric, "selector", &p, "selector");
            target.insert("type".into(), json!("AverageValue"));
            copy(&mut target, "averageValue", &p, "targetAverageValue");
            src.insert("metric".into(), Value::Object(metric));
            src.insert("target".into(), Value::Object(target));
            out.insert("pods".into(), Value::Object(src));
        }
        "Object" => {
            let o = m.get("object").cloned().unwrap_or(Value::Null);
            copy(&mut src, "describedObject", &o, "target");
            copy(&mut metric, "name", &o, "metricName");
            copy(&mut metric, "selector", &o, "selector");
            let avg = o.get("averageValue").filter(|v| !v.is_null());
            target.insert(
                "type".into(),
                json!(if avg.is_none() {
                    "Value"
                } else {
                    "AverageValue"
                }),
            );
            copy(&mut target, "value", &o, "targetValue");
            copy(&mut target, "averageValue", &o, "averageValue");
            src.insert("metric".into(), Value::Object(metric));
            src.insert("target".into(), Value::Object(target));
            out.insert("object".into(), Value::Object(src));
        }
        "External" => {
            let e = m.get("external").cloned().unwrap_or(Value::Null);
            copy(&mut metric, "name", &e, "metricName");
            copy(&mut metric, "selector", &e, "metricSelector");
            let value = e.get("targetValue").filter(|v| !v.is_null());
            target.insert(
                "type".into(),
                json!(if value.is_none() {
                    "AverageValue"
                } else {
                    "Value"
                }),
            );
            copy(&mut target, "value", &e, "targetValue");
            copy(&mut target, "averageValue", &e, "targetAverageValue");
            src.insert("metric".into(), Value::Object(metric));
            src.insert("target".into(), Value::Object(target));
            out.insert("external".into(), Value::Object(src));
        }
        _ => return m.clone(),
    }
    Value::Object(out)
}

/// A v2 MetricStatus in the legacy v1 annotation form.
fn metric_status_to_v1(m: &Value) -> Value {
    let ty = m.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = Map::new();
    out.insert("type".into(), Value::from(ty));
    let mut src = Map::new();
    match ty {
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = m.get(key).cloned().unwrap_or(Value::Null);
            let cur = r.get("current").cloned().unwrap_or(Value::Null);
            copy(&mut src, "name", &r, "name");
            copy(
                &mut src,
                "currentAverageUtilization",
                &cur,
                "averageUtilization",
            );
            copy(&mut src, "currentAverageValue", &cur, "averageValue");
            copy(&mut src, "container", &r, "container");
            out.insert(key.into(), Value::Object(src));
        }
        "Pods" => {
            let p = m.get("pods").cloned().unwrap_or(Value::Null);
            let metric = p.get("metric").cloned().unwrap_or(Value::Null);
            copy(&mut src, "metricName", &metric, "name");
            copy(
                &mut src,
                "currentAverageValue",
                p.get("current").unwrap_or(&Value::Null),
                "averageValue",
            );
            copy(&mut src, "selector", &metric, "selector");
            out.insert("pods".into(), Value::Object(src));
        }
        "Object" => {
            let o = m.get("object").cloned().unwrap_or(Value::Null);
            let metric = o.get("metric").cloned().unwrap_or(Value::Null);
            let cur = o.get("current").cloned().unwrap_or(Value::Null);
            copy(&mut src, "target", &o, "describedObject");
            copy(&mut src, "metricName", &metric, "name");
            copy(&mut src, "currentValue", &cur, "value");
            copy(&mut src, "selector", &metric, "selector");
            copy(&mut src, "averageValue", &cur, "averageValue");
            out.insert("object".into(), Value::Object(src));
        }
        "External" => {
            let e = m.get("external").cloned().unwrap_or(Value::Null);
            let metric = e.get("metric").cloned().unwrap_or(Value::Null);
            let cur = e.get("current").cloned().unwrap_or(Value::Null);
            copy(&mut src, "metricName", &metric, "name");
            copy(&mut src, "metricSelector", &metric, "selector");
            copy(&mut src, "currentValue", &cur, "value");
            copy(&mut src, "currentAverageValue", &cur, "averageValue");
            out.insert("external".into(), Value::Object(src));
        }
        _ => return m.clone(),
    }
    Value::Object(out)
}

/// A legacy v1-annotation MetricStatus back in v2 form.
fn metric_status_to_v2(m: &Value) -> Value {
    let ty = m.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = Map::new();
    out.insert("type".into(), Value::from(ty));
    let mut src = Map::new();
    let mut cur = Map::new();
    let mut metric = Map::new();
    match ty {
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let r = m.get(key).cloned().unwrap_or(Value::Null);
            copy(&mut src, "name", &r, "name");
            copy(&mut src, "container", &r, "container");
            copy(&mut cur, "averageValue", &r, "currentAverageValue");
            copy(
                &mut cur,
                "averageUtilization",
                &r,
                "currentAverageUtilization",
            );
            src.insert("current".into(), Value::Object(cur));
            out.insert(key.into(), Value::Object(src));
        }
        "Pods" => {
            let p = m.get("pods").cloned().unwrap_or(Value::Null);
            copy(&mut metric, "name", &p, "metricName");
            copy(&mut metric, "selector", &p, "selector");
            copy(&mut cur, "averageValue", &p, "currentAverageValue");
            src.insert("metric".into(), Value::Object(metric));
            src.insert("current".into(), Value::Object(cur));
            out.insert("pods".into(), Value::Object(src));
        }
        "Object" => {
            let o = m.get("object").cloned().unwrap_or(Value::Null);
            copy(&mut src, "describedObject", &o, "target");
            copy(&mut metric, "name", &o, "metricName");
            copy(&mut metric, "selector", &o, "selector");
            copy(&mut cur, "value", &o, "currentValue");
            copy(&mut cur, "averageValue", &o, "averageValue");
            src.insert("metric".into(), Value::Object(metric));
            src.insert("current".into(), Value::Object(cur));
            out.insert("object".into(), Value::Object(src));
        }
        "External" => {
            let e = m.get("external").cloned().unwrap_or(Value::Null);
            copy(&mut metric, "name", &e, "metricName");
            copy(&mut metric, "selector", &e, "metricSelector");
            copy(&mut cur, "value", &e, "currentValue");
            copy(&mut cur, "averageValue", &e, "currentAverageValue");
            src.insert("metric".into(), Value::Object(metric));
            src.insert("current".into(), Value::Object(cur));
            out.insert("external".into(), Value::Object(src));
        }
        _ => return m.clone(),
    }
    Value::Object(out)
}

fn annotations_mut(meta: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let slot = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .expect("invariant: the value was just made an object")
}

fn to_json_string(v: &Value) -> Result<String, ApiError> {
    serde_json::to_string(v)
        .map_err(|e| ApiError::Internal(format!("encoding HPA annotation: {e}")))
}

fn hpa_v2_to_v1(obj: Value) -> Result<Value, ApiError> {
    let mut m = obj_map(obj);
    let spec = m.remove("spec").unwrap_or(Value::Null);
    let status = m.remove("status").unwrap_or(Value::Null);
    let empty = Vec::new();
    let metrics = spec
        .get("metrics")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let current = status
        .get("currentMetrics")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let conditions = status
        .get("conditions")
        .and_then(Value::as_array)
        .unwrap_or(&empty);

    let mut v1_spec = Map::new();
    copy(&mut v1_spec, "scaleTargetRef", &spec, "scaleTargetRef");
    copy(&mut v1_spec, "minReplicas", &spec, "minReplicas");
    copy(&mut v1_spec, "maxReplicas", &spec, "maxReplicas");
    // The first CPU resource metric gives the v1 target (when it is a utilization).
    if let Some(cpu) = metrics.iter().find(|x| {
        x.get("type").and_then(Value::as_str) == Some("Resource")
            && x.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
    }) && let Some(u) = cpu
        .pointer("/resource/target/averageUtilization")
        .filter(|v| !v.is_null())
    {
        v1_spec.insert("targetCPUUtilizationPercentage".into(), u.clone());
    }

    let mut v1_status = Map::new();
    copy(
        &mut v1_status,
        "observedGeneration",
        &status,
        "observedGeneration",
    );
    copy(&mut v1_status, "lastScaleTime", &status, "lastScaleTime");
    copy(
        &mut v1_status,
        "currentReplicas",
        &status,
        "currentReplicas",
    );
    copy(
        &mut v1_status,
        "desiredReplicas",
        &status,
        "desiredReplicas",
    );
    for x in current {
        if x.get("type").and_then(Value::as_str) == Some("Resource")
            && x.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
            && let Some(u) = x
                .pointer("/resource/current/averageUtilization")
                .filter(|v| !v.is_null())
        {
            v1_status.insert("currentCPUUtilizationPercentage".into(), u.clone());
        }
    }

    let other: Vec<Value> = metrics
        .iter()
        .filter(|x| !is_cpu_utilization_spec(x))
        .map(metric_spec_to_v1)
        .collect();
    let meta = m
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        if !other.is_empty() {
            let enc = to_json_string(&Value::Array(other))?;
            annotations_mut(meta).insert(METRIC_SPECS_ANNOTATION.into(), Value::from(enc));
        }
        if !current.is_empty() {
            let enc = to_json_string(&Value::Array(
                current.iter().map(metric_status_to_v1).collect(),
            ))?;
            annotations_mut(meta).insert(METRIC_STATUSES_ANNOTATION.into(), Value::from(enc));
        }
        if !conditions.is_empty() {
            let enc = to_json_string(&Value::Array(conditions.clone()))?;
            annotations_mut(meta).insert(CONDITIONS_ANNOTATION.into(), Value::from(enc));
        }
    }
    m.insert("spec".into(), Value::Object(v1_spec));
    // v1's status and its replica counts are always serialized.
    v1_status.entry("currentReplicas").or_insert(json!(0));
    v1_status.entry("desiredReplicas").or_insert(json!(0));
    m.insert("status".into(), Value::Object(v1_status));
    Ok(Value::Object(m))
}

/// Reads and removes a JSON-array annotation.
fn take_json_annotation(
    meta: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<Vec<Value>>, ApiError> {
    let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) else {
        return Ok(None);
    };
    let Some(raw) = annotations.remove(key) else {
        return Ok(None);
    };
    if annotations.is_empty() {
        meta.remove("annotations");
    }
    let text = raw.as_str().unwrap_or("");
    let parsed: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| ApiError::BadRequest(format!("invalid {key} annotation: {e}")))?;
    Ok(Some(parsed))
}

fn hpa_v1_to_v2(obj: Value) -> Result<Value, ApiError> {
    let mut m = obj_map(obj);
    let spec = m.remove("spec").unwrap_or(Value::Null);
    let status = m.remove("status").unwrap_or(Value::Null);
    let meta_slot = m
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let (other, current, conditions) = match meta_slot.as_object_mut() {
        Some(meta) => (
            take_json_annotation(meta, METRIC_SPECS_ANNOTATION)?,
            take_json_annotation(meta, METRIC_STATUSES_ANNOTATION)?,
            take_json_annotation(meta, CONDITIONS_ANNOTATION)?,
        ),
        None => (None, None, None),
    };

    let mut v2_spec = Map::new();
    copy(&mut v2_spec, "scaleTargetRef", &spec, "scaleTargetRef");
    copy(&mut v2_spec, "minReplicas", &spec, "minReplicas");
    copy(&mut v2_spec, "maxReplicas", &spec, "maxReplicas");
    let mut metrics: Vec<Value> = other
        .unwrap_or_default()
        .iter()
        .map(metric_spec_to_v2)
        .collect();
    let cpu_target = spec
        .get("targetCPUUtilizationPercentage")
        .filter(|v| !v.is_null())
        .cloned();
    if let Some(u) = cpu_target {
        metrics.push(json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": u}}}));
    }
    if metrics.is_empty() {
        // autoscaling/v1's implicit default, made explicit as upstream does here.
        metrics.push(json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}));
    }
    v2_spec.insert("metrics".into(), Value::Array(metrics));
    m.insert("spec".into(), Value::Object(v2_spec));

    {
        // v2's status and its desiredReplicas are always serialized.
        let mut v2_status = Map::new();
        copy(
            &mut v2_status,
            "observedGeneration",
            &status,
            "observedGeneration",
        );
        copy(&mut v2_status, "lastScaleTime", &status, "lastScaleTime");
        copy(
            &mut v2_status,
            "currentReplicas",
            &status,
            "currentReplicas",
        );
        copy(
            &mut v2_status,
            "desiredReplicas",
            &status,
            "desiredReplicas",
        );
        match current {
            Some(list) => {
                v2_status.insert(
                    "currentMetrics".into(),
                    Value::Array(list.iter().map(metric_status_to_v2).collect()),
                );
            }
            None => {
                if let Some(u) = status
                    .get("currentCPUUtilizationPercentage")
                    .filter(|v| !v.is_null())
                {
                    v2_status.insert(
                        "currentMetrics".into(),
                        json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": u}}}]),
                    );
                }
            }
        }
        if let Some(list) = conditions {
            v2_status.insert("conditions".into(), Value::Array(list));
        }
        v2_status.entry("desiredReplicas").or_insert(json!(0));
        m.insert("status".into(), Value::Object(v2_status));
    }
    Ok(Value::Object(m))
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// (core/v1 name, events.k8s.io/v1 name) of the renamed fields.
const EVENT_RENAMES: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

fn rename_fields(obj: Value, to_events: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in obj_map(obj) {
        let renamed = EVENT_RENAMES
            .iter()
            .find(|(core, events)| if to_events { k == *core } else { k == *events })
            .map(|(core, events)| if to_events { *events } else { *core });
        let key = renamed.map(str::to_string).unwrap_or(k);
        out.insert(key, v);
    }
    out
}

fn event_core_to_events(obj: Value) -> Value {
    let mut m = rename_fields(obj, true);
    // Zero values upstream serializes for events.k8s.io/v1 (non-omitempty or struct fields).
    for (key, zero) in [
        ("eventTime", Value::Null),
        ("regarding", json!({})),
        ("deprecatedSource", json!({})),
        ("deprecatedFirstTimestamp", Value::Null),
        ("deprecatedLastTimestamp", Value::Null),
    ] {
        m.entry(key).or_insert(zero);
    }
    // omitempty strings/ints in events.k8s.io/v1.
    for key in [
        "reportingController",
        "reportingInstance",
        "note",
        "action",
        "reason",
        "type",
    ] {
        if m.get(key).and_then(Value::as_str) == Some("") {
            m.remove(key);
        }
    }
    if m.get("deprecatedCount").and_then(Value::as_i64) == Some(0) {
        m.remove("deprecatedCount");
    }
    Value::Object(m)
}

fn event_events_to_core(obj: Value) -> Value {
    let mut m = rename_fields(obj, false);
    // Zero values upstream serializes for core/v1 Events.
    for (key, zero) in [
        ("involvedObject", json!({})),
        ("source", json!({})),
        ("firstTimestamp", Value::Null),
        ("lastTimestamp", Value::Null),
        ("eventTime", Value::Null),
        ("reportingComponent", json!("")),
        ("reportingInstance", json!("")),
    ] {
        m.entry(key).or_insert(zero);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests;
