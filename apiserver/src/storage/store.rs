//! The revisioned store: one global revision counter, the write pipeline and the watch window.
//!
//! It owns the order of writes and their durability. A write runs in three steps:
//! 1. under the `applied` write lock: read the current value, check it, assign `last + 1`, stamp
//!    `metadata.resourceVersion`, put the bytes and the revision into the backend, queue the event;
//! 2. the flusher thread takes everything queued so far and flushes once (group commit);
//! 3. the flusher publishes those events, in revision order, into the window and the live fan-out,
//!    advances `revision()` and wakes the writers it covered.
//!
//! It must not hold a lock across `.await`, must not publish or acknowledge a write before it is
//! durable, and must not interpret objects beyond `metadata.resourceVersion`.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;

use serde_json::{Map, Value};
use tokio::sync::{broadcast, watch};

use super::backend::Backend;
use super::memory::MemoryBackend;
use super::sled::SledBackend;
use super::watch::WatchStream;
use super::{EventType, Result, StoreError, StoreOptions, Versioned, WatchEvent};

/// How many entries recovery reads from the backend at a time.
const RECOVERY_PAGE: usize = 1024;

/// One page of a list: a consistent snapshot of the keys under a prefix, at one revision.
#[derive(Debug, Clone)]
pub struct ListPage {
    /// The objects of this page, sorted by key.
    pub items: Vec<Versioned>,
    /// The revision this page reflects (every write up to it, none after it).
    pub rv: u64,
    /// How many keys under the prefix sort after this page.
    pub remaining: usize,
    /// The key of the last item returned, when more remain (pass it as `start_after`).
    pub last_key: Option<String>,
}

/// The revisioned store: a cheap, cloneable handle shared by the whole API server.
///
/// Dropping the last handle stops the flusher thread (after it flushed what was queued) and
/// closes every watch stream.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// Owns the flusher thread; dropping it shuts the thread down.
struct Inner {
    core: Arc<Core>,
    flusher: Option<JoinHandle<()>>,
}

/// The state shared between writers, readers and the flusher thread.
///
/// Lock order: `applied` → `queue`; `fanout` is taken alone.
struct Core {
    backend: Arc<dyn Backend>,
    opts: StoreOptions,
    /// Held for writing by a write's apply step, for reading by a list (so a page is a snapshot).
    applied: RwLock<Applied>,
    /// Events applied to the backend but not yet flushed, in revision order.
    queue: Mutex<Queue>,
    /// Wakes the flusher when `queue` gains events or shuts down.
    queue_ready: Condvar,
    /// The retained window and the live channel, published together.
    fanout: Mutex<Fanout>,
    /// Every event with a revision above this is retained or still to come.
    floor: Arc<AtomicU64>,
    /// The last revision that is durable and published.
    published: AtomicU64,
    /// What the flusher has made durable (or that it failed); writers wait on it.
    durable: watch::Sender<Durable>,
}

struct Applied {
    /// The last revision assigned (and written to the backend).
    last: u64,
    /// Set once a backend write or flush failed; the store then refuses writes.
    failed: Option<String>,
}

struct Queue {
    events: Vec<Arc<WatchEvent>>,
    shutdown: bool,
}

struct Fanout {
    window: VecDeque<Arc<WatchEvent>>,
    live: broadcast::Sender<Arc<WatchEvent>>,
}

#[derive(Debug, Clone)]
struct Durable {
    rv: u64,
    failed: Option<String>,
}

/// A write, as the apply step sees it.
enum Op {
    Create(Value),
    Update(Option<u64>, Value),
    Delete(Option<u64>),
}

impl Store {
    /// Creates an empty store that keeps everything in memory (`--ephemeral`, tests).
    pub fn memory(opts: StoreOptions) -> Store {
        Store::with_backend(Arc::new(MemoryBackend::new()), opts)
            .expect("invariant: an empty memory backend recovers and the flusher thread starts")
    }

    /// Opens (or creates) a sled store in directory `path` and recovers its revision: the larger
    /// of the persisted revision and every stored object's `metadata.resourceVersion`.
    ///
    /// The watch window starts empty, so watches from before the recovered revision get `Gone`.
    pub fn open_sled(path: &Path, opts: StoreOptions) -> Result<Store> {
        Store::with_backend(Arc::new(SledBackend::open(path)?), opts)
    }

