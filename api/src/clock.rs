//! Simulated time: one injectable, scalable [`Clock`] that every simulated duration goes through,
//! and the delay [`Profile`] (DESIGN.md §5).
//!
//! Three rules keep the simulation coherent:
//!
//! - **Timers** convert a simulated duration into the real time to wait with
//!   [`Clock::to_real`]: with `--time-scale 60`, a 10-minute auto-heal waits 10 s.
//! - **Timestamps** written to objects stay wall-clock ([`Clock::wall_now`]), so kubectl's AGE
//!   column makes sense.
//! - **Comparisons** of such a timestamp with now go through [`Clock::sim_since`], which scales
//!   the wall-clock difference back into simulated time.
//!
//! The clock reads time from a [`TimeSource`]. Components use one driven by tokio's timer (so
//! tests can pause time); planners' unit tests use [`ManualTime`]. This module does no I/O and
//! nothing async.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Where a [`Clock`] reads real time from.
pub trait TimeSource: Send + Sync + fmt::Debug {
    /// Real (unscaled) time elapsed since the source was created; monotonic.
    fn elapsed(&self) -> Duration;
    /// The wall-clock time now.
    fn wall(&self) -> SystemTime;
}

/// A time source for tests: time moves only when [`ManualTime::advance`] is called.
#[derive(Debug)]
pub struct ManualTime {
    state: Mutex<(Duration, SystemTime)>,
}

impl ManualTime {
    /// A source whose wall clock starts at `wall` and whose elapsed time starts at zero.
    pub fn new(wall: SystemTime) -> Self {
        ManualTime {
            state: Mutex::new((Duration::ZERO, wall)),
        }
    }

    /// Moves both the elapsed time and the wall clock forward by `real`.
    pub fn advance(&self, real: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 += real;
        s.1 += real;
    }
}

impl TimeSource for ManualTime {
    fn elapsed(&self) -> Duration {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0
    }
    fn wall(&self) -> SystemTime {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1
    }
}

/// How long simulated steps take: `Fast` makes every simulated delay zero (benchmarks and most
/// tests), `Realistic` keeps them so learners can watch things happen.
///
/// Durations that are Kubernetes semantics rather than simulated work — CrashLoopBackOff's
/// 10 s doubling, probe periods, grace periods, lease renewals — are not profile delays: they
/// apply in every profile and only the time scale shortens them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Every simulated delay is zero.
    Fast,
    /// Realistic delays (image pulls take seconds, containers start in a fraction of one).
    #[default]
    Realistic,
}

impl Profile {
    /// The profile's name as the CLI spells it (`fast`, `realistic`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Fast => "fast",
            Profile::Realistic => "realistic",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fast" => Ok(Profile::Fast),
            "realistic" => Ok(Profile::Realistic),
            other => Err(format!(
                "unknown profile {other:?}: expected fast or realistic"
            )),
        }
    }
}

/// A point in simulated time: simulated time elapsed since the clock started.
///
/// Only comparable within one clock; objects carry wall-clock timestamps instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimInstant(pub Duration);

impl SimInstant {
    /// This instant moved `d` (simulated) later.
    pub fn plus(self, d: Duration) -> SimInstant {
        SimInstant(self.0.saturating_add(d))
    }

