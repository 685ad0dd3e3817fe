//! The store: a revisioned log of objects over a key-value backend (sled or memory), with our own
//! watch fan-out, a bounded window of recent events, and group-committed durability.
//!
//! Keys are opaque strings built by the registry (`{storage prefix}/{namespace}/{name}` or
//! `{storage prefix}/{name}`). Values are JSON objects; the store writes the revision into
//! `metadata.resourceVersion` and nothing else. It knows nothing about kinds or semantics.
//!
//! Interface contract (the registry codes against exactly this):
//! - every successful write gets the next global revision, in order; the write's future resolves
//!   only after the write is durable (one flush shared by concurrent writers);
//! - watch events are published in revision order, only after they are durable;
//! - `watch(prefix, after)` replays retained events with revision > `after`, then streams live
//!   ones; it fails with `Gone` when `after` is older than the retained window; a subscriber that
//!   lags behind the live stream gets one `Err(Gone)` item and the stream ends.
//!
//! It must not keep history on disk (only the current value of each key is stored, so the
//! database stays bounded under churn), must not use sled transactions or `watch_prefix`, and
//! must not interpret objects beyond `metadata.resourceVersion`.
//!
//! Layout: [`Backend`] is the plain key-value interface ([`MemoryBackend`], [`SledBackend`]);
//! [`Store`] owns the revision counter, the write pipeline (apply under one lock, group-commit
//! flush on a dedicated thread, then publish) and the watch window; [`WatchStream`] is one
//! subscriber.

mod backend;
mod memory;
mod sled;
mod store;
mod watch;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use self::backend::Backend;
pub use self::memory::MemoryBackend;
pub use self::sled::SledBackend;
pub use self::store::{ListPage, Store};
pub use self::watch::WatchStream;

use serde_json::Value;

/// What kind of change a watch event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// The key was created.
    Added,
    /// The key was updated.
    Modified,
    /// The key was deleted; the event carries the last state with the deletion's revision.
    Deleted,
}

/// One change in the log.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    /// Added, Modified or Deleted.
    pub kind: EventType,
    /// The key that changed.
    pub key: String,
    /// The revision of this change.
    pub rv: u64,
    /// The object after the change (for Deleted: its last state, with `resourceVersion` = `rv`).
    pub object: Arc<Value>,
    /// The object before the change (None for Added).
    pub prev: Option<Arc<Value>>,
}

/// An object as stored, with its revision.
#[derive(Debug, Clone)]
pub struct Versioned {
    /// The revision of the write that produced this state.
    pub rv: u64,
    /// The object (its `metadata.resourceVersion` equals `rv`).
    pub object: Arc<Value>,
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Create of an existing key.
    #[error("key {0} already exists")]
    AlreadyExists(String),
    /// Update or delete of a missing key.
    #[error("key {0} not found")]
    NotFound(String),
    /// The expected revision did not match; carries the current state.
    #[error("key {key} was modified (current revision {})", current.rv)]
    Conflict {
        /// The key.
        key: String,
        /// What is stored now.
        current: Versioned,
    },
    /// The requested revision is older than the retained window (or the watcher lagged).
    #[error("too old resource version: {requested} ({oldest})")]
    Gone {
        /// The revision asked for.
        requested: u64,
        /// The oldest revision still available.
        oldest: u64,
    },
    /// The backend failed (I/O, corruption); the write was not acknowledged.
    #[error("storage backend failed: {0}")]
    Backend(String),
}

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Options of a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How many recent events the watch window keeps.
    pub window: usize,
    /// Capacity of the live fan-out channel before a subscriber counts as lagging.
    pub fanout_capacity: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            window: 100_000,
            fanout_capacity: 16_384,
        }
    }
}
