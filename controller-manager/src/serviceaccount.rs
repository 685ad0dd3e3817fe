//! The ServiceAccounts controller: every active namespace has a ServiceAccount `default`
//! (kube-controller-manager's `serviceaccount-controller`). Deleting it brings it back.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};
use kube::runtime::Controller;
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::{Resource, ResourceExt};
use kubesim_client::Informer;
use tokio_util::sync::CancellationToken;

use crate::{Error, Result, Shared};

/// The controller's name.
pub const NAME: &str = "serviceaccount-controller";
/// The ServiceAccount every namespace gets.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";

struct Ctx {
    shared: Arc<Shared>,
    accounts: Informer<ServiceAccount>,
}

/// Whether `ns` should get a `default` ServiceAccount it does not have: only while it is
/// active (a terminating namespace refuses new content).
pub fn needs_default(ns: &Namespace, has_default: bool) -> bool {
    let terminating = ns.meta().deletion_timestamp.is_some()
        || ns.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Terminating");
    !has_default && !terminating
}

/// Runs the controller until `shutdown`.
pub async fn run(shared: Arc<Shared>, shutdown: CancellationToken) -> Result<()> {
    let namespaces = shared.informers.get::<Namespace>();
    let accounts = shared.informers.get::<ServiceAccount>();
    let controller = Controller::for_shared_stream(namespaces.subscribe(), namespaces.store())
        .watches_shared_stream(accounts.subscribe(), |sa: Arc<ServiceAccount>| {
            (sa.name_any() == DEFAULT_SERVICE_ACCOUNT)
                .then(|| sa.namespace().map(|ns| ObjectRef::<Namespace>::new(&ns)))
                .flatten()
        });
    let ctx = Arc::new(Ctx { shared, accounts });
    crate::runner::run(NAME, controller, reconcile, ctx, shutdown).await
}

async fn reconcile(ns: Arc<Namespace>, ctx: Arc<Ctx>) -> Result<Action> {
    let name = ns
        .metadata
        .name
        .as_deref()
        .ok_or(Error::MissingMeta("name"))?;
    let has_default = ctx
        .accounts
        .get(Some(name), DEFAULT_SERVICE_ACCOUNT)
        .is_some();
    if !needs_default(&ns, has_default) {
        return Ok(Action::await_change());
    }
    let api: Api<ServiceAccount> = Api::namespaced(ctx.shared.client.clone(), name);
    let sa = ServiceAccount {
        metadata: ObjectMeta {
            name: Some(DEFAULT_SERVICE_ACCOUNT.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    match api.create(&PostParams::default(), &sa).await {
        Ok(_) => Ok(Action::await_change()),
        // Already there (the cache lags), or the namespace started terminating meanwhile.
        Err(kube::Error::Api(s)) if s.code == 409 || s.code == 403 => Ok(Action::await_change()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(phase: Option<&str>) -> Namespace {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "team"},
            "status": {"phase": phase},
        }))
        .unwrap()
    }

    #[test]
    fn only_active_namespaces_without_one_get_a_default_account() {
        assert!(needs_default(&ns(Some("Active")), false));
        assert!(!needs_default(&ns(Some("Active")), true));
        assert!(!needs_default(&ns(Some("Terminating")), false));
        assert!(needs_default(&ns(None), false));
    }
}
