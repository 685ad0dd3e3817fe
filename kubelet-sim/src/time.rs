//! The time source components use: tokio's clock (so tests can pause and advance time) for
//! elapsed time, the system clock for wall-clock timestamps.

use std::time::{Duration, SystemTime};

use kubesim_api::clock::TimeSource;

/// A [`TimeSource`] on tokio's timer. Wall-clock time follows tokio's elapsed time from the
/// moment the source was created, so paused tests see timestamps move with `advance`.
#[derive(Debug)]
pub struct TokioTime {
    start: tokio::time::Instant,
    wall_start: SystemTime,
}

impl TokioTime {
    /// A source starting now.
    pub fn new() -> TokioTime {
        TokioTime {
            start: tokio::time::Instant::now(),
            wall_start: SystemTime::now(),
        }
    }
}

impl Default for TokioTime {
    fn default() -> Self {
        TokioTime::new()
    }
}

impl TimeSource for TokioTime {
    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
    fn wall(&self) -> SystemTime {
        self.wall_start + self.start.elapsed()
    }
}
