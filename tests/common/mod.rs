//! Shared harness for end-to-end tests: an in-process cluster on a free port with its own
//! kubeconfig, and runners for the real clients (kubectl by version, the Python client).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use kubesim::{Cluster, ClusterHandle, Config, KubeconfigTarget};

/// A running test cluster with a kubeconfig on disk and a private kubectl cache.
pub struct TestCluster {
    pub handle: ClusterHandle,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl TestCluster {
    /// An in-memory cluster on a free loopback port.
    pub async fn start() -> TestCluster {
        Self::start_with(|_| {}).await
    }

    /// Same, after `tweak` adjusts the config.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestCluster {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut config = Config::ephemeral_for_tests();
        config.kubeconfig = KubeconfigTarget::File(kubeconfig.clone());
        tweak(&mut config);
        let handle = Cluster::start(config).await.expect("cluster starts");
        TestCluster {
            handle,
            dir,
            kubeconfig,
        }
    }

    /// Runs the real kubectl (`None` = the dispatcher on PATH, which picks 1.33 for us; or
    /// `Some("1.27")` for `kubectl.1.27`) against this cluster.
    pub async fn kubectl(&self, version: Option<&str>, args: &[&str]) -> Output {
        self.kubectl_stdin(version, args, None).await
    }

    /// Same with standard input.
    pub async fn kubectl_stdin(
        &self,
        version: Option<&str>,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Output {
        let mut cmd = self.kubectl_command(version, args);
        cmd.stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        });
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot run kubectl {version:?}: {e} (is kubectl installed? see .ci/run)")
        });
        if let Some(input) = stdin {
            use tokio::io::AsyncWriteExt;
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(input.as_bytes()).await.expect("write stdin");
            drop(pipe);
        }
        tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} did not finish in 60 s"))
            .expect("kubectl runs")
    }

    /// A kubectl command for this cluster, not yet started.
    pub fn kubectl_command(&self, version: Option<&str>, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(kubectl_binary(version));
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        cmd.args(args);
        cmd.env(
            "KUBECACHEDIR",
            self.dir
                .path()
                .join(format!("kube-cache-{}", version.unwrap_or("default"))),
        );
        cmd.env("HOME", self.dir.path());
        cmd.kill_on_drop(true);
        cmd
    }

    /// Runs kubectl and returns stdout, failing the test with stderr if it fails.
    pub async fn kubectl_ok(&self, version: Option<&str>, args: &[&str]) -> String {
        let out = self.kubectl(version, args).await;
        assert!(
            out.status.success(),
            "kubectl {} {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            version.unwrap_or("(dispatcher)"),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl expecting failure; returns stderr.
    pub async fn kubectl_err(&self, version: Option<&str>, args: &[&str]) -> String {
        let out = self.kubectl(version, args).await;
        assert!(
            !out.status.success(),
            "kubectl {args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// A kube-rs client over real HTTPS from the written kubeconfig.
    pub async fn kube_client(&self) -> kube::Client {
        kube_client_from(&self.kubeconfig).await
    }
}

/// A kube-rs client from a kubeconfig file.
pub async fn kube_client_from(path: &Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(path).expect("kubeconfig parses");
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("kubeconfig loads");
    kube::Client::try_from(cfg).expect("client builds")
}

/// The kubectl binary for a version; panics (failing the test) when it is not installed.
pub fn kubectl_binary(version: Option<&str>) -> PathBuf {
    let name = match version {
        None => "kubectl".to_string(),
        Some(v) => format!("kubectl.{v}"),
    };
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/lib/google-cloud-sdk/bin")]);
    for dir in candidates {
        let p = dir.join(&name);
        if p.is_file() {
            return p;
        }
    }
    panic!("{name} is not installed: the end-to-end tests need the real kubectl (see .ci/run)");
}

/// Parses JSON output of kubectl.
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Runs a script of tests/python/ with the Python that has the `kubernetes` client
/// (`$KUBESIM_PYTHON`, else the repo's `.venv`) against this cluster's kubeconfig; fails the test
/// with the script's output if it fails.
pub async fn run_python(c: &TestCluster, script: &str) {
    let python = match std::env::var_os("KUBESIM_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
            assert!(
                venv.is_file(),
                "no Python with the kubernetes client: run .ci/run (it creates .venv) or set KUBESIM_PYTHON"
            );
            venv
        }
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let out = tokio::process::Command::new(python)
        .arg(&script)
        .arg(&c.kubeconfig)
        .kill_on_drop(true)
        .output()
        .await
        .expect("python runs");
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
