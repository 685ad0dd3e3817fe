//! Unit tests of schema checks, pruning, defaulting, validation, CEL, JSONPath, printing, the
//! CRD's own validation and status, and the registry hooks (serving, deletion).

use kubesim_api::{ApiError, Cause};
use serde_json::{Value, json};

use super::definition;
use super::jsonpath::JsonPath;
use super::objects;
use super::printer::Printer;
use super::schema::{self, Schema};
use crate::registry::{DeleteOptions, Deleted, Registry, Target, WriteContext};

fn widget_crd() -> Value {
    let text = include_str!("../../../fixtures/manifests/crd/widgets.yaml");
    serde_saphyr::from_str(text).expect("fixture parses")
}

/// `field: message` of each cause, as kubectl prints them.
fn texts(causes: &[Cause]) -> Vec<String> {
    causes
        .iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect()
}

fn check(raw: Value) -> Vec<String> {
    texts(&schema::check(&raw, "s", false))
}

fn validate(v: Value, s: Value) -> Vec<String> {
    texts(&objects::validate_value(&v, &Schema::parse(&s), ""))
}

// ---------------------------------------------------------------------------------------------
// Structural schema rules
// ---------------------------------------------------------------------------------------------

#[test]
fn schema_rules_match_upstream_messages() {
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}})
        ),
        ["s.properties[spec].type: Required value: must not be empty for specified object fields"]
    );
    assert_eq!(
        check(json!({"type": "object", "properties": {"l": {"type": "array"}}})),
        ["s.properties[l].items: Required value: must be specified"]
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"m": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}}}})
        ),
        [
            "s.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
        ]
    );
    assert_eq!(
        check(json!({"type": "object", "properties": {"x": {"$ref": "#/definitions/x"}}})),
        ["s.properties[x].$ref: Forbidden: $ref is not supported"]
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"x": {"type": "object", "x-kubernetes-preserve-unknown-fields": false}}})
        ),
        [
            "s.properties[x].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"
        ]
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}}})
        ),
        [
            "s.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"
        ]
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}}}})
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"x": {"type": "string", "anyOf": [{"type": "string"}]}}})
        ),
        ["s.properties[x].anyOf[0].type: Forbidden: must be empty to be structural"]
    );
    assert_eq!(
        check(json!({"type": "object", "properties": {"x": {"type": "foo"}}})),
        [
            r#"s.properties[x].type: Unsupported value: "foo": supported values: "array", "boolean", "integer", "number", "object", "string""#
        ]
    );
    assert_eq!(
        check(json!({"type": "string"})),
        [r#"s.type: Invalid value: "string": must be object at the root"#]
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"l": {"type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}})
        ),
        [
            "s.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"
        ]
    );
    // int-or-string needs no type; embedded resources must be objects.
    assert!(
        check(json!({"type": "object", "properties": {"p": {"x-kubernetes-int-or-string": true}}}))
            .is_empty()
    );
    assert_eq!(
        check(
            json!({"type": "object", "properties": {"e": {"type": "string", "x-kubernetes-embedded-resource": true}}})
        ),
        [
            "s.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
            r#"s.properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true"#,
        ]
    );
}

#[test]
fn defaults_must_validate_and_be_pruned() {
    let errs = check(json!({"type": "object", "properties": {
        "n": {"type": "integer", "default": "x"},
        "o": {"type": "object", "properties": {"a": {"type": "string"}}, "default": {"b": 1}},
    }}));
    assert_eq!(
        errs,
        [
            r#"s.properties[n].default: Invalid value: "string":  in body must be of type integer: "string""#,
            r#"s.properties[o].default: Invalid value: {"b":1}: must not have unknown fields"#,
        ]
    );
    let errs = check(
        json!({"type": "object", "properties": {"metadata": {"type": "object", "default": {}}}}),
    );
    assert!(
        errs.contains(
            &"s.properties[metadata].default: Forbidden: must not be set in top-level metadata"
                .to_string()
        ),
        "{errs:?}"
    );
}

