//! The scheduling loop: one task that owns the cache and the queue, fed by the watches, and the
//! API writes it starts (binds, status patches, preemption) as tasks it reaps.
//!
//! Mirrors `pkg/scheduler/schedule_one.go` and `eventhandlers.go`: the loop applies watch
//! events first (so each cycle sees the freshest cluster), then runs one scheduling cycle at a
//! time; binding is asynchronous after `assume`, and a failed bind forgets the pod and requeues
//! it. Nothing sleeps to wait for state: the only timer is the queue's next backoff or flush.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::{Binding, Namespace, Node, ObjectReference, Pod};
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kubesim_api::ObjectKey;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::Context;
use crate::algorithm::{Algorithm, Decision};
use crate::cache::{Cache, NodeChange, PodInfo, pod_key};
use crate::error::{Error, Result};
use crate::events::{EventRecord, EventRecorder, pod_reference, run_writer};
use crate::framework::{NO_NODES_AVAILABLE, truncate_message};
use crate::plugins::{INTER_POD_AFFINITY, NODE_PORTS, NODE_RESOURCES_FIT, POD_TOPOLOGY_SPREAD};
use crate::preemption::{self, DISRUPTION_TARGET, Outcome, REASON_PREEMPTION_BY_SCHEDULER};
use crate::queue::{QueueTimings, SchedulingQueue};

/// Pods in a terminal phase hold no resources; the scheduler does not watch them.
const NON_TERMINAL_PODS: &str = "status.phase!=Succeeded,status.phase!=Failed";

/// Plugins whose rejections a deleted assigned pod may resolve (`AssignedPodDelete`).
const ASSIGNED_POD_DELETED: &[&str] = &[
    NODE_RESOURCES_FIT,
    NODE_PORTS,
    INTER_POD_AFFINITY,
    POD_TOPOLOGY_SPREAD,
];
/// Plugins whose rejections a new or relabelled assigned pod may resolve (`AssignedPodAdd`).
const ASSIGNED_POD_ADDED: &[&str] = &[INTER_POD_AFFINITY, POD_TOPOLOGY_SPREAD];

/// `v1.PodReasonUnschedulable`.
const REASON_UNSCHEDULABLE: &str = "Unschedulable";
/// `SchedulerError`: the reason of the condition when an attempt failed with an error.
const REASON_SCHEDULER_ERROR: &str = "SchedulerError";

/// What a failed cycle does to the pod's `status.nominatedNodeName`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Nomination {
    Keep,
    Clear,
    Set(String),
}

/// What a finished API task reports back to the loop.
enum TaskDone {
    Bound {
        key: ObjectKey,
        pod: Arc<Pod>,
        node: String,
        result: std::result::Result<(), kube::Error>,
    },
    Other,
}

#[derive(Debug, Clone)]
struct ClassInfo {
    value: i32,
    preemption_policy: Option<String>,
}

/// Keys seen during a relist, to drop the objects that disappeared meanwhile.
#[derive(Debug, Default)]
struct Relist {
    pods: Option<HashSet<ObjectKey>>,
    nodes: Option<HashSet<String>>,
    classes: Option<HashSet<String>>,
    namespaces: Option<HashSet<String>>,
}

#[derive(Debug, Default)]
struct Synced {
    pods: bool,
    nodes: bool,
    classes: bool,
    namespaces: bool,
}

impl Synced {
    fn all(&self) -> bool {
        self.pods && self.nodes && self.classes && self.namespaces
    }
}

/// The scheduler's state; owned by the loop.
pub(crate) struct Scheduler {
    client: kube::Client,
    ctx: Context,
    cache: Cache,
    queue: SchedulingQueue,
    algorithm: Algorithm,
    classes: HashMap<String, ClassInfo>,
    namespaces_seen: HashSet<String>,
    recorder: EventRecorder,
    recorder_rx: Option<tokio::sync::mpsc::Receiver<EventRecord>>,
    tasks: JoinSet<TaskDone>,
    limit: Arc<Semaphore>,
    relist: Relist,
    synced: Synced,
}

