//! The simulated kubelets at work: one runtime per node (its images, pod IPs, pods' logs and
//! event recorder), a registration-and-heartbeat task per node, ONE shared pod watch for all
//! nodes that dispatches by `spec.nodeName`, and one worker task per pod that drives the pod's
//! state machine (`pod.rs`) on the injected clock.
//!
//! Everything goes through the API: node registration, Leases, `nodes/{name}/status`,
//! `pods/{name}/status`, Events, and the final `DELETE` (grace period 0) of a pod whose
//! containers stopped. Never the store.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
use kube::runtime::{WatchStreamExt, watcher};
use kubesim_api::clock::Clock;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::events::{Recorder, Regarding};
use crate::logs::{ContainerLogs, LogView};
use crate::node::{self, KERNEL_VERSION, NodeSpec};
use crate::pod::{Env, IpPool, PodRt};
use crate::stages::{Delays, Stages};
use crate::status;
use crate::view::PodView;
use crate::{Error, Result};

/// What one node holds for all its pods.
struct NodeState {
    images: BTreeSet<String>,
    ips: IpPool,
}

/// One container as the kubelet API sees it.
#[derive(Debug, Clone)]
pub struct ContainerHandle {
    /// Container name.
    pub name: String,
    /// Its logs.
    pub logs: Arc<ContainerLogs>,
    /// Which instance is which.
    pub view: LogView,
}

/// One pod as the kubelet API sees it.
#[derive(Debug, Default)]
pub struct PodHandle {
    containers: Mutex<Vec<ContainerHandle>>,
}

impl PodHandle {
    /// The container called `name`.
    pub fn container(&self, name: &str) -> Option<ContainerHandle> {
        self.containers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|c| c.name == name)
            .cloned()
    }
}

/// One simulated kubelet.
pub struct NodeRuntime {
    /// The node.
    pub spec: NodeSpec,
    client: kube::Client,
    /// The injected clock.
    pub clock: Clock,
    delays: Delays,
    state: Mutex<NodeState>,
    pods: Mutex<BTreeMap<(String, String), Arc<PodHandle>>>,
    recorder: Recorder,
    host_ip: String,
}

impl NodeRuntime {
    /// A kubelet for `spec` writing as `client`.
    pub fn new(spec: NodeSpec, client: kube::Client, clock: Clock) -> NodeRuntime {
        let delays = Stages::builtin().delays.under(&clock);
        NodeRuntime {
            state: Mutex::new(NodeState {
                images: BTreeSet::new(),
                ips: IpPool::new(spec.pod_net()),
            }),
            pods: Mutex::new(BTreeMap::new()),
            recorder: Recorder::new(client.clone(), &spec.name),
            host_ip: spec.internal_ip().to_string(),
            client,
            clock,
            delays,
            spec,
        }
    }

    /// The pod `namespace/name` running here, for the kubelet API.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<Arc<PodHandle>> {
        self.pods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    fn node_ref(&self) -> Regarding {
        Regarding {
            kind: "Node".into(),
            name: self.spec.name.clone(),
            uid: self.spec.name.clone(),
            ..Regarding::default()
        }
    }
}

