//! The `kubernetes` Python client from PyPI against kubesim (the script is tests/python/client_test.py).

mod common;

use std::path::PathBuf;

use common::TestCluster;

/// The Python that has the `kubernetes` package: `$KUBESIM_PYTHON`, else the repo's `.venv`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBESIM_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.is_file(),
        "no Python with the kubernetes client: run .ci/run (it creates .venv) or set KUBESIM_PYTHON"
    );
    venv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_crud_selectors_pages_and_watch() {
    let c = TestCluster::start_with(|cfg| cfg.watch_window = 16).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/client_test.py");
    let out = tokio::process::Command::new(python())
        .arg(&script)
        .arg(&c.kubeconfig)
        .kill_on_drop(true)
        .output()
        .await
        .expect("python runs");
    assert!(
        out.status.success(),
        "python client test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    c.handle.shutdown().await;
}
