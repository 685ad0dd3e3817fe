//! Recording core/v1 Events through the API, with repeats folded into one Event whose `count`
//! and `lastTimestamp` grow, as client-go's event recorder (`EventCorrelator`) does.
//!
//! The scheduling loop hands events to a bounded channel and never waits: when the channel is
//! full the event is dropped, like client-go's broadcaster (`maxQueuedEvents`). One task writes
//! them in order, so a repeat always finds the Event its first occurrence created.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::Error;

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
    /// `Scheduling`, `Binding`, `Preempting`.
    pub action: &'static str,
    /// The human-readable message.
    pub message: String,
}

/// A reference to a pod for `involvedObject`.
pub fn pod_reference(pod: &Pod) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        resource_version: pod.metadata.resource_version.clone(),
        ..Default::default()
    }
}

/// A cheap handle that queues events for the writer task.
#[derive(Debug, Clone)]
pub struct EventRecorder {
    tx: mpsc::Sender<EventRecord>,
}

impl EventRecorder {
    /// A recorder and the receiving end its writer task reads.
    pub fn new() -> (EventRecorder, mpsc::Receiver<EventRecord>) {
        let (tx, rx) = mpsc::channel(QUEUE_LENGTH);
        (EventRecorder { tx }, rx)
    }

    /// Queues an event without waiting; drops it when the writer is behind.
    pub fn record(&self, event: EventRecord) {
        if let Err(e) = self.tx.try_send(event) {
            tracing::debug!(error = %e, "Event dropped.");
        }
    }
}

/// What identifies repeats of an event (client-go's `getEventKey`, without the source host).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    kind: String,
    namespace: String,
    name: String,
    uid: String,
    type_: &'static str,
    reason: &'static str,
    message: String,
}

impl EventKey {
    fn of(e: &EventRecord) -> EventKey {
        let r = &e.regarding;
        EventKey {
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
pub async fn run_writer(
    client: kube::Client,
    component: String,
    mut rx: mpsc::Receiver<EventRecord>,
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
        if let Err(e) = write(&client, &component, &mut written, event).await {
            tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "Could not record an event.");
        }
    }
}

async fn write(
    client: &kube::Client,
    component: &str,
    written: &mut HashMap<EventKey, Written>,
    event: EventRecord,
) -> Result<(), Error> {
    let key = EventKey::of(&event);
    let now = Timestamp::now();
    let object = format!("{}/{}", key.namespace, key.name);
    let fail = |source| Error::RecordEvent {
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
