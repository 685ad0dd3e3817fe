//! The lifecycle stages as data: delays, backoff curves, node timings and event texts, read
//! from `data/stages.yaml` (embedded in the binary). The pod state machine (`pod.rs`) takes
//! every duration and every event message from here.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use kubesim_api::clock::Clock;
use serde::{Deserialize, Deserializer};

const STAGES_YAML: &str = include_str!("../data/stages.yaml");

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map_err(serde::de::Error::custom)
}

/// Simulated work, in simulated time under the realistic profile.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Delays {
    /// Pod sandbox and network setup.
    #[serde(deserialize_with = "de_duration")]
    pub sandbox: Duration,
    /// Fixed part of a pull.
    #[serde(deserialize_with = "de_duration")]
    pub pull_base: Duration,
    /// Pull bandwidth (0: pulls take only `pull_base`).
    pub pull_bytes_per_second: u64,
    /// An `Always` pull of an image already on the node.
    #[serde(deserialize_with = "de_duration")]
    pub pull_cached: Duration,
    /// CreateContainer.
    #[serde(deserialize_with = "de_duration")]
    pub create: Duration,
    /// StartContainer.
    #[serde(deserialize_with = "de_duration")]
    pub start: Duration,
    /// Noticing an exit or retrying a failed pull.
    #[serde(deserialize_with = "de_duration")]
    pub notice: Duration,
    /// A process honouring SIGTERM exits this long after it.
    #[serde(deserialize_with = "de_duration")]
    pub stop: Duration,
}

impl Delays {
    /// How long pulling `size` bytes takes.
    pub fn pull(&self, size: u64) -> Duration {
        let transfer = if self.pull_bytes_per_second == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(size as f64 / self.pull_bytes_per_second as f64)
        };
        self.pull_base + transfer
    }

    /// These delays under the clock's profile (all zero under `fast`).
    pub fn under(&self, clock: &Clock) -> Delays {
        Delays {
            sandbox: clock.delay(self.sandbox),
            pull_base: clock.delay(self.pull_base),
            pull_bytes_per_second: if clock.delay(Duration::from_secs(1)).is_zero() {
                0
            } else {
                self.pull_bytes_per_second
            },
            pull_cached: clock.delay(self.pull_cached),
            create: clock.delay(self.create),
            start: clock.delay(self.start),
            notice: clock.delay(self.notice),
            stop: clock.delay(self.stop),
        }
    }
}

/// A backoff curve: `initial` doubling to `max`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Curve {
    /// First backoff.
    #[serde(deserialize_with = "de_duration")]
    pub initial: Duration,
    /// Cap.
    #[serde(deserialize_with = "de_duration")]
    pub max: Duration,
}

/// The backoff curves.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Backoffs {
    /// CrashLoopBackOff.
    pub container: Curve,
    /// ImagePullBackOff.
    pub image: Curve,
}

/// Node heartbeat timings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeTimings {
    /// Lease renewal period.
    #[serde(deserialize_with = "de_duration")]
    pub lease_renew: Duration,
    /// `spec.leaseDurationSeconds`.
    pub lease_duration_seconds: i32,
    /// How often node status is computed.
    #[serde(deserialize_with = "de_duration")]
    pub status_update: Duration,
    /// How often unchanged node status is posted anyway.
    #[serde(deserialize_with = "de_duration")]
    pub status_report: Duration,
}

/// An event's type, reason and message template.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventTemplate {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The reason (may contain placeholders).
    pub reason: String,
    /// The message template.
    pub message: String,
}

/// The whole stage file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Stages {
    /// Simulated work.
    pub delays: Delays,
    /// Backoff curves.
    pub backoff: Backoffs,
    /// Time a loop iteration without a sleep takes.
    #[serde(deserialize_with = "de_duration")]
    pub busy_loop_iteration: Duration,
    /// Node heartbeats.
    pub node: NodeTimings,
    /// Event texts by key.
    pub events: BTreeMap<String, EventTemplate>,
}

/// An event ready to record: type, reason, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventText {
    /// `Normal` or `Warning`.
    pub kind: String,
    /// Reason.
    pub reason: String,
    /// Message.
    pub message: String,
}

impl Stages {
    /// The stages embedded in the binary.
    pub fn builtin() -> &'static Stages {
        static STAGES: OnceLock<Stages> = OnceLock::new();
        STAGES.get_or_init(|| {
            serde_saphyr::from_str(STAGES_YAML)
                .expect("invariant: the embedded data/stages.yaml parses (unit-tested)")
        })
    }

    /// The event `key` with its placeholders filled from `vars`.
    pub fn event(&self, key: &str, vars: &[(&str, &str)]) -> EventText {
        let fill = |t: &str| {
            let mut s = t.to_string();
            for (k, v) in vars {
                s = s.replace(&format!("{{{k}}}"), v);
            }
            s
        };
        match self.events.get(key) {
            Some(t) => EventText {
                kind: t.kind.clone(),
                reason: fill(&t.reason),
                message: fill(&t.message),
            },
            None => EventText {
                kind: "Normal".into(),
                reason: key.to_string(),
                message: String::new(),
            },
        }
    }
}

/// Parses a Go duration (`300ms`, `1m30s`, `10s`, `1.5h`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let bad = || format!("invalid duration {s:?}");
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let value: f64 = rest[..num_end].parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += value * unit;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// Formats a duration as Go's `time.Duration.String()` does (`0s`, `523ms`, `1.234s`,
/// `2m40s`, `5m0s`, `1h0m0s`).
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    let trim = |whole: u128, frac: u128, digits: usize| {
        let mut f = format!("{frac:0digits$}");
        while f.ends_with('0') {
            f.pop();
        }
        if f.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{f}")
        }
    };
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", trim(nanos / 1_000, nanos % 1_000, 3));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", trim(nanos / 1_000_000, nanos % 1_000_000, 6));
    }
    let secs = nanos / 1_000_000_000;
    let frac = nanos % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let s = format!("{}s", trim(s, frac, 9));
    if h > 0 {
        format!("{h}h{m}m{s}")
    } else if m > 0 {
        format!("{m}m{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_stages_parse() {
        let s = Stages::builtin();
        assert_eq!(s.backoff.container.initial, Duration::from_secs(10));
        assert_eq!(s.backoff.container.max, Duration::from_secs(300));
        assert_eq!(s.node.lease_renew, Duration::from_secs(10));
        let e = s.event("created", &[("container", "nginx")]);
        assert_eq!(
            (e.kind.as_str(), e.reason.as_str(), e.message.as_str()),
            ("Normal", "Created", "Created container: nginx")
        );
    }

    #[test]
    fn go_durations_round_trip() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("abc").is_err());
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_millis(523)), "523ms");
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.234s");
        assert_eq!(format_duration(Duration::from_secs(10)), "10s");
        assert_eq!(format_duration(Duration::from_secs(160)), "2m40s");
        assert_eq!(format_duration(Duration::from_secs(300)), "5m0s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h0m0s");
    }

    #[test]
    fn pulls_take_longer_for_bigger_images() {
        let d = &Stages::builtin().delays;
        assert!(d.pull(300_000_000) > d.pull(2_000_000));
    }
}
