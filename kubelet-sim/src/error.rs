//! Errors of the simulated kubelets.

/// What can go wrong running the simulated kubelets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request to the API failed.
    #[error("API request failed: {0}")]
    Api(#[from] kube::Error),
    /// A part of the kubelets stopped unexpectedly.
    #[error("simulated kubelets stopped: {0}")]
    Stopped(String),
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
