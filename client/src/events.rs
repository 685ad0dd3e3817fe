//! Recording core/v1 Events through the API, with repeats folded into one Event whose `count`
//! and `lastTimestamp` grow, as client-go's event recorder (`EventCorrelator`) does.
//!
//! Callers hand events to a bounded channel and never wait: when the channel is full the event
//! is dropped, like client-go's broadcaster (`maxQueuedEvents`). One task writes them in order,
//! so a repeat always finds the Event its first occurrence created. Each recorder names its
//! component (`deployment-controller`), which becomes the Event's `source.component` — what
//! `kubectl describe` prints under "From".

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Writing an Event failed.
#[derive(Debug, thiserror::Error)]
#[error("failed to record event {reason} for {object}")]
pub struct Error {
    reason: String,
    object: String,
    #[source]
    source: kube::Error,
}

/// How many events may wait for the writer before new ones are dropped.
pub const QUEUE_LENGTH: usize = 1000;
/// How many distinct events are remembered for folding repeats (client-go's LRU size).
pub const CACHE_SIZE: usize = 4096;

/// One event to record.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The object the event is about.
    pub regarding: ObjectReference,
    /// A second object involved (the preemptor of a victim).
    pub related: Option<ObjectReference>,
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    /// `Scheduled`, `FailedScheduling`, `Preempted`.
    pub reason: &'static str,
    /// `Scheduling`, `Binding`, `Preempting`, `Create`.
    pub action: &'static str,
    /// The human-readable message.
    pub message: String,
}

/// A reference to `obj` for `involvedObject`.
pub fn reference<K: kube::Resource<DynamicType = ()>>(obj: &K) -> ObjectReference {
    let meta = obj.meta();
    ObjectReference {
        api_version: Some(K::api_version(&()).into_owned()),
        kind: Some(K::kind(&()).into_owned()),
        namespace: meta.namespace.clone(),
        name: meta.name.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        ..Default::default()
    }
}

/// The event writer of a part of the process: one task, fed by any number of recorders.
#[derive(Debug, Clone)]
pub struct Events {
    tx: mpsc::Sender<(&'static str, EventRecord)>,
}

impl Events {
    /// Starts the writer task, which writes through `client` until `shutdown` fires.
    pub fn start(client: kube::Client, shutdown: CancellationToken) -> Events {
        let (tx, rx) = mpsc::channel(QUEUE_LENGTH);
        tokio::spawn(run_writer(client, rx, shutdown));
        Events { tx }
    }

    /// A recorder whose events name `component` as their source.
    pub fn recorder(&self, component: &'static str) -> EventRecorder {
        EventRecorder {
            component,
            tx: self.tx.clone(),
        }
    }
}

/// A cheap handle that queues events of one component for the writer task.
#[derive(Debug, Clone)]
pub struct EventRecorder {
    component: &'static str,
    tx: mpsc::Sender<(&'static str, EventRecord)>,
}

impl EventRecorder {
    /// Queues an event without waiting; drops it when the writer is behind.
    pub fn record(&self, event: EventRecord) {
        if let Err(e) = self.tx.try_send((self.component, event)) {
            tracing::debug!(error = %e, "Event dropped.");
        }
    }

    /// Queues a `Normal` event about `obj`.
    pub fn normal<K: kube::Resource<DynamicType = ()>>(
        &self,
        obj: &K,
        reason: &'static str,
        action: &'static str,
        message: String,
    ) {
        self.about(obj, "Normal", reason, action, message);
    }

    /// Queues a `Warning` event about `obj`.
    pub fn warning<K: kube::Resource<DynamicType = ()>>(
        &self,
        obj: &K,
        reason: &'static str,
        action: &'static str,
        message: String,
    ) {
        self.about(obj, "Warning", reason, action, message);
    }