fn watch<K>(
    client: &kube::Client,
    fields: Option<&str>,
) -> impl Stream<Item = std::result::Result<Event<K>, watcher::Error>> + use<K>
where
    K: kube::Resource<Scope = k8s_openapi::ClusterResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
    K::DynamicType: Default,
{
    let mut cfg = watcher::Config::default();
    if let Some(f) = fields {
        cfg = cfg.fields(f);
    }
    watcher::watcher(Api::<K>::all(client.clone()), cfg).default_backoff()
}

impl Scheduler {
    pub(crate) fn new(client: kube::Client, ctx: Context) -> Scheduler {
        let (recorder, rx) = EventRecorder::new();
        Scheduler {
            queue: SchedulingQueue::new(QueueTimings {
                initial_backoff: ctx.initial_backoff,
                max_backoff: ctx.max_backoff,
                max_unschedulable: ctx.max_unschedulable,
            }),
            algorithm: Algorithm::new(ctx.percentage_of_nodes_to_score, ctx.seed),
            limit: Arc::new(Semaphore::new(ctx.api_concurrency.max(1))),
            client,
            ctx,
            cache: Cache::new(),
            classes: HashMap::new(),
            namespaces_seen: HashSet::new(),
            recorder,
            recorder_rx: Some(rx),
            tasks: JoinSet::new(),
            relist: Relist::default(),
            synced: Synced::default(),
        }
    }

