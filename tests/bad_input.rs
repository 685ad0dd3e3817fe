//! Every kind of bad input gets upstream's `Status` over real HTTPS and changes nothing.

mod common;

use std::time::Duration;

use common::TestCluster;
use serde_json::{Value, json};

async fn raw(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = http::Request::builder().method(method).uri(path);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let req = req.body(kube::client::Body::from(body)).expect("request");
    let resp = tokio::time::timeout(Duration::from_secs(20), client.send(req))
        .await
        .expect("no hang")
        .expect("response");
    let code = resp.status().as_u16();
    let bytes = resp.into_body().collect_bytes().await.expect("body");
    let v = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (code, v)
}

fn assert_status(got: &(u16, Value), code: u16, reason: &str) {
    let (c, body) = got;
    assert_eq!(*c, code, "{body}");
    assert_eq!(body["kind"], "Status", "{body}");
    assert_eq!(body["status"], "Failure", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["reason"], reason, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

async fn revision(client: &kube::Client) -> String {
    let (code, list) = raw(client, "GET", "/api/v1/configmaps", None, vec![]).await;
    assert_eq!(code, 200);
    list["metadata"]["resourceVersion"]
        .as_str()
        .expect("list rv")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_upstream_status_and_changes_nothing() {
    // No nodes: their heartbeats would move the global revision this test
    // uses to prove that nothing was written.
    let c = TestCluster::start_with(|cfg| cfg.nodes = 0).await;
    let client = c.kube_client().await;
    let cms = "/api/v1/namespaces/default/configmaps";
    let good = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}, "data": {"a": "1"}});
    let (code, created) = raw(
        &client,
        "POST",
        cms,
        Some("application/json"),
        good.to_string().into_bytes(),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let stale_rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut update = created.clone();
    update["data"]["a"] = "2".into();
    let (code, _) = raw(
        &client,
        "PUT",
        &format!("{cms}/keep"),
        Some("application/json"),
        update.to_string().into_bytes(),
    )
    .await;
    assert_eq!(code, 200);
    let before = revision(&client).await;
    let keep_before = raw(&client, "GET", &format!("{cms}/keep"), None, vec![])
        .await
        .1;

    // Malformed bodies.
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/json"),
            b"{\"metadata\": ".to_vec(),
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &raw(&client, "POST", cms, None, b"not json".to_vec()).await,
        400,
        "BadRequest",
    );
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/yaml"),
            b"metadata: [unclosed".to_vec(),
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/vnd.kubernetes.protobuf"),
            b"k8s\x00\x0a\xff\xff".to_vec(),
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/json"),
            b"[1,2]".to_vec(),
        )
        .await,
        400,
        "BadRequest",
    );
    // Wrong content types.
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("text/plain"),
            good.to_string().into_bytes(),
        )
        .await,
        415,
        "UnsupportedMediaType",
    );
    assert_status(
        &raw(
            &client,
            "PATCH",
            &format!("{cms}/keep"),
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await,
        415,
        "UnsupportedMediaType",
    );
    // Invalid names.
    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}});
    let got = raw(
        &client,
        "POST",
        cms,
        Some("application/json"),
        bad.to_string().into_bytes(),
    )
    .await;
    assert_status(&got, 422, "Invalid");
    assert_eq!(got.1["details"]["kind"], "ConfigMap");
    assert_eq!(got.1["details"]["causes"][0]["field"], "metadata.name");
    let nameless = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}});
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/json"),
            nameless.to_string().into_bytes(),
        )
        .await,
        422,
        "Invalid",
    );
    // A missing namespace.
    let got = raw(
        &client,
        "POST",
        "/api/v1/namespaces/nope/configmaps",
        Some("application/json"),
        good.to_string().into_bytes(),
    )
    .await;
    assert_status(&got, 404, "NotFound");
    assert_eq!(got.1["message"], "namespaces \"nope\" not found");
    // A stale resourceVersion.
    let mut stale = update.clone();
    stale["metadata"]["resourceVersion"] = stale_rv.clone().into();
    stale["data"]["a"] = "3".into();
    let got = raw(
        &client,
        "PUT",
        &format!("{cms}/keep"),
        Some("application/json"),
        stale.to_string().into_bytes(),
    )
    .await;
    assert_status(&got, 409, "Conflict");
    assert!(
        got.1["message"]
            .as_str()
            .unwrap()
            .contains("the object has been modified")
    );
    let patch_stale = json!({"metadata": {"resourceVersion": stale_rv}, "data": {"a": "4"}});
    assert_status(
        &raw(
            &client,
            "PATCH",
            &format!("{cms}/keep"),
            Some("application/merge-patch+json"),
            patch_stale.to_string().into_bytes(),
        )
        .await,
        409,
        "Conflict",
    );
    // An existing name.
    let got = raw(
        &client,
        "POST",
        cms,
        Some("application/json"),
        good.to_string().into_bytes(),
    )
    .await;
    assert_status(&got, 409, "AlreadyExists");
    assert_eq!(got.1["details"]["name"], "keep");
    // An oversized body.
    let mut huge = good.clone();
    huge["data"]["big"] = "x".repeat(4 * 1024 * 1024).into();
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/json"),
            huge.to_string().into_bytes(),
        )
        .await,
        413,
        "RequestEntityTooLarge",
    );
    // Unknown resources, groups and methods.
    assert_status(
        &raw(
            &client,
            "GET",
            "/api/v1/namespaces/default/widgets",
            None,
            vec![],
        )
        .await,
        404,
        "NotFound",
    );
    assert_status(
        &raw(&client, "GET", "/apis/example.com/v1/widgets", None, vec![]).await,
        404,
        "NotFound",
    );
    assert_status(
        &raw(
            &client,
            "GET",
            "/api/v1/namespaces/default/configmaps/keep/bogus",
            None,
            vec![],
        )
        .await,
        404,
        "NotFound",
    );
    assert_status(
        &raw(
            &client,
            "PUT",
            cms,
            Some("application/json"),
            good.to_string().into_bytes(),
        )
        .await,
        405,
        "MethodNotAllowed",
    );
    assert_status(
        &raw(&client, "DELETE", "/api/v1/namespaces", None, vec![]).await,
        405,
        "MethodNotAllowed",
    );
    // A body that does not match the URL.
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}});
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/json"),
            secret.to_string().into_bytes(),
        )
        .await,
        400,
        "BadRequest",
    );
    let other_ns = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "kube-system"}});
    assert_status(
        &raw(
            &client,
            "POST",
            cms,
            Some("application/json"),
            other_ns.to_string().into_bytes(),
        )
        .await,
        400,
        "BadRequest",
    );
    let renamed = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}});
    assert_status(
        &raw(
            &client,
            "PUT",
            &format!("{cms}/keep"),
            Some("application/json"),
            renamed.to_string().into_bytes(),
        )
        .await,
        400,
        "BadRequest",
    );
    // Bad selectors and tokens.
    assert_status(
        &raw(
            &client,
            "GET",
            &format!("{cms}?labelSelector=a%20in%20(b"),
            None,
            vec![],
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &raw(
            &client,
            "GET",
            &format!("{cms}?fieldSelector=spec.nope%3Dx"),
            None,
            vec![],
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &raw(
            &client,
            "GET",
            &format!("{cms}?limit=1&continue=garbage"),
            None,
            vec![],
        )
        .await,
        400,
        "BadRequest",
    );
    // Patches that cannot apply, and patches of missing objects.
    assert_status(
        &raw(
            &client,
            "PATCH",
            &format!("{cms}/keep"),
            Some("application/json-patch+json"),
            b"{\"op\": 1}".to_vec(),
        )
        .await,
        400,
        "BadRequest",
    );
    let failing = json!([{"op": "test", "path": "/data/a", "value": "nope"}]);
    assert_status(
        &raw(
            &client,
            "PATCH",
            &format!("{cms}/keep"),
            Some("application/json-patch+json"),
            failing.to_string().into_bytes(),
        )
        .await,
        422,
        "Invalid",
    );
    assert_status(
        &raw(
            &client,
            "PATCH",
            &format!("{cms}/missing"),
            Some("application/merge-patch+json"),
            b"{}".to_vec(),
        )
        .await,
        404,
        "NotFound",
    );
    assert_status(
        &raw(&client, "DELETE", &format!("{cms}/missing"), None, vec![]).await,
        404,
        "NotFound",
    );
    let precondition = json!({"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}});
    assert_status(
        &raw(
            &client,
            "DELETE",
            &format!("{cms}/keep"),
            Some("application/json"),
            precondition.to_string().into_bytes(),
        )
        .await,
        409,
        "Conflict",
    );
    // Watches with contradictory parameters are refused, not ignored.
    assert_status(
        &raw(
            &client,
            "GET",
            &format!("{cms}?watch=true&sendInitialEvents=true"),
            None,
            vec![],
        )
        .await,
        422,
        "Invalid",
    );

    // Nothing changed: the same revision and the same object.
    assert_eq!(revision(&client).await, before);
    assert_eq!(
        raw(&client, "GET", &format!("{cms}/keep"), None, vec![])
            .await
            .1,
        keep_before
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_credentials_get_401_but_health_is_public() {
    let c = TestCluster::start().await;
    // A client that trusts the CA but presents no certificate or token.
    let mut cfg = kube::Config::new(c.handle.server_url().parse().unwrap());
    cfg.root_cert = Some(vec![rustls_pemfile_der(c.handle.ca_pem())]);
    let anon = kube::Client::try_from(cfg).expect("client");
    assert_status(
        &raw(&anon, "GET", "/api/v1/namespaces", None, vec![]).await,
        401,
        "Unauthorized",
    );
    let (code, body) = raw(&anon, "GET", "/version", None, vec![]).await;
    assert_eq!(code, 200);
    assert_eq!(body["gitVersion"], kubesim_api::KUBERNETES_VERSION);
    let (code, _) = raw(&anon, "GET", "/readyz", None, vec![]).await;
    assert_eq!(code, 200);
    c.handle.shutdown().await;
}

fn rustls_pemfile_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("pem")
}
