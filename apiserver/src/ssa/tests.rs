//! Table-driven tests of apply and update tracking over whole objects.

use std::sync::Arc;

use kubesim_api::{ApiError, ResourceTable};
use serde_json::{Value, json};

use super::*;

fn def(group: &str, version: &str, kind: &str) -> ResourceDef {
    ResourceTable::builtin()
        .by_kind(group, version, kind)
        .cloned()
        .unwrap_or_else(|| panic!("{kind} is built in"))
}

fn deployment() -> (ResourceDef, Arc<dyn Schema>) {
    let d = def("apps", "v1", "Deployment");
    let s = schema::builtin(&d);
    (d, s)
}

fn configmap() -> (ResourceDef, Arc<dyn Schema>) {
    let d = def("", "v1", "ConfigMap");
    let s = schema::builtin(&d);
    (d, s)
}

/// The managedFields entries as (manager, operation, fieldsV1), in stored order.
fn entries(obj: &Value) -> Vec<(String, String, Value)> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_string(),
                        e["operation"].as_str().unwrap_or("").to_string(),
                        e["fieldsV1"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn fields_of(obj: &Value, manager: &str, op: &str) -> Option<Value> {
    entries(obj)
        .into_iter()
        .find(|(m, o, _)| m == manager && o == op)
        .map(|(_, _, f)| f)
}

fn without_managed(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    o
}

fn deploy(replicas: i64, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "web", "image": image}]}}}})
}

/// Creates `obj` as `manager` through update tracking (a POST).
fn created(scope: &Scope, obj: &Value, manager: &str) -> Value {
    let mut o = obj.clone();
    let requested = crate::registry::meta::take_managed_fields(&mut o);
    track_update(scope, None, &mut o, requested.as_ref(), manager);
    o
}

/// Replaces `live` with `new` as `manager` (a PUT or PATCH).
fn updated(scope: &Scope, live: &Value, new: &Value, manager: &str) -> Value {
    let mut o = new.clone();
    let requested = crate::registry::meta::take_managed_fields(&mut o);
    track_update(scope, Some(live), &mut o, requested.as_ref(), manager);
    o
}

#[test]
fn create_records_every_field_with_upstream_dot_entries() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let obj = created(&scope, &deploy(2, "nginx"), "kubectl-create");
    assert_eq!(
        fields_of(&obj, "kubectl-create", "Update").unwrap(),
        json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}
                }
            }
        })
    );
    let e = &obj["metadata"]["managedFields"][0];
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["fieldsType"], "FieldsV1");
    assert!(e["time"].as_str().unwrap().ends_with('Z'));
    assert!(e.get("subresource").is_none());
}

#[test]
fn updates_move_changed_fields_between_managers() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let live = created(&scope, &deploy(2, "nginx"), "kubectl-create");
    // A scale by another manager takes .spec.replicas.
    let mut next = live.clone();
    next["spec"]["replicas"] = json!(5);
    let after = updated(&scope, &live, &next, "kubectl-scale");
    assert_eq!(
        fields_of(&after, "kubectl-scale", "Update").unwrap(),
        json!({"f:spec": {"f:replicas": {}}})
    );
    let create = fields_of(&after, "kubectl-create", "Update").unwrap();
    assert!(create["f:spec"].get("f:replicas").is_none());
    assert!(create["f:spec"].get("f:selector").is_some());
    // A write that changes nothing adds no entry and keeps times.
    let again = updated(&scope, &after, &after, "someone");
    assert_eq!(
        again["metadata"]["managedFields"],
        after["metadata"]["managedFields"]
    );
    // Removing a field removes it from its owner; an emptied entry disappears.
    let mut next = after.clone();
    next["spec"].as_object_mut().unwrap().remove("replicas");
    let after = updated(&scope, &after, &next, "kubectl-edit");
    assert!(fields_of(&after, "kubectl-scale", "Update").is_none());
    assert!(fields_of(&after, "kubectl-edit", "Update").is_none());
}

#[test]
fn updates_on_status_are_their_own_entries() {
    let (d, s) = deployment();
    let main = Scope::new(&*s, &d, false);
    let status = Scope::new(&*s, &d, true);
    let live = created(&main, &deploy(1, "nginx"), "kubectl-create");
    let mut next = live.clone();
    next["status"] = json!({"replicas": 1});
    let after = updated(&status, &live, &next, "kube-controller-manager");
    let e = after["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "kube-controller-manager")
        .unwrap()
        .clone();
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {".": {}, "f:replicas": {}}})
    );
}

