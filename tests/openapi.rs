//! OpenAPI and server-side field validation, end to end with the real kubectl (1.33 through
//! the dispatcher, and 1.27) and raw HTTPS requests.

mod common;

use std::time::Duration;

use common::{TestCluster, json};
use serde_json::Value;

const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  replicas: 1
  foo: bar
  selector:
    matchLabels: {app: typo}
  template:
    metadata:
      labels: {app: typo}
    spec:
      containers:
      - name: web
        image: nginx
";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `create -f` of a manifest with an unknown field under each `--validate` mode.
async fn validate_modes(version: Option<&str>) {
    let c = TestCluster::start().await;
    let v = version;
    let file = c.dir.path().join("typo.yaml");
    std::fs::write(&file, MANIFEST).expect("manifest");
    let file = file.to_str().expect("utf-8 path");

    // Default (strict): refused by the server.
    let err = c.kubectl_err(v, &["create", "-f", file]).await;
    assert!(
        err.contains("strict decoding error: unknown field \"spec.foo\"")
            || err.contains("error validating data"),
        "{err}"
    );
    assert!(
        err.contains("Deployment in version \"v1\" cannot be handled as a Deployment"),
        "{err}"
    );
    let missing = c.kubectl(v, &["get", "deployment", "typo"]).await;
    assert!(!missing.status.success(), "nothing was created");

    // Warn: created, with a warning, and the field is not stored.
    let out = c
        .kubectl(v, &["create", "-f", file, "--validate=warn"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Warning: unknown field \"spec.foo\""),
        "{}",
        stderr(&out)
    );
    let stored = json(
        &c.kubectl_ok(v, &["get", "deployment", "typo", "-o", "json"])
            .await,
    );
    assert!(stored["spec"].get("foo").is_none(), "{stored}");
    assert_eq!(stored["spec"]["replicas"], 1);
    c.kubectl_ok(v, &["delete", "deployment", "typo"]).await;

    // false (Ignore): created silently.
    let out = c
        .kubectl(v, &["create", "-f", file, "--validate=false"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Warning"), "{}", stderr(&out));
    let stored = json(
        &c.kubectl_ok(v, &["get", "deployment", "typo", "-o", "json"])
            .await,
    );
    assert!(stored["spec"].get("foo").is_none(), "{stored}");

    // Client-side apply of an update with a new unknown field is refused too.
    let err = c
        .kubectl_err(
            v,
            &[
                "patch",
                "deployment",
                "typo",
                "--type=merge",
                "-p",
                "{\"spec\":{\"replicas\":\"2\"}}",
            ],
        )
        .await;
    assert!(
        err.contains("cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_33_field_validation_modes() {
    validate_modes(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_27_field_validation_modes() {
    validate_modes(Some("1.27")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_explain_reads_the_schemas() {
    let c = TestCluster::start().await;

    let out = c
        .kubectl_ok(None, &["explain", "deployment.spec.strategy"])
        .await;
    for want in [
        "GROUP:      apps",
        "KIND:       Deployment",
        "VERSION:    v1",
        "FIELD: strategy <DeploymentStrategy>",
        "The deployment strategy to use to replace existing pods with new ones.",
        "rollingUpdate\t<RollingUpdateDeployment>",
        "Rolling update config params. Present only if DeploymentStrategyType =",
        "type\t<string>",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }

    let out = c
        .kubectl_ok(None, &["explain", "pods", "--recursive"])
        .await;
    for want in [
        "KIND:       Pod",
        "  metadata\t<ObjectMeta>\n",
        "    labels\t<map[string]string>",
        "  spec\t<PodSpec>",
        "    containers\t<[]Container> -required-",
        "      image\t<string>",
        "      ports\t<[]ContainerPort>",
        "        containerPort\t<integer> -required-",
        "  status\t<PodStatus>",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }

    let out = c
        .kubectl_ok(Some("1.27"), &["explain", "deployment.spec.strategy"])
        .await;
    assert!(
        out.contains("FIELD: strategy <DeploymentStrategy>")
            && out.contains("rollingUpdate\t<RollingUpdateDeployment>"),
        "{out}"
    );
    // The Swagger 2.0 (protobuf) path of kubectl 1.27.
    let out = c
        .kubectl_ok(
            Some("1.27"),
            &[
                "explain",
                "--output=plaintext-openapiv2",
                "deployment.spec.strategy",
            ],
        )
        .await;
    for want in [
        "KIND:     Deployment",
        "VERSION:  apps/v1",
        "RESOURCE: strategy <Object>",
        "DeploymentStrategy describes how to replace existing pods with new ones.",
        "rollingUpdate\t<Object>",
        "type\t<string>",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_v3_documents_are_served_with_schemas() {
    let c = TestCluster::start().await;
    let index = json(&c.kubectl_ok(None, &["get", "--raw", "/openapi/v3"]).await);
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .expect("apps/v1 in the index");
    assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
    let again = json(&c.kubectl_ok(None, &["get", "--raw", "/openapi/v3"]).await);
    assert_eq!(index, again, "hashes are stable");

    let doc = json(
        &c.kubectl_ok(None, &["get", "--raw", "/openapi/v3/apis/apps/v1"])
            .await,
    );
    let deployment = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        deployment["x-kubernetes-group-version-kind"],
        serde_json::json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    assert!(
        deployment["description"]
            .as_str()
            .is_some_and(|d| d.contains("declarative updates"))
    );
    let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert!(
        patch["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "fieldValidation")),
        "{patch}"
    );
    let containers =
        &doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");

    let missing = c
        .kubectl(None, &["get", "--raw", "/openapi/v3/apis/nope/v1"])
        .await;
    assert!(!missing.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_27_client_side_apply_merges_lists_from_openapi_v2() {
    let c = TestCluster::start().await;
    let v = Some("1.27");
    let manifest = |extra_env: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: a
        image: nginx
        env:
        - {{name: FIRST, value: \"1\"}}{extra_env}
      - name: b
        image: busybox
"
        )
    };
    let file = c.dir.path().join("web.yaml");
    let file_str = file.to_str().expect("utf-8 path").to_string();
    std::fs::write(&file, manifest("")).expect("manifest");
    c.kubectl_ok(v, &["apply", "-f", &file_str]).await;
    // Someone else adds a sidecar; apply must keep it (merge by name, not replace).
    c.kubectl_ok(
        v,
        &[
            "patch",
            "deployment",
            "web",
            "-p",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"redis\"}]}}}}",
        ],
    )
    .await;
    std::fs::write(&file, manifest("\n        - {name: SECOND, value: \"2\"}")).expect("manifest");
    c.kubectl_ok(v, &["apply", "-f", &file_str]).await;
    let d = json(
        &c.kubectl_ok(v, &["get", "deployment", "web", "-o", "json"])
            .await,
    );
    let containers = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    let mut names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["a", "b", "c"], "{d}");
    let a = containers
        .iter()
        .find(|c| c["name"] == "a")
        .expect("container a");
    let env: Vec<&str> = a["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(env, ["FIRST", "SECOND"]);
}

async fn post(client: &kube::Client, path: &str, body: &str) -> (u16, Vec<String>, Value) {
    let req = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(kube::client::Body::from(body.as_bytes().to_vec()))
        .expect("request");
    let resp = tokio::time::timeout(Duration::from_secs(20), client.send(req))
        .await
        .expect("no hang")
        .expect("response");
    let code = resp.status().as_u16();
    let warnings = resp
        .headers()
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let bytes = resp.into_body().collect_bytes().await.expect("body");
    (
        code,
        warnings,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_unknown_fields_over_raw_json() {
    let c = TestCluster::start().await;
    let client = c.kube_client().await;
    // The body of upstream's conformance test "should detect unknown and duplicate fields of
    // a typed object".
    let body = r#"{
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "my-dep", "labels": {"app": "nginx"}},
        "spec": {
            "unknownField": "foo",
            "replicas": 2,
            "replicas": 3,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}
            }
        }
    }"#;
    let base = "/apis/apps/v1/namespaces/default/deployments";
    let (code, _, status) = post(&client, &format!("{base}?fieldValidation=Strict"), body).await;
    assert_eq!(code, 400, "{status}");
    assert_eq!(status["reason"], "BadRequest");
    assert!(
        status["message"].as_str().is_some_and(|m| m.contains(
            "strict decoding error: unknown field \"spec.unknownField\", duplicate field \"spec.replicas\""
        )),
        "{status}"
    );

    let (code, warnings, created) = post(&client, base, body).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(
        warnings,
        [
            "299 - \"unknown field \\\"spec.unknownField\\\"\"",
            "299 - \"duplicate field \\\"spec.replicas\\\"\""
        ]
    );
    assert_eq!(created["spec"]["replicas"], 3);
    assert!(created["spec"].get("unknownField").is_none());
}
