//! The `kubesim` binary: parses flags, sets up logging and runs `Cluster::start`.

use anyhow::Result;
use clap::Parser;
use kubesim::Cluster;
use kubesim::cli::{Cli, Command};

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kubesim=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Up(args) => up(args).await,
    }
}

async fn up(args: kubesim::cli::UpArgs) -> Result<()> {
    let config = args.to_config()?;
    let name = config.name.clone();
    let mut cluster = Cluster::start(config).await?;
    let kubeconfig = cluster
        .kubeconfig_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    println!(
        "kubesim: cluster {name:?} ready at {} (kubeconfig: {kubeconfig})",
        cluster.server_url()
    );
    let token = cluster.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        token.cancel();
    });
    let result = cluster.wait().await;
    cluster.shutdown().await;
    eprintln!("kubesim: cluster {name:?} stopped");
    result
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
