//! Custom resources against their structural schema: pruning of unknown fields, defaulting,
//! dropping of nulls that are not allowed, and validation with kube-openapi's semantics and
//! upstream's wording (`spec.replicas: Invalid value: "string": spec.replicas in body must be of
//! type integer: "string"`).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use base64::Engine;
use kubesim_api::Cause;
use serde_json::{Map, Number, Value};

use super::path;
use super::schema::{Additional, Schema};

/// The fields of `ObjectMeta`; anything else under `metadata` is an unknown field.
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// The string formats upstream validates; others (`int32`, `int64`, `float`, ...) are ignored.
const FORMATS: &[&str] = &[
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
    "duration",
    "datetime",
    "date-time",
];

/// Prunes a whole object (`apiVersion`, `kind` and known `metadata` fields are always kept):
/// returns the dropped fields' paths, sorted (`spec.foo`, `spec.items[0].bar`).
pub fn prune_object(obj: &mut Value, schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    prune(obj, schema, "", true, &mut out);
    out.sort();
    out
}

/// Prunes a value below the object root (a default, a part of an object).
pub fn prune_value(v: &mut Value, schema: &Schema, resource_root: bool) -> Vec<String> {
    let mut out = Vec::new();
    prune(v, schema, "", resource_root, &mut out);
    out.sort();
    out
}

fn prune(v: &mut Value, s: &Schema, p: &str, resource_root: bool, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let here = path::child(p, &k);
                if resource_root && (k == "apiVersion" || k == "kind") {
                    continue;
                }
                if resource_root && k == "metadata" {
                    if let Some(Value::Object(meta)) = m.get_mut("metadata") {
                        prune_meta(meta, &here, out);
                    }
                    continue;
                }
                let Some(x) = m.get_mut(&k) else {
                    continue;
                };
                if let Some(sub) = s.property(&k) {
                    prune(x, sub, &here, sub.embedded_resource, out);
                } else if let Some(Additional::Schema(sub)) = &s.additional_properties {
                    prune(x, sub, &here, sub.embedded_resource, out);
                } else if s.preserve_unknown_fields
                    || matches!(s.additional_properties, Some(Additional::Allows(true)))
                {
                    // kept as sent
                } else {
                    out.push(here);
                    m.remove(&k);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.items.as_deref() {
                for (i, x) in a.iter_mut().enumerate() {
                    prune(x, items, &path::index(p, i), items.embedded_resource, out);
                }
            }
        }
        _ => {}
    }
}

