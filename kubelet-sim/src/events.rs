//! Records core/v1 Events through the API as the kubelet's event recorder does: source
//! `kubelet` on the node, `<object>.<hex nanoseconds>` names, and a repeated event (same object,
//! reason and message) counted up with a patch instead of created again.
//!
//! Events are best effort, as upstream: a failed write is logged at debug level and dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

use crate::stages::EventText;

/// The object an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Regarding {
    /// Kind (`Pod`, `Node`).
    pub kind: String,
    /// Namespace (empty for nodes).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID (the kubelet uses the node's name as UID for node events).
    pub uid: String,
    /// API version (`v1` for pods; empty for the kubelet's node references).
    pub api_version: String,
    /// Resource version observed.
    pub resource_version: String,
    /// `spec.containers{c}` for container events.
    pub field_path: Option<String>,
}

/// The event recorder of one simulated kubelet.
pub struct Recorder {
    client: kube::Client,
    node: String,
    seen: Mutex<HashMap<String, (String, String, i32)>>,
    seq: AtomicU64,
}

fn time(t: SystemTime) -> Time {
    Time(jiff::Timestamp::try_from(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
}

impl Recorder {
    /// A recorder writing as `client` for node `node`.
    pub fn new(client: kube::Client, node: &str) -> Recorder {
        Recorder {
            client,
            node: node.to_string(),
            seen: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(0),
        }
    }

    fn key(about: &Regarding, text: &EventText) -> String {
        format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            about.uid,
            about.field_path.as_deref().unwrap_or(""),
            text.kind,
            text.reason,
            text.message
        )
    }

    /// Records `text` about `about` at wall-clock time `at`.
    pub async fn record(&self, about: &Regarding, text: &EventText, at: SystemTime) {
        let ns = if about.namespace.is_empty() {
            kubesim_api::wellknown::NAMESPACE_DEFAULT.to_string()
        } else {
            about.namespace.clone()
        };
        let api: Api<Event> = Api::namespaced(self.client.clone(), &ns);
        let key = Self::key(about, text);
        let previous = self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some((name, _, count)) = previous {
            let patch = json!({"count": count + 1, "lastTimestamp": time(at)});
            match api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    self.seen
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(key, (name, ns, count + 1));
                    return;
                }
                Err(e) => tracing::debug!(error = %e, name, "Event count update failed."),
            }
        }
        let nanos = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            .wrapping_add(self.seq.fetch_add(1, Ordering::Relaxed));
        let name = format!("{}.{nanos:x}", about.name);
        let event = Event {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(ns.clone()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                kind: Some(about.kind.clone()),
                namespace: (!about.namespace.is_empty()).then(|| about.namespace.clone()),
                name: Some(about.name.clone()),
                uid: Some(about.uid.clone()),
                api_version: (!about.api_version.is_empty()).then(|| about.api_version.clone()),
                resource_version: (!about.resource_version.is_empty())
                    .then(|| about.resource_version.clone()),
                field_path: about.field_path.clone(),
            },
            reason: Some(text.reason.clone()),
            message: Some(text.message.clone()),
            source: Some(EventSource {
                component: Some("kubelet".into()),
                host: Some(self.node.clone()),
            }),
            first_timestamp: Some(time(at)),
            last_timestamp: Some(time(at)),
            count: Some(1),
            type_: Some(text.kind.clone()),
            reporting_component: Some("kubelet".into()),
            reporting_instance: Some(self.node.clone()),
            ..Event::default()
        };
        match api.create(&PostParams::default(), &event).await {
            Ok(_) => {
                self.seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, (name, ns, 1));
            }
            Err(e) => tracing::debug!(error = %e, reason = %text.reason, "Event dropped."),
        }
    }

    /// Forgets the counts kept for an object (it is gone).
    pub fn forget(&self, uid: &str) {
        let prefix = format!("{uid}\u{0}");
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| !k.starts_with(&prefix));
    }
}
