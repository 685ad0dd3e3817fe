//! Container logs: what simulated containers print, kept per container instance (the current
//! one and the one before it, for `--previous`), with a change signal for `follow`.
//!
//! Also the pure part of serving them: which instance a request reads (upstream's
//! `validateContainerLogStatus`, with its error messages) and how lines are cut and formatted
//! (`tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `limitBytes`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// Lines kept per container instance; older ones are dropped (the kubelet rotates log files).
pub const MAX_LINES: usize = 10_000;
/// Container instances kept per container: the running one, the one before and one more.
const MAX_INSTANCES: usize = 3;

/// One line a container printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When it was printed (wall clock).
    pub at: SystemTime,
    /// The text, without the newline.
    pub text: String,
}

#[derive(Debug)]
struct Instance {
    id: String,
    lines: VecDeque<LogLine>,
    /// Lines ever appended (so followers can resume after drops).
    total: u64,
    ended: bool,
}

/// The logs of one container (all its instances).
#[derive(Debug)]
pub struct ContainerLogs {
    inner: Mutex<VecDeque<Instance>>,
    changed: watch::Sender<u64>,
}

impl Default for ContainerLogs {
    fn default() -> Self {
        ContainerLogs {
            inner: Mutex::new(VecDeque::new()),
            changed: watch::channel(0).0,
        }
    }
}

/// Lines read from an instance, and where to continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The lines.
    pub lines: Vec<LogLine>,
    /// Index to read from next time.
    pub next: u64,
    /// Whether the instance has exited (nothing more will come).
    pub ended: bool,
}

impl ContainerLogs {
    fn with<R>(&self, f: impl FnOnce(&mut VecDeque<Instance>) -> R) -> R {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Starts a new instance (a container was started).
    pub fn start(&self, id: &str) {
        self.with(|all| {
            all.push_back(Instance {
                id: id.to_string(),
                lines: VecDeque::new(),
                total: 0,
                ended: false,
            });
            while all.len() > MAX_INSTANCES {
                all.pop_front();
            }
        });
        self.bump();
    }

    /// Appends a line to instance `id`.
    pub fn append(&self, id: &str, at: SystemTime, text: String) {
        self.with(|all| {
            if let Some(i) = all.iter_mut().rev().find(|i| i.id == id) {
                i.lines.push_back(LogLine { at, text });
                i.total += 1;
                while i.lines.len() > MAX_LINES {
                    i.lines.pop_front();
                }
            }
        });
        self.bump();
    }

    /// Marks instance `id` as exited.
    pub fn end(&self, id: &str) {
        self.with(|all| {
            if let Some(i) = all.iter_mut().find(|i| i.id == id) {
                i.ended = true;
            }
        });
        self.bump();
    }

    /// Marks every instance as exited (the pod is gone): followers stop.
    pub fn close(&self) {
        self.with(|all| all.iter_mut().for_each(|i| i.ended = true));
        self.bump();
    }

    /// Lines of instance `id` from index `from` on.
    pub fn read(&self, id: &str, from: u64) -> Option<Chunk> {
        self.with(|all| {
            let i = all.iter().find(|i| i.id == id)?;
            let first = i.total - i.lines.len() as u64;
            let skip = from.saturating_sub(first) as usize;
            Some(Chunk {
                lines: i.lines.iter().skip(skip).cloned().collect(),
                next: i.total,
                ended: i.ended,
            })
        })
    }

    /// A receiver that changes whenever any instance changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// A container's state as far as logs care (from its status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogState {
    /// Running as instance `id`.
    Running(String),
    /// Terminated; instance `id` if it ever ran.
    Terminated(Option<String>),
    /// Waiting for this reason (never started, or restarting).
    Waiting(String),
}

/// What the log API needs of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    /// Current state.
    pub state: LogState,
    /// The instance of `lastState.terminated`, if any.
    pub last_terminated: Option<Option<String>>,
}