    /// Builds a store on any backend, recovering the revision from it.
    pub(super) fn with_backend(backend: Arc<dyn Backend>, opts: StoreOptions) -> Result<Store> {
        let revision = recover_revision(backend.as_ref())?;
        let (live, _) = broadcast::channel(opts.fanout_capacity.max(1));
        let (durable, _) = watch::channel(Durable {
            rv: revision,
            failed: None,
        });
        let core = Arc::new(Core {
            backend,
            opts,
            applied: RwLock::new(Applied {
                last: revision,
                failed: None,
            }),
            queue: Mutex::new(Queue {
                events: Vec::new(),
                shutdown: false,
            }),
            queue_ready: Condvar::new(),
            fanout: Mutex::new(Fanout {
                window: VecDeque::new(),
                live,
            }),
            floor: Arc::new(AtomicU64::new(revision)),
            published: AtomicU64::new(revision),
            durable,
        });
        let flusher_core = Arc::clone(&core);
        let flusher = std::thread::Builder::new()
            .name("kubesim-store-flusher".to_owned())
            .spawn(move || flusher_core.run_flusher())
            .map_err(|e| StoreError::Backend(format!("failed to start the flusher thread: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                core,
                flusher: Some(flusher),
            }),
        })
    }

    /// Returns the last revision that is durable and published to watchers.
    pub fn revision(&self) -> u64 {
        self.core().published.load(Ordering::SeqCst)
    }

    /// Returns the oldest revision a watch may start after: events with a higher revision are
    /// retained (or still to come), older ones were dropped from the window.
    ///
    /// This is the number upstream puts in parentheses in "too old resource version: X (Y)".
    pub fn oldest_retained(&self) -> u64 {
        self.core().floor.load(Ordering::SeqCst)
    }

    /// Reads the current value of `key`.
    ///
    /// Reads see every applied write, including one whose flush is still in progress (at most
    /// one group commit ahead of [`revision`](Store::revision)).
    pub fn get(&self, key: &str) -> Result<Option<Versioned>> {
        self.core()
            .backend
            .get(key)?
            .map(|bytes| decode(key, &bytes))
            .transpose()
    }

    /// Lists up to `limit` objects whose key starts with `prefix` and sorts after `start_after`,
    /// sorted by key, as one consistent snapshot at `rv`.
    ///
    /// A `limit` of `None` or `Some(0)` means no limit (as upstream's `limit=0`). Takes the apply
    /// lock for reading while it scans, so no write interleaves; like [`get`](Store::get), the
    /// page may reflect writes whose flush is still in progress, and `rv` may then be ahead of
    /// [`revision`](Store::revision) (a watch after `rv` still works).
    pub fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<ListPage> {
        let core = self.core();
        let limit = limit.filter(|&n| n > 0);
        let (entries, remaining, rv) = {
            let applied = core.read_applied();
            let entries = core.backend.scan(prefix, start_after, limit)?;
            let remaining = match (limit, entries.last()) {
                (Some(n), Some((last, _))) if entries.len() == n => {
                    core.backend.count(prefix, Some(last))?
                }
                _ => 0,
            };
            (entries, remaining, applied.last)
        };
        let last_key = match entries.last() {
            Some((key, _)) if remaining > 0 => Some(key.clone()),
            _ => None,
        };
        let items = entries
            .iter()
            .map(|(key, bytes)| decode(key, bytes))
            .collect::<Result<Vec<_>>>()?;
        Ok(ListPage {
            items,
            rv,
            remaining,
            last_key,
        })
    }

    /// Creates `key` with `object` at the next revision and returns it once durable.
    ///
    /// Fails with `AlreadyExists` if the key exists, and with `Backend` if the object is not a
    /// JSON object (with an object or absent `metadata`) or the backend fails. If the future is
    /// dropped after the write was applied, the write still completes.
    pub async fn create(&self, key: &str, object: Value) -> Result<Versioned> {
        self.write(key, Op::Create(object)).await
    }

    /// Replaces `key` with `object` at the next revision and returns it once durable.
    ///
    /// Fails with `NotFound` if the key is absent, and with `Conflict` (carrying the current
    /// state) if `expected_rv` is given and differs from the stored revision.
    pub async fn update(
        &self,
        key: &str,
        expected_rv: Option<u64>,
        object: Value,
    ) -> Result<Versioned> {
        self.write(key, Op::Update(expected_rv, object)).await
    }

    /// Deletes `key` at the next revision and returns its last state stamped with that revision,
    /// once durable; the `Deleted` event carries the same state.
    ///
    /// Fails with `NotFound` if the key is absent, and with `Conflict` if `expected_rv` is given
    /// and differs from the stored revision.
    pub async fn delete(&self, key: &str, expected_rv: Option<u64>) -> Result<Versioned> {
        self.write(key, Op::Delete(expected_rv)).await
    }

    /// Streams the events under `prefix` with a revision above `after_rv`: first those retained
    /// in the window, then live ones, in revision order without gaps or duplicates.
    ///
    /// Fails with `Gone` if events after `after_rv` were already dropped from the window. An
    /// `after_rv` at or beyond [`revision`](Store::revision) is fine (only live events follow).
    pub fn watch(&self, prefix: &str, after_rv: u64) -> Result<WatchStream> {
        let core = self.core();
        let fanout = core.lock_fanout();
        // The flusher publishes to the window and the channel under this lock, so subscribing
        // and copying the window here sees every event exactly once.
        let floor = core.floor.load(Ordering::SeqCst);
        if after_rv < floor {
            return Err(StoreError::Gone {
                requested: after_rv,
                oldest: floor,
            });
        }
        let live = fanout.live.subscribe();
        let start = fanout.window.partition_point(|event| event.rv <= after_rv);
        let replay: Vec<Arc<WatchEvent>> = fanout
            .window
            .range(start..)
            .filter(|event| event.key.starts_with(prefix))
            .cloned()
            .collect();
        drop(fanout);
        Ok(WatchStream::new(
            prefix.to_owned(),
            after_rv,
            replay,
            live,
            Arc::clone(&core.floor),
        ))
    }

    fn core(&self) -> &Core {
        &self.inner.core
    }

    /// Applies a write, then waits until the flusher made it durable and published it.
    async fn write(&self, key: &str, op: Op) -> Result<Versioned> {
        let event = self.core().apply(key, op)?;
        self.wait_durable(event.rv).await?;
        Ok(Versioned {
            rv: event.rv,
            object: Arc::clone(&event.object),
        })
    }

    async fn wait_durable(&self, rv: u64) -> Result<()> {
        let mut durable = self.core().durable.subscribe();
        let state = durable
            .wait_for(|d| d.rv >= rv || d.failed.is_some())
            .await
            .map_err(|_| StoreError::Backend("the store's flusher stopped".to_owned()))?;
        if state.rv >= rv {
            Ok(())
        } else {
            let why = state.failed.clone().unwrap_or_default();
            Err(StoreError::Backend(format!(
                "revision {rv} was not made durable: {why}"
            )))
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("revision", &self.revision())
            .field("oldest_retained", &self.oldest_retained())
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.core.lock_queue().shutdown = true;
        self.core.queue_ready.notify_all();
        if let Some(flusher) = self.flusher.take()
            && flusher.join().is_err()
        {
            tracing::error!("the store's flusher thread panicked");
        }
    }
}

