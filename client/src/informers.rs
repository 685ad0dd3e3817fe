//! One watch and one cache per kind, shared by every controller of the process.
//!
//! [`Informers::get`] starts the watch of a kind the first time anyone asks for it; later calls
//! return handles to the same cache. An [`Informer`] gives a read-only [`Store`] and change
//! streams ([`Informer::subscribe`]) that yield every object that was added, changed or
//! deleted — deletions included, which kube-runtime's own shared reflector does not pass on,
//! and which owners (a ReplicaSet losing a Pod, a Service losing an endpoint) must see.
//!
//! A subscriber that falls behind is not allowed to slow the watch: it skips what it missed and
//! receives every cached object again instead, which is all a level-triggered controller needs.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt};
use kube::api::Api;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_util::sync::CancellationToken;

/// How many changes a subscriber may lag behind before it is resynced from the cache.
pub const CHANGE_BUFFER: usize = 8192;

/// A kind that can be watched and cached.
pub trait Kind:
    Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static
{
}

impl<K> Kind for K where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static
{
}

/// The shared cache of one kind and its change feed. Cheap to clone.
pub struct Informer<K: Kind> {
    store: Store<K>,
    changes: broadcast::Sender<Arc<K>>,
}

impl<K: Kind> Clone for Informer<K> {
    fn clone(&self) -> Self {
        Informer {
            store: self.store.clone(),
            changes: self.changes.clone(),
        }
    }
}

impl<K: Kind> Informer<K> {
    /// The read-only cache.
    pub fn store(&self) -> Store<K> {
        self.store.clone()
    }

    /// The cached object `name` in `namespace` (`None` for cluster-scoped kinds).
    pub fn get(&self, namespace: Option<&str>, name: &str) -> Option<Arc<K>> {
        let mut key = ObjectRef::new(name);
        if let Some(ns) = namespace {
            key = key.within(ns);
        }
        self.store.get(&key)
    }

    /// Every cached object.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.store.state()
    }

    /// Waits until the first list has filled the cache.
    pub async fn synced(&self) {
        // The writer lives as long as the process's informers; an error means shutdown.
        let _ = self.store.wait_until_ready().await;
    }

    /// A stream of changed objects: first every cached object, then each object as it is
    /// added, modified or deleted (a deleted object is yielded as last seen). After a lag, or
    /// after the watch relisted, every cached object is yielded again.
    pub fn subscribe(&self) -> impl Stream<Item = Arc<K>> + Send + 'static + use<K> {
        // Subscribe before reading the cache so nothing falls between the two.
        let rx = BroadcastStream::new(self.changes.subscribe());
        let store = self.store.clone();
        let initial = futures::stream::iter(store.state());
        let live = rx.flat_map(move |change| match change {
            Ok(obj) => futures::stream::iter(vec![obj]),
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                tracing::debug!(kind = %K::kind(&()), missed = n, "Subscriber lagged; resyncing from the cache.");
                futures::stream::iter(store.state())
            }
        });
        initial.chain(live)
    }
}

/// Every informer of the process, by kind.
#[derive(Clone)]
pub struct Informers {
    client: kube::Client,
    shutdown: CancellationToken,
    kinds: Arc<Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>>,
}

impl Informers {
    /// Informers reading through `client`; their watches stop when `shutdown` fires.
    pub fn new(client: kube::Client, shutdown: CancellationToken) -> Informers {
        Informers {
            client,
            shutdown,
            kinds: Arc::default(),
        }
    }

    /// The informer of kind `K`, started on first use (a watch of every namespace).
    pub fn get<K: Kind>(&self) -> Informer<K> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(existing) = kinds.get(&TypeId::of::<K>()) {
            return existing
                .downcast_ref::<Informer<K>>()
                .expect("informers are stored under their own type")
                .clone();
        }
        let informer = self.start::<K>();
        kinds.insert(TypeId::of::<K>(), Box::new(informer.clone()));
        informer
    }

    fn start<K: Kind>(&self) -> Informer<K> {
        let (store, mut writer) = reflector::store::<K>();
        let (changes, _) = broadcast::channel(CHANGE_BUFFER);
        let informer = Informer {
            store,
            changes: changes.clone(),
        };
        let api: Api<K> = Api::all(self.client.clone());
        let shutdown = self.shutdown.clone();
        let reader = informer.store.clone();
        tokio::spawn(async move {
            let mut events = watcher(api, watcher::Config::default())
                .default_backoff()
                .boxed();
            // Objects seen before a relist, to announce the ones the relist no longer has.
            let mut before_relist: Option<Vec<Arc<K>>> = None;
            loop {
                let event = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    e = events.next() => e,
                };
                let event = match event {
                    Some(Ok(e)) => e,
                    Some(Err(e)) => {
                        tracing::debug!(kind = %K::kind(&()), error = %e, "Watch error; the watcher retries.");
                        continue;
                    }
                    None => return,
                };
                writer.apply_watcher_event(&event);
                // Send errors only mean nobody subscribed yet; the cache has the change.
                match event {
                    watcher::Event::Apply(obj) | watcher::Event::Delete(obj) => {
                        let _ = changes.send(Arc::new(obj));
                    }
                    watcher::Event::Init => before_relist = Some(reader.state()),
                    watcher::Event::InitApply(_) => {}
                    watcher::Event::InitDone => {
                        let now = reader.state();
                        if let Some(before) = before_relist.take() {
                            let kept: std::collections::HashSet<(Option<String>, String)> =
                                now.iter().map(|o| (o.namespace(), o.name_any())).collect();
                            for gone in before
                                .into_iter()
                                .filter(|o| !kept.contains(&(o.namespace(), o.name_any())))
                            {
                                let _ = changes.send(gone);
                            }
                        }
                        for obj in now {
                            let _ = changes.send(obj);
                        }
                    }
                }
            }
        });
        informer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn informers_are_keyed_by_type() {
        // `get` needs a runtime to spawn the watch; the client never connects in this test.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let svc = tower::service_fn(|_req: http::Request<kube::client::Body>| async {
                Err::<http::Response<kube::client::Body>, _>(std::io::Error::other("offline"))
            });
            let client = kube::Client::new(svc, "default");
            let informers = Informers::new(client, CancellationToken::new());
            let a = informers.get::<k8s_openapi::api::core::v1::Pod>();
            let b = informers.get::<k8s_openapi::api::core::v1::Pod>();
            let _c = informers.get::<k8s_openapi::api::core::v1::Node>();
            assert_eq!(informers.kinds.lock().unwrap().len(), 2);
            assert!(a.changes.same_channel(&b.changes));
        });
    }
}
