//! The `kubesim` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, KubeconfigTarget, Profile};

/// A whole Kubernetes cluster in one process.
#[derive(Debug, Parser)]
#[command(name = "kubesim", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a cluster in the foreground until SIGINT or SIGTERM.
    Up(UpArgs),
}

/// Flags of `kubesim up` (the CLI contract in DESIGN.md).
#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// Cluster name: context `kubesim-<name>` and default data directory.
    #[arg(long, default_value = "kubesim")]
    pub name: String,
    /// Cluster config file declaring node pools.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Nodes of the default pool (when no --config is given).
    #[arg(long, default_value_t = 3)]
    pub nodes: u32,
    /// Data directory (default: the platform's data directory, per cluster name).
    #[arg(long, env = "KUBESIM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:6443")]
    pub listen: SocketAddr,
    /// Write the kubeconfig here (and nowhere else) instead of merging it into the default one.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Simulated time runs this many times faster than wall-clock time.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Simulated delays: fast (none) or realistic.
    #[arg(long, value_enum, default_value = "realistic")]
    pub profile: Profile,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long)]
    pub ephemeral: bool,
}

impl UpArgs {
    /// The cluster configuration these flags describe.
    pub fn to_config(&self) -> anyhow::Result<Config> {
        anyhow::ensure!(
            self.time_scale > 0.0 && self.time_scale.is_finite(),
            "--time-scale must be a positive number"
        );
        anyhow::ensure!(
            !self.listen.ip().is_unspecified(),
            "--listen must name an address (kubesim serves loopback only by default)"
        );
        Ok(Config {
            name: self.name.clone(),
            config_file: self.config.clone(),
            nodes: self.nodes,
            data_dir: self.data_dir.clone(),
            ephemeral: self.ephemeral,
            listen: self.listen,
            kubeconfig: match &self.kubeconfig {
                Some(p) => KubeconfigTarget::File(p.clone()),
                None => KubeconfigTarget::MergeDefault,
            },
            time_scale: self.time_scale,
            profile: self.profile,
            ..Config::default()
        })
    }
}
