//! The gnostic protobuf `openapi.v2.Document` served at `/openapi/v2`.
//!
//! kubectl 1.27 and 1.28 read only `/openapi/v2`, and only as protobuf, to learn whether
//! the server validates fields itself: for the object's group, version and kind they look
//! for a PATCH operation tagged `x-kubernetes-group-version-kind` that takes a
//! `fieldValidation` query parameter. The document carries one such operation per kind.
//!
//! [`openapi_v2_document_with_definitions`] adds the schemas (`definitions`), which
//! `kubectl explain` reads and from which client-side apply takes strategic merge metadata:
//! the definitions must carry `x-kubernetes-patch-merge-key`/`x-kubernetes-patch-strategy`,
//! or kubectl replaces lists instead of merging them.
//!
//! Field numbers are those of gnostic's `openapiv2/OpenAPIv2.proto`.

use serde_json::Value;

use super::wire::{WireType, put_key, put_len, put_uint};

/// Content-Type to answer /openapi/v2 with (must parse with Go's mime.ParseMediaType).
pub const OPENAPI_V2_CONTENT_TYPE: &str =
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// One served kind for the OpenAPI v2 document: its PATCH path and GVK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenApiV2Op {
    /// The object's path, e.g. `/apis/apps/v1/namespaces/{namespace}/deployments/{name}`.
    pub path: String,
    /// API group, empty for the core group.
    pub group: String,
    /// API version, e.g. `v1`.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
}

/// Encodes a minimal gnostic `openapi.v2.Document` with one PATCH operation per entry, each carrying a `fieldValidation` query parameter and an `x-kubernetes-group-version-kind` vendor extension.
pub fn openapi_v2_document(ops: &[OpenApiV2Op], version: &str) -> Vec<u8> {
    openapi_v2_document_with_definitions(ops, &[], version)
}

/// Same, with `definitions`: `(name, schema)` pairs, each schema a Swagger 2.0 JSON schema
/// (`$ref`s as `#/definitions/...`), encoded as gnostic `Schema` messages.
pub fn openapi_v2_document_with_definitions(
    ops: &[OpenApiV2Op],
    definitions: &[(String, Value)],
    version: &str,
) -> Vec<u8> {
    // The parameter is the same for every operation: ParametersItem{parameter(1):
    // Parameter{non_body_parameter(2): NonBodyParameter{query_parameter_sub_schema(3):
    // {in(2), name(4), type(6)}}}}.
    let mut query = Vec::new();
    put_len(&mut query, 2, b"query");
    put_len(&mut query, 4, b"fieldValidation");
    put_len(&mut query, 6, b"string");
    let mut non_body = Vec::new();
    put_len(&mut non_body, 3, &query);
    let mut parameter = Vec::new();
    put_len(&mut parameter, 2, &non_body);
    let mut parameters_item = Vec::new();
    put_len(&mut parameters_item, 1, &parameter);

    let mut paths = Vec::new();
    for op in ops {
        // Any{yaml(2)}: the extension's value as YAML, the way gnostic carries it.
        let yaml = format!(
            "group: {}\nkind: {}\nversion: {}\n",
            yaml_string(&op.group),
            yaml_string(&op.kind),
            yaml_string(&op.version)
        );
        let mut any = Vec::new();
        put_len(&mut any, 2, yaml.as_bytes());
        // NamedAny{name(1), value(2)}.
        let mut extension = Vec::new();
        put_len(&mut extension, 1, b"x-kubernetes-group-version-kind");
        put_len(&mut extension, 2, &any);
        // Operation{parameters(8), vendor_extension(13)}.
        let mut operation = Vec::new();
        put_len(&mut operation, 8, &parameters_item);
        put_len(&mut operation, 13, &extension);
        // PathItem{patch(8)}.
        let mut path_item = Vec::new();
        put_len(&mut path_item, 8, &operation);
        // NamedPathItem{name(1), value(2)}, as Paths.path(2).
        let mut named = Vec::new();
        put_len(&mut named, 1, op.path.as_bytes());
        put_len(&mut named, 2, &path_item);
        put_len(&mut paths, 2, &named);
    }

    // Document{swagger(1), info(2){title(1), version(2)}, paths(8)}.
    let mut info = Vec::new();
    put_len(&mut info, 1, b"Kubernetes");
    put_len(&mut info, 2, version.as_bytes());
    let mut document = Vec::new();
    put_len(&mut document, 1, b"2.0");
    put_len(&mut document, 2, &info);
    put_len(&mut document, 8, &paths);
    if !definitions.is_empty() {
        // Definitions{additional_properties(1): NamedSchema{name(1), value(2)}}.
        let mut defs = Vec::new();
        for (name, schema) in definitions {
            let mut named = Vec::new();
            put_len(&mut named, 1, name.as_bytes());
            put_len(&mut named, 2, &schema_message(schema));
            put_len(&mut defs, 1, &named);
        }
        put_len(&mut document, 9, &defs);
    }
    document
}

/// A gnostic `Any` holding `value` as YAML (JSON text is valid YAML).
fn any(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    put_len(&mut out, 2, value.to_string().as_bytes());
    out
}

