//! The gnostic protobuf `openapi.v2.Document` served at `/openapi/v2`.
//!
//! kubectl 1.27 and 1.28 read only `/openapi/v2`, and only as protobuf, to learn whether
//! the server validates fields itself: for the object's group, version and kind they look
//! for a PATCH operation tagged `x-kubernetes-group-version-kind` that takes a
//! `fieldValidation` query parameter. This document carries exactly that, one operation
//! per kind. It has no `definitions` on purpose: when kubectl finds no schema for a kind
//! it computes strategic merge patches from its compiled-in types, which is right; a
//! schema without properties would make it replace lists instead of merging them.
//!
//! Field numbers are those of gnostic's `openapiv2/OpenAPIv2.proto`.

use super::wire::put_len;

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
    document
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML); keeps an empty group
/// a string rather than null.
fn yaml_string(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}
