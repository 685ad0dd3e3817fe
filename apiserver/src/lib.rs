//! kubesim's API server: it owns the semantics of the Kubernetes API and nothing else.
//!
//! `storage` is the revisioned log, `registry` applies each resource's strategy (defaults,
//! validation, subresources) on top of it, and `http` is the axum router that decodes and
//! encodes. Components never link against this crate; they reach it through the router.

pub mod auth;
pub mod bootstrap;
pub mod conversion;
pub mod defaults;
pub mod fieldvalidation;
pub mod http;
pub mod openapi;
pub mod printers;
pub mod protobuf;
pub mod registry;
pub mod schema;
pub mod selector;
pub mod ssa;
pub mod storage;
pub mod validation;
