//! The simulated network and its real edges (filled by a later issue).
//!
//! This crate is an API client only: it must never depend on `kubesim-apiserver`.
