//! Request bodies in and responses out: content types, size limits, Status errors, Tables.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use kubesim_api::{ApiError, ResourceDef};
use serde_json::{Value, json};

use crate::printers;

/// The largest request body accepted (upstream's 3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// A JSON response with the given status.
pub fn json_response(code: StatusCode, body: &Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = code;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    r
}

/// The one place an `ApiError` becomes an HTTP response.
pub struct ErrorResponse(pub ApiError);

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.0.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        json_response(code, &self.0.to_status())
    }
}

impl From<ApiError> for ErrorResponse {
    fn from(e: ApiError) -> Self {
        ErrorResponse(e)
    }
}

/// Decodes a create/update body by its Content-Type: JSON (also when absent), YAML or protobuf.
pub fn decode_body(content_type: Option<&str>, body: &Bytes) -> Result<Value, ApiError> {
    let ct = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "" | "application/json" | "*/*" => decode_json(body),
        "application/yaml" | "application/x-yaml" | "text/yaml" => decode_yaml(body),
        crate::protobuf::CONTENT_TYPE => crate::protobuf::decode(body)
            .map_err(|e| ApiError::BadRequest(format!("unable to decode protobuf body: {e}"))),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {other:?})"
        ))),
    }
}

/// Decodes JSON with upstream's error wording.
pub fn decode_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "the body of the request is empty".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!("couldn't get version/kind; json parse error: {e}"))
    })
}

fn decode_yaml(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("the YAML body is not UTF-8".into()))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::BadRequest(format!("error converting YAML to JSON: {e}")))
}

/// How the client wants objects rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// Plain JSON objects and lists.
    Json,
    /// `meta.k8s.io` Tables of the given version (`v1` or `v1beta1`).
    Table(&'static str),
}

/// Picks the representation from an Accept header: the first acceptable entry wins.
pub fn negotiate(accept: Option<&str>) -> Result<Render, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(Render::Json);
    };
    for part in accept.split(',') {
        let params: Vec<&str> = part.split(';').map(str::trim).collect();
        let media = params.first().copied().unwrap_or("");
        let has = |p: &str| params.contains(&p);
        match media {
            "application/json" if has("as=Table") && has("g=meta.k8s.io") => {
                if has("v=v1") {
                    return Ok(Render::Table("v1"));
                }
                if has("v=v1beta1") {
                    return Ok(Render::Table("v1beta1"));
                }
            }
            "application/json" if params.iter().any(|p| p.starts_with("as=")) => {}
            "application/json" | "*/*" | "application/*" => return Ok(Render::Json),
            _ => {}
        }
    }
    Err(ApiError::NotAcceptable(format!(
        "only the following media types are accepted: application/json (asked for {accept:?})"
    )))
}

/// `includeObject` of a Table request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    /// No object.
    None,
    /// PartialObjectMetadata (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses the parameter (default Metadata).
    pub fn parse(v: Option<&str>) -> IncludeObject {
        match v {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// Renders objects as a Table (with a custom resource's printer columns when `custom` is set).
pub fn table(
    def: &ResourceDef,
    custom: Option<&crate::crd::printer::Printer>,
    version: &str,
    objects: &[Value],
    include: IncludeObject,
    with_columns: bool,
    list_meta: Value,
) -> Value {
    let now = jiff::Timestamp::now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells = match custom {
                Some(p) => p.cells(o, now),
                None => printers::cells(def, o, now),
            };
            let mut row = json!({"cells": cells});
            match include {
                IncludeObject::None => {}
                IncludeObject::Object => row["object"] = o.clone(),
                IncludeObject::Metadata => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": format!("meta.k8s.io/{version}"),
                        "metadata": o.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    })
                }
            }
            row
        })
        .collect();
    let mut t = json!({"kind": "Table", "apiVersion": format!("meta.k8s.io/{version}"), "metadata": list_meta, "rows": rows});
    if let (true, Some(p)) = (with_columns, custom) {
        t["columnDefinitions"] = Value::Array(p.column_definitions());
    } else if with_columns {
        t["columnDefinitions"] = Value::Array(
            printers::columns(def)
                .into_iter()
                .map(|c| json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority}))
                .collect(),
        );
    } else {
        t["columnDefinitions"] = json!(null);
    }
    t
}
