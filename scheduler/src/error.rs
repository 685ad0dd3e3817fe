//! The scheduler's error type. Expected outcomes (a pod that fits nowhere) are values of
//! [`crate::framework::Status`], never errors; these are failures of API calls and of the watches.

/// What failed while scheduling.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `POST pods/{name}/binding` was refused or failed.
    #[error("failed to bind pod {pod} to {node}")]
    Bind {
        /// The pod (`namespace/name`).
        pod: String,
        /// The node it was meant for.
        node: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// `PATCH pods/{name}/status` failed.
    #[error("failed to update the status of pod {pod}")]
    UpdateStatus {
        /// The pod (`namespace/name`).
        pod: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Creating or patching an Event failed.
    #[error("failed to record event {reason} for {object}")]
    RecordEvent {
        /// The event's reason.
        reason: String,
        /// The object the event is about (`namespace/name`).
        object: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Deleting (or marking) a preemption victim failed.
    #[error("failed to preempt pod {victim} for {preemptor}")]
    Preempt {
        /// The victim (`namespace/name`).
        victim: String,
        /// The pod that needs the room (`namespace/name`).
        preemptor: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// A watch stream ended, which a kube-runtime watcher never does on its own.
    #[error("the {kind} watch ended unexpectedly")]
    WatchEnded {
        /// The kind that was watched.
        kind: &'static str,
    },
}

/// The scheduler's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