async fn sleep_or_cancel(d: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// Registers the node, then keeps its Lease and status fresh until shutdown.
pub async fn run_node(rt: Arc<NodeRuntime>, shutdown: CancellationToken) -> Result<()> {
    let stages = Stages::builtin();
    let since = rt.clock.wall_now();
    let node = loop {
        match node::register(&rt.client, &rt.spec, rt.clock.wall_now()).await {
            Ok(n) => break n,
            Err(e) => {
                tracing::warn!(node = %rt.spec.name, error = %e, "Node registration failed; retrying.");
                if !sleep_or_cancel(Duration::from_secs(1), &shutdown).await {
                    return Ok(());
                }
            }
        }
    };
    tracing::debug!(node = %rt.spec.name, "Node registered.");
    let about = rt.node_ref();
    let wall = rt.clock.wall_now();
    for (key, reason) in [
        ("starting", ""),
        ("allocatableEnforced", ""),
        ("nodeCondition", "NodeHasSufficientMemory"),
        ("nodeCondition", "NodeHasNoDiskPressure"),
        ("nodeCondition", "NodeHasSufficientPID"),
        ("nodeCondition", "NodeReady"),
    ] {
        let text = stages.event(key, &[("reason", reason), ("node", &rt.spec.name)]);
        rt.recorder.record(&about, &text, wall).await;
    }
    let timings = &stages.node;
    let mut lease = None;
    let mut last_report = rt.clock.now();
    let start = rt.clock.now();
    loop {
        match node::renew_lease(
            &rt.client,
            &node,
            lease.take(),
            timings.lease_duration_seconds,
            rt.clock.wall_now(),
        )
        .await
        {
            Ok(l) => lease = Some(l),
            Err(e) => tracing::debug!(node = %rt.spec.name, error = %e, "Lease renewal failed."),
        }
        let now = rt.clock.now();
        if now.since(last_report) >= timings.status_report {
            if let Err(e) =
                node::post_status(&rt.client, &rt.spec, rt.clock.wall_now(), since).await
            {
                tracing::debug!(node = %rt.spec.name, error = %e, "Node status update failed.");
            }
            last_report = now;
        }
        let wait = node::until_next(now.since(start), timings.lease_renew);
        if !sleep_or_cancel(rt.clock.to_real(wait), &shutdown).await {
            return Ok(());
        }
    }
}

struct Worker {
    tx: watch::Sender<Option<Arc<Pod>>>,
}

/// The shared pod watch: every pod bound to a node, dispatched to the node's kubelet.
pub async fn run_pods(
    client: kube::Client,
    nodes: HashMap<String, Arc<NodeRuntime>>,
    shutdown: CancellationToken,
) -> Result<()> {
    let api: Api<Pod> = Api::all(client);
    let mut events = watcher(api, watcher::Config::default().fields("spec.nodeName!="))
        .default_backoff()
        .boxed();
    let mut workers: HashMap<String, Worker> = HashMap::new();
    // Pod workers end with the kubelet: on shutdown they are awaited, not left running.
    let mut worker_tasks = tokio::task::JoinSet::new();
    let mut relist: Option<HashSet<String>> = None;
    let dispatch = |pod: Pod,
                    workers: &mut HashMap<String, Worker>,
                    worker_tasks: &mut tokio::task::JoinSet<()>| {
        let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else {
            return;
        };
        let Some(rt) = nodes.get(&node) else { return };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let pod = Arc::new(pod);
        match workers.get(&uid) {
            Some(w) if !w.tx.is_closed() => {
                w.tx.send_replace(Some(pod));
            }
            _ => {
                let (tx, rx) = watch::channel(Some(pod));
                worker_tasks.spawn(pod_worker(rt.clone(), rx, shutdown.clone()));
                workers.insert(uid, Worker { tx });
            }
        }
    };
    loop {
        let ev = tokio::select! {
            _ = shutdown.cancelled() => {
                worker_tasks.shutdown().await;
                return Ok(());
            }
            ev = events.next() => ev,
            // Reap finished workers so the set does not grow without bound.
            Some(_) = worker_tasks.join_next(), if !worker_tasks.is_empty() => continue,
        };
        match ev {
            None => return Err(Error::Stopped("the pod watch ended".into())),
            Some(Err(e)) => tracing::debug!(error = %e, "Pod watch error; retrying."),
            Some(Ok(watcher::Event::Init)) => relist = Some(HashSet::new()),
            Some(Ok(watcher::Event::InitApply(pod))) => {
                if let (Some(seen), Some(uid)) = (relist.as_mut(), pod.metadata.uid.clone()) {
                    seen.insert(uid);
                }
                dispatch(pod, &mut workers, &mut worker_tasks);
            }
            Some(Ok(watcher::Event::InitDone)) => {
                if let Some(seen) = relist.take() {
                    workers.retain(|uid, w| {
                        let keep = seen.contains(uid);
                        if !keep {
                            w.tx.send_replace(None);
                        }
                        keep
                    });
                }
            }
            Some(Ok(watcher::Event::Apply(pod))) => dispatch(pod, &mut workers, &mut worker_tasks),
            Some(Ok(watcher::Event::Delete(pod))) => {
                if let Some(w) = pod.metadata.uid.as_ref().and_then(|u| workers.remove(u)) {
                    w.tx.send_replace(None);
                }
            }
        }
        workers.retain(|_, w| !w.tx.is_closed());
    }
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Drives one pod until it is gone (or the cluster stops).
async fn pod_worker(
    rt: Arc<NodeRuntime>,
    mut rx: watch::Receiver<Option<Arc<Pod>>>,
    shutdown: CancellationToken,
) {
    let Some(first) = rx.borrow_and_update().clone() else {
        return;
    };
    let stages = Stages::builtin();
    let catalog = Catalog::builtin();
    let view0 = PodView::of(&first);
    let key = (view0.namespace.clone(), view0.name.clone());
    let uid = view0.uid.clone();
    let mut state = PodRt::new(&view0, stages);
    let handle = Arc::new(PodHandle::default());
    rt.pods
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.clone(), handle.clone());
    let api: Api<Pod> = Api::namespaced(rt.client.clone(), &view0.namespace);
    let mut last_status: Option<Value> = None;
    let mut deleted = false;
    let mut pod = first;
    tracing::debug!(node = %rt.spec.name, namespace = %key.0, name = %key.1, "Pod admitted.");
    loop {
        let view = PodView::of(&pod);
        let now = rt.clock.now();
        let wall = rt.clock.wall_now();
        let fx = {
            let mut node = rt.state.lock().unwrap_or_else(|p| p.into_inner());
            let NodeState { images, ips } = &mut *node;
            let mut env = Env {
                node: &rt.spec.name,
                host_ip: &rt.host_ip,
                kernel: KERNEL_VERSION,
                delays: &rt.delays,
                stages,
                catalog,
                images,
                ips,
            };
            state.advance(&view, now, wall, &mut env)
        };
        for ev in &fx.events {
            let about = Regarding {
                kind: "Pod".into(),
                namespace: view.namespace.clone(),
                name: view.name.clone(),
                uid: view.uid.clone(),
                api_version: "v1".into(),
                resource_version: view.resource_version.clone(),
                field_path: ev.field_path.clone(),
            };
            rt.recorder.record(&about, &ev.text, wall).await;
        }
        if !state.finished_before && !deleted {
            let status = status::pod_status(&view, &mut state, wall, &rt.host_ip);
            {
                let containers = state
                    .all()
                    .map(|c| ContainerHandle {
                        name: c.name.clone(),
                        logs: c.logs.clone(),
                        view: status::log_view(c),
                    })
                    .collect();
                *handle.containers.lock().unwrap_or_else(|p| p.into_inner()) = containers;
            }
            if last_status.as_ref() != Some(&status) {
                match api
                    .patch_status(
                        &view.name,
                        &PatchParams::default(),
                        &Patch::Merge(&json!({ "status": status })),
                    )
                    .await
                {
                    Ok(_) => last_status = Some(status),
                    Err(kube::Error::Api(e)) if e.code == 404 => break,
                    Err(e) => {
                        tracing::debug!(error = %e, name = %view.name, "Pod status update failed.")
                    }
                }
            }
        }
        if fx.delete && !deleted {
            let dp = DeleteParams {
                grace_period_seconds: Some(0),
                preconditions: Some(Preconditions {
                    uid: Some(uid.clone()),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            match api.delete(&view.name, &dp).await {
                Ok(_) => deleted = true,
                Err(kube::Error::Api(e)) if e.code == 404 || e.code == 409 => break,
                Err(e) => tracing::debug!(error = %e, name = %view.name, "Pod deletion failed."),
            }
        }
        let sleep = fx.wake.map(|w| rt.clock.to_real(w.since(now)));
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            r = rx.changed() => {
                if r.is_err() {
                    break;
                }
            }
            _ = sleep_opt(sleep) => {}
        }
        match rx.borrow_and_update().clone() {
            Some(p) => pod = p,
            None => break,
        }
    }
    {
        let mut node = rt.state.lock().unwrap_or_else(|p| p.into_inner());
        state.release(&mut node.ips);
    }
    rt.recorder.forget(&uid);
    let mut pods = rt.pods.lock().unwrap_or_else(|p| p.into_inner());
    if pods.get(&key).is_some_and(|h| Arc::ptr_eq(h, &handle)) {
        pods.remove(&key);
    }
    tracing::debug!(node = %rt.spec.name, namespace = %key.0, name = %key.1, "Pod released.");
}
