//! The `kubernetes` Python client from PyPI against kubesim (the script is tests/python/client_test.py).

mod common;

use common::TestCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_crud_selectors_pages_and_watch() {
    let c = TestCluster::start_with(|cfg| cfg.watch_window = 16).await;
    common::run_python(&c, "client_test.py").await;
    c.handle.shutdown().await;
}
