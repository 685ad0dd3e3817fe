//! The key-value interface the store runs on: sorted keys, one current value per key, a persisted
//! revision and an explicit flush. It owns nothing but that contract; it must not know about
//! revisions of objects, watches or JSON.

use std::ops::Bound;

use super::Result;

/// A sorted key-value map with a persisted revision and an explicit flush; the store's only view
/// of its data.
///
/// Writes (`put`, `remove`, `put_meta_revision`) become visible to reads immediately and durable
/// only after the next successful [`flush`](Backend::flush). Only the current value of each key is
/// kept, so the size of a backend is bounded by its live data. The store serialises all writes
/// under its own lock; implementations only need to be safe for concurrent reads and writes.
pub trait Backend: Send + Sync + 'static {
    /// Returns the value stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key`, replacing any previous value (no history is kept).
    fn put(&self, key: &str, value: &[u8]) -> Result<()>;

    /// Removes `key`; removing a missing key is not an error.
    fn remove(&self, key: &str) -> Result<()>;

    /// Returns, in key order, up to `limit` entries (all when `None`) whose key starts with
    /// `prefix` and sorts strictly after `start_after` (when given).
    fn scan(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<(String, Vec<u8>)>>;

    /// Counts the keys that start with `prefix` and sort strictly after `start_after` (when given).
    fn count(&self, prefix: &str, start_after: Option<&str>) -> Result<usize>;

    /// Reads the persisted revision (0 when none was ever written).
    fn get_meta_revision(&self) -> Result<u64>;

    /// Persists `rv` as the revision (durable after the next flush).
    fn put_meta_revision(&self, rv: u64) -> Result<()>;

    /// Blocks until every earlier write is durable (fsync); a no-op for in-memory backends.
    fn flush(&self) -> Result<()>;
}

/// The lower bound of a scan: strictly after `start_after` when it sorts at or after `prefix`,
/// otherwise the prefix itself.
pub(super) fn lower_bound<'a>(prefix: &'a str, start_after: Option<&'a str>) -> Bound<&'a str> {
    match start_after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    }
}