#[test]
fn cel_rules_must_compile() {
    let errs = check(
        json!({"type": "object", "x-kubernetes-validations": [{"rule": "self.a >"}, {"rule": ""}]}),
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with("s.x-kubernetes-validations[0].rule: Invalid value:"),
        "{errs:?}"
    );
    assert!(errs[0].contains("compilation failed"), "{errs:?}");
    assert_eq!(
        errs[1],
        "s.x-kubernetes-validations[1].rule: Required value: rule is not specified"
    );
}

// ---------------------------------------------------------------------------------------------
// Pruning, defaulting, nulls
// ---------------------------------------------------------------------------------------------

fn spec_schema() -> Schema {
    Schema::parse(&json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "replicas": {"type": "integer", "default": 1},
            "mode": {"type": "string", "nullable": true, "default": "auto"},
            "note": {"type": "string"},
            "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer", "default": 80}}}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "tpl": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {"spec": {"type": "object"}}},
            "nested": {"type": "object", "properties": {"deep": {"type": "string", "default": "d"}}},
        }},
    }}))
}

#[test]
fn pruning_drops_unknown_fields_and_reports_their_paths() {
    let mut obj = json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "bogus": 1, "labels": {"a": "b"}},
        "spec": {
            "replicas": 2, "zzz": true, "aaa": 1,
            "items": [{"name": "a", "extra": 1}],
            "free": {"anything": {"goes": 1}},
            "labels": {"x": "y"},
            "tpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "junk": 1}, "spec": {}, "other": 1},
        },
        "status": {"phase": "x"},
    });
    let pruned = objects::prune_object(&mut obj, &spec_schema());
    assert_eq!(
        pruned,
        [
            "metadata.bogus",
            "spec.aaa",
            "spec.items[0].extra",
            "spec.tpl.metadata.junk",
            "spec.tpl.other",
            "spec.zzz",
            "status",
        ]
    );
    assert_eq!(obj["metadata"], json!({"name": "w", "labels": {"a": "b"}}));
    assert_eq!(obj["spec"]["free"], json!({"anything": {"goes": 1}}));
    assert_eq!(obj["spec"]["labels"], json!({"x": "y"}));
    assert_eq!(obj["spec"]["tpl"]["kind"], "Pod");
    assert!(obj.get("status").is_none());
}

#[test]
fn defaulting_fills_absent_fields_and_disallowed_nulls() {
    let s = spec_schema();
    let mut obj =
        json!({"spec": {"mode": null, "items": [{"name": "a"}, {"name": "b", "port": 8080}]}});
    objects::default_value(&mut obj, &s);
    assert_eq!(obj["spec"]["replicas"], 1);
    // A nullable field keeps its null.
    assert_eq!(obj["spec"]["mode"], Value::Null);
    assert_eq!(obj["spec"]["items"][0]["port"], 80);
    assert_eq!(obj["spec"]["items"][1]["port"], 8080);
    // Defaults apply inside objects that exist, never create their parents.
    assert!(obj["spec"].get("nested").is_none());
    let mut obj = json!({"spec": {"replicas": null, "nested": {}}});
    objects::default_value(&mut obj, &s);
    assert_eq!(obj["spec"]["replicas"], 1);
    assert_eq!(obj["spec"]["nested"]["deep"], "d");
    // Idempotent.
    let again = {
        let mut o = obj.clone();
        objects::default_value(&mut o, &s);
        o
    };
    assert_eq!(again, obj);
}

