//! TEMPORARY STUB: protobuf bodies.
#![allow(missing_docs, unused_variables)]
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";
#[derive(Debug, thiserror::Error)]
pub enum DecodeError { #[error("protobuf is not supported yet")] Unsupported }
pub fn decode(body: &[u8]) -> Result<serde_json::Value, DecodeError> { Err(DecodeError::Unsupported) }
pub struct OpenApiV2Op { pub path: String, pub group: String, pub version: String, pub kind: String }
pub fn openapi_v2_document(ops: &[OpenApiV2Op], version: &str) -> Vec<u8> { vec![] }
pub const OPENAPI_V2_CONTENT_TYPE: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
