//! Errors of the controllers. `reconcile` returns them to the controller runner, whose error
//! policy logs them and requeues the object with a backoff.

/// A controller's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An API request failed (a 409 Conflict included: the object changed under us, and the
    /// requeue reads the new version).
    #[error("API request failed: {0}")]
    Api(#[from] kube::Error),
    /// A controller stopped although shutdown was not requested.
    #[error("controller stopped: {0}")]
    Stopped(String),
    /// An object in the cache has no name or namespace where one is required.
    #[error("object without {0}")]
    MissingMeta(&'static str),
}

/// Result of controller operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