#[test]
fn nulls_without_default_are_dropped_unless_nullable() {
    let s = spec_schema();
    let mut obj = json!({"spec": {"note": null, "mode": null, "free": {"keep": null}}});
    objects::prune_nulls(&mut obj, &s);
    assert_eq!(obj, json!({"spec": {"mode": null, "free": {"keep": null}}}));
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[test]
fn type_errors_read_like_kube_openapi() {
    let s = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "replicas": {"type": "integer"},
        "ratio": {"type": "number"},
        "on": {"type": "boolean"},
        "size": {"x-kubernetes-int-or-string": true},
        "list": {"type": "array", "items": {"type": "string"}},
        "n": {"type": "string", "nullable": true},
        "m": {"type": "string"},
    }}}});
    assert_eq!(
        validate(json!({"spec": {"replicas": "3"}}), s.clone()),
        [
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
        ]
    );
    // An integral float is an integer; an integer is a number.
    assert!(validate(json!({"spec": {"replicas": 3.0, "ratio": 2}}), s.clone()).is_empty());
    assert_eq!(
        validate(json!({"spec": {"replicas": 1.5}}), s.clone()),
        [
            r#"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#
        ]
    );
    assert_eq!(
        validate(json!({"spec": {"size": true, "list": [1]}}), s.clone()),
        [
            r#"spec.size: Invalid value: "boolean": spec.size in body must be of type integer,string: "boolean""#,
            r#"spec.list[0]: Invalid value: "integer": spec.list[0] in body must be of type string: "integer""#,
        ]
    );
    assert!(validate(json!({"spec": {"size": 3}}), s.clone()).is_empty());
    assert!(validate(json!({"spec": {"size": "50%", "n": null}}), s.clone()).is_empty());
    assert_eq!(
        validate(json!({"spec": {"m": null}}), s.clone()),
        [r#"spec.m: Invalid value: "null": spec.m in body must be of type string: "null""#]
    );
    assert_eq!(
        validate(json!({"spec": "x"}), s),
        [r#"spec: Invalid value: "string": spec in body must be of type object: "string""#]
    );
}

#[test]
fn value_validations_read_like_upstream() {
    let s = json!({"type": "object", "required": ["spec"], "properties": {"spec": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
        "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
        "ratio": {"type": "number", "minimum": 0.5, "exclusiveMaximum": true, "maximum": 1},
        "step": {"type": "integer", "multipleOf": 5},
        "color": {"type": "string", "enum": ["red", "green"]},
        "level": {"type": "integer", "enum": [1, 2]},
        "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
        "email": {"type": "string", "format": "email"},
        "when": {"type": "string", "format": "date-time"},
        "bits": {"type": "string", "format": "int32"},
    }}}});
    assert_eq!(validate(json!({}), s.clone()), ["spec: Required value"]);
    assert_eq!(
        validate(json!({"spec": {}}), s.clone()),
        ["spec.name: Required value"]
    );
    assert_eq!(
        validate(json!({"spec": {"name": "toolong"}}), s.clone()),
        ["spec.name: Too long: may not be longer than 5"]
    );
    assert_eq!(
        validate(json!({"spec": {"name": "a"}}), s.clone()),
        [r#"spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long"#]
    );
    assert_eq!(
        validate(json!({"spec": {"name": "AB"}}), s.clone()),
        [r#"spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'"#]
    );
    assert_eq!(
        validate(
            json!({"spec": {"name": "ab", "replicas": 0, "ratio": 1, "step": 7}}),
            s.clone()
        ),
        [
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
            "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1",
            "spec.step: Invalid value: 7: spec.step in body should be a multiple of 5",
        ]
    );
    assert_eq!(
        validate(
            json!({"spec": {"name": "ab", "replicas": 11, "ratio": 0.25}}),
            s.clone()
        ),
        [
            "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            "spec.ratio: Invalid value: 0.25: spec.ratio in body should be greater than or equal to 0.5",
        ]
    );
    assert_eq!(
        validate(
            json!({"spec": {"name": "ab", "color": "pink", "level": 3}}),
            s.clone()
        ),
        [
            r#"spec.color: Unsupported value: "pink": supported values: "red", "green""#,
            r#"spec.level: Unsupported value: 3: supported values: "1", "2""#,
        ]
    );
    assert_eq!(
        validate(json!({"spec": {"name": "ab", "tags": []}}), s.clone()),
        ["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"]
    );
    assert_eq!(
        validate(
            json!({"spec": {"name": "ab", "tags": ["a", "b", "c"]}}),
            s.clone()
        ),
        ["spec.tags: Too many: 3: must have at most 2 items"]
    );
    assert_eq!(
        validate(
            json!({"spec": {"name": "ab", "email": "nope", "when": "yesterday", "bits": "x"}}),
            s.clone()
        ),
        [
            r#"spec.email: Invalid value: "nope": spec.email in body must be of type email: "nope""#,
            r#"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#,
        ]
    );
    assert!(
        validate(
            json!({"spec": {"name": "ab", "email": "a@b.c", "when": "2024-01-02T03:04:05Z"}}),
            s
        )
        .is_empty()
    );
}

#[test]
fn embedded_resources_and_list_types_are_checked() {
    let s = Schema::parse(
        &json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "tpl": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true},
            "set": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "map": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                    "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
        }}}}),
    );
    let obj = json!({"spec": {
        "tpl": {"kind": "Pod"},
        "set": ["a", "b", "a"],
        "map": [{"name": "x"}, {"name": "x"}],
    }});
    let mut errs = Vec::new();
    objects::validate_embedded(&obj, &s, "", &mut errs);
    objects::validate_list_types(&obj, &s, "", &mut errs);
    assert_eq!(
        texts(&errs),
        [
            "spec.tpl.apiVersion: Required value: must not be empty",
            r#"spec.set[2]: Duplicate value: "a""#,
            r#"spec.map[1]: Duplicate value: map[string]interface {}{"name":"x"}"#,
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// CEL
// ---------------------------------------------------------------------------------------------

fn cel_errors(schema: Value, obj: Value, old: Option<Value>) -> Vec<String> {
    let s = Schema::parse(&schema);
    let mut errs = Vec::new();
    super::cel::validate(&s, &obj, old.as_ref(), "", &mut errs);
    texts(&errs)
}

#[test]
fn cel_rules_evaluate_with_upstream_messages() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
    "x-kubernetes-validations": [
        {"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"},
        {"rule": "!has(self.name) || self.name.startsWith('w')"},
        {"rule": "self.tags.size() < 3", "messageExpression": "'too many tags: ' + string(self.tags.size())"},
        {"rule": "self.name.lowerAscii() == self.name", "fieldPath": ".name", "reason": "FieldValueForbidden"},
    ],
    "properties": {
        "replicas": {"type": "integer"}, "maxReplicas": {"type": "integer"},
        "name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
    }}}});
    assert!(
        cel_errors(
            schema.clone(),
            json!({"spec": {"replicas": 1, "maxReplicas": 2, "name": "w", "tags": []}}),
            None
        )
        .is_empty()
    );
    assert_eq!(
        cel_errors(
            schema,
            json!({"spec": {"replicas": 3, "maxReplicas": 2, "name": "Xy", "tags": ["a", "b", "c"]}}),
            None
        ),
        [
            r#"spec: Invalid value: "object": replicas must not exceed maxReplicas"#,
            r#"spec: Invalid value: "object": failed rule: !has(self.name) || self.name.startsWith('w')"#,
            r#"spec: Invalid value: "object": too many tags: 3"#,
            "spec.name: Forbidden: failed rule: self.name.lowerAscii() == self.name",
        ]
    );
}

