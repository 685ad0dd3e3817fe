//! Kubernetes protobuf on the wire: decoding request bodies and encoding `/openapi/v2`.
//!
//! kubectl ≥ 1.32, helm 4 and every client-go typed client send built-in objects as
//! `application/vnd.kubernetes.protobuf`: the four bytes `k8s\0` followed by a
//! `runtime.Unknown` envelope whose `raw` field holds the object's message from the
//! upstream `generated.proto` files. [`decode`] turns such a body into the JSON object the
//! API would have received had the client sent JSON, so everything behind it only ever
//! sees JSON.
//!
//! Decoding is driven by data, not by generated types: `protobuf/schema.txt` lists every
//! message's field numbers, wire types and JSON names (see `protobuf/gen_schema.py` for
//! how it is produced from the `k8s-pb` and `k8s-openapi` crates), and one generic walker
//! maps fields to JSON the way Go's `encoding/json` prints the decoded Go struct:
//!
//! * `Time`/`MicroTime` become RFC 3339 strings (seconds / microseconds), a zero time is
//!   left out; `Duration` becomes Go's duration text (`1m30s`); `Quantity` its string;
//!   `IntOrString` a number or a string; `RawExtension`, `FieldsV1` and the
//!   apiextensions `JSON` embed their raw JSON; `bytes` become base64.
//! * Maps are JSON objects; repeated fields arrays; Go embedded structs are flattened.
//! * Go writes every non-pointer field, so an empty string or a zero that reaches us
//!   comes from a value field: strings are dropped when empty (Go's `omitempty`), zero
//!   numbers and `false` are kept (a pointer field set to `0`, such as `replicas: 0`,
//!   means something) except on the value fields listed in the schema module. Fields
//!   without `omitempty` (required in the OpenAPI schema) are always printed.
//!
//! [`openapi_v2_document`] encodes the minimal gnostic `openapi.v2.Document` that
//! kubectl 1.27/1.28 need to find server-side field validation.

mod json;
mod openapi_v2;
mod schema;
mod wire;

#[cfg(test)]
mod tests;

pub use openapi_v2::{
    OPENAPI_V2_CONTENT_TYPE, OpenApiV2Op, openapi_v2_document, openapi_v2_document_with_definitions,
};

/// The Content-Type kubectl ≥1.32 and helm 4 send.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The four bytes in front of every Kubernetes protobuf body.
const MAGIC: &[u8] = b"k8s\0";

/// Why a protobuf body could not be decoded. The API answers all of them with
/// 400 BadRequest.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The body does not start with `k8s\0`.
    #[error("protobuf body does not start with the Kubernetes magic bytes \"k8s\\x00\"")]
    BadMagic,
    /// The body ends in the middle of a field.
    #[error("protobuf body is truncated: {0}")]
    Truncated(String),
    /// The bytes are not a valid protobuf message of the expected type.
    #[error("malformed protobuf body: {0}")]
    Malformed(String),
    /// The envelope lacks `apiVersion` or `kind`.
    #[error("protobuf envelope has no {0}")]
    MissingTypeMeta(&'static str),
    /// No built-in type is known for the envelope's `apiVersion` and `kind`.
    #[error("no protobuf schema for kind {kind:?} in {api_version:?}; send it as application/json")]
    UnknownKind {
        /// The envelope's `apiVersion`.
        api_version: String,
        /// The envelope's `kind`.
        kind: String,
    },
    /// The envelope asks for a content encoding or content type we cannot read.
    #[error("unsupported protobuf envelope: {0}")]
    Unsupported(String),
    /// A value that carries raw JSON (`RawExtension`, `FieldsV1`, `JSON`) holds something else.
    #[error("{field} does not hold valid JSON: {source}")]
    EmbeddedJson {
        /// Where the JSON was: the message type (`runtime.RawExtension`) or `raw`.
        field: String,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// Messages nest deeper than any Kubernetes object does.
    #[error("protobuf messages nest deeper than {0} levels")]
    TooDeep(usize),
}

/// Decodes a `k8s\0` + runtime.Unknown envelope into the object's JSON form (with apiVersion and kind set from the envelope's TypeMeta).
pub fn decode(body: &[u8]) -> Result<serde_json::Value, DecodeError> {
    json::decode_envelope(body, 0)
}
