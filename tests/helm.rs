//! helm 4 against kubesim: install, upgrade, rollback, uninstall, list, history, status and
//! `template | kubectl apply` of a chart of plain objects (fixtures/charts/plain).

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{TestCluster, json};

/// helm 4: `$KUBESIM_HELM`, else `.tools/bin/helm` (installed by .ci/run), else PATH.
fn helm_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBESIM_HELM") {
        return PathBuf::from(p);
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/helm");
    if local.is_file() {
        return local;
    }
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join("helm")).find(|p| p.is_file()))
        .expect("helm 4 is not installed: run .ci/run (it installs .tools/bin/helm) or set KUBESIM_HELM")
}

async fn helm(c: &TestCluster, args: &[&str]) -> Output {
    let home = c.dir.path().join("helm");
    let out = tokio::process::Command::new(helm_binary())
        .args(args)
        .env("KUBECONFIG", &c.kubeconfig)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("HOME", c.dir.path())
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(120), out)
        .await
        .expect("helm finishes")
        .expect("helm runs")
}

async fn helm_ok(c: &TestCluster, args: &[&str]) -> String {
    let out = helm(c, args).await;
    assert!(
        out.status.success(),
        "helm {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn chart() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/charts/plain").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_chart_lifecycle_of_plain_objects() {
    let c = TestCluster::start().await;
    let chart = chart();

    helm_ok(
        &c,
        &["install", "rel", &chart, "-n", "apps", "--create-namespace"],
    )
    .await;
    let list = json(&helm_ok(&c, &["list", "-n", "apps", "-o", "json"]).await);
    assert_eq!(list[0]["name"], "rel");
    assert_eq!(list[0]["status"], "deployed");
    assert_eq!(list[0]["revision"], "1");
    let cm = json(
        &c.kubectl_ok(
            None,
            &["get", "cm", "rel-settings", "-n", "apps", "-o", "json"],
        )
        .await,
    );
    assert_eq!(cm["data"]["greeting"], "hello");
    assert_eq!(
        cm["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "Helm"
    );
    c.kubectl_ok(None, &["get", "widget", "rel-widget", "-n", "apps"])
        .await;
    c.kubectl_ok(None, &["get", "cm", "rel-extra", "-n", "apps"])
        .await;

    helm_ok(
        &c,
        &[
            "upgrade",
            "rel",
            &chart,
            "-n",
            "apps",
            "--set",
            "greeting=bye",
            "--set",
            "withExtra=false",
        ],
    )
    .await;
    let cm = json(
        &c.kubectl_ok(
            None,
            &["get", "cm", "rel-settings", "-n", "apps", "-o", "json"],
        )
        .await,
    );
    assert_eq!(cm["data"]["greeting"], "bye");
    let err = c
        .kubectl_err(None, &["get", "cm", "rel-extra", "-n", "apps"])
        .await;
    assert!(
        err.contains("NotFound"),
        "objects dropped from the chart are deleted: {err}"
    );
    let history = json(&helm_ok(&c, &["history", "rel", "-n", "apps", "-o", "json"]).await);
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["superseded", "deployed"]);

    helm_ok(&c, &["rollback", "rel", "1", "-n", "apps"]).await;
    let cm = json(
        &c.kubectl_ok(
            None,
            &["get", "cm", "rel-settings", "-n", "apps", "-o", "json"],
        )
        .await,
    );
    assert_eq!(cm["data"]["greeting"], "hello");
    c.kubectl_ok(None, &["get", "cm", "rel-extra", "-n", "apps"])
        .await;
    let status = json(&helm_ok(&c, &["status", "rel", "-n", "apps", "-o", "json"]).await);
    assert_eq!(status["info"]["status"], "deployed");
    assert_eq!(status["version"], 3);
    let history = json(&helm_ok(&c, &["history", "rel", "-n", "apps", "-o", "json"]).await);
    assert_eq!(history.as_array().unwrap().len(), 3);

    // helm template | kubectl apply, into another namespace.
    let rendered = helm_ok(&c, &["template", "tpl", &chart]).await;
    c.kubectl_ok(None, &["create", "namespace", "other"]).await;
    let out = c
        .kubectl_stdin(None, &["apply", "-n", "other", "-f", "-"], Some(&rendered))
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.kubectl_ok(None, &["get", "cm", "tpl-settings", "-n", "other"])
        .await;

    helm_ok(&c, &["uninstall", "rel", "-n", "apps"]).await;
    let list = json(&helm_ok(&c, &["list", "-n", "apps", "-o", "json"]).await);
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    let err = c
        .kubectl_err(None, &["get", "cm", "rel-settings", "-n", "apps"])
        .await;
    assert!(err.contains("NotFound"), "{err}");
    c.handle.shutdown().await;
}