#[test]
fn managed_fields_in_a_body_are_honoured_or_reset() {
    let (d, s) = configmap();
    let scope = Scope::new(&*s, &d, false);
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let live = created(&scope, &cm, "kubectl-create");
    // kubectl's CSA→SSA migration replaces the list wholesale.
    let mut next = live.clone();
    next["metadata"]["managedFields"] = json!([{
        "manager": "kubectl", "operation": "Apply", "apiVersion": "v1", "time": "2024-01-01T00:00:00Z",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}
    }]);
    let after = updated(&scope, &live, &next, "kubectl");
    assert_eq!(
        entries(&after),
        vec![(
            "kubectl".to_string(),
            "Apply".to_string(),
            json!({"f:data": {"f:a": {}}})
        )]
    );
    // Garbage is ignored: the live entries stay.
    let mut next = after.clone();
    next["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Nope"}]);
    let kept = updated(&scope, &after, &next, "y");
    assert_eq!(entries(&kept), entries(&after));
    // An empty list resets tracking, and untracked objects stay untracked on update.
    let mut next = after.clone();
    next["metadata"]["managedFields"] = json!([]);
    next["data"]["b"] = json!("2");
    let reset = updated(&scope, &after, &next, "y");
    assert!(reset["metadata"].get("managedFields").is_none());
    let mut next = reset.clone();
    next["data"]["c"] = json!("3");
    let still = updated(&scope, &reset, &next, "z");
    assert!(still["metadata"].get("managedFields").is_none());
    // Subresource writes never take managedFields from the body.
    let status = Scope::new(&*s, &d, true);
    let mut next = after.clone();
    next["metadata"]["managedFields"] = json!([]);
    let sub = updated(&status, &after, &next, "y");
    assert_eq!(entries(&sub), entries(&after));
}

#[test]
fn apply_creates_then_reapplies_unchanged() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let cfg = deploy(2, "nginx:1.25");
    let obj = apply(&scope, None, &cfg, "kubectl", false).unwrap();
    assert_eq!(without_managed(&obj), cfg);
    let set = fields_of(&obj, "kubectl", "Apply").unwrap();
    assert_eq!(
        set,
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}
                }
            }
        })
    );
    let entry = &obj["metadata"]["managedFields"][0];
    assert_eq!(entry["apiVersion"], "apps/v1");
    let again = apply(&scope, Some(&obj), &cfg, "kubectl", false).unwrap();
    assert_eq!(
        again, obj,
        "an unchanged apply changes nothing, not even the time"
    );
}

#[test]
fn apply_removes_what_the_manager_dropped_unless_others_own_it() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let mut cfg = deploy(2, "nginx");
    cfg["metadata"]["labels"]["tier"] = json!("front");
    cfg["metadata"]["annotations"] = json!({"note": "x"});
    cfg["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "side", "image": "busybox"}));
    let live = apply(&scope, None, &cfg, "helm", false).unwrap();
    // Someone else takes the annotation by changing it.
    let mut edited = live.clone();
    edited["metadata"]["annotations"]["note"] = json!("y");
    let live = updated(&scope, &live, &edited, "kubectl-annotate");
    // The chart drops the tier label, the annotation and the sidecar.
    let next = deploy(2, "nginx");
    let out = apply(&scope, Some(&live), &next, "helm", false).unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(out["metadata"]["annotations"], json!({"note": "y"}));
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "web", "image": "nginx"}])
    );
    // Fields nobody applied (defaults) survive.
    let mut defaulted = out.clone();
    defaulted["spec"]["revisionHistoryLimit"] = json!(10);
    let out2 = apply(&scope, Some(&defaulted), &next, "helm", false).unwrap();
    assert_eq!(out2["spec"]["revisionHistoryLimit"], 10);
}

#[test]
fn apply_conflicts_with_other_owners_and_force_moves_ownership() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let live = created(&scope, &deploy(2, "nginx"), "kubectl-client-side-apply");
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("same values co-own", deploy(2, "nginx"), vec![]),
        (
            "changed replicas",
            deploy(3, "nginx"),
            vec![".spec.replicas"],
        ),
        (
            "changed replicas and image",
            deploy(3, "nginx:2"),
            vec![
                ".spec.replicas",
                ".spec.template.spec.containers[name=\"web\"].image",
            ],
        ),
    ];
    for (name, cfg, want) in cases {
        match apply(&scope, Some(&live), &cfg, "mgr", false) {
            Ok(_) => assert!(want.is_empty(), "{name}: expected conflicts {want:?}"),
            Err(ApiError::Conflict {
                message, causes, ..
            }) => {
                let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
                assert_eq!(fields, want, "{name}");
                assert!(causes.iter().all(|c| c.reason == "FieldManagerConflict"
                    && c.message == "conflict with \"kubectl-client-side-apply\" using apps/v1"));
                if want.len() == 1 {
                    assert_eq!(
                        message,
                        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
                    );
                } else {
                    assert!(message.starts_with("Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- "), "{message}");
                }
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    let forced = apply(&scope, Some(&live), &deploy(3, "nginx"), "mgr", true).unwrap();
    assert_eq!(forced["spec"]["replicas"], 3);
    let csa = fields_of(&forced, "kubectl-client-side-apply", "Update").unwrap();
    assert!(csa["f:spec"].get("f:replicas").is_none());
    let mgr = fields_of(&forced, "mgr", "Apply").unwrap();
    assert!(mgr["f:spec"].get("f:replicas").is_some());
    // Shared fields stay with both.
    assert!(csa["f:spec"].get("f:selector").is_some());
    assert!(mgr["f:spec"].get("f:selector").is_some());
}

#[test]
fn kubectl_takes_over_fields_client_side_apply_last_applied() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let mut csa = deploy(2, "nginx");
    let last = go_json(&csa);
    csa["metadata"]["annotations"] = json!({LAST_APPLIED: last});
    let live = created(&scope, &csa, "kubectl-client-side-apply");
    // Another manager conflicts...
    assert!(apply(&scope, Some(&live), &deploy(3, "nginx"), "other", false).is_err());
    // ...kubectl does not: the live value is still the last-applied one.
    let out = apply(&scope, Some(&live), &deploy(3, "nginx"), "kubectl", false).unwrap();
    assert_eq!(out["spec"]["replicas"], 3);
    // And the annotation follows the applied configuration.
    let ann = out["metadata"]["annotations"][LAST_APPLIED]
        .as_str()
        .unwrap();
    assert_eq!(ann, format!("{}\n", go_json(&deploy(3, "nginx"))));
}

#[test]
fn first_apply_to_untracked_object_protects_existing_fields() {
    let (d, s) = configmap();
    let scope = Scope::new(&*s, &d, false);
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "uid": "u"}, "data": {"a": "1"}});
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "2"}});
    let e = apply(&scope, Some(&live), &cfg, "m", false).unwrap_err();
    assert!(
        e.to_string()
            .contains("conflict with \"before-first-apply\" using v1: .data.a"),
        "{e}"
    );
    let out = apply(&scope, Some(&live), &cfg, "m", true).unwrap();
    assert_eq!(out["data"]["a"], "2");
}

