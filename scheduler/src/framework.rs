//! The scheduling framework's vocabulary: plugin results ([`Status`] with a [`Code`]) and the
//! diagnosis of a pod that fits nowhere, worded as upstream's `FitError`.
//!
//! Mirrors `k8s.io/kube-scheduler/framework` (`Code`, `Status`) and `FitError.Error()` in
//! `pkg/scheduler/framework/types.go`. An expected "does not fit" is a `Status`, not an error.

use std::collections::{BTreeMap, BTreeSet};

/// `NoNodeAvailableMsg`'s sibling for an empty cluster (`ErrNoNodesAvailable`).
pub const NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";

/// What a plugin decided, and how the queue reacts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The pod may go on.
    Success,
    /// The pod does not fit here now; preemption may help, and it is retried on cluster events.
    Unschedulable,
    /// The pod does not fit here and preempting pods on this node would not change that.
    UnschedulableAndUnresolvable,
    /// Something went wrong; the pod is retried after its backoff.
    Error,
}

/// A plugin's result: a code, human-readable reasons, and which plugin said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The decision.
    pub code: Code,
    /// Reasons, each counted separately in the "0/N nodes are available" histogram.
    pub reasons: Vec<String>,
    /// The plugin that rejected the pod (empty for success).
    pub plugin: &'static str,
}

impl Status {
    /// Success.
    pub fn success() -> Status {
        Status {
            code: Code::Success,
            reasons: Vec::new(),
            plugin: "",
        }
    }

    /// A rejection that preemption may resolve.
    pub fn unschedulable(plugin: &'static str, reason: impl Into<String>) -> Status {
        Status {
            code: Code::Unschedulable,
            reasons: vec![reason.into()],
            plugin,
        }
    }

    /// A rejection that preemption cannot resolve.
    pub fn unresolvable(plugin: &'static str, reason: impl Into<String>) -> Status {
        Status {
            code: Code::UnschedulableAndUnresolvable,
            reasons: vec![reason.into()],
            plugin,
        }
    }

    /// Whether the pod may go on.
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }

    /// The reasons joined as upstream's `Status.Message()`.
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// Why a pod fits on no node: each node's status, plus the messages of the PreFilter and
/// PostFilter (preemption) steps.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    /// The status of each node that was evaluated and rejected, by node name.
    pub node_statuses: BTreeMap<String, Status>,
    /// The status of every node absent from `node_statuses` (preemption's "not helpful").
    pub absent_status: Option<Status>,
    /// A PreFilter rejection, which applies to every node at once.
    pub pre_filter_msg: Option<String>,
    /// What preemption reported.
    pub post_filter_msg: Option<String>,
    /// The plugins that rejected the pod (the cluster events that may help it depend on them).
    pub unschedulable_plugins: BTreeSet<&'static str>,
}

impl Diagnosis {
    /// Records a node's rejection.
    pub fn reject(&mut self, node: &str, status: Status) {
        if !status.plugin.is_empty() {
            self.unschedulable_plugins.insert(status.plugin);
        }
        self.node_statuses.insert(node.to_string(), status);
    }

    /// The message of upstream's `FitError`, e.g.
    /// `0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.`
    ///
    /// Reasons are counted per node and sorted as strings, exactly like upstream's histogram.
    pub fn fit_error_message(&self, num_all_nodes: usize) -> String {
        let mut msg = format!("0/{num_all_nodes} nodes are available:");
        if let Some(pre) = &self.pre_filter_msg {
            msg.push_str(&format!(" {pre}."));
        } else {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for status in self.node_statuses.values() {
                for r in &status.reasons {
                    *counts.entry(r).or_default() += 1;
                }
            }
            let absent = num_all_nodes.saturating_sub(self.node_statuses.len());
            if let Some(s) = &self.absent_status
                && absent > 0
            {
                for r in &s.reasons {
                    *counts.entry(r).or_default() += absent;
                }
            }
            let mut parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            if !parts.is_empty() {
                msg.push_str(&format!(" {}.", parts.join(", ")));
            }
        }
        if let Some(post) = &self.post_filter_msg {
            msg.push_str(&format!(" {post}"));
        }
        msg
    }
}

/// Cuts a message to the 1024 bytes an Event's note may hold (`truncateMessage`).
pub fn truncate_message(msg: &str) -> String {
    const LIMIT: usize = 1024;
    const SUFFIX: &str = " ...";
    if msg.len() <= LIMIT {
        return msg.to_string();
    }
    let mut end = LIMIT - SUFFIX.len();
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{SUFFIX}", &msg[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_error_counts_and_sorts_reasons_like_upstream() {
        let mut d = Diagnosis::default();
        d.reject(
            "a",
            Status::unschedulable("NodeResourcesFit", "Insufficient cpu"),
        );
        d.reject(
            "b",
            Status::unschedulable("NodeResourcesFit", "Insufficient cpu"),
        );
        d.reject(
            "c",
            Status::unresolvable(
                "TaintToleration",
                "node(s) had untolerated taint {dedicated: gpu}",
            ),
        );
        assert_eq!(
            d.fit_error_message(3),
            "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu."
        );
        d.post_filter_msg = Some(
            "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
                .into(),
        );
        assert!(d.fit_error_message(3).ends_with(
            "2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        ));
    }

    #[test]
    fn absent_nodes_count_with_the_default_status() {
        let d = Diagnosis {
            absent_status: Some(Status::unresolvable(
                "DefaultPreemption",
                "Preemption is not helpful for scheduling",
            )),
            ..Default::default()
        };
        assert_eq!(
            d.fit_error_message(3),
            "0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = "x".repeat(2000);
        let t = truncate_message(&long);
        assert_eq!(t.len(), 1024);
        assert!(t.ends_with(" ..."));
        assert_eq!(truncate_message("short"), "short");
    }
}
