//! The scheduling queue: pods waiting to be scheduled, in three sub-queues.
//!
//! Mirrors `pkg/scheduler/backend/queue/scheduling_queue.go`:
//! - *active*: pods ready for a scheduling attempt, highest priority first, then first in;
//! - *backoff*: pods waiting out a per-pod exponential backoff (1 s, 2 s, 4 s, … capped at 10 s)
//!   after a failed attempt, moved to active when it expires;
//! - *unschedulable*: pods that fit nowhere, parked until a cluster event that may help them
//!   (a node added, a pod deleted, …) moves them, or for at most 5 minutes.
//!
//! A pod popped for a cycle is *in flight*. If a cluster event arrives meanwhile, a failure sends
//! it to backoff rather than unschedulable, so the event is not lost (`moveRequestCycle`).
//! Pure data structure: time is passed in, nothing here sleeps or does I/O.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kubesim_api::ObjectKey;
use tokio::time::Instant;

/// Where a queued pod is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Ready for an attempt.
    Active,
    /// Waiting out its backoff.
    Backoff,
    /// Waiting for a cluster event.
    Unschedulable,
    /// Held by non-empty `spec.schedulingGates`.
    Gated,
    /// Popped; its scheduling cycle or binding is in progress.
    InFlight,
}

/// A pod in the queue.
#[derive(Debug, Clone)]
pub struct QueuedPod {
    /// The latest version of the pod.
    pub pod: Arc<Pod>,
    /// Its priority, for ordering.
    pub priority: i32,
    /// Scheduling attempts so far.
    pub attempts: u32,
    /// Where it is.
    pub place: Place,
    /// The plugins that rejected it in its last attempt.
    pub unschedulable_plugins: BTreeSet<&'static str>,
    backoff_until: Option<Instant>,
    unschedulable_since: Option<Instant>,
    /// FIFO position among equal priorities; renewed when the pod re-enters active.
    seq: u64,
    /// Guards heap entries against reuse after the pod moved.
    token: u64,
    /// The cycle in which it was last popped.
    cycle: u64,
    /// Whether its spec or labels changed while it was in flight.
    updated_in_flight: bool,
}

/// A pod handed out for a scheduling cycle.
#[derive(Debug, Clone)]
pub struct Popped {
    /// The pod's key.
    pub key: ObjectKey,
    /// The pod.
    pub pod: Arc<Pod>,
    /// Attempts including this one.
    pub attempts: u32,
}

#[derive(Debug, PartialEq, Eq)]
struct ActiveItem {
    priority: i32,
    seq: u64,
    token: u64,
    key: ObjectKey,
}

impl Ord for ActiveItem {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for ActiveItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Timings of the queue.
#[derive(Debug, Clone, Copy)]
pub struct QueueTimings {
    /// Backoff after the first failed attempt (`podInitialBackoffSeconds`, 1 s).
    pub initial_backoff: Duration,
    /// Longest backoff (`podMaxBackoffSeconds`, 10 s).
    pub max_backoff: Duration,
    /// How long a pod stays unschedulable without an event (`podMaxInUnschedulablePodsDuration`, 5 min).
    pub max_unschedulable: Duration,
}

impl Default for QueueTimings {
    fn default() -> Self {
        QueueTimings {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_unschedulable: Duration::from_secs(300),
        }
    }
}

/// The scheduling queue.
#[derive(Debug)]
pub struct SchedulingQueue {
    timings: QueueTimings,
    pods: HashMap<ObjectKey, QueuedPod>,
    active: BinaryHeap<ActiveItem>,
    backoff: BinaryHeap<Reverse<(Instant, u64, ObjectKey)>>,
    /// Keys of the pods in the unschedulable sub-queue (so events do not scan every pod).
    unschedulable: HashSet<ObjectKey>,
    next: u64,
    scheduling_cycle: u64,
    move_request_cycle: u64,
}

fn is_gated(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.scheduling_gates.as_ref())
        .is_some_and(|g| !g.is_empty())
}

/// Whether an update changed anything but status and bookkeeping metadata (`isPodUpdated`).
fn meaningfully_updated(old: &Pod, new: &Pod) -> bool {
    old.spec != new.spec
        || old.metadata.labels != new.metadata.labels
        || old.metadata.annotations != new.metadata.annotations
        || old.metadata.deletion_timestamp != new.metadata.deletion_timestamp
}

impl SchedulingQueue {
    /// An empty queue.
    pub fn new(timings: QueueTimings) -> SchedulingQueue {
        SchedulingQueue {
            timings,
            pods: HashMap::new(),
            active: BinaryHeap::new(),
            backoff: BinaryHeap::new(),
            unschedulable: HashSet::new(),
            next: 0,
            scheduling_cycle: 0,
            move_request_cycle: 0,
        }
    }

