//! The kubesim controller manager: kube-controller-manager's control loops, in process.
//!
//! Every controller is level-triggered (STYLE.md §3): the shared caches of
//! [`kubesim_client::Informers`] feed a `kube::runtime::Controller`, whose `reconcile` reads
//! only the cache, asks a pure planner what to do, and writes through the API. Each module
//! holds one controller: its planner (unit-tested as a pure function) and the thin I/O
//! around it.
//!
//! This crate is an API client only: it never depends on `kubesim-apiserver` and never touches
//! the store.

pub mod error;
pub mod runner;
pub mod serviceaccount;

use std::sync::Arc;

use kubesim_api::clock::Clock;
use kubesim_client::{Events, Informers};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use error::{Error, Result};

/// What the controllers run with.
pub struct Context {
    /// The injected clock (scale and profile).
    pub clock: Clock,
}

/// What every controller shares: the client, the caches, the event writer and the clock.
pub struct Shared {
    /// The controller manager's client (`system:kube-controller-manager`).
    pub client: kube::Client,
    /// The process's caches, one per kind.
    pub informers: Informers,
    /// The event writer; each controller takes a recorder named after itself.
    pub events: Events,
    /// The injected clock.
    pub clock: Clock,
}

/// Runs every controller until `shutdown`. Returns an error if one stops unexpectedly.
pub async fn run(client: kube::Client, ctx: Context, shutdown: CancellationToken) -> Result<()> {
    let shared = Arc::new(Shared {
        informers: Informers::new(client.clone(), shutdown.clone()),
        events: Events::start(client.clone(), shutdown.clone()),
        client,
        clock: ctx.clock,
    });
    let mut tasks = JoinSet::new();
    tasks.spawn(serviceaccount::run(shared.clone(), shutdown.clone()));
    tracing::info!(controllers = tasks.len(), "Controllers started.");
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) if shutdown.is_cancelled() => {}
            Ok(Ok(())) => return Err(Error::Stopped("a controller returned".into())),
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(Error::Stopped(e.to_string())),
        }
    }
    Ok(())
}