#[test]
fn apply_to_status_is_recorded_with_subresource() {
    let (d, s) = deployment();
    let main = Scope::new(&*s, &d, false);
    let status = Scope::new(&*s, &d, true);
    let live = apply(&main, None, &deploy(1, "nginx"), "kubectl", false).unwrap();
    let cfg = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                     "spec": {"replicas": 9}, "status": {"readyReplicas": 1}});
    let out = apply(&status, Some(&live), &cfg, "ctrl", false).unwrap();
    let e = out["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "ctrl")
        .unwrap()
        .clone();
    assert_eq!(e["operation"], "Apply");
    assert_eq!(e["subresource"], "status");
    assert_eq!(e["fieldsV1"], json!({"f:status": {"f:readyReplicas": {}}}));
    // Status in a main-resource apply is nobody's.
    let mut cfg = deploy(1, "nginx");
    cfg["status"] = json!({"replicas": 1});
    let out = apply(&main, None, &cfg, "kubectl", false).unwrap();
    assert!(
        fields_of(&out, "kubectl", "Apply")
            .unwrap()
            .get("f:status")
            .is_none()
    );
}

#[test]
fn apply_rejects_configs_that_cannot_be_typed() {
    let (d, s) = deployment();
    let scope = Scope::new(&*s, &d, false);
    let mut cfg = deploy(1, "nginx");
    cfg["spec"]["template"]["spec"]["containers"] = json!([{"image": "x"}]);
    let e = apply(&scope, None, &cfg, "m", false).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0"
        ),
        "{e}"
    );
}

#[test]
fn custom_resources_use_their_structural_schema() {
    let d = ResourceDef {
        group: "example.com".into(),
        version: "v1".into(),
        kind: "Widget".into(),
        plural: "widgets".into(),
        ..def("", "v1", "ConfigMap")
    };
    let crd_schema = json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}},
            "tags": {"type": "array", "items": {"type": "string"}}
        }}
    }});
    let s = schema::for_resource(&d, Some(&crd_schema));
    let scope = Scope::new(&*s, &d, false);
    let cfg = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
                     "spec": {"ports": [{"name": "a", "port": 1}], "tags": ["x"]}});
    let obj = apply(&scope, None, &cfg, "m", false).unwrap();
    assert_eq!(
        fields_of(&obj, "m", "Apply").unwrap(),
        json!({"f:spec": {"f:ports": {"k:{\"name\":\"a\"}": {".": {}, "f:name": {}, "f:port": {}}}, "f:tags": {}}})
    );
    // Created by update: custom resources start from an empty object, so `.` is everywhere.
    let created = created(&scope, &cfg, "c");
    assert_eq!(
        fields_of(&created, "c", "Update").unwrap()["f:spec"]["."],
        json!({})
    );
    // Without a schema: lists are atomic.
    let untyped = Untyped;
    let scope = Scope::new(&untyped, &d, false);
    let obj = apply(&scope, None, &cfg, "m", false).unwrap();
    assert_eq!(
        fields_of(&obj, "m", "Apply").unwrap(),
        json!({"f:spec": {"f:ports": {}, "f:tags": {}}})
    );
}

#[test]
fn applied_nulls_are_owned_but_not_stored() {
    let (d, s) = configmap();
    let scope = Scope::new(&*s, &d, false);
    let live = apply(
        &scope,
        None,
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}}),
        "m",
        false,
    )
    .unwrap();
    let out = apply(
        &scope,
        Some(&live),
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": null}}),
        "m",
        false,
    )
    .unwrap();
    assert_eq!(out["data"], json!({"a": "1"}));
}

use schema::Untyped;