/// Which instance a request reads: upstream's `validateContainerLogStatus`, messages included.
pub fn pick_instance(
    view: &LogView,
    container: &str,
    pod: &str,
    previous: bool,
) -> Result<String, String> {
    let terminated_prev =
        || format!("previous terminated container {container:?} in pod {pod:?} not found");
    if previous {
        return match &view.last_terminated {
            Some(Some(id)) => Ok(id.clone()),
            _ => Err(terminated_prev()),
        };
    }
    match (&view.state, &view.last_terminated) {
        (LogState::Running(id), _) => Ok(id.clone()),
        (LogState::Terminated(Some(id)), _) => Ok(id.clone()),
        (LogState::Terminated(None), Some(Some(id))) => Ok(id.clone()),
        (LogState::Terminated(None), _) => Err(format!(
            "container {container:?} in pod {pod:?} is terminated"
        )),
        (LogState::Waiting(_), Some(Some(id))) => Ok(id.clone()),
        (LogState::Waiting(_), Some(None)) => Err(format!(
            "container {container:?} in pod {pod:?} is terminated"
        )),
        (LogState::Waiting(reason), None) => Err(match reason.as_str() {
            "ErrImagePull" => format!(
                "container {container:?} in pod {pod:?} is waiting to start: image can't be pulled"
            ),
            "ImagePullBackOff" => format!(
                "container {container:?} in pod {pod:?} is waiting to start: trying and failing to pull image"
            ),
            r => format!("container {container:?} in pod {pod:?} is waiting to start: {r}"),
        }),
    }
}

/// How a request wants its lines (the `PodLogOptions` the kubelet gets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep streaming until the container exits.
    pub follow: bool,
    /// Read the previous instance.
    pub previous: bool,
    /// Prefix each line with its RFC 3339 timestamp.
    pub timestamps: bool,
    /// Only the last N lines.
    pub tail_lines: Option<u64>,
    /// Only lines newer than this wall-clock time.
    pub since: Option<SystemTime>,
    /// Stop after this many bytes.
    pub limit_bytes: Option<u64>,
}