#[test]
fn cel_transition_rules_only_run_on_update_and_root_rules_have_no_path() {
    let schema = json!({"type": "object",
    "x-kubernetes-validations": [{"rule": "has(self.spec)", "message": "spec is required"}],
    "properties": {"spec": {"type": "object", "properties": {
        "mode": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "mode is immutable"}]},
    }}}});
    assert!(cel_errors(schema.clone(), json!({"spec": {"mode": "a"}}), None).is_empty());
    assert_eq!(
        cel_errors(
            schema.clone(),
            json!({"spec": {"mode": "b"}}),
            Some(json!({"spec": {"mode": "a"}}))
        ),
        [r#"spec.mode: Invalid value: "string": mode is immutable"#]
    );
    assert_eq!(
        cel_errors(schema, json!({"kind": "X"}), None),
        [r#"<nil>: Invalid value: "object": spec is required"#]
    );
}

#[test]
fn cel_evaluation_errors_are_reported() {
    let errs = cel_errors(
        json!({"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-validations": [{"rule": "self.missing > 1"}]}}}),
        json!({"spec": {}}),
        None,
    );
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with(r#"spec: Invalid value: "object": self.missing > 1: "#),
        "{errs:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// JSONPath and printing
// ---------------------------------------------------------------------------------------------

#[test]
fn jsonpath_subset() {
    let obj = json!({
        "metadata": {"name": "w", "annotations": {"a.b/c": "x"}},
        "spec": {"replicas": 3, "ports": [{"port": 80}, {"port": 443}]},
        "status": {"conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "Synced", "status": "False"},
        ]},
    });
    let first = |p: &str| JsonPath::parse(p).expect(p).first(&obj).cloned();
    assert_eq!(first(".spec.replicas"), Some(json!(3)));
    assert_eq!(first("{.spec.replicas}"), Some(json!(3)));
    assert_eq!(first(".spec.ports[1].port"), Some(json!(443)));
    assert_eq!(first(".spec.ports[-1].port"), Some(json!(443)));
    assert_eq!(first(".spec.ports[*].port"), Some(json!(80)));
    assert_eq!(
        first(r#".status.conditions[?(@.type=="Ready")].status"#),
        Some(json!("True"))
    );
    assert_eq!(
        first(r#".status.conditions[?(@.type!="Ready")].type"#),
        Some(json!("Synced"))
    );
    assert_eq!(first(".spec.ports[?(@.port > 100)].port"), Some(json!(443)));
    assert_eq!(first(".metadata.annotations['a.b/c']"), Some(json!("x")));
    assert_eq!(first(".spec.missing"), None);
    let all = JsonPath::parse(".spec.ports[*].port").expect("parses");
    assert_eq!(all.find(&obj), [&json!(80), &json!(443)]);
    assert!(JsonPath::parse(".spec..x").is_err());
    assert!(JsonPath::parse(".spec[").is_err());
}

#[test]
fn printer_columns_and_cells() {
    let now: jiff::Timestamp = "2025-06-01T12:00:00Z".parse().expect("ts");
    let p = Printer::new(Some(&json!([
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "priority": 1},
        {"name": "Ports", "type": "string", "jsonPath": ".spec.ports"},
        {"name": "Started", "type": "date", "jsonPath": ".status.started"},
        {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "description": "the ratio"},
    ])));
    let defs = p.column_definitions();
    let names: Vec<&str> = defs
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        ["Name", "Replicas", "Ready", "Ports", "Started", "Ratio"]
    );
    assert_eq!(defs[0]["format"], "name");
    assert_eq!(defs[2]["priority"], 1);
    assert_eq!(
        defs[1]["description"],
        "Custom resource definition column (in JSONPath format): .spec.replicas"
    );
    assert_eq!(defs[5]["description"], "the ratio");
    let obj = json!({
        "metadata": {"name": "w1"},
        "spec": {"replicas": 2, "ports": [80, 443], "ratio": 1},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "started": "2025-06-01T11:00:00Z"},
    });
    assert_eq!(
        p.cells(&obj, now),
        [
            json!("w1"),
            json!(2),
            json!("True"),
            json!("[80,443]"),
            json!("60m"),
            json!(1.0)
        ]
    );
    let empty = json!({"metadata": {"name": "w2"}});
    assert_eq!(p.cells(&empty, now)[1], Value::Null);
    // Without columns: Name and Age.
    let d = Printer::new(None);
    let names: Vec<Value> = d
        .column_definitions()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("Name"), json!("Age")]);
    let aged = json!({"metadata": {"name": "w", "creationTimestamp": "2025-06-01T11:58:00Z"}});
    assert_eq!(d.cells(&aged, now), [json!("w"), json!("2m")]);
}

