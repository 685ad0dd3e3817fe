//! The on-disk backend: one sled database, objects in the `objects` tree and the persisted
//! revision under one key of the default tree. It owns the sled handle; it must not use sled
//! transactions or `watch_prefix` (the store does its own ordering and fan-out, see DESIGN.md §2)
//! and must not keep old values: sled overwrites in place, so the file stays bounded under churn.

use std::ops::Bound;
use std::path::Path;

use super::backend::{Backend, lower_bound};
use super::{Result, StoreError};

/// The sled page cache size: enough for a large cluster's hot objects, small enough for a laptop.
const CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// The key (in the default tree) under which the revision is persisted.
const REVISION_KEY: &[u8] = b"revision";

/// A [`Backend`] on one sled database; `flush` fsyncs it.
#[derive(Debug, Clone)]
pub struct SledBackend {
    db: ::sled::Db,
    objects: ::sled::Tree,
}

impl SledBackend {
    /// Opens (or creates) the database in directory `path`; fails if another handle holds it.
    ///
    /// Blocks for up to about a second while the directory is locked, because sled releases its
    /// file lock lazily after the previous handle in this process was dropped (sled#1234,
    /// sled#1289); a lock still held after that is reported as a `Backend` error.
    pub fn open(path: &Path) -> Result<SledBackend> {
        let config = ::sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_CAPACITY)
            // The store flushes after every group of writes; sled's own periodic flush would only
            // add background I/O.
            .flush_every_ms(None);
        let mut backoff = LOCK_BACKOFF_MS.iter();
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(e) if is_lock_contention(&e) => match backoff.next() {
                    Some(ms) => std::thread::sleep(std::time::Duration::from_millis(*ms)),
                    None => return Err(backend_error("open", &path.display(), e)),
                },
                Err(e) => return Err(backend_error("open", &path.display(), e)),
            }
        };
        let objects = db
            .open_tree("objects")
            .map_err(|e| backend_error("open", &"tree objects", e))?;
        Ok(SledBackend { db, objects })
    }
}

/// How long `open` waits between attempts while sled's lock is held (about 1 s in total).
const LOCK_BACKOFF_MS: [u64; 8] = [10, 20, 40, 80, 160, 250, 250, 250];

/// Whether sled failed to open because another handle still holds its file lock. sled reports
/// this as an `Other` I/O error, so only its message identifies it.
fn is_lock_contention(e: &::sled::Error) -> bool {
    matches!(e, ::sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

fn backend_error(what: &str, target: &dyn std::fmt::Display, e: ::sled::Error) -> StoreError {
    StoreError::Backend(format!("sled {what} {target} failed: {e}"))
}

fn decode_key(raw: &[u8]) -> Result<String> {
    String::from_utf8(raw.to_vec())
        .map_err(|_| StoreError::Backend("sled holds a key that is not UTF-8".to_owned()))
}

impl SledBackend {
    fn range(
        &self,
        prefix: &str,
        start_after: Option<&str>,
    ) -> impl Iterator<Item = Result<(::sled::IVec, ::sled::IVec)>> {
        let lower = match lower_bound(prefix, start_after) {
            Bound::Excluded(k) => Bound::Excluded(k.as_bytes().to_vec()),
            Bound::Included(k) => Bound::Included(k.as_bytes().to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let prefix = prefix.as_bytes().to_vec();
        self.objects
            .range::<Vec<u8>, _>((lower, Bound::Unbounded))
            .map(|entry| entry.map_err(|e| backend_error("scan", &"objects", e)))
            .take_while(move |entry| match entry {
                Ok((key, _)) => key.starts_with(&prefix),
                Err(_) => true,
            })
    }
}

impl Backend for SledBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let value = self
            .objects
            .get(key)
            .map_err(|e| backend_error("get", &key, e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.objects
            .insert(key, value)
            .map_err(|e| backend_error("insert", &key, e))?;
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<()> {
        self.objects
            .remove(key)
            .map_err(|e| backend_error("remove", &key, e))?;
        Ok(())
    }

    fn scan(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        self.range(prefix, start_after)
            .take(limit.unwrap_or(usize::MAX))
            .map(|entry| {
                let (key, value) = entry?;
                Ok((decode_key(&key)?, value.to_vec()))
            })
            .collect()
    }

    fn count(&self, prefix: &str, start_after: Option<&str>) -> Result<usize> {
        let mut count = 0;
        for entry in self.range(prefix, start_after) {
            entry?;
            count += 1;
        }
        Ok(count)
    }

    fn get_meta_revision(&self) -> Result<u64> {
        let raw = self
            .db
            .get(REVISION_KEY)
            .map_err(|e| backend_error("get", &"revision", e))?;
        match raw {
            None => Ok(0),
            Some(raw) => {
                let bytes: [u8; 8] = raw.as_ref().try_into().map_err(|_| {
                    StoreError::Backend("sled holds a malformed revision".to_owned())
                })?;
                Ok(u64::from_be_bytes(bytes))
            }
        }
    }

    fn put_meta_revision(&self, rv: u64) -> Result<()> {
        self.db
            .insert(REVISION_KEY, &rv.to_be_bytes()[..])
            .map_err(|e| backend_error("insert", &"revision", e))?;
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        // Flushing the database flushes every tree: objects and the revision are made durable
        // together.
        self.db
            .flush()
            .map_err(|e| backend_error("flush", &"database", e))?;
        Ok(())
    }
}