    fn tick(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Whether any pod is ready for an attempt.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// How many pods the queue holds, in flight included.
    pub fn len(&self) -> usize {
        self.pods.len()
    }

    /// Whether the queue holds no pod.
    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
    }

    /// One queued pod.
    pub fn get(&self, key: &ObjectKey) -> Option<&QueuedPod> {
        self.pods.get(key)
    }

    /// Keys of every queued pod.
    pub fn keys(&self) -> Vec<ObjectKey> {
        self.pods.keys().cloned().collect()
    }

    fn move_to_active(&mut self, key: &ObjectKey) {
        self.unschedulable.remove(key);
        let seq = self.tick();
        let token = self.tick();
        if let Some(p) = self.pods.get_mut(key) {
            p.place = Place::Active;
            p.seq = seq;
            p.token = token;
            p.unschedulable_since = None;
            self.active.push(ActiveItem {
                priority: p.priority,
                seq,
                token,
                key: key.clone(),
            });
        }
    }

    fn move_to_backoff_or_active(&mut self, key: &ObjectKey, now: Instant) {
        self.unschedulable.remove(key);
        let until = self.pods.get(key).and_then(|p| p.backoff_until);
        match until {
            Some(until) if until > now => {
                let token = self.tick();
                if let Some(p) = self.pods.get_mut(key) {
                    p.place = Place::Backoff;
                    p.token = token;
                    p.unschedulable_since = None;
                    self.backoff.push(Reverse((until, token, key.clone())));
                }
            }
            _ => self.move_to_active(key),
        }
    }

    /// Adds a new pending pod, or updates a known one (see [`SchedulingQueue::update`]).
    pub fn add(&mut self, key: ObjectKey, pod: Arc<Pod>, priority: i32, now: Instant) {
        if self.pods.contains_key(&key) {
            self.update(&key, pod, priority, now);
            return;
        }
        let gated = is_gated(&pod);
        self.pods.insert(
            key.clone(),
            QueuedPod {
                pod,
                priority,
                attempts: 0,
                place: Place::Gated,
                unschedulable_plugins: BTreeSet::new(),
                backoff_until: None,
                unschedulable_since: None,
                seq: 0,
                token: 0,
                cycle: 0,
                updated_in_flight: false,
            },
        );
        if !gated {
            self.move_to_active(&key);
        }
    }

    /// Records a newer version of a queued pod. A change of spec or labels moves an
    /// unschedulable pod back (it may fit now) and releases a pod whose gates were removed;
    /// status-only updates (our own condition patches) move nothing.
    pub fn update(&mut self, key: &ObjectKey, pod: Arc<Pod>, priority: i32, now: Instant) {
        let Some(entry) = self.pods.get_mut(key) else {
            return;
        };
        let changed = meaningfully_updated(&entry.pod, &pod);
        let gated = is_gated(&pod);
        entry.pod = pod;
        entry.priority = priority;
        let place = entry.place;
        if place == Place::InFlight && changed {
            entry.updated_in_flight = true;
        }
        match place {
            Place::Gated if !gated => self.move_to_active(key),
            Place::Unschedulable if changed => self.move_to_backoff_or_active(key, now),
            _ => {}
        }
    }

    /// Forgets a pod (deleted, or bound by someone).
    pub fn delete(&mut self, key: &ObjectKey) {
        self.pods.remove(key);
        self.unschedulable.remove(key);
    }

    /// Hands out the most important active pod for a scheduling cycle.
    pub fn pop(&mut self) -> Option<Popped> {
        while let Some(item) = self.active.pop() {
            let valid = self
                .pods
                .get(&item.key)
                .is_some_and(|p| p.place == Place::Active && p.token == item.token);
            if !valid {
                continue;
            }
            self.scheduling_cycle += 1;
            let cycle = self.scheduling_cycle;
            let p = self.pods.get_mut(&item.key)?;
            p.place = Place::InFlight;
            p.attempts += 1;
            p.cycle = cycle;
            p.updated_in_flight = false;
            return Some(Popped {
                key: item.key,
                pod: p.pod.clone(),
                attempts: p.attempts,
            });
        }
        None
    }

    /// The backoff after `attempts` failed attempts: doubling from the initial one, capped.
    pub fn backoff_duration(&self, attempts: u32) -> Duration {
        let mut d = self.timings.initial_backoff;
        for _ in 1..attempts {
            d = d.saturating_mul(2);
            if d >= self.timings.max_backoff {
                return self.timings.max_backoff;
            }
        }
        d.min(self.timings.max_backoff)
    }