#[test]
fn versions_sort_like_discovery() {
    let mut v = vec![
        "v1alpha1", "foo", "v2beta1", "v1", "v1beta2", "v2", "v1beta1", "bar",
    ];
    v.sort_by(|a, b| definition::compare_versions(a, b));
    assert_eq!(
        v,
        [
            "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo"
        ]
    );
}

#[test]
fn go_float_formatting() {
    assert_eq!(objects::go_float(0.5), "0.5");
    assert_eq!(objects::go_float(3.0), "3");
    assert_eq!(objects::go_float(1e-5), "1e-05");
    assert_eq!(objects::go_float(2.5e21), "2.5e+21");
}

// ---------------------------------------------------------------------------------------------
// The CRD object
// ---------------------------------------------------------------------------------------------

fn defaulted(mut crd: Value) -> Value {
    definition::apply_defaults(&mut crd);
    crd
}

#[test]
fn crd_defaults() {
    let crd = defaulted(json!({"spec": {"names": {"kind": "Widget", "plural": "widgets"}}}));
    assert_eq!(crd["spec"]["names"]["singular"], "widget");
    assert_eq!(crd["spec"]["names"]["listKind"], "WidgetList");
    assert_eq!(crd["spec"]["conversion"], json!({"strategy": "None"}));
}

