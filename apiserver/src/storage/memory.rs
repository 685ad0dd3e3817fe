//! The in-memory backend (`--ephemeral` and tests): a `BTreeMap` behind a lock. It owns only that
//! map and the revision; it must not do anything on flush, since nothing is durable.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::Result;
use super::backend::{Backend, lower_bound};

/// A [`Backend`] that keeps everything in a `BTreeMap`; `flush` is a no-op.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    state: RwLock<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    objects: BTreeMap<String, Vec<u8>>,
    revision: u64,
}

impl MemoryBackend {
    /// Creates an empty in-memory backend.
    pub fn new() -> MemoryBackend {
        MemoryBackend::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, MemoryState> {
        self.state
            .read()
            .expect("invariant: no panic while holding the memory backend lock")
    }

    fn write(&self) -> RwLockWriteGuard<'_, MemoryState> {
        self.state
            .write()
            .expect("invariant: no panic while holding the memory backend lock")
    }
}

impl Backend for MemoryBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read().objects.get(key).cloned())
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.write().objects.insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<()> {
        self.write().objects.remove(key);
        Ok(())
    }

    fn scan(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let state = self.read();
        let range = state
            .objects
            .range::<str, _>((lower_bound(prefix, start_after), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .take(limit.unwrap_or(usize::MAX))
            .map(|(key, value)| (key.clone(), value.clone()));
        Ok(range.collect())
    }

    fn count(&self, prefix: &str, start_after: Option<&str>) -> Result<usize> {
        let state = self.read();
        let count = state
            .objects
            .range::<str, _>((lower_bound(prefix, start_after), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .count();
        Ok(count)
    }

    fn get_meta_revision(&self) -> Result<u64> {
        Ok(self.read().revision)
    }

    fn put_meta_revision(&self, rv: u64) -> Result<()> {
        self.write().revision = rv;
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }
}
