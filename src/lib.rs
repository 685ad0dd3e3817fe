//! kubesim: a whole Kubernetes cluster in one process.
//!
//! `Cluster::start` wires the pieces in order — store, registry and router, the HTTPS listener,
//! the bootstrap objects — and returns a handle with the address, kubeconfig and an in-process
//! client. `kubesim up` is a thin CLI over it; tests use it directly on port 0.

pub mod cli;
pub mod config;
pub mod kubeconfig;
pub mod pki;
pub mod pools;
pub mod serve;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use axum::Router;
use kubesim_api::{ResourceTable, wellknown};
use kubesim_apiserver::auth::{AllowAll, Identity, TokenAuthenticator};
use kubesim_apiserver::http::{ApiState, router};
use kubesim_apiserver::registry::{Registry, WriteContext};
use kubesim_apiserver::storage::{Store, StoreOptions};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use config::{Config, KubeconfigTarget, Profile};
use pki::Pki;

/// Starts clusters.
pub struct Cluster;

/// A running cluster: its address, kubeconfig, clients and shutdown.
pub struct ClusterHandle {
    addr: SocketAddr,
    context: String,
    kubeconfig: Option<PathBuf>,
    pki: Pki,
    router: Router,
    registry: Arc<Registry>,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl Cluster {
    /// Starts a cluster: opens the store, serves the API over HTTPS, creates the bootstrap
    /// objects and writes the kubeconfig. Returns once `/readyz` answers 200.
    pub async fn start(config: Config) -> Result<ClusterHandle> {
        let shutdown = CancellationToken::new();
        let data_dir = if config.ephemeral {
            None
        } else {
            Some(config.resolved_data_dir()?)
        };
        if let Some(cf) = &config.config_file {
            anyhow::ensure!(
                cf.exists(),
                "cluster config {} does not exist",
                cf.display()
            );
        }
        let layout = config.layout()?;
        let store_opts = StoreOptions {
            window: config.watch_window.max(1),
            ..StoreOptions::default()
        };
        let store = match &data_dir {
            None => Store::memory(store_opts),
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Store::open_sled(&dir.join("store"), store_opts).with_context(|| {
                    format!(
                        "opening the store in {} (is another kubesim using it?)",
                        dir.display()
                    )
                })?
            }
        };
        let registry = Arc::new(Registry::new(
            store,
            ResourceTable::builtin(),
            Box::new(AllowAll),
            shutdown.clone(),
        ));

        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let host = addr.ip().to_string();
        let pki = Pki::load_or_create(
            data_dir.as_ref().map(|d| d.join("pki")).as_deref(),
            std::slice::from_ref(&host),
        )?;

        let ready = Arc::new(AtomicBool::new(false));
        let kubelets = kubesim_kubelet::Kubelets::default();
        let state = ApiState {
            registry: registry.clone(),
            tokens: TokenAuthenticator::default(),
            ready: ready.clone(),
            server_address: Arc::new(std::sync::RwLock::new(addr.to_string())),
            kubelet: Some(Arc::new(InProcessKubelets(kubelets.clone()))),
        };
        let router = router(state);
        let tls = serve::tls_config(&pki)?;
        let mut tasks = JoinSet::new();
        tasks.spawn(serve::serve_tls(
            listener,
            router.clone(),
            tls,
            shutdown.clone(),
        ));

        let bootstrap_ctx = WriteContext::internal(
            Identity::new(
                "system:apiserver",
                &[kubesim_api::wellknown::GROUP_SYSTEM_MASTERS],
            ),
            "kube-apiserver",
        );
        kubesim_apiserver::bootstrap::bootstrap(&registry, &bootstrap_ctx, &host, addr.port())
            .await
            .map_err(|e| anyhow::anyhow!("bootstrapping the cluster: {e}"))?;

        // One clock for every component: the same scale, profile and start.
        let clock = kubesim_api::clock::Clock::new(
            Arc::new(kubesim_kubelet::TokioTime::new()),
            config.time_scale,
            config.profile.into(),
        );

        let controllers = kubesim_controller_manager::run(
            in_process_client(&router, "system:kube-controller-manager", &[]),
            kubesim_controller_manager::Context {
                clock: clock.clone(),
            },
            shutdown.clone(),
        );
        tasks.spawn(async move {
            if let Err(e) = controllers.await {
                tracing::error!(error = %e, "The controller manager stopped.");
            }
        });

        let scheduler = kubesim_scheduler::run(
            in_process_client(&router, "system:kube-scheduler", &[]),
            kubesim_scheduler::Context::default(),
            shutdown.clone(),
        );
        tasks.spawn(async move {
            if let Err(e) = scheduler.await {
                tracing::error!(error = %e, "The scheduler stopped.");
            }
        });

        // Simulated kubelets: each node writes as `system:node:<name>`; the one shared pod
        // watch runs as `system:kubesim-kubelets` (group system:nodes).
        let started = std::time::SystemTime::now();
        let nodes = layout.nodes();
        let node_names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        let node_router = router.clone();
        let kubelet_ctx = kubesim_kubelet::Context {
            clock,
            nodes,
            client_for: Arc::new(move |node: &str| {
                in_process_client(
                    &node_router,
                    &format!("{}{node}", wellknown::USER_NODE_PREFIX),
                    &[wellknown::GROUP_SYSTEM_NODES],
                )
            }),
            kubelets,
        };
        let watch_client = in_process_client(
            &router,
            "system:kubesim-kubelets",
            &[wellknown::GROUP_SYSTEM_NODES],
        );
        let kubelet_shutdown = shutdown.clone();
        tasks.spawn(async move {
            if let Err(e) = kubesim_kubelet::run(watch_client, kubelet_ctx, kubelet_shutdown).await
            {
                tracing::error!(error = %e, "Simulated kubelets stopped.");
            }
        });

        let context = config.context_name();
        let server = format!("https://{addr}");
        let kubeconfig = match &config.kubeconfig {
            KubeconfigTarget::None => None,
            KubeconfigTarget::File(p) => {
                kubeconfig::write_standalone(p, &context, &server, &pki)?;
                Some(p.clone())
            }
            KubeconfigTarget::MergeDefault => {
                let p = kubeconfig::default_path()?;
                kubeconfig::merge_into(&p, &context, &server, &pki)?;
                Some(p)
            }
        };
        // `/readyz` turns 200 once every initial node is Ready (watched, not polled).
        let admin = in_process_client(&router, pki::ADMIN_USER, &[wellknown::GROUP_SYSTEM_MASTERS]);
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            kubesim_kubelet::wait_until_ready(admin, &node_names, started),
        )
        .await
        .map_err(|_| anyhow::anyhow!("the initial nodes did not become Ready within 60 s"))??;
        ready.store(true, Ordering::Release);
        tracing::info!(%addr, "Cluster ready.");
        Ok(ClusterHandle {
            addr,
            context,
            kubeconfig,
            pki,
            router,
            registry,
            shutdown,
            tasks,
        })
    }
}

