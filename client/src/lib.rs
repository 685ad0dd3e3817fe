//! The client side that every in-process component shares.
//!
//! - [`informers`]: one watch and one cache per kind for the whole process (DESIGN.md §4), with
//!   change streams that a `kube::runtime::Controller` takes as triggers.
//! - [`events`]: core/v1 Events recorded like client-go's recorder (repeats folded into one
//!   Event whose `count` grows), written by one task that never blocks the caller.
//!
//! This crate is an API client only: it never depends on `kubesim-apiserver`.

pub mod events;
pub mod informers;

pub use events::{EventRecord, EventRecorder, Events};
pub use informers::{Informer, Informers};