    fn about<K: kube::Resource<DynamicType = ()>>(
        &self,
        obj: &K,
        type_: &'static str,
        reason: &'static str,
        action: &'static str,
        message: String,
    ) {
        self.record(EventRecord {
            regarding: reference(obj),
            related: None,
            type_,
            reason,
            action,
            message,
        });
    }
}

/// What identifies repeats of an event (client-go's `getEventKey`, without the source host).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    component: &'static str,
    kind: String,
    namespace: String,
    name: String,
    uid: String,
    type_: &'static str,
    reason: &'static str,
    message: String,
}

impl EventKey {
    fn of(component: &'static str, e: &EventRecord) -> EventKey {
        let r = &e.regarding;
        EventKey {
            component,
            kind: r.kind.clone().unwrap_or_default(),
            namespace: r.namespace.clone().unwrap_or_default(),
            name: r.name.clone().unwrap_or_default(),
            uid: r.uid.clone().unwrap_or_default(),
            type_: e.type_,
            reason: e.reason,
            message: e.message.clone(),
        }
    }
}

/// The Event already written for a key.
#[derive(Debug, Clone)]
struct Written {
    namespace: String,
    name: String,
    count: i32,
}

/// Writes queued events until the channel closes or `shutdown` fires. Errors are logged here,
/// where they are finally handled.
async fn run_writer(
    client: kube::Client,
    mut rx: mpsc::Receiver<(&'static str, EventRecord)>,
    shutdown: CancellationToken,
) {
    let mut written: HashMap<EventKey, Written> = HashMap::new();
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            e = rx.recv() => match e {
                Some(e) => e,
                None => return,
            },
        };
        let (component, event) = event;
        if let Err(e) = write(&client, component, &mut written, event).await {
            tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "Could not record an event.");
        }
    }
}

async fn write(
    client: &kube::Client,
    component: &'static str,
    written: &mut HashMap<EventKey, Written>,
    event: EventRecord,
) -> Result<(), Error> {
    let key = EventKey::of(component, &event);
    let now = Timestamp::now();
    let object = format!("{}/{}", key.namespace, key.name);
    let fail = |source| Error {
        reason: event.reason.to_string(),
        object: object.clone(),
        source,
    };
    if let Some(w) = written.get_mut(&key) {
        let api: Api<Event> = Api::namespaced(client.clone(), &w.namespace);
        let patch = serde_json::json!({
            "count": w.count + 1,
            "lastTimestamp": Time(now),
            "message": event.message,
        });
        match api
            .patch(&w.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => {
                w.count += 1;
                return Ok(());
            }
            // The Event expired or was deleted: start a new one.
            Err(kube::Error::Api(s)) if s.code == 404 => {
                written.remove(&key);
            }
            Err(e) => return Err(fail(e)),
        }
    }
    let namespace = event
        .regarding
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| kubesim_api::wellknown::NAMESPACE_DEFAULT.to_string());
    let api: Api<Event> = Api::namespaced(client.clone(), &namespace);
    let mut name = format!("{}.{:x}", key.name, now.as_nanosecond());
    let body = |name: &str| Event {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(namespace.clone()),
            ..Default::default()
        },
        involved_object: event.regarding.clone(),
        related: event.related.clone(),
        reason: Some(event.reason.to_string()),
        message: Some(event.message.clone()),
        type_: Some(event.type_.to_string()),
        action: Some(event.action.to_string()),
        source: Some(EventSource {
            component: Some(component.to_string()),
            host: None,
        }),
        reporting_component: Some(component.to_string()),
        reporting_instance: Some(component.to_string()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        count: Some(1),
        ..Default::default()
    };
    let mut result = api.create(&PostParams::default(), &body(&name)).await;
    if let Err(kube::Error::Api(s)) = &result
        && s.code == 409
    {
        name.push('1');
        result = api.create(&PostParams::default(), &body(&name)).await;
    }
    result.map_err(fail)?;
    if written.len() >= CACHE_SIZE {
        written.clear();
    }
    written.insert(
        key,
        Written {
            namespace,
            name,
            count: 1,
        },
    );
    Ok(())
}
