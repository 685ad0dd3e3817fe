//! The router without a socket: status codes, content types, discovery documents and watch
//! framing, checked with `oneshot` requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kubesim_api::ResourceTable;
use kubesim_apiserver::auth::{AllowAll, Identity, TokenAuthenticator};
use kubesim_apiserver::http::{ApiState, router};
use kubesim_apiserver::registry::{Registry, WriteContext};
use kubesim_apiserver::storage::{Store, StoreOptions};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

struct Api {
    router: axum::Router,
    ready: Arc<AtomicBool>,
}

async fn api() -> Api {
    let registry = Arc::new(Registry::new(
        Store::memory(StoreOptions::default()),
        ResourceTable::builtin(),
        Box::new(AllowAll),
        CancellationToken::new(),
    ));
    let ctx = WriteContext::internal(Identity::new("test", &["system:masters"]), "test");
    kubesim_apiserver::bootstrap::bootstrap(&registry, &ctx, "127.0.0.1", 6443)
        .await
        .expect("bootstrap");
    let tokens = TokenAuthenticator::default();
    tokens.add("secret", Identity::new("admin", &["system:masters"]));
    let ready = Arc::new(AtomicBool::new(false));
    let state = ApiState {
        registry,
        tokens,
        ready: ready.clone(),
        server_address: Arc::new(std::sync::RwLock::new("127.0.0.1:6443".into())),
        kubelet: None,
    };
    Api {
        router: router(state),
        ready,
    }
}

async fn call(
    api: &Api,
    method: &str,
    uri: &str,
    accept: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, "Bearer secret");
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let resp = api
        .router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, ct, bytes)
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("json")
}

#[tokio::test]
async fn aggregated_discovery_answers_with_the_exact_content_type() {
    let api = api().await;
    let v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let (code, ct, body) = call(&api, "GET", "/apis?timeout=32s", Some(v2), None).await;
    assert_eq!(code, 200);
    assert_eq!(
        ct.as_deref(),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    let doc = json_of(&body);
    assert_eq!(doc["kind"], "APIGroupDiscoveryList");
    let apps = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .expect("apps");
    let deploy = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap();
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    assert!(
        deploy["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["subresource"] == "scale" && s["responseKind"]["group"] == "autoscaling")
    );

    let v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let (_, ct, _) = call(&api, "GET", "/api", Some(v2beta1), None).await;
    assert_eq!(
        ct.as_deref(),
        Some("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
    );
    // A client asking for plain JSON gets the legacy documents.
    let (_, ct, body) = call(&api, "GET", "/api", Some("application/json"), None).await;
    assert_eq!(ct.as_deref(), Some("application/json"));
    assert_eq!(json_of(&body)["kind"], "APIVersions");
    let (_, _, body) = call(&api, "GET", "/api/v1", None, None).await;
    let list = json_of(&body);
    let eviction = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods/eviction")
        .expect("pods/eviction");
    assert_eq!(
        (eviction["group"].as_str(), eviction["version"].as_str()),
        (Some("policy"), Some("v1"))
    );
}

#[tokio::test]
async fn tables_carry_columns_and_partial_object_metadata() {
    let api = api().await;
    let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let (code, _, body) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/services?limit=500",
        Some(table),
        None,
    )
    .await;
    assert_eq!(code, 200);
    let t = json_of(&body);
    assert_eq!(t["kind"], "Table");
    let names: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Name",
            "Type",
            "Cluster-IP",
            "External-IP",
            "Port(s)",
            "Age",
            "Selector"
        ]
    );
    let row = &t["rows"][0];
    assert_eq!(row["cells"][0], "kubernetes");
    assert_eq!(row["cells"][2], "10.3.0.1");
    assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(row["object"]["metadata"]["namespace"], "default");
}