fn put_double(out: &mut Vec<u8>, tag: u32, value: f64) {
    put_key(out, tag, WireType::Fixed64);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Encodes a JSON schema as a gnostic `Schema` message.
fn schema_message(schema: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let Value::Object(m) = schema else {
        return out;
    };
    let text = |out: &mut Vec<u8>, tag: u32, key: &str| {
        if let Some(Value::String(s)) = m.get(key) {
            put_len(out, tag, s.as_bytes());
        }
    };
    let double = |out: &mut Vec<u8>, tag: u32, key: &str| {
        if let Some(n) = m.get(key).and_then(Value::as_f64) {
            put_double(out, tag, n);
        }
    };
    let int = |out: &mut Vec<u8>, tag: u32, key: &str| {
        if let Some(n) = m.get(key).and_then(Value::as_i64) {
            put_uint(out, tag, n as u64);
        }
    };
    let flag = |out: &mut Vec<u8>, tag: u32, key: &str| {
        if m.get(key).and_then(Value::as_bool) == Some(true) {
            put_uint(out, tag, 1);
        }
    };
    text(&mut out, 1, "$ref");
    text(&mut out, 2, "format");
    text(&mut out, 3, "title");
    text(&mut out, 4, "description");
    if let Some(d) = m.get("default") {
        put_len(&mut out, 5, &any(d));
    }
    double(&mut out, 6, "multipleOf");
    double(&mut out, 7, "maximum");
    flag(&mut out, 8, "exclusiveMaximum");
    double(&mut out, 9, "minimum");
    flag(&mut out, 10, "exclusiveMinimum");
    int(&mut out, 11, "maxLength");
    int(&mut out, 12, "minLength");
    text(&mut out, 13, "pattern");
    int(&mut out, 14, "maxItems");
    int(&mut out, 15, "minItems");
    flag(&mut out, 16, "uniqueItems");
    int(&mut out, 17, "maxProperties");
    int(&mut out, 18, "minProperties");
    if let Some(Value::Array(required)) = m.get("required") {
        for r in required.iter().filter_map(Value::as_str) {
            put_len(&mut out, 19, r.as_bytes());
        }
    }
    if let Some(Value::Array(values)) = m.get("enum") {
        for v in values {
            put_len(&mut out, 20, &any(v));
        }
    }
    // AdditionalPropertiesItem{schema(1) | boolean(2)}.
    match m.get("additionalProperties") {
        Some(Value::Bool(b)) => {
            let mut item = Vec::new();
            put_uint(&mut item, 2, u64::from(*b));
            put_len(&mut out, 21, &item);
        }
        Some(sub @ Value::Object(_)) => {
            let mut item = Vec::new();
            put_len(&mut item, 1, &schema_message(sub));
            put_len(&mut out, 21, &item);
        }
        _ => {}
    }
    // TypeItem{value(1)*}.
    match m.get("type") {
        Some(Value::String(t)) => {
            let mut item = Vec::new();
            put_len(&mut item, 1, t.as_bytes());
            put_len(&mut out, 22, &item);
        }
        Some(Value::Array(types)) => {
            let mut item = Vec::new();
            for t in types.iter().filter_map(Value::as_str) {
                put_len(&mut item, 1, t.as_bytes());
            }
            put_len(&mut out, 22, &item);
        }
        _ => {}
    }
    // ItemsItem{schema(1)*}.
    match m.get("items") {
        Some(sub @ Value::Object(_)) => {
            let mut item = Vec::new();
            put_len(&mut item, 1, &schema_message(sub));
            put_len(&mut out, 23, &item);
        }
        Some(Value::Array(subs)) => {
            let mut item = Vec::new();
            for sub in subs {
                put_len(&mut item, 1, &schema_message(sub));
            }
            put_len(&mut out, 23, &item);
        }
        _ => {}
    }
    if let Some(Value::Array(all)) = m.get("allOf") {
        for sub in all {
            put_len(&mut out, 24, &schema_message(sub));
        }
    }
    // Properties{additional_properties(1): NamedSchema{name(1), value(2)}}.
    if let Some(Value::Object(props)) = m.get("properties") {
        let mut item = Vec::new();
        for (name, sub) in props {
            let mut named = Vec::new();
            put_len(&mut named, 1, name.as_bytes());
            put_len(&mut named, 2, &schema_message(sub));
            put_len(&mut item, 1, &named);
        }
        put_len(&mut out, 25, &item);
    }
    text(&mut out, 26, "discriminator");
    flag(&mut out, 27, "readOnly");
    if let Some(e) = m.get("example") {
        put_len(&mut out, 30, &any(e));
    }
    // Vendor extensions: NamedAny{name(1), value(2)}.
    for (name, value) in m.iter().filter(|(k, _)| k.starts_with("x-")) {
        let mut named = Vec::new();
        put_len(&mut named, 1, name.as_bytes());
        put_len(&mut named, 2, &any(value));
        put_len(&mut out, 31, &named);
    }
    out
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML); keeps an empty group
/// a string rather than null.
fn yaml_string(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}