fn prune_meta(meta: &mut Map<String, Value>, p: &str, out: &mut Vec<String>) {
    let unknown: Vec<String> = meta
        .keys()
        .filter(|k| !OBJECT_META_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect();
    for k in unknown {
        out.push(path::child(p, &k));
        meta.remove(&k);
    }
}

/// Applies the schema's `default`s (to absent fields and to nulls that may not be null).
pub fn default_value(v: &mut Value, s: &Schema) {
    default_node(v, s, true);
}

fn default_node(v: &mut Value, s: &Schema, root: bool) {
    match v {
        Value::Object(m) => {
            for (k, prop) in &s.properties {
                if root && matches!(k.as_str(), "metadata" | "apiVersion" | "kind") {
                    continue;
                }
                let Some(d) = &prop.default else {
                    continue;
                };
                let missing = match m.get(k) {
                    None => true,
                    Some(Value::Null) => !prop.nullable,
                    Some(_) => false,
                };
                if missing {
                    m.insert(k.clone(), d.clone());
                }
            }
            for (k, x) in m.iter_mut() {
                if root && k == "metadata" {
                    continue;
                }
                if let Some(prop) = s.property(k) {
                    default_node(x, prop, prop.embedded_resource);
                } else if let Some(ap) = s.additional_schema() {
                    if x.is_null()
                        && !ap.nullable
                        && let Some(d) = &ap.default
                    {
                        *x = d.clone();
                    }
                    default_node(x, ap, ap.embedded_resource);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.items.as_deref() {
                for x in a.iter_mut() {
                    if x.is_null()
                        && !items.nullable
                        && let Some(d) = &items.default
                    {
                        *x = d.clone();
                    }
                    default_node(x, items, items.embedded_resource);
                }
            }
        }
        _ => {}
    }
}

/// Drops `null`s of fields that are neither nullable nor defaulted (upstream drops them before
/// validation instead of refusing them).
pub fn prune_nulls(v: &mut Value, s: &Schema) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let Some(sub) = s.child(&k) else {
                    continue;
                };
                let drop = m
                    .get(&k)
                    .is_some_and(|x| x.is_null() && !sub.nullable && sub.default.is_none());
                if drop {
                    m.remove(&k);
                } else if let Some(x) = m.get_mut(&k) {
                    prune_nulls(x, sub);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.items.as_deref() {
                for x in a.iter_mut() {
                    prune_nulls(x, items);
                }
            }
        }
        _ => {}
    }
}

/// Validates a value against its schema as kube-openapi does, returning upstream's field errors.
/// `p` is the path of `v` (`""` for the object itself).
pub fn validate_value(v: &Value, s: &Schema, p: &str) -> Vec<Cause> {
    let mut errs = Vec::new();
    walk(v, s, p, &mut errs);
    errs
}

/// Upstream's checks of embedded resources (`apiVersion` and `kind` present and well formed).
pub fn validate_embedded(v: &Value, s: &Schema, p: &str, errs: &mut Vec<Cause>) {
    match v {
        Value::Object(m) => {
            if s.embedded_resource {
                for k in ["apiVersion", "kind"] {
                    match m.get(k) {
                        None => errs.push(Cause::required(&path::child(p, k), "must not be empty")),
                        Some(Value::String(t)) if t.is_empty() => errs.push(Cause::invalid(
                            &path::child(p, k),
                            &Value::String(String::new()),
                            "must not be empty",
                        )),
                        Some(Value::String(_)) => {}
                        Some(other) => errs.push(Cause::invalid(
                            &path::child(p, k),
                            other,
                            "must be a string",
                        )),
                    }
                }
            }
            for (k, x) in m {
                if let Some(sub) = s.property(k) {
                    validate_embedded(x, sub, &path::child(p, k), errs);
                } else if let Some(sub) = s.additional_schema() {
                    validate_embedded(x, sub, &path::key(p, k), errs);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.items.as_deref() {
                for (i, x) in a.iter().enumerate() {
                    validate_embedded(x, items, &path::index(p, i), errs);
                }
            }
        }
        _ => {}
    }
}

/// `x-kubernetes-list-type: set|map` lists must not repeat items (or keys).
pub fn validate_list_types(v: &Value, s: &Schema, p: &str, errs: &mut Vec<Cause>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if let Some(sub) = s.property(k) {
                    validate_list_types(x, sub, &path::child(p, k), errs);
                } else if let Some(sub) = s.additional_schema() {
                    validate_list_types(x, sub, &path::key(p, k), errs);
                }
            }
        }
        Value::Array(a) => {
            match s.list_type.as_deref() {
                Some("set") => {
                    for (i, x) in a.iter().enumerate() {
                        if a[..i].contains(x) {
                            errs.push(Cause::duplicate(&path::index(p, i), x));
                        }
                    }
                }
                Some("map") => {
                    let key_of = |x: &Value| -> Vec<Value> {
                        s.list_map_keys
                            .iter()
                            .map(|k| x.get(k).cloned().unwrap_or(Value::Null))
                            .collect()
                    };
                    for (i, x) in a.iter().enumerate() {
                        let key = key_of(x);
                        if a[..i].iter().any(|y| key_of(y) == key) {
                            let shown: Map<String, Value> = s
                                .list_map_keys
                                .iter()
                                .cloned()
                                .zip(key)
                                .filter(|(_, v)| !v.is_null())
                                .collect();
                            errs.push(Cause::new(
                                "FieldValueDuplicate",
                                format!("Duplicate value: {}", go_map(&shown)),
                                path::index(p, i),
                            ));
                        }
                    }
                }
                _ => {}
            }
            if let Some(items) = s.items.as_deref() {
                for (i, x) in a.iter().enumerate() {
                    validate_list_types(x, items, &path::index(p, i), errs);
                }
            }
        }
        _ => {}
    }
}