#[tokio::test]
async fn watch_streams_one_json_event_per_line() {
    let api = api().await;
    let (code, _, body) = call(
        &api,
        "GET",
        "/api/v1/namespaces?watch=true&timeoutSeconds=1",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    let text = String::from_utf8(body).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one event per line"))
        .collect();
    assert_eq!(events.len(), 4, "{text}");
    assert!(
        events
            .iter()
            .all(|e| e["type"] == "ADDED" && e["object"]["kind"] == "Namespace")
    );
}

#[tokio::test]
async fn watch_list_ends_initial_events_with_an_annotated_bookmark() {
    let api = api().await;
    let uri = "/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1";
    let (_, _, body) = call(&api, "GET", uri, None, None).await;
    let text = String::from_utf8(body).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let bookmark = events
        .iter()
        .position(|e| e["type"] == "BOOKMARK")
        .expect("bookmark");
    assert_eq!(bookmark, 4, "{text}");
    assert_eq!(
        events[bookmark]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
}

#[tokio::test]
async fn readyz_waits_for_ready_and_unauthenticated_requests_get_401() {
    let api = api().await;
    let plain = |uri: &str| Request::builder().uri(uri).body(Body::empty()).unwrap();
    let r = api.router.clone().oneshot(plain("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    api.ready.store(true, Ordering::Release);
    let r = api.router.clone().oneshot(plain("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = api
        .router
        .clone()
        .oneshot(plain("/api/v1/pods"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(json_of(&body)["reason"], "Unauthorized");
    let r = api
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/api/v1/pods")
                .header(header::AUTHORIZATION, "Bearer wrong")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn generation_moves_only_with_the_spec() {
    let api = api().await;
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}});
    let (code, _, body) = call(
        &api,
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        None,
        Some(dep),
    )
    .await;
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["metadata"]["generation"], 1);
    let label = |v: &str| json!({"metadata": {"labels": {"x": v}}});
    let req = |b: Value| {
        Request::builder()
            .method("PATCH")
            .uri("/apis/apps/v1/namespaces/default/deployments/d")
            .header(header::AUTHORIZATION, "Bearer secret")
            .header(header::CONTENT_TYPE, "application/merge-patch+json")
            .body(Body::from(b.to_string()))
            .unwrap()
    };
    let r = api.router.clone().oneshot(req(label("1"))).await.unwrap();
    let obj = json_of(&r.into_body().collect().await.unwrap().to_bytes());
    assert_eq!(obj["metadata"]["generation"], 1);
    let r = api
        .router
        .clone()
        .oneshot(req(json!({"spec": {"replicas": 5}})))
        .await
        .unwrap();
    let obj = json_of(&r.into_body().collect().await.unwrap().to_bytes());
    assert_eq!(obj["metadata"]["generation"], 2);
    assert_eq!(obj["spec"]["strategy"]["type"], "RollingUpdate");
    // Status written on the main resource is ignored.
    let r = api
        .router
        .clone()
        .oneshot(req(json!({"status": {"replicas": 9}})))
        .await
        .unwrap();
    let obj = json_of(&r.into_body().collect().await.unwrap().to_bytes());
    assert!(obj["status"].get("replicas").is_none(), "{obj}");
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let api = api().await;
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "held", "finalizers": ["example.com/hold"]}});
    let (code, _, _) = call(
        &api,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        None,
        Some(cm),
    )
    .await;
    assert_eq!(code, 201);
    let (code, _, body) = call(
        &api,
        "DELETE",
        "/api/v1/namespaces/default/configmaps/held",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    let obj = json_of(&body);
    assert!(obj["metadata"]["deletionTimestamp"].is_string(), "{obj}");
    // Still readable while the finalizer is there; no new finalizers may be added.
    let (code, _, body) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/configmaps/held",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    let mut obj = json_of(&body);
    obj["metadata"]["finalizers"] = json!(["example.com/hold", "example.com/more"]);
    let (code, _, _) = call(
        &api,
        "PUT",
        "/api/v1/namespaces/default/configmaps/held",
        None,
        Some(obj.clone()),
    )
    .await;
    assert_eq!(code, 422);
    obj["metadata"]["finalizers"] = json!([]);
    let (code, _, _) = call(
        &api,
        "PUT",
        "/api/v1/namespaces/default/configmaps/held",
        None,
        Some(obj),
    )
    .await;
    assert_eq!(code, 200);
    let (code, _, _) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/configmaps/held",
        None,
        None,
    )
    .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn bound_pods_are_deleted_gracefully_unbound_ones_at_once() {
    let api = api().await;
    let pod = |name: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    };
    for name in ["bound", "unbound"] {
        let (code, _, body) = call(
            &api,
            "POST",
            "/api/v1/namespaces/default/pods",
            None,
            Some(pod(name)),
        )
        .await;
        assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    }
    let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bound"}, "target": {"kind": "Node", "name": "node-1"}});
    let (code, _, body) = call(
        &api,
        "POST",
        "/api/v1/namespaces/default/pods/bound/binding",
        None,
        Some(binding.clone()),
    )
    .await;
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    let (code, _, body) = call(
        &api,
        "POST",
        "/api/v1/namespaces/default/pods/bound/binding",
        None,
        Some(binding),
    )
    .await;
    assert_eq!(code, 409, "{}", String::from_utf8_lossy(&body));
    let (_, _, body) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/pods/bound",
        None,
        None,
    )
    .await;
    let obj = json_of(&body);
    assert_eq!(obj["spec"]["nodeName"], "node-1");
    assert_eq!(obj["status"]["conditions"][0]["type"], "PodScheduled");

    let (_, _, body) = call(
        &api,
        "DELETE",
        "/api/v1/namespaces/default/pods/bound",
        None,
        None,
    )
    .await;
    let obj = json_of(&body);
    assert_eq!(obj["metadata"]["deletionGracePeriodSeconds"], 30, "{obj}");
    let (code, _, _) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/pods/bound",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    // Forced deletion (grace period 0) removes it.
    let (code, _, _) = call(
        &api,
        "DELETE",
        "/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    let (code, _, _) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/pods/bound",
        None,
        None,
    )
    .await;
    assert_eq!(code, 404);

    let (code, _, _) = call(
        &api,
        "DELETE",
        "/api/v1/namespaces/default/pods/unbound",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    let (code, _, _) = call(
        &api,
        "GET",
        "/api/v1/namespaces/default/pods/unbound",
        None,
        None,
    )
    .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn namespace_status_and_finalize_are_subresources_of_the_namespace() {
    let api = api().await;
    let (code, _, body) = call(&api, "GET", "/api/v1/namespaces/default/status", None, None).await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["status"]["phase"], "Active");
    let (code, _, _) = call(
        &api,
        "POST",
        "/api/v1/namespaces",
        None,
        Some(json!({"metadata": {"name": "doomed"}})),
    )
    .await;
    assert_eq!(code, 201);
    let (code, _, body) = call(&api, "DELETE", "/api/v1/namespaces/doomed", None, None).await;
    assert_eq!(code, 200);
    assert_eq!(json_of(&body)["status"]["phase"], "Terminating");
    let (_, _, body) = call(&api, "GET", "/api/v1/namespaces/doomed", None, None).await;
    let mut ns = json_of(&body);
    ns["spec"]["finalizers"] = json!([]);
    let (code, _, body) = call(
        &api,
        "PUT",
        "/api/v1/namespaces/doomed/finalize",
        None,
        Some(ns),
    )
    .await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let (code, _, _) = call(&api, "GET", "/api/v1/namespaces/doomed", None, None).await;
    assert_eq!(code, 404);
}
