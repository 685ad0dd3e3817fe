//! Simulated kubelets, kwok-style: every node of the cluster is a Node object with a Lease and
//! a heartbeat, and every pod bound to one of them goes through a lifecycle — sandbox, image
//! pull from a simulated registry, init containers, containers that run simulated programs
//! (nginx logs its startup, busybox runs `sh -c`), probes, exits, CrashLoopBackOff, graceful
//! stop — driven by stage data embedded in the binary (`data/stages.yaml`,
//! `data/images.yaml`) on the injected, scalable clock.
//!
//! Layout: [`view`] reads a Pod, [`pod`] is the state machine (pure), [`status`] renders the
//! status (pure), [`shell`] and [`catalog`] are the simulated programs and registry (pure),
//! [`kubelet`] runs the node and pod tasks, [`node`] registers nodes and renews Leases,
//! [`events`] records Events, [`logs`] and [`server`] serve the kubelet API for logs.
//!
//! This crate is an API client only: it never depends on `kubesim-apiserver` and never touches
//! the store. Its writes are those of a kubelet: Nodes, `nodes/{name}/status`, Leases,
//! `pods/{name}/status`, Events, and the final grace-0 deletion of a pod it stopped.

pub mod catalog;
pub mod error;
pub mod events;
mod ids;
pub mod kubelet;
pub mod logs;
pub mod node;
pub mod pod;
pub mod server;
pub mod shell;
pub mod stages;
pub mod status;
pub mod time;
pub mod view;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use axum::Router;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::api::Api;
use kube::runtime::{WatchStreamExt, watcher};
use kubesim_api::clock::Clock;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use error::{Error, Result};
pub use node::NodeSpec;
pub use time::TokioTime;

/// Builds the client the kubelet of a node writes with (its identity, `system:node:<name>`).
pub type ClientFor = Arc<dyn Fn(&str) -> kube::Client + Send + Sync>;

/// The kubelet API of every simulated node, by node name: what the API server's kubelet
/// connector calls for `pods/{name}/log`. Cheap to clone; clones share the table.
#[derive(Clone, Default)]
pub struct Kubelets {
    inner: Arc<RwLock<HashMap<String, Router>>>,
}

impl Kubelets {
    /// The kubelet API router of `node`, if that node is simulated here.
    /// Forgets every node's kubelet API. Called on shutdown: the routers hold clients whose
    /// transport is the API router, which holds this map — clearing it breaks that cycle so the
    /// store can close.
    pub fn clear(&self) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The kubelet API of a node, if it is simulated here.
    pub fn router(&self, node: &str) -> Option<Router> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(node)
            .cloned()
    }

    fn insert(&self, node: &str, router: Router) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(node.to_string(), router);
    }
}

/// What the simulated kubelets run with.
pub struct Context {
    /// The injected clock (scale and profile).
    pub clock: Clock,
    /// The nodes to simulate.
    pub nodes: Vec<NodeSpec>,
    /// The client each node's kubelet writes with.
    pub client_for: ClientFor,
    /// Where each node's kubelet API is published.
    pub kubelets: Kubelets,
}

/// Runs one simulated kubelet per node until `shutdown`: registers the nodes, keeps their
/// Leases and status fresh, and drives every pod bound to them. `client` serves the one
/// shared pod watch. Returns an error if a part stops unexpectedly.
pub async fn run(client: kube::Client, ctx: Context, shutdown: CancellationToken) -> Result<()> {
    let mut tasks = JoinSet::new();
    let mut runtimes = HashMap::new();
    for spec in ctx.nodes {
        let name = spec.name.clone();
        let rt = Arc::new(kubelet::NodeRuntime::new(
            spec,
            (ctx.client_for)(&name),
            ctx.clock.clone(),
        ));
        ctx.kubelets.insert(&name, server::router(rt.clone()));
        tasks.spawn(kubelet::run_node(rt.clone(), shutdown.clone()));
        runtimes.insert(name, rt);
    }
    tracing::info!(nodes = runtimes.len(), "Simulated kubelets started.");
    tasks.spawn(kubelet::run_pods(client, runtimes, shutdown.clone()));
    let kubelets = ctx.kubelets.clone();
    let result = async {
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(())) if shutdown.is_cancelled() => {}
                Ok(Ok(())) => return Err(Error::Stopped("a kubelet task returned".into())),
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(Error::Stopped(e.to_string())),
            }
        }
        Ok(())
    }
    .await;
    kubelets.clear();
    result
}

/// Waits (on a watch of Nodes, no polling) until every node in `names` is Ready with a
/// heartbeat no older than `since` (so a restarted cluster waits for fresh heartbeats, not the
/// stale status it stored).
pub async fn wait_until_ready(
    client: kube::Client,
    names: &[String],
    since: std::time::SystemTime,
) -> Result<()> {
    let since = jiff::Timestamp::try_from(since)
        .ok()
        .and_then(|t| jiff::Timestamp::from_second(t.as_second()).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut pending: BTreeSet<String> = names.iter().cloned().collect();
    if pending.is_empty() {
        return Ok(());
    }
    let api: Api<Node> = Api::all(client);
    let mut nodes = watcher(api, watcher::Config::default())
        .default_backoff()
        .applied_objects()
        .boxed();
    while let Some(node) = nodes.next().await {
        let node = match node {
            Ok(n) => n,
            Err(e) => {
                tracing::debug!(error = %e, "Node watch error; retrying.");
                continue;
            }
        };
        let ready = node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.type_ == "Ready"
                        && c.status == "True"
                        && c.last_heartbeat_time.as_ref().is_some_and(|t| t.0 >= since)
                })
            });
        if ready && let Some(name) = &node.metadata.name {
            pending.remove(name);
            if pending.is_empty() {
                return Ok(());
            }
        }
    }
    Err(Error::Stopped("the node watch ended".into()))
}