/// Go's `%#v` of a `map[string]interface{}` with JSON scalars.
fn go_map(m: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    let parts: Vec<String> = keys
        .iter()
        .map(|k| {
            format!(
                "{k:?}:{}",
                m.get(*k).map(Value::to_string).unwrap_or_default()
            )
        })
        .collect();
    format!("map[string]interface {{}}{{{}}}", parts.join(", "))
}

/// The JSON type kube-openapi infers for a value, and its format.
fn type_of(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Null => ("null", ""),
        Value::Bool(_) => ("boolean", ""),
        Value::Number(n) if n.is_f64() => ("number", "double"),
        Value::Number(_) => ("integer", "int64"),
        Value::String(_) => ("string", ""),
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
    }
}

fn type_invalid(p: &str, shown: &str, detail: String) -> Cause {
    Cause::new(
        "FieldValueTypeInvalid",
        format!("Invalid value: {shown:?}: {detail}"),
        path::or_nil(p),
    )
}

fn walk(v: &Value, s: &Schema, p: &str, errs: &mut Vec<Cause>) {
    let types = s.types();
    // type
    if v.is_null() {
        if !types.is_empty() && !s.nullable {
            errs.push(type_invalid(
                p,
                "null",
                format!("{p} in body must be of type {}: \"null\"", types.join(",")),
            ));
        }
        return;
    }
    let (data_type, data_format) = type_of(v);
    if !types.is_empty() {
        let float_int = data_type == "number"
            && types.contains(&"integer")
            && v.as_f64().is_some_and(|f| f.fract() == 0.0);
        let int_float = data_type == "integer" && types.contains(&"number");
        let format = if FORMATS.contains(&s.format.as_str()) {
            s.format.as_str()
        } else {
            ""
        };
        let matches = types.contains(&data_type) || float_int || int_float;
        if !matches && !format.is_empty() && !v.is_string() && !v.is_array() {
            errs.push(type_invalid(
                p,
                data_format,
                format!("{p} in body must be of type {format}: {data_format:?}"),
            ));
        } else if !matches {
            errs.push(type_invalid(
                p,
                data_type,
                format!(
                    "{p} in body must be of type {}: {data_type:?}",
                    types.join(",")
                ),
            ));
        }
    }
    // allOf / anyOf / oneOf / not
    for sub in &s.all_of {
        walk(v, sub, p, errs);
    }
    if !s.any_of.is_empty()
        && !s
            .any_of
            .iter()
            .any(|sub| validate_value(v, sub, p).is_empty())
    {
        errs.push(Cause::invalid(
            "<nil>",
            &Value::String(String::new()),
            &format!("{p} must validate at least one schema (anyOf)"),
        ));
    }
    if !s.one_of.is_empty() {
        let valid = s
            .one_of
            .iter()
            .filter(|sub| validate_value(v, sub, p).is_empty())
            .count();
        if valid != 1 {
            let found = if valid == 0 {
                "Found none valid".to_string()
            } else {
                format!("Found {valid} valid alternatives")
            };
            errs.push(Cause::invalid(
                "<nil>",
                &Value::String(String::new()),
                &format!("{p} must validate one and only one schema (oneOf). {found}"),
            ));
        }
    }
    if let Some(not) = &s.not
        && validate_value(v, not, p).is_empty()
    {
        errs.push(Cause::invalid(
            "<nil>",
            &Value::String(String::new()),
            &format!("{p} must not validate the schema (not)"),
        ));
    }
    // string
    if let Value::String(text) = v {
        let len = text.chars().count() as i64;
        if let Some(max) = s.max_length
            && len > max
        {
            errs.push(Cause::new(
                "FieldValueTooLong",
                format!("Too long: may not be longer than {max}"),
                path::or_nil(p),
            ));
        } else if let Some(min) = s.min_length
            && len < min
        {
            errs.push(Cause::invalid(
                path::or_nil(p),
                v,
                &format!("{p} in body should be at least {min} chars long"),
            ));
        } else if let Some((pat, Some(re))) = &s.pattern
            && !re.is_match(text)
        {
            errs.push(Cause::invalid(
                path::or_nil(p),
                v,
                &format!("{p} in body should match '{pat}'"),
            ));
        }
        if FORMATS.contains(&s.format.as_str()) && !format_ok(&s.format, text) {
            errs.push(type_invalid(
                p,
                text,
                format!("{p} in body must be of type {}: {text:?}", s.format),
            ));
        }
    }
    // number
    if let Value::Number(n) = v {
        check_number(n, s, p, errs);
    }
    // array
    if let Value::Array(a) = v {
        if let Some(items) = s.items.as_deref() {
            for (i, x) in a.iter().enumerate() {
                walk(x, items, &path::index(p, i), errs);
            }
        }
        let size = a.len() as i64;
        if let Some(min) = s.min_items
            && size < min
        {
            errs.push(Cause::invalid(
                path::or_nil(p),
                &Value::from(size),
                &format!("{p} in body should have at least {min} items"),
            ));
        }
        if let Some(max) = s.max_items
            && size > max
        {
            errs.push(Cause::new(
                "FieldValueTooMany",
                format!("Too many: {size}: must have at most {max} items"),
                path::or_nil(p),
            ));
        }
        if s.unique_items
            && a.iter()
                .enumerate()
                .any(|(i, x)| a[..i].iter().any(|y| json_equal(x, y)))
        {
            errs.push(Cause::invalid(
                path::or_nil(p),
                &Value::String(String::new()),
                &format!("{p} in body shouldn't contain duplicates"),
            ));
        }
    }
    // enum
    if let Some(allowed) = &s.enum_
        && !allowed.iter().any(|e| json_equal(e, v))
    {
        let values: Vec<String> = allowed
            .iter()
            .map(|e| match e {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            })
            .collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        errs.push(Cause::not_supported(path::or_nil(p), v, &refs));
    }
    // object
    if let Value::Object(m) = v {
        let n = m.len() as i64;
        if let Some(min) = s.min_properties
            && n < min
        {
            errs.push(Cause::invalid(
                path::or_nil(p),
                &Value::from(min),
                &format!("{p} in body should have at least {min} properties"),
            ));
            return;
        }
        if let Some(max) = s.max_properties
            && n > max
        {
            errs.push(Cause::new(
                "FieldValueTooMany",
                format!("Too many: {n}: must have at most {max} items"),
                path::or_nil(p),
            ));
            return;
        }
        for (k, x) in m {
            if s.property(k).is_some() || (p.is_empty() && k == "metadata") {
                continue;
            }
            match &s.additional_properties {
                Some(Additional::Schema(sub)) => walk(x, sub, &path::child(p, k), errs),
                Some(Additional::Allows(false)) => errs.push(Cause::invalid(
                    path::or_nil(p),
                    &Value::String(k.clone()),
                    &format!("{p}.{k} in body is a forbidden property"),
                )),
                _ => {}
            }
        }
        for (k, sub) in &s.properties {
            if let Some(x) = m.get(k) {
                walk(x, sub, &path::child(p, k), errs);
            }
        }
        for k in &s.required {
            if !m.contains_key(k) {
                errs.push(Cause::required(&path::child(p, k), ""));
            }
        }
    }
}