impl Core {
    fn read_applied(&self) -> RwLockReadGuard<'_, Applied> {
        self.applied
            .read()
            .expect("invariant: no panic while holding the store's apply lock")
    }

    fn write_applied(&self) -> RwLockWriteGuard<'_, Applied> {
        self.applied
            .write()
            .expect("invariant: no panic while holding the store's apply lock")
    }

    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .expect("invariant: no panic while holding the store's queue lock")
    }

    fn lock_fanout(&self) -> MutexGuard<'_, Fanout> {
        self.fanout
            .lock()
            .expect("invariant: no panic while holding the store's fan-out lock")
    }

    /// Step 1 of a write: check, assign the revision, write the backend, queue the event.
    fn apply(&self, key: &str, op: Op) -> Result<Arc<WatchEvent>> {
        let mut applied = self.write_applied();
        if let Some(why) = &applied.failed {
            return Err(StoreError::Backend(format!(
                "the store refuses writes after a backend failure: {why}"
            )));
        }
        let current = self
            .backend
            .get(key)?
            .map(|bytes| decode(key, &bytes))
            .transpose()?;
        let rv = applied.last + 1;
        let (kind, object, prev) = match op {
            Op::Create(mut object) => {
                if current.is_some() {
                    return Err(StoreError::AlreadyExists(key.to_owned()));
                }
                stamp(key, &mut object, rv)?;
                (EventType::Added, object, None)
            }
            Op::Update(expected, mut object) => {
                let current = check(key, current, expected)?;
                stamp(key, &mut object, rv)?;
                (EventType::Modified, object, Some(current.object))
            }
            Op::Delete(expected) => {
                let current = check(key, current, expected)?;
                let mut last = Value::clone(&current.object);
                stamp(key, &mut last, rv)?;
                (EventType::Deleted, last, Some(current.object))
            }
        };
        let written = match kind {
            EventType::Deleted => self.backend.remove(key),
            EventType::Added | EventType::Modified => serde_json::to_vec(&object)
                .map_err(|e| StoreError::Backend(format!("failed to encode {key}: {e}")))
                .and_then(|bytes| self.backend.put(key, &bytes)),
        }
        .and_then(|()| self.backend.put_meta_revision(rv));
        if let Err(e) = written {
            // The backend may now hold part of this write under a revision we did not assign;
            // continuing could reuse that revision, so the store refuses further writes.
            applied.failed = Some(e.to_string());
            return Err(e);
        }
        applied.last = rv;
        let event = Arc::new(WatchEvent {
            kind,
            key: key.to_owned(),
            rv,
            object: Arc::new(object),
            prev,
        });
        self.lock_queue().events.push(Arc::clone(&event));
        drop(applied);
        self.queue_ready.notify_one();
        Ok(event)
    }

    /// Steps 2 and 3 of every write, on the dedicated flusher thread: flush once for everything
    /// queued so far, then publish it and wake its writers.
    fn run_flusher(&self) {
        loop {
            let batch = {
                let mut queue = self.lock_queue();
                while queue.events.is_empty() && !queue.shutdown {
                    queue = self
                        .queue_ready
                        .wait(queue)
                        .expect("invariant: no panic while holding the store's queue lock");
                }
                if queue.events.is_empty() {
                    return;
                }
                std::mem::take(&mut queue.events)
            };
            if let Err(e) = self.backend.flush() {
                self.fail(&e);
                return;
            }
            self.publish(batch);
        }
    }

    /// Publishes durable events, in revision order, to the window and the live channel, then
    /// advances the published revision and wakes the writers.
    fn publish(&self, batch: Vec<Arc<WatchEvent>>) {
        let Some(last) = batch.last().map(|event| event.rv) else {
            return;
        };
        {
            let mut fanout = self.lock_fanout();
            for event in batch {
                fanout.window.push_back(Arc::clone(&event));
                // An error only means nobody is subscribed right now.
                let _ = fanout.live.send(event);
                while fanout.window.len() > self.opts.window {
                    if let Some(dropped) = fanout.window.pop_front() {
                        self.floor.store(dropped.rv, Ordering::SeqCst);
                    }
                }
            }
        }
        self.published.store(last, Ordering::SeqCst);
        self.durable.send_modify(|durable| durable.rv = last);
    }

    /// Marks the store failed after a flush error and fails every writer still waiting.
    fn fail(&self, error: &StoreError) {
        let why = error.to_string();
        self.write_applied().failed = Some(why.clone());
        self.durable
            .send_modify(|durable| durable.failed = Some(why));
    }
}

