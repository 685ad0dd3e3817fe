//! What a new cluster has before anyone writes to it, as upstream's bootstrap controllers make
//! it: the system namespaces and the `default/kubernetes` Service with its Endpoints and
//! EndpointSlice pointing at the API server. Runs through the registry — the same write path as
//! every client — and is idempotent, so a restarted cluster only refreshes the endpoints.

use kubesim_api::wellknown::{NAMESPACE_DEFAULT, SYSTEM_NAMESPACES};
use kubesim_api::{ApiError, ResourceDef};
use serde_json::{Value, json};

use crate::registry::{Registry, Target, WriteContext};

/// The ClusterIP of `default/kubernetes`: the first address of the service range 10.3.0.0/16.
pub const KUBERNETES_SERVICE_IP: &str = "10.3.0.1";

fn def(reg: &Registry, group: &str, version: &str, plural: &str) -> Result<ResourceDef, ApiError> {
    reg.resolve(group, version, plural)
        .ok_or_else(|| ApiError::Internal(format!("resource {plural} is not served")))
}

async fn ensure(
    reg: &Registry,
    d: &ResourceDef,
    ns: Option<&str>,
    obj: Value,
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    match reg.create(d, ns, obj, ctx).await {
        Ok(_) | Err(ApiError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn upsert(
    reg: &Registry,
    d: &ResourceDef,
    ns: Option<&str>,
    name: &str,
    obj: Value,
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    reg.update(d, ns, name, obj, Target::Main, ctx)
        .await
        .map(|_| ())
}

/// Creates `obj` in the default namespace, or — when it exists from an earlier start — brings the
/// fields at `refresh` (JSON pointers to top-level or nested fields) up to date.
async fn create_or_refresh(
    reg: &Registry,
    d: &ResourceDef,
    obj: Value,
    refresh: &[&str],
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match reg
        .create(d, Some(NAMESPACE_DEFAULT), obj.clone(), ctx)
        .await
    {
        Ok(_) => Ok(()),
        Err(ApiError::AlreadyExists { .. }) => {
            let mut current = reg.get(d, Some(NAMESPACE_DEFAULT), &name)?;
            for pointer in refresh {
                if let (Some(want), Some(slot)) =
                    (obj.pointer(pointer), current.pointer_mut(pointer))
                {
                    *slot = want.clone();
                }
            }
            // An update that changes nothing is not written.
            upsert(reg, d, Some(NAMESPACE_DEFAULT), &name, current, ctx).await
        }
        Err(e) => Err(e),
    }
}

/// Creates the system namespaces and the `kubernetes` Service; points its endpoints at `port`.
pub async fn bootstrap(
    reg: &Registry,
    ctx: &WriteContext,
    host: &str,
    port: u16,
) -> Result<(), ApiError> {
    let namespaces = def(reg, "", "v1", "namespaces")?;
    for ns in SYSTEM_NAMESPACES {
        ensure(
            reg,
            &namespaces,
            None,
            json!({"metadata": {"name": ns}}),
            ctx,
        )
        .await?;
    }
    let services = def(reg, "", "v1", "services")?;
    let service = json!({
        "metadata": {"name": "kubernetes", "namespace": NAMESPACE_DEFAULT,
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": KUBERNETES_SERVICE_IP,
            "clusterIPs": [KUBERNETES_SERVICE_IP],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None"
        }
    });
    create_or_refresh(reg, &services, service, &["/spec/ports"], ctx).await?;
    let endpoints = def(reg, "", "v1", "endpoints")?;
    upsert(
        reg,
        &endpoints,
        Some(NAMESPACE_DEFAULT),
        "kubernetes",
        json!({
            "metadata": {"name": "kubernetes", "namespace": NAMESPACE_DEFAULT,
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": host}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]
        }),
        ctx,
    )
    .await?;
    if let Some(slices) = reg.resolve("discovery.k8s.io", "v1", "endpointslices") {
        let slice = json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": NAMESPACE_DEFAULT,
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [host], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}]
        });
        create_or_refresh(reg, &slices, slice, &["/endpoints", "/ports"], ctx).await?;
    }
    register_api_services(reg, ctx).await
}

/// One `APIService` per served group version, as the aggregator registers its local groups
/// (`kubectl get apiservices` lists them as Local and Available).
async fn register_api_services(reg: &Registry, ctx: &WriteContext) -> Result<(), ApiError> {
    let Some(api_services) = reg.resolve("apiregistration.k8s.io", "v1", "apiservices") else {
        return Ok(());
    };
    let groups = reg.table().groups();
    let count = groups.len() as i64;
    let mut wanted = Vec::new();
    for (rank, (group, versions)) in groups.iter().enumerate() {
        for (vrank, version) in versions.iter().enumerate() {
            wanted.push(json!({
                "metadata": {"name": format!("{version}.{group}"), "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"}},
                "spec": {
                    "group": group,
                    "version": version,
                    // Earlier groups rank higher, as in upstream's priority table.
                    "groupPriorityMinimum": 18000 - 100 * rank as i64 + count,
                    "versionPriority": 15 - vrank as i64,
                },
            }));
        }
    }
    // Concurrent writes share flushes (group commit), which keeps a first start fast.
    let api_services = &api_services;
    futures::future::try_join_all(wanted.into_iter().map(|obj| async move {
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        ensure(reg, api_services, None, obj, ctx).await?;
        let mut current = reg.get(api_services, None, &name)?;
        if current.pointer("/status/conditions/0/status") != Some(&json!("True")) {
            current["status"] = json!({"conditions": [{
                "type": "Available", "status": "True", "reason": "Local",
                "message": "Local APIServices are always available",
                "lastTransitionTime": crate::registry::meta::now_rfc3339(),
            }]});
            reg.update(api_services, None, &name, current, Target::Status, ctx)
                .await?;
        }
        Ok::<(), ApiError>(())
    }))
    .await?;
    Ok(())
}
