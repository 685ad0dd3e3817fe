//! Running a `kube::runtime::Controller` the same way for every controller: until shutdown, with
//! one error policy, and with each reconcile error logged once, where it is finally handled.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::Resource;
use kube::runtime::Controller;
use kube::runtime::controller::Action;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::{Error, Result};

/// How soon an object whose reconcile failed is tried again. A 409 Conflict (the object changed
/// under us) is retried at once: the cache already has, or is about to have, the new version.
pub fn retry_after(error: &Error) -> Duration {
    match error {
        Error::Api(kube::Error::Api(s)) if s.code == 409 => Duration::from_millis(20),
        _ => Duration::from_secs(1),
    }
}

/// Drives `controller` with `reconcile` until `shutdown` fires. `name` is the controller's
/// name in logs (`replicaset-controller`).
pub async fn run<K, C, F>(
    name: &'static str,
    controller: Controller<K>,
    reconcile: impl FnMut(Arc<K>, Arc<C>) -> F + Send + 'static,
    ctx: Arc<C>,
    shutdown: CancellationToken,
) -> Result<()>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    C: Send + Sync + 'static,
    F: Future<Output = Result<Action>> + Send + 'static,
{
    let error_policy = move |_obj: Arc<K>, error: &Error, _ctx: Arc<C>| {
        if matches!(error, Error::Api(kube::Error::Api(s)) if s.code == 409) {
            tracing::debug!(controller = name, error = %error, "Conflict; requeued.");
        } else {
            tracing::warn!(controller = name, error = %error, source = ?std::error::Error::source(error), "Reconcile failed; requeued.");
        }
        Action::requeue(retry_after(error))
    };
    let stop = shutdown.clone();
    controller
        .graceful_shutdown_on(async move { stop.cancelled().await })
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            if let Err(e) = result {
                // Reconcile errors were logged by the error policy; these are the runner's own
                // (a missing object in the cache, a trigger stream error).
                tracing::debug!(controller = name, error = %e, "Controller event.");
            }
        })
        .await;
    if shutdown.is_cancelled() {
        Ok(())
    } else {
        Err(Error::Stopped(format!("{name} ended")))
    }
}