/// Returns the larger of the persisted revision and every stored object's revision.
fn recover_revision(backend: &dyn Backend) -> Result<u64> {
    let mut revision = backend.get_meta_revision()?;
    let mut after: Option<String> = None;
    loop {
        let page = backend.scan("", after.as_deref(), Some(RECOVERY_PAGE))?;
        for (key, bytes) in &page {
            revision = revision.max(probe_rv(key, bytes)?);
        }
        match page.last() {
            Some((key, _)) if page.len() == RECOVERY_PAGE => after = Some(key.clone()),
            _ => return Ok(revision),
        }
    }
}

/// Reads only `metadata.resourceVersion` of stored bytes (recovery does not need the rest).
fn probe_rv(key: &str, bytes: &[u8]) -> Result<u64> {
    #[derive(serde::Deserialize)]
    struct Probe {
        metadata: ProbeMeta,
    }
    #[derive(serde::Deserialize)]
    struct ProbeMeta {
        #[serde(rename = "resourceVersion")]
        resource_version: String,
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| corrupt(key, &e))?;
    probe
        .metadata
        .resource_version
        .parse()
        .map_err(|e| corrupt(key, &e))
}

/// Parses stored bytes into a versioned object.
fn decode(key: &str, bytes: &[u8]) -> Result<Versioned> {
    let object: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(key, &e))?;
    let rv = object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|rv| rv.parse().ok())
        .ok_or_else(|| corrupt(key, &"no numeric metadata.resourceVersion"))?;
    Ok(Versioned {
        rv,
        object: Arc::new(object),
    })
}

fn corrupt(key: &str, why: &dyn std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored object {key} is corrupt: {why}"))
}

/// Checks that `key` exists and, when `expected` is given, that it is at that revision.
fn check(key: &str, current: Option<Versioned>, expected: Option<u64>) -> Result<Versioned> {
    let current = current.ok_or_else(|| StoreError::NotFound(key.to_owned()))?;
    match expected {
        Some(expected) if expected != current.rv => Err(StoreError::Conflict {
            key: key.to_owned(),
            current,
        }),
        _ => Ok(current),
    }
}

/// Writes `rv` as a decimal string into `metadata.resourceVersion`, creating `metadata` if absent.
fn stamp(key: &str, object: &mut Value, rv: u64) -> Result<()> {
    let not_an_object = || {
        StoreError::Backend(format!(
            "refusing to store {key}: not a JSON object with object metadata"
        ))
    };
    let metadata = object
        .as_object_mut()
        .ok_or_else(not_an_object)?
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(not_an_object)?;
    metadata.insert("resourceVersion".to_owned(), Value::String(rv.to_string()));
    Ok(())
}
