//! The structural schema of one custom resource version: `openAPIV3Schema` parsed into a typed
//! tree that pruning, defaulting, validation, CEL, OpenAPI publishing and server-side apply all
//! read, plus the checks that make a schema acceptable in a CustomResourceDefinition (upstream's
//! `ValidateCustomResourceDefinitionOpenAPISchema` and `ValidateStructural`, worded the same).

use std::sync::Arc;

use kubesim_api::Cause;
use serde_json::{Number, Value};

use super::cel;
use super::path;

/// The JSON types a schema may name.
const OPENAPI_TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

/// `additionalProperties`: a boolean or a schema for every value of a map.
#[derive(Debug, Clone)]
pub enum Additional {
    /// `additionalProperties: true|false`.
    Allows(bool),
    /// `additionalProperties: {schema}`.
    Schema(Box<Schema>),
}

/// One `x-kubernetes-validations` rule, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The CEL expression.
    pub rule: String,
    /// `message`, if set.
    pub message: String,
    /// `messageExpression`, if set.
    pub message_expression: String,
    /// `reason` (`FieldValueInvalid` when unset).
    pub reason: String,
    /// `fieldPath`, relative to the schema node.
    pub field_path: String,
    /// The compiled rule (absent when it did not compile; the CRD was refused then).
    pub program: Option<Arc<cel::Program>>,
    /// The compiled message expression.
    pub message_program: Option<Arc<cel::Program>>,
    /// Whether the rule reads `oldSelf` (a transition rule: only checked on update).
    pub transition: bool,
}