    /// Returns an in-flight pod that fits nowhere. It waits in unschedulable for an event,
    /// unless an event (or an update of the pod) already came during its cycle: then it only
    /// waits out its backoff.
    pub fn requeue_unschedulable(
        &mut self,
        key: &ObjectKey,
        plugins: BTreeSet<&'static str>,
        now: Instant,
    ) {
        let (attempts, cycle, updated) = match self.pods.get(key) {
            Some(p) if p.place == Place::InFlight => (p.attempts, p.cycle, p.updated_in_flight),
            _ => return,
        };
        let backoff = self.backoff_duration(attempts);
        let token = self.tick();
        let missed_event = self.move_request_cycle >= cycle || updated;
        let Some(p) = self.pods.get_mut(key) else {
            return;
        };
        p.backoff_until = Some(now + backoff);
        p.unschedulable_plugins = plugins;
        if missed_event {
            self.move_to_backoff_or_active(key, now);
        } else {
            p.place = Place::Unschedulable;
            p.token = token;
            p.unschedulable_since = Some(now);
            self.unschedulable.insert(key.clone());
        }
    }

    /// Returns an in-flight pod whose attempt failed with an error (a failed bind): it waits
    /// out its backoff.
    pub fn requeue_error(&mut self, key: &ObjectKey, now: Instant) {
        let backoff = match self.pods.get(key) {
            Some(p) if p.place == Place::InFlight => self.backoff_duration(p.attempts),
            _ => return,
        };
        if let Some(p) = self.pods.get_mut(key) {
            p.backoff_until = Some(now + backoff);
        }
        self.move_to_backoff_or_active(key, now);
    }

