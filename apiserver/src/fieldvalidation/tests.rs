use kubesim_api::ResourceTable;
use serde_json::json;

use super::*;
use crate::auth::Identity;

fn def(group: &str, kind: &str) -> ResourceDef {
    ResourceTable::builtin()
        .all()
        .iter()
        .find(|d| d.group == group && d.kind == kind)
        .cloned()
        .expect("built-in kind")
}

fn ctx(mode: FieldValidation) -> WriteContext {
    let mut c = WriteContext::internal(Identity::new("tester", &[]), "test");
    c.field_validation = mode;
    c
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "my-dep", "labels": {"app": "nginx", "anything.goes/here": "x"}},
        "spec": {
            "unknownField": "foo",
            "replicas": 3,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}, "annotations": {}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:latest", "env": [], "ports": []}]}
            }
        }
    })
}

#[test]
fn strict_refuses_unknown_and_duplicate_fields_like_upstream() {
    let mut c = ctx(FieldValidation::Strict);
    c.duplicate_fields = vec!["spec.replicas".into()];
    let err = check(&def("apps", "Deployment"), &mut deployment(), &c).expect_err("refused");
    assert_eq!(err.code(), 400);
    assert_eq!(
        err.to_string(),
        "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.unknownField\", duplicate field \"spec.replicas\""
    );
}

#[test]
fn warn_drops_and_warns_ignore_drops_silently() {
    let d = def("apps", "Deployment");
    let c = ctx(FieldValidation::Warn);
    let mut obj = deployment();
    check(&d, &mut obj, &c).expect("accepted");
    assert!(obj["spec"].get("unknownField").is_none());
    assert_eq!(obj["spec"]["replicas"], 3);
    assert_eq!(obj["metadata"]["labels"]["anything.goes/here"], "x");
    assert_eq!(c.take_warnings(), ["unknown field \"spec.unknownField\""]);

    let c = ctx(FieldValidation::Ignore);
    let mut obj = deployment();
    check(&d, &mut obj, &c).expect("accepted");
    assert!(obj["spec"].get("unknownField").is_none());
    assert!(c.take_warnings().is_empty());
}

#[test]
fn unknown_fields_are_found_at_any_depth() {
    let mut obj = deployment();
    obj["spec"]
        .as_object_mut()
        .map(|m| m.remove("unknownField"));
    obj["metadata"]["unknownMeta"] = json!(1);
    obj["spec"]["template"]["spec"]["containers"][0]["limits"] = json!({"cpu": "1"});
    obj["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "A", "value": "1", "valueFrom2": {}}]);
    obj["spec"]["template"]["metadata"]["annotations"] = json!({"free": "form"});
    let c = ctx(FieldValidation::Warn);
    check(&def("apps", "Deployment"), &mut obj, &c).expect("accepted");
    assert_eq!(
        c.take_warnings(),
        [
            "unknown field \"metadata.unknownMeta\"",
            "unknown field \"spec.template.spec.containers[0].env[0].valueFrom2\"",
            "unknown field \"spec.template.spec.containers[0].limits\"",
        ]
    );
    let container = &obj["spec"]["template"]["spec"]["containers"][0];
    assert!(container.get("limits").is_none());
    assert_eq!(container["env"][0], json!({"name": "A", "value": "1"}));
}

#[test]
fn free_form_fields_are_not_looked_into() {
    let c = ctx(FieldValidation::Strict);
    let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "data": {"any-key": "v"}, "binaryData": {"k": "AAAA"}});
    check(&def("", "ConfigMap"), &mut cm, &c).expect("configmap");
    let mut rev = json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": "r"}, "revision": 1,
        "data": {"spec": {"whatever": [1, 2, {"x": true}]}}});
    check(&def("apps", "ControllerRevision"), &mut rev, &c).expect("raw extension");
    let mut crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {"group": "stable.example.com", "scope": "Namespaced",
            "names": {"plural": "crontabs", "kind": "CronTab"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                    "properties": {"spec": {"type": "object", "default": {"a": 1},
                        "items": {"type": "string"}}}}}}]}});
    check(
        &def("apiextensions.k8s.io", "CustomResourceDefinition"),
        &mut crd,
        &c,
    )
    .expect("crd");
}