/// A (structural) schema node. Keywords kubesim does not interpret are kept in `raw` only.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// `type` (empty when unspecified).
    pub type_: String,
    /// `format`.
    pub format: String,
    /// `description`.
    pub description: String,
    /// `nullable`.
    pub nullable: bool,
    /// `default`.
    pub default: Option<Value>,
    /// `properties`, in the order the CRD lists them.
    pub properties: Vec<(String, Schema)>,
    /// `items`.
    pub items: Option<Box<Schema>>,
    /// `additionalProperties`.
    pub additional_properties: Option<Additional>,
    /// `required`.
    pub required: Vec<String>,
    /// `enum`.
    pub enum_: Option<Vec<Value>>,
    /// `maximum`.
    pub maximum: Option<Number>,
    /// `exclusiveMaximum`.
    pub exclusive_maximum: bool,
    /// `minimum`.
    pub minimum: Option<Number>,
    /// `exclusiveMinimum`.
    pub exclusive_minimum: bool,
    /// `maxLength`.
    pub max_length: Option<i64>,
    /// `minLength`.
    pub min_length: Option<i64>,
    /// `pattern`, with its compiled form (None when it does not compile).
    pub pattern: Option<(String, Option<regex::Regex>)>,
    /// `maxItems`.
    pub max_items: Option<i64>,
    /// `minItems`.
    pub min_items: Option<i64>,
    /// `uniqueItems`.
    pub unique_items: bool,
    /// `multipleOf`.
    pub multiple_of: Option<Number>,
    /// `maxProperties`.
    pub max_properties: Option<i64>,
    /// `minProperties`.
    pub min_properties: Option<i64>,
    /// `allOf`.
    pub all_of: Vec<Schema>,
    /// `anyOf`.
    pub any_of: Vec<Schema>,
    /// `oneOf`.
    pub one_of: Vec<Schema>,
    /// `not`.
    pub not: Option<Box<Schema>>,
    /// `x-kubernetes-preserve-unknown-fields: true`.
    pub preserve_unknown_fields: bool,
    /// `x-kubernetes-embedded-resource: true`.
    pub embedded_resource: bool,
    /// `x-kubernetes-int-or-string: true`.
    pub int_or_string: bool,
    /// `x-kubernetes-list-type`.
    pub list_type: Option<String>,
    /// `x-kubernetes-list-map-keys`.
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type`.
    pub map_type: Option<String>,
    /// `x-kubernetes-validations`.
    pub validations: Vec<Rule>,
    /// The node as written in the CRD.
    pub raw: Value,
}

impl Schema {
    /// Parses a schema node leniently (malformed keywords are ignored here; `check` reports them).
    pub fn parse(v: &Value) -> Schema {
        let Some(m) = v.as_object() else {
            return Schema {
                raw: v.clone(),
                ..Schema::default()
            };
        };
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let b = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
        let i = |k: &str| m.get(k).and_then(Value::as_i64);
        let n = |k: &str| match m.get(k) {
            Some(Value::Number(n)) => Some(n.clone()),
            _ => None,
        };
        let list = |k: &str| -> Vec<Schema> {
            m.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().map(Schema::parse).collect())
                .unwrap_or_default()
        };
        let strings = |k: &str| -> Vec<String> {
            m.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let properties = m
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.clone(), Schema::parse(v)))
                    .collect()
            })
            .unwrap_or_default();
        let additional_properties = match m.get("additionalProperties") {
            Some(Value::Bool(b)) => Some(Additional::Allows(*b)),
            Some(v @ Value::Object(_)) => Some(Additional::Schema(Box::new(Schema::parse(v)))),
            _ => None,
        };
        let pattern = m.get("pattern").and_then(Value::as_str).map(|p| {
            let re = regex::Regex::new(p).ok();
            (p.to_string(), re)
        });
        let validations = m
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
            .map(|rules| rules.iter().map(parse_rule).collect())
            .unwrap_or_default();
        Schema {
            type_: s("type"),
            format: s("format"),
            description: s("description"),
            nullable: b("nullable"),
            default: m.get("default").cloned(),
            properties,
            items: m
                .get("items")
                .filter(|v| v.is_object())
                .map(|v| Box::new(Schema::parse(v))),
            additional_properties,
            required: strings("required"),
            enum_: m.get("enum").and_then(Value::as_array).cloned(),
            maximum: n("maximum"),
            exclusive_maximum: b("exclusiveMaximum"),
            minimum: n("minimum"),
            exclusive_minimum: b("exclusiveMinimum"),
            max_length: i("maxLength"),
            min_length: i("minLength"),
            pattern,
            max_items: i("maxItems"),
            min_items: i("minItems"),
            unique_items: b("uniqueItems"),
            multiple_of: n("multipleOf"),
            max_properties: i("maxProperties"),
            min_properties: i("minProperties"),
            all_of: list("allOf"),
            any_of: list("anyOf"),
            one_of: list("oneOf"),
            not: m
                .get("not")
                .filter(|v| v.is_object())
                .map(|v| Box::new(Schema::parse(v))),
            preserve_unknown_fields: b("x-kubernetes-preserve-unknown-fields"),
            embedded_resource: b("x-kubernetes-embedded-resource"),
            int_or_string: b("x-kubernetes-int-or-string"),
            list_type: m
                .get("x-kubernetes-list-type")
                .and_then(Value::as_str)
                .map(str::to_string),
            list_map_keys: strings("x-kubernetes-list-map-keys"),
            map_type: m
                .get("x-kubernetes-map-type")
                .and_then(Value::as_str)
                .map(str::to_string),
            validations,
            raw: v.clone(),
        }
    }

    /// The schema of a property, if declared.
    pub fn property(&self, name: &str) -> Option<&Schema> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, s)| s)
    }

    /// The schema every value of a map follows (`additionalProperties: {schema}`).
    pub fn additional_schema(&self) -> Option<&Schema> {
        match &self.additional_properties {
            Some(Additional::Schema(s)) => Some(s),
            _ => None,
        }
    }

    /// The schema a key of an object follows: its property, else `additionalProperties`.
    pub fn child(&self, key: &str) -> Option<&Schema> {
        self.property(key).or_else(|| self.additional_schema())
    }

    /// The types a value may have, as kube-openapi sees them (`integer,string` for int-or-string).
    pub fn types(&self) -> Vec<&str> {
        if self.int_or_string {
            vec!["integer", "string"]
        } else if self.type_.is_empty() {
            vec![]
        } else {
            vec![self.type_.as_str()]
        }
    }

    /// Whether any node below (or this one) carries `x-kubernetes-validations`.
    pub fn has_rules(&self) -> bool {
        !self.validations.is_empty()
            || self.properties.iter().any(|(_, s)| s.has_rules())
            || self.items.as_ref().is_some_and(|s| s.has_rules())
            || self.additional_schema().is_some_and(Schema::has_rules)
    }

    /// The schema as written (for OpenAPI documents and `kubectl explain`).
    pub fn to_json(&self) -> Value {
        self.raw.clone()
    }
}

fn parse_rule(v: &Value) -> Rule {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let rule = s("rule");
    let message_expression = s("messageExpression");
    let compiled = cel::compile(rule.trim()).ok();
    let transition = compiled.as_ref().is_some_and(cel::reads_old_self);
    Rule {
        message: s("message"),
        reason: s("reason"),
        field_path: s("fieldPath"),
        program: compiled.map(Arc::new),
        message_program: if message_expression.trim().is_empty() {
            None
        } else {
            cel::compile(message_expression.trim()).ok().map(Arc::new)
        },
        transition,
        message_expression,
        rule,
    }
}

/// Where a schema node sits, for the structural rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

/// Checks `openAPIV3Schema` (the raw JSON, at `p`) as upstream validates a CRD's schema: allowed
/// keywords and extensions, structural rules, defaults that validate and are pruned, and CEL
/// rules that compile. `status_enabled` adds the root restrictions of the status subresource.
pub fn check(raw: &Value, p: &str, status_enabled: bool) -> Vec<Cause> {
    let mut errs = Vec::new();
    if !raw.is_object() {
        errs.push(Cause::invalid(p, raw, "must be an object"));
        return errs;
    }
    if status_enabled
        && let Some(t) = raw.get("type").and_then(Value::as_str)
        && t != "object"
    {
        errs.push(Cause::invalid(
            &format!("{p}.type"),
            &Value::String(t.to_string()),
            "only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled",
        ));
    }
    if raw.get("nullable").and_then(Value::as_bool) == Some(true) {
        errs.push(Cause::forbidden(
            &format!("{p}.nullable"),
            "nullable cannot be true at the root",
        ));
    }
    check_keywords(raw, p, true, false, None, &mut errs);
    let schema = Schema::parse(raw);
    if errs.is_empty() {
        let mut structural = Vec::new();
        check_structural(&schema, Level::Root, p, &mut structural);
        structural.sort_by_key(cause_text);
        errs.extend(structural);
    }
    if errs.is_empty() {
        check_defaults(&schema, p, &mut errs);
    }
    errs
}

fn cause_text(c: &Cause) -> String {
    format!("{}: {}", c.field, c.message)
}

/// The generic keyword checks of one node and its children (upstream's specStandardValidatorV3).
fn check_keywords(
    v: &Value,
    p: &str,
    root: bool,
    inside_meta: bool,
    no_default: Option<&str>,
    errs: &mut Vec<Cause>,
) {
    let Some(m) = v.as_object() else {
        return;
    };
    let ty = m.get("type").and_then(Value::as_str).unwrap_or("");
    if !ty.is_empty() && !OPENAPI_TYPES.contains(&ty) {
        errs.push(Cause::not_supported(
            &path::child(p, "type"),
            &Value::String(ty.to_string()),
            OPENAPI_TYPES,
        ));
    }
    if m.contains_key("default")
        && let Some(reason) = no_default
    {
        errs.push(Cause::forbidden(
            &path::child(p, "default"),
            &format!("must not be set {reason}"),
        ));
    }
    for (k, what) in [
        ("id", "id is not supported"),
        ("additionalItems", "additionalItems is not supported"),
        ("patternProperties", "patternProperties is not supported"),
        ("definitions", "definitions is not supported"),
        ("dependencies", "dependencies is not supported"),
        ("$ref", "$ref is not supported"),
    ] {
        if m.get(k).is_some_and(|v| !is_empty_json(v)) {
            errs.push(Cause::forbidden(&path::child(p, k), what));
        }
    }
    if ty == "null" {
        errs.push(Cause::forbidden(
            &path::child(p, "type"),
            "type cannot be set to null, use nullable as an alternative",
        ));
    }
    if m.get("items").is_some_and(Value::is_array) {
        errs.push(Cause::forbidden(
            &path::child(p, "items"),
            "items must be a schema object and not an array",
        ));
    }
    let embedded = m
        .get("x-kubernetes-embedded-resource")
        .and_then(Value::as_bool)
        == Some(true);
    if inside_meta && embedded {
        errs.push(Cause::forbidden(
            &path::child(p, "x-kubernetes-embedded-resource"),
            "must not be used inside of resource meta",
        ));
    }
    if m.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
        errs.push(Cause::forbidden(
            &path::child(p, "uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    let props = m.get("properties").and_then(Value::as_object);
    if let Some(ap) = m.get("additionalProperties") {
        if props.is_some_and(|p| !p.is_empty()) && (ap == &Value::Bool(false) || ap.is_object()) {
            errs.push(Cause::forbidden(
                &path::child(p, "additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        let reason = if inside_meta {
            Some("inside additionalProperties applying to object metadata")
        } else {
            no_default
        };
        check_keywords(
            ap,
            &path::child(p, "additionalProperties"),
            false,
            inside_meta,
            reason,
            errs,
        );
    }
    if let Some(props) = props {
        for (k, sub) in props {
            let meta_field =
                (root || embedded) && matches!(k.as_str(), "metadata" | "kind" | "apiVersion");
            let top_level = format!("in top-level {k}");
            let reason = if meta_field && root {
                Some(top_level.as_str())
            } else {
                no_default
            };
            check_keywords(
                sub,
                &path::key(&path::child(p, "properties"), k),
                false,
                inside_meta || meta_field,
                reason,
                errs,
            );
        }
    }
    if let Some(not) = m.get("not") {
        check_keywords(
            not,
            &path::child(p, "not"),
            false,
            inside_meta,
            no_default,
            errs,
        );
    }
    for junctor in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = m.get(junctor).and_then(Value::as_array) {
            for (i, sub) in list.iter().enumerate() {
                check_keywords(
                    sub,
                    &path::index(&path::child(p, junctor), i),
                    false,
                    inside_meta,
                    no_default,
                    errs,
                );
            }
        }
    }
    if let Some(items) = m.get("items").filter(|v| v.is_object()) {
        check_keywords(
            items,
            &path::child(p, "items"),
            false,
            inside_meta,
            no_default,
            errs,
        );
    }
    if m.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        errs.push(Cause::invalid(
            &path::child(p, "x-kubernetes-preserve-unknown-fields"),
            &Value::Bool(false),
            "must be true or undefined",
        ));
    }
    if let Some(mt) = m.get("x-kubernetes-map-type").and_then(Value::as_str) {
        if ty != "object" {
            type_must_be(
                p,
                ty,
                "must be object if x-kubernetes-map-type is specified",
                errs,
            );
        }
        if mt != "atomic" && mt != "granular" {
            errs.push(Cause::not_supported(
                &path::child(p, "x-kubernetes-map-type"),
                &Value::String(mt.to_string()),
                &["atomic", "granular"],
            ));
        }
    }
    let list_type = m.get("x-kubernetes-list-type").and_then(Value::as_str);
    if let Some(lt) = list_type {
        if ty != "array" {
            type_must_be(
                p,
                ty,
                "must be array if x-kubernetes-list-type is specified",
                errs,
            );
        }
        if !matches!(lt, "atomic" | "set" | "map") {
            errs.push(Cause::not_supported(
                &path::child(p, "x-kubernetes-list-type"),
                &Value::String(lt.to_string()),
                &["atomic", "set", "map"],
            ));
        }
    }
    let keys: Vec<&str> = m
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !keys.is_empty() {
        match list_type {
            None => errs.push(Cause::required(
                &path::child(p, "x-kubernetes-list-type"),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some("map") => {}
            Some(other) => errs.push(Cause::invalid(
                &path::child(p, "x-kubernetes-list-type"),
                &Value::String(other.to_string()),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
        }
    }
    if list_type == Some("map") {
        if keys.is_empty() {
            errs.push(Cause::required(
                &path::child(p, "x-kubernetes-list-map-keys"),
                "must not be empty if x-kubernetes-list-type is map",
            ));
        }
        match m.get("items") {
            None => errs.push(Cause::required(
                &path::child(p, "items"),
                "must have a schema if x-kubernetes-list-type is map",
            )),
            Some(items) => {
                let item_ty = items.get("type").and_then(Value::as_str).unwrap_or("");
                if item_ty != "object" {
                    errs.push(Cause::invalid(
                        &path::child(&path::child(p, "items"), "type"),
                        &Value::String(item_ty.to_string()),
                        "must be object if parent array's x-kubernetes-list-type is map",
                    ));
                } else {
                    let item_props = items.get("properties").and_then(Value::as_object);
                    for k in &keys {
                        match item_props.and_then(|ip| ip.get(*k)) {
                            Some(ks) => {
                                let kt = ks.get("type").and_then(Value::as_str).unwrap_or("");
                                if kt == "array" || kt == "object" {
                                    errs.push(Cause::invalid(
                                        &path::child(
                                            &path::key(
                                                &path::child(&path::child(p, "items"), "properties"),
                                                k,
                                            ),
                                            "type",
                                        ),
                                        &Value::String(item_ty.to_string()),
                                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                    ));
                                }
                            }
                            None => errs.push(Cause::invalid(
                                &path::child(p, "x-kubernetes-list-map-keys"),
                                &Value::from(keys.clone()),
                                "entries must all be names of item properties",
                            )),
                        }
                    }
                }
            }
        }
    }
    if let Some(rules) = m.get("x-kubernetes-validations").and_then(Value::as_array) {
        let rp = path::child(p, "x-kubernetes-validations");
        for (i, r) in rules.iter().enumerate() {
            let rule = r.get("rule").and_then(Value::as_str).unwrap_or("");
            let msg = r.get("message").and_then(Value::as_str).unwrap_or("");
            let at = path::index(&rp, i);
            if rule.trim().is_empty() {
                errs.push(Cause::required(
                    &path::child(&at, "rule"),
                    "rule is not specified",
                ));
                continue;
            }
            if !msg.is_empty() && msg.trim().is_empty() {
                errs.push(Cause::invalid(
                    &path::child(&at, "message"),
                    &Value::String(msg.to_string()),
                    "message must be non-empty if specified",
                ));
            } else if msg.trim().contains(['\n', '\r']) {
                errs.push(Cause::invalid(
                    &path::child(&at, "message"),
                    &Value::String(msg.to_string()),
                    "message must not contain line breaks",
                ));
            } else if rule.trim().contains(['\n', '\r']) && msg.trim().is_empty() {
                errs.push(Cause::required(
                    &path::child(&at, "message"),
                    "message must be specified if rule contains line breaks",
                ));
            }
            if let Some(reason) = r.get("reason").and_then(Value::as_str)
                && !matches!(
                    reason,
                    "FieldValueInvalid"
                        | "FieldValueForbidden"
                        | "FieldValueRequired"
                        | "FieldValueDuplicate"
                )
            {
                errs.push(Cause::not_supported(
                    &path::child(&at, "reason"),
                    &Value::String(reason.to_string()),
                    &[
                        "FieldValueDuplicate",
                        "FieldValueForbidden",
                        "FieldValueInvalid",
                        "FieldValueRequired",
                    ],
                ));
            }
            if let Err(e) = cel::compile(rule.trim()) {
                errs.push(Cause::invalid(
                    &path::child(&at, "rule"),
                    r,
                    &format!("compilation failed: {e}"),
                ));
            }
            if let Some(me) = r.get("messageExpression").and_then(Value::as_str)
                && !me.trim().is_empty()
                && let Err(e) = cel::compile(me.trim())
            {
                errs.push(Cause::invalid(
                    &path::child(&at, "messageExpression"),
                    &Value::String(me.to_string()),
                    &format!("messageExpression compilation failed: {e}"),
                ));
            }
        }
    }
    if matches!(list_type, Some("set" | "map"))
        && let Some(items) = m.get("items").and_then(Value::as_object)
    {
        if items.get("nullable").and_then(Value::as_bool) == Some(true) {
            errs.push(Cause::forbidden(
                &path::child(&path::child(p, "items"), "nullable"),
                &format!(
                    "cannot be nullable when x-kubernetes-list-type is {}",
                    list_type.unwrap_or("")
                ),
            ));
        }
        if list_type == Some("map") {
            let required: Vec<&str> = items
                .get("required")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let item_props = items.get("properties").and_then(Value::as_object);
            for k in &keys {
                let Some(ks) = item_props.and_then(|ip| ip.get(*k)) else {
                    continue;
                };
                let kp = path::key(&path::child(&path::child(p, "items"), "properties"), k);
                if !required.contains(k) && ks.get("default").is_none() {
                    errs.push(Cause::required(
                        &path::child(&kp, "default"),
                        "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
                    ));
                }
                if ks.get("nullable").and_then(Value::as_bool) == Some(true) {
                    errs.push(Cause::forbidden(
                        &path::child(&kp, "nullable"),
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    ));
                }
            }
        }
    }
}

fn type_must_be(p: &str, ty: &str, msg: &str, errs: &mut Vec<Cause>) {
    if ty.is_empty() {
        errs.push(Cause::required(&path::child(p, "type"), msg));
    } else {
        errs.push(Cause::invalid(
            &path::child(p, "type"),
            &Value::String(ty.to_string()),
            msg,
        ));
    }
}

fn is_empty_json(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Upstream's structural invariants (`validateStructuralInvariants`).
fn check_structural(s: &Schema, lvl: Level, p: &str, errs: &mut Vec<Cause>) {
    if s.type_ == "array" && s.items.is_none() {
        errs.push(Cause::required(
            &path::child(p, "items"),
            "must be specified",
        ));
    }
    if let Some(items) = &s.items {
        check_structural(items, Level::Item, &path::child(p, "items"), errs);
    }
    for (k, sub) in &s.properties {
        check_structural(
            sub,
            Level::Field,
            &path::key(&path::child(p, "properties"), k),
            errs,
        );
    }
    if let Some(ap) = &s.additional_properties {
        if lvl == Level::Root {
            errs.push(Cause::forbidden(
                &path::child(p, "additionalProperties"),
                "must not be used at the root",
            ));
        }
        if let Additional::Schema(sub) = ap {
            check_structural(
                sub,
                Level::Field,
                &path::child(p, "additionalProperties"),
                errs,
            );
        }
    }
    if s.int_or_string && s.preserve_unknown_fields {
        errs.push(Cause::invalid(
            &path::child(p, "x-kubernetes-preserve-unknown-fields"),
            &Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if s.int_or_string && s.embedded_resource {
        errs.push(Cause::invalid(
            &path::child(p, "x-kubernetes-embedded-resource"),
            &Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    let skip_any_of = is_int_or_string_pattern(&s.any_of);
    let skip_first_all_of_any_of = s
        .all_of
        .first()
        .is_some_and(|a| is_int_or_string_pattern(&a.any_of));
    if !skip_any_of {
        for (i, sub) in s.any_of.iter().enumerate() {
            check_nested(sub, false, &path::index(&path::child(p, "anyOf"), i), errs);
        }
    }
    for (i, sub) in s.all_of.iter().enumerate() {
        check_nested(
            sub,
            skip_first_all_of_any_of && i == 0,
            &path::index(&path::child(p, "allOf"), i),
            errs,
        );
    }
    for (i, sub) in s.one_of.iter().enumerate() {
        check_nested(sub, false, &path::index(&path::child(p, "oneOf"), i), errs);
    }
    if let Some(not) = &s.not {
        check_nested(not, false, &path::child(p, "not"), errs);
    }
    if let Some((pat, None)) = &s.pattern {
        let detail = match regex::Regex::new(pat) {
            Err(e) => format!("must be a valid regular expression, but isn't: {e}"),
            Ok(_) => "must be a valid regular expression".to_string(),
        };
        errs.push(Cause::invalid(
            &path::child(p, "pattern"),
            &Value::String(pat.clone()),
            &detail,
        ));
    }
    if s.embedded_resource && s.type_ != "object" {
        type_must_be(
            p,
            &s.type_,
            "must be object if x-kubernetes-embedded-resource is true",
            errs,
        );
    } else if s.type_.is_empty() && !s.int_or_string && !s.preserve_unknown_fields {
        let detail = match lvl {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errs.push(Cause::required(&path::child(p, "type"), detail));
    }
    if s.embedded_resource && s.additional_properties.is_some() {
        errs.push(Cause::forbidden(
            &path::child(p, "additionalProperties"),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if lvl == Level::Root && !s.type_.is_empty() && s.type_ != "object" {
        errs.push(Cause::invalid(
            &path::child(p, "type"),
            &Value::String(s.type_.clone()),
            "must be object at the root",
        ));
    }
    let check_meta = lvl == Level::Root || s.embedded_resource;
    if check_meta {
        let props = path::child(p, "properties");
        for (k, want) in [
            ("kind", "string"),
            ("apiVersion", "string"),
            ("metadata", "object"),
        ] {
            if let Some(sub) = s.property(k)
                && sub.type_ != want
            {
                errs.push(Cause::invalid(
                    &path::child(&path::key(&props, k), "type"),
                    &Value::String(sub.type_.clone()),
                    &format!("must be {want}"),
                ));
            }
        }
    }
    if lvl == Level::Root
        && let Some(meta) = s.property("metadata")
        && !metadata_schema_is_trivial(meta)
    {
        errs.push(Cause::forbidden(
            &path::key(&path::child(p, "properties"), "metadata"),
            "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ));
    }
    if s.embedded_resource && !s.preserve_unknown_fields && s.properties.is_empty() {
        errs.push(Cause::required(
            &path::child(p, "properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

/// Whether a root `metadata` schema restricts only `name`/`generateName` (what upstream allows).
fn metadata_schema_is_trivial(meta: &Schema) -> bool {
    let Some(m) = meta.raw.as_object() else {
        return true;
    };
    m.iter().all(|(k, v)| match k.as_str() {
        "type" | "description" => true,
        "properties" => v
            .as_object()
            .is_some_and(|p| p.keys().all(|k| k == "name" || k == "generateName")),
        _ => false,
    })
}

fn is_int_or_string_pattern(any_of: &[Schema]) -> bool {
    any_of.len() == 2
        && any_of[0].type_ == "integer"
        && any_of[1].type_ == "string"
        && any_of.iter().all(|s| {
            s.raw
                .as_object()
                .is_some_and(|m| m.len() == 1 && m.contains_key("type"))
        })
}

/// The rules for value validations under a junctor (`allOf`, `anyOf`, `oneOf`, `not`).
fn check_nested(s: &Schema, skip_any_of: bool, p: &str, errs: &mut Vec<Cause>) {
    if !skip_any_of {
        for (i, sub) in s.any_of.iter().enumerate() {
            check_nested(sub, false, &path::index(&path::child(p, "anyOf"), i), errs);
        }
    }
    for (i, sub) in s.all_of.iter().enumerate() {
        check_nested(sub, false, &path::index(&path::child(p, "allOf"), i), errs);
    }
    for (i, sub) in s.one_of.iter().enumerate() {
        check_nested(sub, false, &path::index(&path::child(p, "oneOf"), i), errs);
    }
    if let Some(not) = &s.not {
        check_nested(not, false, &path::child(p, "not"), errs);
    }
    if let Some(items) = &s.items {
        check_nested(items, false, &path::child(p, "items"), errs);
    }
    for (k, sub) in &s.properties {
        check_nested(
            sub,
            false,
            &path::key(&path::child(p, "properties"), k),
            errs,
        );
    }
    let m = s.raw.as_object();
    let has = |k: &str| m.is_some_and(|m| m.get(k).is_some_and(|v| !is_empty_json(v)));
    let forbid = |k: &str, what: &str, errs: &mut Vec<Cause>| {
        errs.push(Cause::forbidden(&path::child(p, k), what));
    };
    if !s.type_.is_empty() {
        forbid("type", "must be empty to be structural", errs);
    }
    if s.additional_properties.is_some() {
        forbid(
            "additionalProperties",
            "must be undefined to be structural",
            errs,
        );
    }
    if s.default.is_some() {
        forbid("default", "must be undefined to be structural", errs);
    }
    if has("title") {
        forbid("title", "must be empty to be structural", errs);
    }
    if !s.description.is_empty() {
        forbid("description", "must be empty to be structural", errs);
    }
    if s.nullable {
        forbid("nullable", "must be false to be structural", errs);
    }
    if s.preserve_unknown_fields {
        forbid(
            "x-kubernetes-preserve-unknown-fields",
            "must be false to be structural",
            errs,
        );
    }
    if s.embedded_resource {
        forbid(
            "x-kubernetes-embedded-resource",
            "must be false to be structural",
            errs,
        );
    }
    if s.int_or_string {
        forbid(
            "x-kubernetes-int-or-string",
            "must be false to be structural",
            errs,
        );
    }
    if !s.list_map_keys.is_empty() {
        forbid(
            "x-kubernetes-list-map-keys",
            "must be empty to be structural",
            errs,
        );
    }
    if s.list_type.is_some() {
        forbid(
            "x-kubernetes-list-type",
            "must be undefined to be structural",
            errs,
        );
    }
    if s.property("metadata").is_some() {
        errs.push(Cause::forbidden(
            &path::key(&path::child(p, "properties"), "metadata"),
            "must not be specified in a nested context",
        ));
    }
}

/// Every `default` must validate against its own schema and must survive pruning unchanged
/// (upstream's `ValidateDefaults`).
fn check_defaults(s: &Schema, p: &str, errs: &mut Vec<Cause>) {
    if let Some(d) = &s.default {
        let dp = path::child(p, "default");
        let mut pruned = d.clone();
        let unknown = super::objects::prune_value(&mut pruned, s, false);
        if !unknown.is_empty() {
            errs.push(Cause::invalid(&dp, d, "must not have unknown fields"));
        } else {
            for mut c in super::objects::validate_value(d, s, "") {
                c.field = if c.field.is_empty() || c.field == "<nil>" {
                    dp.clone()
                } else {
                    path::child(&dp, &c.field)
                };
                errs.push(c);
            }
        }
    }
    for (k, sub) in &s.properties {
        check_defaults(sub, &path::key(&path::child(p, "properties"), k), errs);
    }
    if let Some(items) = &s.items {
        check_defaults(items, &path::child(p, "items"), errs);
    }
    if let Some(sub) = s.additional_schema() {
        check_defaults(sub, &path::child(p, "additionalProperties"), errs);
    }
}
