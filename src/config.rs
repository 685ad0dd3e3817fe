//! The cluster configuration `kubesim up` and `Cluster::start` take.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Simulated-delay profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Every simulated delay is zero (benchmarks and most tests).
    Fast,
    /// Realistic delays, so learners can watch things happen.
    Realistic,
}

/// Where the kubeconfig goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeconfigTarget {
    /// Merge a `kubesim-<name>` context into the default kubeconfig and make it current.
    MergeDefault,
    /// Write a kubeconfig of its own at this path.
    File(PathBuf),
    /// Write nothing (in-process tests that only use the handle).
    None,
}

/// Everything a cluster is started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cluster name (context `kubesim-<name>`, default data directory).
    pub name: String,
    /// Path of a cluster config file (node pools), if any.
    pub config_file: Option<PathBuf>,
    /// Nodes of the default pool when no config file is given.
    pub nodes: u32,
    /// Data directory; `None` means the platform default for `name`.
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory.
    pub ephemeral: bool,
    /// Listen address (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Where to write the kubeconfig.
    pub kubeconfig: KubeconfigTarget,
    /// Simulated time runs this many times faster than wall-clock time.
    pub time_scale: f64,
    /// Simulated delays.
    pub profile: Profile,
    /// How many recent changes the watch window keeps (older resourceVersions get 410 Gone).
    pub watch_window: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            name: "kubesim".into(),
            config_file: None,
            nodes: 3,
            data_dir: None,
            ephemeral: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 6443)),
            kubeconfig: KubeconfigTarget::MergeDefault,
            time_scale: 1.0,
            profile: Profile::Realistic,
            watch_window: 100_000,
        }
    }
}

impl From<Profile> for kubesim_api::clock::Profile {
    fn from(p: Profile) -> Self {
        match p {
            Profile::Fast => kubesim_api::clock::Profile::Fast,
            Profile::Realistic => kubesim_api::clock::Profile::Realistic,
        }
    }
}

impl Config {
    /// The node pools: from the config file if one is given, else one pool `default` of
    /// `nodes` b3-16 nodes.
    pub fn layout(&self) -> anyhow::Result<crate::pools::Layout> {
        match &self.config_file {
            None => Ok(crate::pools::Layout::default_pool(self.nodes)),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("reading cluster config {}: {e}", path.display())
                })?;
                crate::pools::Layout::parse(&text)
                    .map_err(|e| anyhow::anyhow!("cluster config {}: {e:#}", path.display()))
            }
        }
    }

    /// An in-memory cluster on a free loopback port that writes no kubeconfig (for tests).
    pub fn ephemeral_for_tests() -> Self {
        Config {
            ephemeral: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kubeconfig: KubeconfigTarget::None,
            profile: Profile::Fast,
            ..Config::default()
        }
    }

    /// The data directory: the given one, or the platform's data directory for this cluster name.
    pub fn resolved_data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        let dirs =
            directories::ProjectDirs::from("dev", "kubesim", "kubesim").ok_or_else(|| {
                anyhow::anyhow!("no home directory for the default data directory; pass --data-dir")
            })?;
        Ok(dirs.data_dir().join(&self.name))
    }

    /// The kubeconfig context name.
    pub fn context_name(&self) -> String {
        format!("kubesim-{}", self.name)
    }
}
