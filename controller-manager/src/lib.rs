//! Controllers that reconcile workloads, services and nodes (filled by later issues).
//!
//! This crate is an API client only: it must never depend on `kubesim-apiserver`.
