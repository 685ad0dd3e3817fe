//! The OpenAPI endpoints: `/openapi/v3` (index), `/openapi/v3/{api/v1 | apis/g/v}` and the
//! protobuf `/openapi/v2`. The documents themselves come from `crate::openapi`.

use axum::body::Body;
use axum::response::Response;
use http::{StatusCode, header};
use kubesim_api::{ApiError, ResourceTable};

use super::encode::json_response;
use crate::openapi::{Catalog, Served};

/// `/openapi/v3`.
pub fn v3_index(catalog: &Catalog, table: &ResourceTable) -> Response {
    json_response(StatusCode::OK, &catalog.v3_index(table))
}

/// `/openapi/v3/{api/v1 | apis/g/v}`, 404 if nothing is served there.
pub fn v3_document(
    catalog: &Catalog,
    table: &ResourceTable,
    group: &str,
    version: &str,
) -> Result<Response, ApiError> {
    let doc = catalog
        .v3_document(table, group, version)
        .ok_or(ApiError::NoRoute)?;
    Ok(served(doc, "application/json"))
}

/// `/openapi/v2` as gnostic protobuf.
pub fn v2_protobuf(catalog: &Catalog, table: &ResourceTable) -> Response {
    served(
        catalog.v2_document(table),
        crate::protobuf::OPENAPI_V2_CONTENT_TYPE,
    )
}

fn served(doc: Served, content_type: &'static str) -> Response {
    let mut r = Response::new(Body::from(doc.body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    if let Ok(etag) = http::HeaderValue::from_str(&format!("\"{}\"", doc.hash)) {
        r.headers_mut().insert(header::ETAG, etag);
    }
    r
}