/// JSON equality where `1` equals `1.0`.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn check_number(n: &Number, s: &Schema, p: &str, errs: &mut Vec<Cause>) {
    let value = Value::Number(n.clone());
    let x = n.as_f64().unwrap_or(0.0);
    let is_int = !n.is_f64();
    let show = |bound: &Number| -> String {
        match (is_int, bound.as_i64(), bound.as_f64()) {
            (true, Some(i), _) => i.to_string(),
            (true, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e18 => (f as i64).to_string(),
            (_, _, Some(f)) => go_float(f),
            _ => bound.to_string(),
        }
    };
    if let Some(m) = &s.multiple_of {
        let f = m.as_f64().unwrap_or(1.0);
        if f > 0.0 {
            let q = x / f;
            if q.fract() != 0.0 {
                errs.push(Cause::invalid(
                    path::or_nil(p),
                    &value,
                    &format!("{p} in body should be a multiple of {}", show(m)),
                ));
            }
        }
    }
    if let Some(min) = &s.minimum {
        let b = min.as_f64().unwrap_or(f64::MIN);
        let bad = if s.exclusive_minimum { x <= b } else { x < b };
        if bad {
            let word = if s.exclusive_minimum {
                "greater than"
            } else {
                "greater than or equal to"
            };
            errs.push(Cause::invalid(
                path::or_nil(p),
                &value,
                &format!("{p} in body should be {word} {}", show(min)),
            ));
        }
    }
    if let Some(max) = &s.maximum {
        let b = max.as_f64().unwrap_or(f64::MAX);
        let bad = if s.exclusive_maximum { x >= b } else { x > b };
        if bad {
            let word = if s.exclusive_maximum {
                "less than"
            } else {
                "less than or equal to"
            };
            errs.push(Cause::invalid(
                path::or_nil(p),
                &value,
                &format!("{p} in body should be {word} {}", show(max)),
            ));
        }
    }
}