impl ClusterHandle {
    /// The address the API listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API's URL (`https://127.0.0.1:PORT`).
    pub fn server_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Where the kubeconfig was written, if anywhere.
    pub fn kubeconfig_path(&self) -> Option<&Path> {
        self.kubeconfig.as_deref()
    }

    /// A kubeconfig (YAML) for this cluster alone, with the admin's credentials inline.
    pub fn kubeconfig_yaml(&self) -> Result<String> {
        let mut doc = kubeconfig::entries(&self.context, &self.server_url(), &self.pki);
        doc["apiVersion"] = "v1".into();
        doc["kind"] = "Config".into();
        doc["current-context"] = self.context.clone().into();
        Ok(serde_saphyr::to_string(&doc)?)
    }

    /// The CA certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        &self.pki.ca_cert
    }

    /// The registry (for in-process wiring and benchmarks).
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// A `kube::Client` whose transport is the router itself (no socket), acting as `user`.
    pub fn client_as(&self, user: &str, groups: &[&str]) -> kube::Client {
        in_process_client(&self.router, user, groups)
    }

    /// An in-process client with the admin's rights.
    pub fn client(&self) -> kube::Client {
        self.client_as(
            pki::ADMIN_USER,
            &[kubesim_api::wellknown::GROUP_SYSTEM_MASTERS],
        )
    }

    /// A token that cancels when the cluster shuts down.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops every component and waits for them (with a grace timeout).
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        let drain = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(std::time::Duration::from_secs(5), drain)
            .await
            .is_err()
        {
            self.tasks.abort_all();
        }
    }

    /// Runs until a component exits or shutdown is requested; errors if a component died.
    pub async fn wait(&mut self) -> Result<()> {
        tokio::select! {
            _ = self.shutdown.cancelled() => Ok(()),
            r = self.tasks.join_next() => match r {
                Some(Ok(())) if self.shutdown.is_cancelled() => Ok(()),
                Some(Ok(())) => anyhow::bail!("a component stopped unexpectedly"),
                Some(Err(e)) => anyhow::bail!("a component failed: {e}"),
                None => Ok(()),
            }
        }
    }
}

/// A `kube::Client` whose transport is `router` (no socket), acting as `user`.
fn in_process_client(router: &Router, user: &str, groups: &[&str]) -> kube::Client {
    let identity = Identity::new(user, groups);
    let service = tower::ServiceBuilder::new()
        .map_request(move |mut req: http::Request<kube::client::Body>| {
            req.extensions_mut().insert(identity.clone());
            req
        })
        .service(router.clone());
    kube::Client::new(service, "default")
}

/// The API server's way to the simulated kubelets' API (for `pods/{name}/log`): the node's
/// kubelet router, called in process.
struct InProcessKubelets(kubesim_kubelet::Kubelets);

impl kubesim_apiserver::http::KubeletConnector for InProcessKubelets {
    fn call(
        &self,
        node: &str,
        req: http::Request<axum::body::Body>,
    ) -> futures::future::BoxFuture<'static, Option<axum::response::Response>> {
        use tower::ServiceExt as _;
        let router = self.0.router(node);
        Box::pin(async move { router?.oneshot(req).await.ok() })
    }
}