#[test]
fn wrong_types_are_refused_in_every_mode_with_gos_wording() {
    let d = def("apps", "Deployment");
    let cases = [
        (
            "/spec/replicas",
            json!("3"),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "/spec/template/spec/containers/0/env",
            json!([{"name": "A", "value": 5432}]),
            "json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
        ),
        (
            "/spec/template/metadata/annotations",
            json!({"a": false}),
            "json: cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.annotations of type string",
        ),
        (
            "/spec/template/spec/containers",
            json!({"name": "x"}),
            "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container",
        ),
        (
            "/spec/template/spec/containers/0/ports",
            json!(["80"]),
            "json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.ports of type v1.ContainerPort",
        ),
        (
            "/spec/replicas",
            json!(1.5),
            "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "/spec/replicas",
            json!(3_000_000_000u64),
            "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
    ];
    for (pointer, value, message) in cases {
        let mut obj = deployment();
        *obj.pointer_mut(pointer).expect(pointer) = value;
        let err = check(&d, &mut obj, &ctx(FieldValidation::Ignore)).expect_err(pointer);
        assert_eq!(err.code(), 400);
        assert_eq!(
            err.to_string(),
            format!("Deployment in version \"v1\" cannot be handled as a Deployment: {message}")
        );
    }
    let mut obj = deployment();
    obj["spec"]
        .as_object_mut()
        .map(|m| m.remove("unknownField"));
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] =
        json!({"limits": {"cpu": 1, "memory": "1Gi"}});
    obj["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}});
    obj["spec"]["replicas"] = json!(null);
    check(&d, &mut obj, &ctx(FieldValidation::Strict)).expect("quantities and int-or-string");
}

#[test]
fn kinds_without_a_builtin_schema_are_left_alone() {
    let mut custom = def("apps", "Deployment");
    custom.group = "stable.example.com".into();
    custom.kind = "CronTab".into();
    let mut obj =
        json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab", "spec": {"x": 1}});
    check(&custom, &mut obj, &ctx(FieldValidation::Strict)).expect("not ours");
    assert_eq!(obj["spec"]["x"], 1);
}

#[test]
fn patches_answer_invalid_with_body_duplicates_first() {
    let d = def("apps", "Deployment");
    let body = br#"{"spec": {"foo": 1, "paused": true, "paused": false}}"#;
    let mut patched = deployment();
    patched["spec"]
        .as_object_mut()
        .map(|m| m.remove("unknownField"));
    patched["spec"]["foo"] = json!(1);
    let err = check_patch(
        &d,
        &mut patched.clone(),
        PatchType::Merge,
        body,
        &ctx(FieldValidation::Strict),
    )
    .expect_err("refused");
    assert_eq!(err.code(), 422);
    assert_eq!(
        err.to_string(),
        " \"\" is invalid: patch: Invalid value: \"{\\\"spec\\\":{\\\"foo\\\":1,\\\"paused\\\":false}}\": strict decoding error: duplicate field \"spec.paused\", unknown field \"spec.foo\""
    );
    let c = ctx(FieldValidation::Warn);
    check_patch(&d, &mut patched, PatchType::Json, body, &c).expect("warned");
    assert_eq!(
        c.take_warnings(),
        [
            "json patch duplicate field \"spec.paused\"",
            "unknown field \"spec.foo\""
        ]
    );
    assert!(patched["spec"].get("foo").is_none());
}

#[test]
fn strategic_merge_directives_left_in_a_patch_result_are_dropped_silently() {
    let d = def("apps", "Deployment");
    let mut patched = deployment();
    patched["spec"]
        .as_object_mut()
        .map(|m| m.remove("unknownField"));
    patched["spec"]["template"]["spec"]["$setElementOrder/containers"] = json!([{"name": "nginx"}]);
    let c = ctx(FieldValidation::Strict);
    check_patch(&d, &mut patched, PatchType::Strategic, b"{}", &c).expect("accepted");
    assert!(
        patched["spec"]["template"]["spec"]
            .get("$setElementOrder/containers")
            .is_none()
    );
}

#[test]
fn duplicates_are_recorded_for_json_bodies_only() {
    let c = ctx(FieldValidation::Strict);
    let body = br#"{"a": 1, "a": 2}"#;
    assert_eq!(
        with_duplicates(&c, Some("application/json"), body).duplicate_fields,
        ["a"]
    );
    assert!(
        with_duplicates(&c, Some("application/yaml"), body)
            .duplicate_fields
            .is_empty()
    );
    let ignore = ctx(FieldValidation::Ignore);
    assert!(
        with_duplicates(&ignore, None, body)
            .duplicate_fields
            .is_empty()
    );
}

fn crontab_def() -> ResourceDef {
    let mut d = def("apps", "Deployment");
    d.group = "stable.example.com".into();
    d.kind = "CronTab".into();
    d
}

#[test]
fn custom_resources_keep_only_what_their_schema_declares() {
    let schema = json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "cronSpec": {"type": "string"},
                    "replicas": {"type": "integer"},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "closed": {"type": "object"},
                    "template": {
                        "type": "object",
                        "x-kubernetes-embedded-resource": true,
                        "x-kubernetes-preserve-unknown-fields": true
                    }
                }
            }
        }
    });
    let mut obj = json!({
        "apiVersion": "stable.example.com/v1",
        "kind": "CronTab",
        "metadata": {"name": "c", "unknownMeta": 1},
        "unknownField": 1,
        "spec": {
            "cronSpec": "* * * * */5",
            "replicas": "not validated here",
            "bogus": true,
            "extra": {"anything": {"goes": 1}},
            "closed": {"dropped": 1},
            "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "unknownSubMeta": 1}, "spec": {"kept": 1}}
        }
    });
    let c = ctx(FieldValidation::Warn);
    check_custom(&crontab_def(), &schema, &mut obj, &c).expect("accepted");
    assert_eq!(
        c.take_warnings(),
        [
            "unknown field \"metadata.unknownMeta\"",
            "unknown field \"unknownField\"",
            "unknown field \"spec.bogus\"",
            "unknown field \"spec.closed.dropped\"",
            "unknown field \"spec.template.metadata.unknownSubMeta\"",
        ]
    );
    assert_eq!(obj["spec"]["extra"]["anything"]["goes"], 1);
    assert_eq!(obj["spec"]["template"]["spec"]["kept"], 1);
    assert_eq!(obj["spec"]["closed"], json!({}));

    let mut c = ctx(FieldValidation::Strict);
    c.duplicate_fields = vec!["spec.cronSpec".into()];
    let mut obj = json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
        "metadata": {"name": "c"}, "spec": {"cronSpec": "x", "other": 1}});
    let err = check_custom(&crontab_def(), &schema, &mut obj, &c).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "CronTab in version \"v1\" cannot be handled as a CronTab: strict decoding error: duplicate field \"spec.cronSpec\", unknown field \"spec.other\""
    );
}