/// Go's `%v` of a float64: shortest representation, exponent form below 1e-4 and from 1e21.
pub fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let a = f.abs();
    if !(1e-4..1e21).contains(&a) {
        let s = format!("{f:e}");
        // Rust prints `1e-5`; Go prints `1e-05` (at least two exponent digits, with a sign).
        if let Some((mant, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            return format!("{mant}e{sign}{digits:0>2}");
        }
        return s;
    }
    format!("{f}")
}

fn regex(
    cell: &'static OnceLock<Option<regex::Regex>>,
    pattern: &str,
) -> Option<&'static regex::Regex> {
    cell.get_or_init(|| regex::Regex::new(pattern).ok())
        .as_ref()
}

/// Whether `text` is a valid value of a string `format`.
fn format_ok(format: &str, text: &str) -> bool {
    static DATE_TIME: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static DATE: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static EMAIL: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static HOSTNAME: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static MAC: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static UUID: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static URI: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static DURATION: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static HEXCOLOR: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static RGBCOLOR: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static BSON: OnceLock<Option<regex::Regex>> = OnceLock::new();
    static SSN: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let matches = |cell: &'static OnceLock<Option<regex::Regex>>, pat: &str| {
        regex(cell, pat).is_none_or(|re| re.is_match(text))
    };
    match format {
        "date-time" | "datetime" => matches(
            &DATE_TIME,
            r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$",
        ),
        "date" => matches(&DATE, r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"),
        "email" => matches(&EMAIL, r"^[^@\s]+@[^@\s]+$"),
        "hostname" => {
            text.len() <= 255
                && matches(
                    &HOSTNAME,
                    r"^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$",
                )
        }
        "ipv4" => text.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => text.parse::<Ipv6Addr>().is_ok(),
        "cidr" => text.split_once('/').is_some_and(|(ip, bits)| {
            let bits: Option<u8> = bits.parse().ok();
            match (ip.parse::<Ipv4Addr>(), ip.parse::<Ipv6Addr>(), bits) {
                (Ok(_), _, Some(b)) => b <= 32,
                (_, Ok(_), Some(b)) => b <= 128,
                _ => false,
            }
        }),
        "mac" => matches(&MAC, r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"),
        "uuid" | "uuid3" | "uuid4" | "uuid5" => matches(
            &UUID,
            r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$",
        ),
        "uri" => matches(&URI, r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$"),
        "byte" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .is_ok(),
        "duration" => matches(
            &DURATION,
            r"^[-+]?((\d+(\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s|m|h|d|w|sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days|wk|wks|week|weeks))+$",
        ),
        "hexcolor" => matches(&HEXCOLOR, r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"),
        "rgbcolor" => matches(
            &RGBCOLOR,
            r"^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$",
        ),
        "bsonobjectid" => matches(&BSON, r"^[0-9a-fA-F]{24}$"),
        "ssn" => matches(&SSN, r"^\d{3}[- ]?\d{2}[- ]?\d{4}$"),
        // isbn, creditcard, password: accepted as given.
        _ => true,
    }
}