#[test]
fn crd_validation_matches_upstream_messages() {
    assert!(definition::validate(&defaulted(widget_crd()), None).is_empty());
    let mut crd = defaulted(widget_crd());
    crd["metadata"]["name"] = json!("things.example.com");
    crd["spec"]["group"] = json!("example");
    crd["spec"]["scope"] = json!("Global");
    crd["spec"]["names"]["shortNames"] = json!(["Bad_"]);
    crd["spec"]["versions"][1]["storage"] = json!(true);
    crd["spec"]["versions"][0]["additionalPrinterColumns"][0]["type"] = json!("float");
    crd["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] = json!(".status.x");
    let errs = texts(&definition::validate(&crd, None));
    for want in [
        r#"metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group"#,
        r#"spec.group: Invalid value: "example": should be a domain with at least one dot"#,
        r#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#,
        r#"spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.x": should be a json path under .spec"#,
        r#"spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "float": must be one of boolean,date,integer,number,string"#,
        "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version",
    ] {
        assert!(
            errs.contains(&want.to_string()),
            "missing {want}\nin {errs:#?}"
        );
    }
    assert!(
        errs.iter().any(|e| e
            .starts_with(r#"spec.names.shortNames[0]: Invalid value: "Bad_": a DNS-1035 label"#)),
        "{errs:#?}"
    );
    let mut crd = defaulted(widget_crd());
    crd["spec"]["names"]["listKind"] = json!("Widget");
    crd["spec"]["versions"][0]["schema"] = Value::Null;
    let errs = texts(&definition::validate(&crd, None));
    assert!(
        errs.contains(&r#"spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same"#.to_string()),
        "{errs:#?}"
    );
    assert!(
        errs.contains(
            &"spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"
                .to_string()
        ),
        "{errs:#?}"
    );
}

#[test]
fn protected_groups_need_approval_and_names_are_immutable() {
    let mut crd = defaulted(widget_crd());
    crd["metadata"]["name"] = json!("widgets.x.k8s.io");
    crd["spec"]["group"] = json!("x.k8s.io");
    let errs = texts(&definition::validate(&crd, None));
    assert!(
        errs.iter().any(|e| e.starts_with("metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation")),
        "{errs:#?}"
    );
    let mut old = defaulted(widget_crd());
    old["status"] = json!({});
    definition::update_status(&mut old, &[]);
    let mut new = old.clone();
    new["spec"]["names"]["kind"] = json!("Gadget");
    new["spec"]["scope"] = json!("Cluster");
    let errs = texts(&definition::validate(&new, Some(&old)));
    assert!(
        errs.contains(&r#"spec.scope: Invalid value: "Cluster": field is immutable"#.to_string()),
        "{errs:#?}"
    );
    assert!(
        errs.contains(
            &r#"spec.names.kind: Invalid value: "Gadget": field is immutable"#.to_string()
        ),
        "{errs:#?}"
    );
}

#[test]
fn status_names_accepted_and_established() {
    let mut crd = defaulted(widget_crd());
    crd["status"] = json!({});
    definition::update_status(&mut crd, &[]);
    assert!(
        definition::is_condition_true(&crd, "Established"),
        "{}",
        crd["status"]
    );
    assert!(definition::is_condition_true(&crd, "NamesAccepted"));
    assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
    assert_eq!(crd["status"]["acceptedNames"]["shortNames"], json!(["wd"]));
    let keys: Vec<&String> = crd["status"].as_object().expect("status").keys().collect();
    assert_eq!(keys, ["acceptedNames", "conditions", "storedVersions"]);

    // A second CRD in the group asking for the same kind is not accepted.
    let mut other = defaulted(widget_crd());
    other["metadata"]["name"] = json!("gizmos.example.com");
    other["spec"]["names"]["plural"] = json!("gizmos");
    other["spec"]["names"]["singular"] = json!("gizmo");
    other["spec"]["names"]["shortNames"] = json!(["gz"]);
    other["status"] = json!({});
    definition::update_status(&mut other, std::slice::from_ref(&crd));
    assert!(!definition::is_condition_true(&other, "NamesAccepted"));
    assert!(!definition::is_condition_true(&other, "Established"));
    let cond = other["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "NamesAccepted"))
        .cloned()
        .expect("condition");
    assert_eq!(cond["reason"], "ListKindConflict");
    assert!(definition::served_versions(&other).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Through the registry
// ---------------------------------------------------------------------------------------------

fn registry() -> Registry {
    Registry::new(
        crate::storage::Store::memory(Default::default()),
        kubesim_api::ResourceTable::builtin(),
        Box::new(crate::auth::AllowAll),
        tokio_util::sync::CancellationToken::new(),
    )
}

fn ctx() -> WriteContext {
    WriteContext::internal(
        crate::auth::Identity::new("admin", &["system:masters"]),
        "test",
    )
}

fn crd_def(reg: &Registry) -> kubesim_api::ResourceDef {
    reg.resolve("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        .expect("crd resource")
}

async fn with_widgets() -> (Registry, kubesim_api::ResourceDef) {
    let reg = registry();
    let ns = reg.resolve("", "v1", "namespaces").expect("namespaces");
    reg.create(&ns, None, json!({"metadata": {"name": "default"}}), &ctx())
        .await
        .expect("namespace");
    reg.create(&crd_def(&reg), None, widget_crd(), &ctx())
        .await
        .expect("CRD created");
    let def = reg.resolve("example.com", "v1", "widgets").expect("served");
    (reg, def)
}

fn widget(name: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"replicas": 2}, "status": {"replicas": 9}})
}

#[tokio::test]
async fn served_versions_follow_the_crd() {
    let (reg, def) = with_widgets().await;
    assert!(def.has_status());
    assert_eq!(def.short_names, ["wd"]);
    assert_eq!(def.categories, ["all"]);
    assert!(def.subresource("scale").is_some());
    let versions: Vec<String> = reg
        .table()
        .all()
        .iter()
        .filter(|d| d.group == "example.com")
        .map(|d| d.version.clone())
        .collect();
    assert_eq!(versions, ["v1", "v1beta1"]);
    assert!(reg.crds().schema("example.com", "v1", "Widget").is_some());
    // A rebuilt registry over the same store serves them again.
    assert!(reg.crds().is_custom(&def));
}

#[tokio::test]
async fn custom_resource_writes_follow_upstream_strategy() {
    let (reg, def) = with_widgets().await;
    let made = reg
        .create(&def, Some("default"), widget("w1"), &ctx())
        .await
        .expect("created");
    // Create cannot set status; generation starts at 1; defaults apply.
    assert!(made.get("status").is_none(), "{made}");
    assert_eq!(made["metadata"]["generation"], 1);
    assert_eq!(made["spec"]["color"], "green");
    // Status writes keep spec; main writes keep status; only spec changes bump generation.
    let mut st = made.clone();
    st["status"] = json!({"replicas": 2});
    st["spec"]["replicas"] = json!(7);
    let (after, _) = reg
        .update(&def, Some("default"), "w1", st, Target::Status, &ctx())
        .await
        .expect("status");
    assert_eq!(after["spec"]["replicas"], 2);
    assert_eq!(after["status"]["replicas"], 2);
    assert_eq!(after["metadata"]["generation"], 1);
    let mut main = after.clone();
    main["status"] = json!({"replicas": 5});
    main["spec"]["replicas"] = json!(3);
    let (after, _) = reg
        .update(&def, Some("default"), "w1", main, Target::Main, &ctx())
        .await
        .expect("main");
    assert_eq!(after["status"]["replicas"], 2);
    assert_eq!(after["metadata"]["generation"], 2);
    // An invalid status write is refused.
    let mut bad = after.clone();
    bad["status"] = json!({"replicas": "x"});
    let err = reg
        .update(&def, Some("default"), "w1", bad, Target::Status, &ctx())
        .await
        .expect_err("invalid status");
    assert!(matches!(err, ApiError::Invalid { .. }), "{err:?}");
    // Strategic merge patches are refused.
    let err = reg
        .patch(
            &def,
            Some("default"),
            "w1",
            crate::registry::PatchType::Strategic,
            b"{}",
            Target::Main,
            &ctx(),
        )
        .await
        .expect_err("415");
    assert_eq!(err.code(), 415);
    // Scale reads and writes the declared paths.
    let scale = reg.get_scale(&def, Some("default"), "w1").expect("scale");
    assert_eq!(scale["spec"]["replicas"], 3);
    assert_eq!(scale["status"]["replicas"], 2);
    let scaled = reg
        .update_scale(
            &def,
            Some("default"),
            "w1",
            crate::registry::ScaleChange::Patch(
                crate::registry::PatchType::Merge,
                br#"{"spec":{"replicas":6}}"#,
            ),
            &ctx(),
        )
        .await
        .expect("scaled");
    assert_eq!(scaled["spec"]["replicas"], 6);
    let w1 = reg.get(&def, Some("default"), "w1").expect("get");
    assert_eq!(w1["spec"]["replicas"], 6);
}

#[tokio::test]
async fn deleting_a_crd_deletes_its_objects_and_waits_for_their_finalizers() {
    let (reg, def) = with_widgets().await;
    reg.create(&def, Some("default"), widget("plain"), &ctx())
        .await
        .expect("plain");
    let mut held = widget("held");
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    reg.create(&def, Some("default"), held, &ctx())
        .await
        .expect("held");
    let crds = crd_def(&reg);
    let out = reg
        .delete(
            &crds,
            None,
            "widgets.example.com",
            &DeleteOptions::default(),
            &ctx(),
        )
        .await
        .expect("delete");
    let Deleted::Pending(marked) = out else {
        panic!("the CRD answers with itself, marked");
    };
    assert!(
        marked["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| f.contains(&json!(definition::CLEANUP_FINALIZER)))
    );
    assert!(definition::is_condition_true(&marked, "Terminating"));
    // The plain object is gone; the held one is terminating, and so is the CRD.
    assert!(reg.get(&def, Some("default"), "plain").is_err());
    let held = reg
        .get(&def, Some("default"), "held")
        .expect("held remains");
    assert!(held["metadata"]["deletionTimestamp"].is_string());
    let crd = reg
        .get(&crds, None, "widgets.example.com")
        .expect("CRD remains");
    let reason = crd["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Terminating"))
        .map(|c| c["reason"].clone());
    assert_eq!(reason, Some(json!("InstanceDeletionInProgress")));
    // No new objects while terminating.
    let err = reg
        .create(&def, Some("default"), widget("late"), &ctx())
        .await
        .expect_err("terminating");
    assert_eq!(err.code(), 405);
    // Removing the last finalizer lets the object, then the CRD, go.
    let mut release = held.clone();
    release["metadata"]["finalizers"] = json!([]);
    reg.update(&def, Some("default"), "held", release, Target::Main, &ctx())
        .await
        .expect("released");
    assert!(reg.get(&crds, None, "widgets.example.com").is_err());
    assert!(reg.resolve("example.com", "v1", "widgets").is_none());
}

#[tokio::test]
async fn crds_are_served_again_from_the_store() {
    let (reg, _) = with_widgets().await;
    let store = reg.store().clone();
    let again = Registry::new(
        store,
        kubesim_api::ResourceTable::builtin(),
        Box::new(crate::auth::AllowAll),
        tokio_util::sync::CancellationToken::new(),
    );
    assert!(again.resolve("example.com", "v1", "widgets").is_some());
    assert!(again.resolve("example.com", "v1beta1", "widgets").is_some());
}
