//! Acknowledged writes survive `kill -9` of `kubesim up`, and a restart on the same data
//! directory brings the same cluster back.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts `kubesim up` on `dir` and waits for its ready line.
async fn up(dir: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args([
            "up",
            "--name",
            "durable",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.join("data"))
        .arg("--kubeconfig")
        .arg(dir.join("kubeconfig"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("kubesim up starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if l.contains(" ready at https://") {
                return true;
            }
        }
        false
    })
    .await
    .expect("kubesim up gets ready in time");
    assert!(ready, "kubesim up exited before it was ready");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut first = up(dir.path()).await;
    let client = common::kube_client_from(&dir.path().join("kubeconfig")).await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let (enough_tx, mut enough_rx) = tokio::sync::watch::channel(false);
    let mut writers = Vec::new();
    for w in 0..4 {
        let api = api.clone();
        let acked = acked.clone();
        let enough_tx = enough_tx.clone();
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let mut cm = ConfigMap::default();
                cm.metadata.name = Some(format!("w{w}-{i}"));
                cm.data = Some([("i".to_string(), i.to_string())].into());
                match api.create(&PostParams::default(), &cm).await {
                    Ok(_) => {
                        let mut a = acked.lock().unwrap();
                        a.push(format!("w{w}-{i}"));
                        if a.len() >= 300 {
                            let _ = enough_tx.send(true);
                        }
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), enough_rx.wait_for(|e| *e))
        .await
        .expect("300 writes in time")
        .expect("watch");
    // SIGKILL while the writers are still going.
    first.start_kill().expect("kill -9");
    first.wait().await.expect("reaped");
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300);

    let mut second = up(dir.path()).await;
    let client = common::kube_client_from(&dir.path().join("kubeconfig")).await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let present: std::collections::HashSet<String> = api
        .list(&ListParams::default())
        .await
        .expect("list after restart")
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    let lost: Vec<&String> = acked.iter().filter(|n| !present.contains(*n)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost after kill -9: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    // New writes get revisions above everything before the crash.
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("after-restart".into());
    let created = api
        .create(&PostParams::default(), &cm)
        .await
        .expect("write after restart");
    let max_before = api
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .iter()
        .filter(|c| c.metadata.name.as_deref() != Some("after-restart"))
        .filter_map(|c| c.metadata.resource_version.as_ref()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let rv: u64 = created.metadata.resource_version.unwrap().parse().unwrap();
    assert!(
        rv > max_before,
        "revision {rv} reused after restart (max before {max_before})"
    );
    second.start_kill().ok();
    second.wait().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_shutdown_on_sigterm_keeps_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = up(dir.path()).await;
    let client = common::kube_client_from(&dir.path().join("kubeconfig")).await;
    let api: Api<ConfigMap> = Api::namespaced(client, "kube-public");
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("kept".into());
    api.create(&PostParams::default(), &cm)
        .await
        .expect("create");
    let pid = first.id().expect("pid");
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .expect("kill -TERM");
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(20), first.wait_with_output())
        .await
        .expect("exits in time")
        .expect("wait");
    assert!(
        out.status.success(),
        "kubesim up exited with {}",
        out.status
    );
    let mut second = up(dir.path()).await;
    let client = common::kube_client_from(&dir.path().join("kubeconfig")).await;
    let api: Api<ConfigMap> = Api::namespaced(client, "kube-public");
    assert!(api.get("kept").await.is_ok());
    second.start_kill().ok();
    second.wait().await.ok();
}
