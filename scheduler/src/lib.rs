//! The kubesim scheduler: assigns pending pods to nodes, as kube-scheduler v1.33's default
//! profile does.
//!
//! Watches pods, nodes, PriorityClasses and namespaces through kube-runtime watchers; keeps a
//! [`cache`] of nodes and their pods and a [`queue`] of pending pods; each cycle runs the
//! [`plugins`] (PreFilter, Filter, Score) in [`algorithm`], assumes the pod on the chosen node
//! and binds it asynchronously through `POST pods/{name}/binding`. A pod that fits nowhere may
//! [`preemption`] lower-priority pods; either way its outcome is written as upstream does: the
//! `PodScheduled` condition and `Scheduled`/`FailedScheduling` [`events`].
//!
//! This crate is an API client only: it must never depend on `kubesim-apiserver`.

pub mod algorithm;
pub mod cache;
pub mod error;
pub mod events;
pub mod framework;
pub mod plugins;
pub mod preemption;
pub mod quantity;
pub mod queue;
pub mod resources;
mod scheduler;
pub mod selector;

use std::time::Duration;

pub use error::{Error, Result};

/// The name of the default scheduler, which pods get in `spec.schedulerName` by default.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// What the scheduler is configured with.
#[derive(Debug, Clone)]
pub struct Context {
    /// Pods with this `spec.schedulerName` are ours (`default-scheduler`).
    pub scheduler_name: String,
    /// Seed of the RNG that breaks ties between equally scored nodes.
    pub seed: u64,
    /// Percentage of nodes to find feasible before scoring; 0 is upstream's adaptive default.
    pub percentage_of_nodes_to_score: u32,
    /// First backoff after a failed attempt (1 s).
    pub initial_backoff: Duration,
    /// Longest backoff (10 s).
    pub max_backoff: Duration,
    /// Longest stay in the unschedulable queue without a helpful event (5 min).
    pub max_unschedulable: Duration,
    /// How many API writes (binds, status patches, deletions) may be in flight at once.
    pub api_concurrency: usize,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            scheduler_name: DEFAULT_SCHEDULER_NAME.to_string(),
            seed: 0x5eed,
            percentage_of_nodes_to_score: 0,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_unschedulable: Duration::from_secs(300),
            api_concurrency: 64,
        }
    }
}

/// Runs the scheduler until `shutdown` fires. Every read and write goes through `client`.
///
/// Returns an error only if a watch ends, which kube-runtime watchers never do on their own;
/// failed API calls are logged and retried through the queue's backoff.
pub async fn run(
    client: kube::Client,
    ctx: Context,
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<()> {
    scheduler::Scheduler::new(client, ctx).run(shutdown).await
}