    /// Simulated time from `earlier` to this instant (zero if `earlier` is later).
    pub fn since(self, earlier: SimInstant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

/// The injectable, scalable clock. Cheap to clone; clones share the time source.
#[derive(Clone)]
pub struct Clock {
    scale: f64,
    profile: Profile,
    source: Arc<dyn TimeSource>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("scale", &self.scale)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Clock {
    /// A clock on `source` where simulated time runs `scale` times faster than real time.
    /// A scale that is not a positive finite number is treated as 1.
    pub fn new(source: Arc<dyn TimeSource>, scale: f64, profile: Profile) -> Clock {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Clock {
            scale,
            profile,
            source,
        }
    }

    /// How many times faster than real time simulated time runs.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The delay profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The wall-clock time to write into objects.
    pub fn wall_now(&self) -> SystemTime {
        self.source.wall()
    }

    /// Now, in simulated time since the clock started.
    pub fn now(&self) -> SimInstant {
        SimInstant(self.to_sim(self.source.elapsed()))
    }

    /// The real time to wait for a simulated duration to pass.
    pub fn to_real(&self, sim: Duration) -> Duration {
        sim.div_f64(self.scale)
    }

    /// The simulated duration a real duration stands for.
    pub fn to_sim(&self, real: Duration) -> Duration {
        real.mul_f64(self.scale)
    }

    /// Simulated time elapsed since a wall-clock timestamp read from an object (zero if the
    /// timestamp is in the future).
    pub fn sim_since(&self, wall: SystemTime) -> Duration {
        self.to_sim(
            self.source
                .wall()
                .duration_since(wall)
                .unwrap_or(Duration::ZERO),
        )
    }

    /// Whether more than `sim` simulated time has passed since a wall-clock timestamp.
    pub fn is_older_than(&self, wall: SystemTime, sim: Duration) -> bool {
        self.sim_since(wall) > sim
    }

    /// A simulated-work delay under the profile: `realistic` as given, zero under `Fast`.
    pub fn delay(&self, realistic: Duration) -> Duration {
        match self.profile {
            Profile::Fast => Duration::ZERO,
            Profile::Realistic => realistic,
        }
    }

    /// The wall-clock time at which a simulated instant of this clock falls (for timestamps of
    /// things planned in simulated time).
    pub fn wall_at(&self, at: SimInstant) -> SystemTime {
        let now = self.now();
        let wall = self.source.wall();
        if at >= now {
            wall + self.to_real(at.since(now))
        } else {
            wall.checked_sub(self.to_real(now.since(at)))
                .unwrap_or(wall)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manual(scale: f64, profile: Profile) -> (Arc<ManualTime>, Clock) {
        let t = Arc::new(ManualTime::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000),
        ));
        let c = Clock::new(t.clone(), scale, profile);
        (t, c)
    }

    #[test]
    fn timers_shrink_by_the_scale() {
        let (_, c) = manual(60.0, Profile::Realistic);
        assert_eq!(c.to_real(Duration::from_secs(600)), Duration::from_secs(10));
        assert_eq!(c.to_sim(Duration::from_secs(10)), Duration::from_secs(600));
    }

    #[test]
    fn comparisons_with_object_timestamps_are_scaled() {
        let (t, c) = manual(10.0, Profile::Realistic);
        let stamp = c.wall_now();
        t.advance(Duration::from_secs(5));
        assert_eq!(c.sim_since(stamp), Duration::from_secs(50));
        assert!(c.is_older_than(stamp, Duration::from_secs(40)));
        assert!(!c.is_older_than(stamp, Duration::from_secs(50)));
        // A timestamp in the future is zero time ago.
        assert_eq!(
            c.sim_since(stamp + Duration::from_secs(100)),
            Duration::ZERO
        );
    }

    #[test]
    fn simulated_now_runs_scaled() {
        let (t, c) = manual(4.0, Profile::Fast);
        let start = c.now();
        t.advance(Duration::from_millis(250));
        assert_eq!(c.now().since(start), Duration::from_secs(1));
        assert_eq!(
            c.wall_at(c.now().plus(Duration::from_secs(8))),
            c.wall_now() + Duration::from_secs(2)
        );
    }

    #[test]
    fn fast_profile_zeroes_simulated_work_only() {
        let (_, fast) = manual(1.0, Profile::Fast);
        let (_, real) = manual(1.0, Profile::Realistic);
        assert_eq!(fast.delay(Duration::from_secs(3)), Duration::ZERO);
        assert_eq!(real.delay(Duration::from_secs(3)), Duration::from_secs(3));
        assert_eq!("fast".parse::<Profile>(), Ok(Profile::Fast));
        assert!("slow".parse::<Profile>().is_err());
    }

    #[test]
    fn a_bad_scale_means_real_time() {
        let (_, c) = manual(0.0, Profile::Fast);
        assert_eq!(c.scale(), 1.0);
    }
}