    pub(crate) async fn run(mut self, shutdown: CancellationToken) -> Result<()> {
        let pods = watcher::watcher(
            Api::<Pod>::all(self.client.clone()),
            watcher::Config::default().fields(NON_TERMINAL_PODS),
        )
        .default_backoff();
        let nodes = watch::<Node>(&self.client, None);
        let classes = watch::<PriorityClass>(&self.client, None);
        let namespaces = watch::<Namespace>(&self.client, None);
        futures::pin_mut!(pods, nodes, classes, namespaces);
        if let Some(rx) = self.recorder_rx.take() {
            tokio::spawn(run_writer(
                self.client.clone(),
                self.ctx.scheduler_name.clone(),
                rx,
                shutdown.child_token(),
            ));
        }
        tracing::info!(name = %self.ctx.scheduler_name, "Scheduler started.");
        let result = loop {
            let deadline = self.queue.next_deadline();
            let can_schedule = self.synced.all() && self.queue.has_active();
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break Ok(()),
                ev = pods.next() => match ev {
                    Some(Ok(ev)) => self.on_pod_event(ev),
                    Some(Err(e)) => tracing::debug!(error = %e, kind = "Pod", "Watch failed; retrying."),
                    None => break Err(Error::WatchEnded { kind: "Pod" }),
                },
                ev = nodes.next() => match ev {
                    Some(Ok(ev)) => self.on_node_event(ev),
                    Some(Err(e)) => tracing::debug!(error = %e, kind = "Node", "Watch failed; retrying."),
                    None => break Err(Error::WatchEnded { kind: "Node" }),
                },
                ev = classes.next() => match ev {
                    Some(Ok(ev)) => self.on_class_event(ev),
                    Some(Err(e)) => tracing::debug!(error = %e, kind = "PriorityClass", "Watch failed; retrying."),
                    None => break Err(Error::WatchEnded { kind: "PriorityClass" }),
                },
                ev = namespaces.next() => match ev {
                    Some(Ok(ev)) => self.on_namespace_event(ev),
                    Some(Err(e)) => tracing::debug!(error = %e, kind = "Namespace", "Watch failed; retrying."),
                    None => break Err(Error::WatchEnded { kind: "Namespace" }),
                },
                Some(done) = self.tasks.join_next(), if !self.tasks.is_empty() => self.on_task_done(done),
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    self.queue.flush(Instant::now());
                }
                _ = std::future::ready(()), if can_schedule => self.schedule_one(),
            }
        };
        tracing::info!(name = %self.ctx.scheduler_name, "Scheduler stopped.");
        result
    }

    fn class_of(&self, pod: &Pod) -> Option<&ClassInfo> {
        pod.spec
            .as_ref()
            .and_then(|s| s.priority_class_name.as_deref())
            .and_then(|c| self.classes.get(c))
    }

    /// `spec.priority`, else the value of its PriorityClass, else 0.
    // The API server resolves only the built-in classes at admission; other classes are
    // resolved here from the watched PriorityClasses.
    fn priority_of(&self, pod: &Pod) -> i32 {
        pod.spec
            .as_ref()
            .and_then(|s| s.priority)
            .or_else(|| self.class_of(pod).map(|c| c.value))
            .unwrap_or(0)
    }

    fn preemption_policy_of(&self, pod: &Pod) -> String {
        pod.spec
            .as_ref()
            .and_then(|s| s.preemption_policy.clone())
            .or_else(|| self.class_of(pod).and_then(|c| c.preemption_policy.clone()))
            .unwrap_or_else(|| "PreemptLowerPriority".into())
    }

    // ----- watch events -----

    fn on_pod_event(&mut self, ev: Event<Pod>) {
        match ev {
            Event::Init => self.relist.pods = Some(HashSet::new()),
            Event::InitApply(pod) => {
                if let Some(seen) = self.relist.pods.as_mut() {
                    seen.insert(pod_key(&pod));
                }
                self.on_pod_apply(pod);
            }
            Event::InitDone => {
                if let Some(seen) = self.relist.pods.take() {
                    let known: HashSet<ObjectKey> = self
                        .queue
                        .keys()
                        .into_iter()
                        .chain(self.cache.pod_keys())
                        .collect();
                    for key in known.difference(&seen) {
                        self.on_pod_gone(key);
                    }
                }
                self.synced.pods = true;
            }
            Event::Apply(pod) => self.on_pod_apply(pod),
            Event::Delete(pod) => self.on_pod_gone(&pod_key(&pod)),
        }
    }

    fn on_pod_apply(&mut self, pod: Pod) {
        let now = Instant::now();
        let key = pod_key(&pod);
        let terminal = matches!(
            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded" | "Failed")
        );
        if terminal {
            self.on_pod_gone(&key);
            return;
        }
        let pod = Arc::new(pod);
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty());
        if let Some(node) = node {
            self.queue.delete(&key);
            let was_assumed = self.cache.is_assumed(&key);
            let info = Arc::new(PodInfo::new(pod.clone(), self.priority_of(&pod)));
            let previous = self.cache.add_assigned_pod(info, &node);
            let relevant = match &previous {
                None => true,
                Some(_) if was_assumed => true,
                Some(old) => old.pod.metadata.labels != pod.metadata.labels,
            };
            if relevant {
                self.queue.move_for_event(Some(ASSIGNED_POD_ADDED), now);
            }
            return;
        }
        if self.cache.has_pod(&key) {
            // Our bind is in flight; this is an older version of the pending pod.
            return;
        }
        let spec = pod.spec.as_ref();
        let ours = spec
            .and_then(|s| s.scheduler_name.as_deref())
            .unwrap_or(crate::DEFAULT_SCHEDULER_NAME)
            == self.ctx.scheduler_name;
        if !ours || pod.metadata.deletion_timestamp.is_some() {
            self.queue.delete(&key);
            self.cache.clear_nominated(&key);
            return;
        }
        let priority = self.priority_of(&pod);
        let nominated = pod
            .status
            .as_ref()
            .and_then(|s| s.nominated_node_name.as_deref())
            .filter(|n| !n.is_empty());
        if let Some(n) = nominated
            && self.cache.nominated_node_of(&key) != Some(n)
        {
            let info = Arc::new(PodInfo::new(pod.clone(), priority));
            self.cache.set_nominated(info, Some(n));
        }
        self.queue.add(key, pod, priority, now);
    }

    fn on_pod_gone(&mut self, key: &ObjectKey) {
        self.queue.delete(key);
        self.cache.clear_nominated(key);
        if self.cache.remove_pod(key).is_some() {
            self.queue
                .move_for_event(Some(ASSIGNED_POD_DELETED), Instant::now());
        }
    }

    fn on_node_event(&mut self, ev: Event<Node>) {
        let name = |n: &Node| n.metadata.name.clone().unwrap_or_default();
        match ev {
            Event::Init => self.relist.nodes = Some(HashSet::new()),
            Event::InitApply(node) => {
                if let Some(seen) = self.relist.nodes.as_mut() {
                    seen.insert(name(&node));
                }
                self.on_node_apply(node);
            }
            Event::InitDone => {
                if let Some(seen) = self.relist.nodes.take() {
                    for n in self.cache.node_names() {
                        if !seen.contains(&n) {
                            self.cache.remove_node(&n);
                        }
                    }
                }
                self.synced.nodes = true;
            }
            Event::Apply(node) => self.on_node_apply(node),
            Event::Delete(node) => self.cache.remove_node(&name(&node)),
        }
    }

    fn on_node_apply(&mut self, node: Node) {
        match self.cache.set_node(node) {
            NodeChange::Added | NodeChange::Updated => {
                self.queue.move_for_event(None, Instant::now());
            }
            NodeChange::Unchanged => {}
        }
    }

    fn on_class_event(&mut self, ev: Event<PriorityClass>) {
        match ev {
            Event::Init => self.relist.classes = Some(HashSet::new()),
            Event::InitApply(pc) => {
                if let Some(seen) = self.relist.classes.as_mut() {
                    seen.insert(pc.metadata.name.clone().unwrap_or_default());
                }
                self.on_class_apply(pc);
            }
            Event::InitDone => {
                if let Some(seen) = self.relist.classes.take() {
                    self.classes.retain(|k, _| seen.contains(k));
                }
                self.synced.classes = true;
            }
            Event::Apply(pc) => self.on_class_apply(pc),
            Event::Delete(pc) => {
                self.classes
                    .remove(pc.metadata.name.as_deref().unwrap_or_default());
            }
        }
    }

    fn on_class_apply(&mut self, pc: PriorityClass) {
        let name = pc.metadata.name.clone().unwrap_or_default();
        let info = ClassInfo {
            value: pc.value,
            preemption_policy: pc.preemption_policy.clone(),
        };
        let changed = self.classes.get(&name).map(|c| c.value) != Some(info.value);
        self.classes.insert(name.clone(), info);
        if changed {
            // Pods created before their class was seen get their priority now.
            self.cache.refresh_pods(|p| {
                let spec = p.spec();
                (spec.priority.is_none() && spec.priority_class_name.as_deref() == Some(&name))
                    .then(|| PodInfo::new(p.pod.clone(), pc.value))
            });
        }
    }

    fn on_namespace_event(&mut self, ev: Event<Namespace>) {
        match ev {
            Event::Init => self.relist.namespaces = Some(HashSet::new()),
            Event::InitApply(ns) => {
                if let Some(seen) = self.relist.namespaces.as_mut() {
                    seen.insert(ns.metadata.name.clone().unwrap_or_default());
                }
                self.on_namespace_apply(ns);
            }
            Event::InitDone => {
                if let Some(seen) = self.relist.namespaces.take() {
                    for gone in self.namespaces_seen.difference(&seen) {
                        self.cache.remove_namespace(gone);
                    }
                    self.namespaces_seen = seen;
                }
                self.synced.namespaces = true;
            }
            Event::Apply(ns) => self.on_namespace_apply(ns),
            Event::Delete(ns) => {
                let name = ns.metadata.name.unwrap_or_default();
                self.cache.remove_namespace(&name);
                self.namespaces_seen.remove(&name);
            }
        }
    }

    fn on_namespace_apply(&mut self, ns: Namespace) {
        let name = ns.metadata.name.unwrap_or_default();
        let labels = ns.metadata.labels.unwrap_or_default();
        let changed = self.cache.namespaces().get(&name) != Some(&labels);
        self.cache.set_namespace(&name, labels);
        self.namespaces_seen.insert(name);
        if changed {
            self.queue
                .move_for_event(Some(&[INTER_POD_AFFINITY]), Instant::now());
        }
    }

    // ----- the scheduling cycle -----

    fn schedule_one(&mut self) {
        let Some(popped) = self.queue.pop() else {
            return;
        };
        let key = popped.key;
        let pod = popped.pod;
        if pod.metadata.deletion_timestamp.is_some() || self.cache.has_pod(&key) {
            self.queue.delete(&key);
            return;
        }
        let _span =
            tracing::debug_span!("schedule", pod = %key, attempt = popped.attempts).entered();
        let info = Arc::new(PodInfo::new(pod.clone(), self.priority_of(&pod)));
        let nominated = self
            .cache
            .nominated_node_of(&key)
            .map(str::to_string)
            .or_else(|| {
                pod.status
                    .as_ref()
                    .and_then(|s| s.nominated_node_name.clone())
            })
            .filter(|n| !n.is_empty());
        match self
            .algorithm
            .schedule(&self.cache, &info, nominated.as_deref())
        {
            Decision::Fits {
                node,
                evaluated,
                feasible,
            } => {
                tracing::debug!(%node, evaluated, feasible, "Pod assumed; binding.");
                self.cache.assume(info, &node);
                self.spawn_bind(key, pod, node);
            }
            Decision::NoNodes => {
                self.fail_unschedulable(
                    &key,
                    &info,
                    NO_NODES_AVAILABLE.to_string(),
                    BTreeSet::new(),
                    Nomination::Clear,
                );
            }
            Decision::NoFit(mut diagnosis) => {
                let policy = self.preemption_policy_of(&pod);
                let outcome = preemption::preempt(
                    &self.cache,
                    &info,
                    &policy,
                    nominated.as_deref(),
                    &diagnosis,
                    self.algorithm.rng(),
                );
                let nomination = match outcome {
                    Outcome::Nominate { node, victims } => {
                        tracing::debug!(%node, victims = victims.len(), "Preempting.");
                        self.spawn_preemption(&info, &node, victims);
                        Nomination::Set(node)
                    }
                    Outcome::NotEligible(msg) => {
                        diagnosis.post_filter_msg = Some(format!("preemption: {msg}"));
                        Nomination::Keep
                    }
                    Outcome::NoCandidate(msg) => {
                        diagnosis.post_filter_msg = Some(format!("preemption: {msg}"));
                        Nomination::Clear
                    }
                };
                let message = diagnosis.fit_error_message(self.cache.node_count());
                tracing::debug!(%message, "Pod is unschedulable.");
                self.fail_unschedulable(
                    &key,
                    &info,
                    message,
                    diagnosis.unschedulable_plugins,
                    nomination,
                );
            }
        }
    }

    fn fail_unschedulable(
        &mut self,
        key: &ObjectKey,
        info: &Arc<PodInfo>,
        message: String,
        plugins: BTreeSet<&'static str>,
        nomination: Nomination,
    ) {
        self.queue
            .requeue_unschedulable(key, plugins, Instant::now());
        match &nomination {
            Nomination::Set(node) => self.cache.set_nominated(info.clone(), Some(node)),
            Nomination::Clear => self.cache.clear_nominated(key),
            Nomination::Keep => {}
        }
        self.report_failure(&info.pod, REASON_UNSCHEDULABLE, message, nomination);
    }

    /// Records `FailedScheduling` and sets `PodScheduled=False` (and the nomination), as
    /// `handleSchedulingFailure`.
    fn report_failure(
        &mut self,
        pod: &Pod,
        reason: &'static str,
        message: String,
        nomination: Nomination,
    ) {
        self.recorder.record(EventRecord {
            regarding: pod_reference(pod),
            related: None,
            type_: "Warning",
            reason: "FailedScheduling",
            action: "Scheduling",
            message: truncate_message(&message),
        });
        let status = pod.status.as_ref();
        let current = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "PodScheduled"));
        let same = current.is_some_and(|c| {
            c.status == "False"
                && c.reason.as_deref() == Some(reason)
                && c.message.as_deref() == Some(message.as_str())
        });
        let nominated_now = status
            .and_then(|s| s.nominated_node_name.as_deref())
            .unwrap_or_default();
        let nominated_next = match &nomination {
            Nomination::Keep => None,
            Nomination::Clear => Some(String::new()).filter(|_| !nominated_now.is_empty()),
            Nomination::Set(n) => Some(n.clone()).filter(|n| n != nominated_now),
        };
        if same && nominated_next.is_none() {
            return;
        }
        // lastTransitionTime moves only when the condition's status changes.
        let transition = current
            .filter(|c| c.status == "False")
            .and_then(|c| c.last_transition_time.clone())
            .unwrap_or(Time(Timestamp::now()));
        let mut patch = json!({"status": {"conditions": [{
            "type": "PodScheduled",
            "status": "False",
            "reason": reason,
            "message": message,
            "lastProbeTime": null,
            "lastTransitionTime": transition,
        }]}});
        if let Some(n) = nominated_next {
            patch["status"]["nominatedNodeName"] =
                if n.is_empty() { json!(null) } else { json!(n) };
        }
        self.spawn_status_patch(pod, patch);
    }

    fn spawn_status_patch(&mut self, pod: &Pod, patch: serde_json::Value) {
        let api: Api<Pod> = Api::namespaced(
            self.client.clone(),
            pod.metadata.namespace.as_deref().unwrap_or_default(),
        );
        let name = pod.metadata.name.clone().unwrap_or_default();
        let limit = self.limit.clone();
        self.tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            match api
                .patch_status(&name, &PatchParams::default(), &Patch::Strategic(&patch))
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(source) => {
                    let e = Error::UpdateStatus {
                        pod: name,
                        source,
                    };
                    tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "Could not update a pod's status.");
                }
            }
            TaskDone::Other
        });
    }

    fn spawn_bind(&mut self, key: ObjectKey, pod: Arc<Pod>, node: String) {
        let api: Api<Pod> = Api::namespaced(
            self.client.clone(),
            key.namespace.as_deref().unwrap_or_default(),
        );
        let limit = self.limit.clone();
        let binding = Binding {
            metadata: ObjectMeta {
                name: Some(key.name.clone()),
                namespace: key.namespace.clone(),
                uid: pod.metadata.uid.clone(),
                ..Default::default()
            },
            target: ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("Node".into()),
                name: Some(node.clone()),
                ..Default::default()
            },
        };
        self.tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let result = api
                .create_subresource::<_, serde_json::Value>(
                    "binding",
                    &key.name,
                    &PostParams::default(),
                    &binding,
                )
                .await
                .map(|_| ());
            TaskDone::Bound {
                key,
                pod,
                node,
                result,
            }
        });
    }

    fn on_task_done(&mut self, done: std::result::Result<TaskDone, tokio::task::JoinError>) {
        let done = match done {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "A scheduler API task failed.");
                return;
            }
        };
        let TaskDone::Bound {
            key,
            pod,
            node,
            result,
        } = done
        else {
            return;
        };
        match result {
            Ok(()) => {
                tracing::debug!(pod = %key, %node, "Pod bound.");
                self.queue.delete(&key);
                self.recorder.record(EventRecord {
                    regarding: pod_reference(&pod),
                    related: None,
                    type_: "Normal",
                    reason: "Scheduled",
                    action: "Binding",
                    message: format!("Successfully assigned {key} to {node}"),
                });
            }
            Err(source) => {
                self.cache.forget(&key);
                self.queue
                    .move_for_event(Some(ASSIGNED_POD_DELETED), Instant::now());
                let gone = matches!(&source, kube::Error::Api(s) if s.code == 404);
                if gone || self.queue.get(&key).is_none() {
                    // The pod was deleted meanwhile: nothing to retry or report.
                    self.queue.delete(&key);
                    return;
                }
                let message = match &source {
                    kube::Error::Api(s) => s.message.clone(),
                    other => other.to_string(),
                };
                let e = Error::Bind {
                    pod: key.to_string(),
                    node,
                    source,
                };
                tracing::debug!(error = %e, %message, "Binding failed; retrying after backoff.");
                self.queue.requeue_error(&key, Instant::now());
                self.cache.clear_nominated(&key);
                self.report_failure(&pod, REASON_SCHEDULER_ERROR, message, Nomination::Clear);
            }
        }
    }

    /// Evicts the victims (`DisruptionTarget` condition, then delete) and clears the nominations
    /// of less important pods nominated to the same node, as `prepareCandidate`.
    fn spawn_preemption(&mut self, preemptor: &PodInfo, node: &str, victims: Vec<Arc<PodInfo>>) {
        let lower: Vec<Arc<PodInfo>> = self
            .cache
            .nominated_pods(node)
            .iter()
            .filter(|p| p.priority < preemptor.priority)
            .cloned()
            .collect();
        for p in lower {
            self.cache.clear_nominated(&p.key);
            self.spawn_status_patch(&p.pod, json!({"status": {"nominatedNodeName": null}}));
        }
        let preemptor_ref = pod_reference(&preemptor.pod);
        let preemptor_key = preemptor.key.to_string();
        let preemptor_uid = preemptor.pod.metadata.uid.clone().unwrap_or_default();
        for victim in victims {
            if victim.is_terminating() {
                continue;
            }
            let api: Api<Pod> = Api::namespaced(self.client.clone(), victim.namespace());
            let limit = self.limit.clone();
            let recorder = self.recorder.clone();
            let related = preemptor_ref.clone();
            let preemptor_key = preemptor_key.clone();
            let message = format!("Preempted by pod {preemptor_uid} on node {node}");
            let condition_message = format!(
                "{}: preempting to accommodate a higher priority pod",
                self.ctx.scheduler_name
            );
            self.tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let name = victim.key.name.clone();
                let condition = json!({"status": {"conditions": [{
                    "type": DISRUPTION_TARGET,
                    "status": "True",
                    "reason": REASON_PREEMPTION_BY_SCHEDULER,
                    "message": condition_message,
                    "lastProbeTime": null,
                    "lastTransitionTime": Time(Timestamp::now()),
                }]}});
                let result = async {
                    api.patch_status(&name, &PatchParams::default(), &Patch::Strategic(&condition))
                        .await?;
                    api.delete(&name, &DeleteParams::default()).await?;
                    Ok::<(), kube::Error>(())
                }
                .await;
                match result {
                    Ok(()) => recorder.record(EventRecord {
                        regarding: pod_reference(&victim.pod),
                        related: Some(related),
                        type_: "Normal",
                        reason: "Preempted",
                        action: "Preempting",
                        message,
                    }),
                    Err(kube::Error::Api(s)) if s.code == 404 => {}
                    Err(source) => {
                        let e = Error::Preempt {
                            victim: victim.key.to_string(),
                            preemptor: preemptor_key,
                            source,
                        };
                        tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "Could not preempt a pod.");
                    }
                }
                TaskDone::Other
            });
        }
    }
}