    /// Moves unschedulable pods that a cluster event may help: those rejected by one of
    /// `plugins` (`None`: every pod), and pods with no recorded plugin. They go to backoff if
    /// still backing off, else to active.
    pub fn move_for_event(&mut self, plugins: Option<&[&str]>, now: Instant) {
        self.move_request_cycle = self.scheduling_cycle;
        let keys: Vec<ObjectKey> = self
            .unschedulable
            .iter()
            .filter_map(|k| self.pods.get(k).map(|p| (k, p)))
            .filter(|(_, p)| match plugins {
                None => true,
                Some(list) => {
                    p.unschedulable_plugins.is_empty()
                        || list.iter().any(|n| p.unschedulable_plugins.contains(n))
                }
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            self.move_to_backoff_or_active(&k, now);
        }
    }

    /// Moves pods whose backoff expired to active, and pods unschedulable for longer than the
    /// limit to backoff or active.
    pub fn flush(&mut self, now: Instant) {
        while let Some(Reverse((until, token, key))) = self.backoff.peek().cloned() {
            if until > now {
                break;
            }
            self.backoff.pop();
            if self
                .pods
                .get(&key)
                .is_some_and(|p| p.place == Place::Backoff && p.token == token)
            {
                self.move_to_active(&key);
            }
        }
        let limit = self.timings.max_unschedulable;
        let stale: Vec<ObjectKey> = self
            .unschedulable
            .iter()
            .filter_map(|k| self.pods.get(k).map(|p| (k, p)))
            .filter(|(_, p)| p.unschedulable_since.is_some_and(|s| s + limit <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            self.move_to_backoff_or_active(&k, now);
        }
    }

    /// When [`SchedulingQueue::flush`] next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        let backoff = self.backoff.peek().map(|Reverse((t, _, _))| *t);
        let unschedulable = self
            .unschedulable
            .iter()
            .filter_map(|k| self.pods.get(k).and_then(|p| p.unschedulable_since))
            .min()
            .map(|s| s + self.timings.max_unschedulable);
        match (backoff, unschedulable) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::pod;
    use k8s_openapi::api::core::v1::PodSchedulingGate;

    fn key(name: &str) -> ObjectKey {
        ObjectKey {
            namespace: Some("default".into()),
            name: name.into(),
        }
    }

    fn queue() -> SchedulingQueue {
        SchedulingQueue::new(QueueTimings::default())
    }

    fn add(q: &mut SchedulingQueue, name: &str, priority: i32, now: Instant) {
        q.add(key(name), Arc::new(pod(name, &[], &[])), priority, now);
    }

    fn plugins(names: &[&'static str]) -> BTreeSet<&'static str> {
        names.iter().copied().collect()
    }

    #[test]
    fn active_pods_pop_by_priority_then_fifo() {
        let now = Instant::now();
        let mut q = queue();
        add(&mut q, "low-1", 0, now);
        add(&mut q, "high", 100, now);
        add(&mut q, "low-2", 0, now);
        let order: Vec<String> = std::iter::from_fn(|| q.pop().map(|p| p.key.name)).collect();
        assert_eq!(order, vec!["high", "low-1", "low-2"]);
    }

    #[test]
    fn backoff_doubles_from_one_second_up_to_ten() {
        let q = queue();
        let secs: Vec<u64> = (1..=6).map(|a| q.backoff_duration(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn unschedulable_pods_wait_for_a_relevant_event() {
        let now = Instant::now();
        let mut q = queue();
        add(&mut q, "p", 0, now);
        q.pop();
        q.requeue_unschedulable(&key("p"), plugins(&["NodeResourcesFit"]), now);
        assert_eq!(
            q.get(&key("p")).map(|p| p.place),
            Some(Place::Unschedulable)
        );
        // An event for other plugins leaves it.
        q.move_for_event(Some(&["InterPodAffinity"]), now);
        assert_eq!(
            q.get(&key("p")).map(|p| p.place),
            Some(Place::Unschedulable)
        );
        // A relevant event while still backing off sends it to backoff, then active.
        q.move_for_event(Some(&["NodeResourcesFit"]), now);
        assert_eq!(q.get(&key("p")).map(|p| p.place), Some(Place::Backoff));
        assert!(q.pop().is_none());
        assert_eq!(q.next_deadline(), Some(now + Duration::from_secs(1)));
        q.flush(now + Duration::from_secs(1));
        assert_eq!(q.pop().map(|p| p.attempts), Some(2));
    }

    #[test]
    fn an_event_during_the_cycle_is_not_lost() {
        let now = Instant::now();
        let mut q = queue();
        add(&mut q, "p", 0, now);
        q.pop();
        q.move_for_event(None, now);
        q.requeue_unschedulable(&key("p"), plugins(&["NodeResourcesFit"]), now);
        assert_eq!(q.get(&key("p")).map(|p| p.place), Some(Place::Backoff));
    }

    #[test]
    fn unschedulable_pods_are_retried_after_five_minutes() {
        let now = Instant::now();
        let mut q = queue();
        add(&mut q, "p", 0, now);
        q.pop();
        q.requeue_unschedulable(&key("p"), plugins(&["NodeAffinity"]), now);
        assert_eq!(q.next_deadline(), Some(now + Duration::from_secs(300)));
        q.flush(now + Duration::from_secs(299));
        assert!(!q.has_active());
        q.flush(now + Duration::from_secs(300));
        assert!(q.has_active());
    }

    #[test]
    fn status_only_updates_do_not_requeue_but_spec_changes_do() {
        let now = Instant::now();
        let mut q = queue();
        add(&mut q, "p", 0, now);
        q.pop();
        q.requeue_unschedulable(&key("p"), plugins(&["TaintToleration"]), now);
        let mut with_status = pod("p", &[], &[]);
        with_status.status = Some(Default::default());
        if let Some(s) = with_status.status.as_mut() {
            s.nominated_node_name = Some("n".into());
        }
        q.update(
            &key("p"),
            Arc::new(with_status),
            0,
            now + Duration::from_secs(5),
        );
        assert_eq!(
            q.get(&key("p")).map(|p| p.place),
            Some(Place::Unschedulable)
        );
        let relabelled = pod("p", &[], &[("tier", "x")]);
        q.update(
            &key("p"),
            Arc::new(relabelled),
            0,
            now + Duration::from_secs(5),
        );
        assert_eq!(q.get(&key("p")).map(|p| p.place), Some(Place::Active));
    }

    #[test]
    fn gated_pods_wait_until_their_gates_are_removed() {
        let now = Instant::now();
        let mut q = queue();
        let mut gated = pod("g", &[], &[]);
        if let Some(s) = gated.spec.as_mut() {
            s.scheduling_gates = Some(vec![PodSchedulingGate {
                name: "wait".into(),
            }]);
        }
        q.add(key("g"), Arc::new(gated), 0, now);
        assert!(q.pop().is_none());
        q.update(&key("g"), Arc::new(pod("g", &[], &[])), 0, now);
        assert_eq!(q.pop().map(|p| p.key.name), Some("g".to_string()));
    }

    #[test]
    fn deleted_pods_leave_no_trace_in_the_heaps() {
        let now = Instant::now();
        let mut q = queue();
        add(&mut q, "a", 0, now);
        add(&mut q, "b", 0, now);
        q.delete(&key("a"));
        assert_eq!(q.pop().map(|p| p.key.name), Some("b".to_string()));
        assert!(q.pop().is_none());
        assert!(!q.is_empty());
    }
}