impl LogOptions {
    /// Parses the kubelet API's query parameters; `now` resolves `sinceSeconds`.
    pub fn from_query(
        get: impl Fn(&str) -> Option<String>,
        now: SystemTime,
    ) -> Result<LogOptions, String> {
        let flag = |k: &str| get(k).is_some_and(|v| v == "true" || v == "1");
        let num = |k: &str| -> Result<Option<i64>, String> {
            match get(k) {
                None => Ok(None),
                Some(v) => v
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("invalid {k}: {v:?}")),
            }
        };
        let mut since = None;
        if let Some(s) = num("sinceSeconds")? {
            if s < 1 {
                return Err("sinceSeconds must be greater than 0".into());
            }
            since = now.checked_sub(Duration::from_secs(s as u64));
        }
        if let Some(t) = get("sinceTime") {
            let ts: jiff::Timestamp = t.parse().map_err(|_| format!("invalid sinceTime: {t:?}"))?;
            since = Some(SystemTime::from(ts));
        }
        let tail_lines = match num("tailLines")? {
            Some(n) if n < 0 => None,
            Some(n) => Some(n as u64),
            None => None,
        };
        let limit_bytes = match num("limitBytes")? {
            Some(n) if n < 1 => return Err("limitBytes must be greater than 0".into()),
            Some(n) => Some(n as u64),
            None => None,
        };
        Ok(LogOptions {
            follow: flag("follow"),
            previous: flag("previous"),
            timestamps: flag("timestamps"),
            tail_lines,
            since,
            limit_bytes,
        })
    }

    /// The first batch: `since` and `tailLines` applied.
    pub fn select(&self, lines: Vec<LogLine>) -> Vec<LogLine> {
        let mut lines: Vec<LogLine> = match self.since {
            Some(t) => lines.into_iter().filter(|l| l.at >= t).collect(),
            None => lines,
        };
        if let Some(n) = self.tail_lines {
            let n = n as usize;
            if lines.len() > n {
                lines.drain(..lines.len() - n);
            }
        }
        lines
    }

    /// Renders lines as the body carries them.
    pub fn render(&self, lines: &[LogLine]) -> String {
        let mut out = String::new();
        for l in lines {
            if self.timestamps {
                out.push_str(&rfc3339_nano(l.at));
                out.push(' ');
            }
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

/// Go's RFC3339Nano (trailing zeros of the fraction trimmed), in UTC.
pub fn rfc3339_nano(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let ts =
        jiff::Timestamp::from_second(d.as_secs() as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let base = ts.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        return format!("{base}Z");
    }
    let mut frac = format!("{nanos:09}");
    while frac.ends_with('0') {
        frac.pop();
    }
    format!("{base}.{frac}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_725_600 + s)
    }

    #[test]
    fn instances_keep_their_own_lines() {
        let logs = ContainerLogs::default();
        logs.start("a");
        logs.append("a", at(0), "one".into());
        logs.end("a");
        logs.start("b");
        logs.append("b", at(1), "two".into());
        assert_eq!(logs.read("a", 0).expect("a").lines[0].text, "one");
        let b = logs.read("b", 0).expect("b");
        assert_eq!((b.lines.len(), b.next, b.ended), (1, 1, false));
        assert!(logs.read("b", 1).expect("b").lines.is_empty());
        assert!(logs.read("a", 0).expect("a").ended);
    }

    #[test]
    fn waiting_containers_answer_like_the_kubelet() {
        let waiting = LogView {
            state: LogState::Waiting("ContainerCreating".into()),
            last_terminated: None,
        };
        assert_eq!(
            pick_instance(&waiting, "c", "p", false),
            Err("container \"c\" in pod \"p\" is waiting to start: ContainerCreating".into())
        );
        assert_eq!(
            pick_instance(&waiting, "c", "p", true),
            Err("previous terminated container \"c\" in pod \"p\" not found".into())
        );
        let pull = LogView {
            state: LogState::Waiting("ImagePullBackOff".into()),
            last_terminated: None,
        };
        assert!(
            pick_instance(&pull, "c", "p", false)
                .unwrap_err()
                .ends_with("trying and failing to pull image")
        );
        let crashing = LogView {
            state: LogState::Waiting("CrashLoopBackOff".into()),
            last_terminated: Some(Some("x".into())),
        };
        assert_eq!(pick_instance(&crashing, "c", "p", false), Ok("x".into()));
        assert_eq!(pick_instance(&crashing, "c", "p", true), Ok("x".into()));
    }

    #[test]
    fn options_cut_and_format_lines() {
        let q = |k: &str| match k {
            "tailLines" => Some("2".to_string()),
            "timestamps" => Some("true".to_string()),
            _ => None,
        };
        let o = LogOptions::from_query(q, at(100)).expect("valid");
        let lines: Vec<LogLine> = (0..3)
            .map(|i| LogLine {
                at: at(i),
                text: format!("l{i}"),
            })
            .collect();
        let picked = o.select(lines);
        assert_eq!(
            o.render(&picked),
            "2025-01-01T10:00:01Z l1\n2025-01-01T10:00:02Z l2\n"
        );
        let since =
            LogOptions::from_query(|k| (k == "sinceSeconds").then(|| "99".to_string()), at(100))
                .expect("valid");
        assert_eq!(since.since, Some(at(1)));
        assert!(
            LogOptions::from_query(|k| (k == "limitBytes").then(|| "0".into()), at(0)).is_err()
        );
    }

    #[test]
    fn nanosecond_timestamps_trim_zeros() {
        assert_eq!(
            rfc3339_nano(at(0) + Duration::from_millis(120)),
            "2025-01-01T10:00:00.12Z"
        );
    }
}
