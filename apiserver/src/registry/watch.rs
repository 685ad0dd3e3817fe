//! Watches as the API serves them: initial state for `resourceVersion` "" or "0" and for
//! watch-list (`sendInitialEvents`), replay after a revision, selector transitions (an object
//! that stops matching is DELETED for that watcher), bookmarks, `timeoutSeconds` and 410 Expired.

use std::time::Duration;

use futures::StreamExt;
use kubesim_api::{ApiError, Cause, ResourceDef, wellknown::ANNOTATION_INITIAL_EVENTS_END};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::Registry;
use crate::selector::{FieldSelector, LabelSelector};
use crate::storage::{EventType, StoreError};

/// Parameters of a watch.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
    /// `sendInitialEvents`.
    pub send_initial_events: Option<bool>,
    /// `allowWatchBookmarks`.
    pub allow_bookmarks: bool,
    /// `timeoutSeconds`.
    pub timeout: Option<Duration>,
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
}

/// One item of a watch stream.
#[derive(Debug, Clone)]
pub enum WatchItem {
    /// ADDED, MODIFIED or DELETED with the object as served.
    Event {
        /// `ADDED`, `MODIFIED` or `DELETED`.
        kind: &'static str,
        /// The object.
        object: Value,
    },
    /// A BOOKMARK (an object with only kind, apiVersion and metadata).
    Bookmark(Value),
    /// An ERROR event carrying a Status; the stream ends after it.
    Error(ApiError),
}

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);

impl Registry {
    /// Starts a watch; items arrive on the returned channel until it closes.
    pub fn watch(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        opts: WatchOptions,
    ) -> Result<mpsc::Receiver<WatchItem>, ApiError> {
        let labels = LabelSelector::parse(opts.label_selector.as_deref().unwrap_or(""))?;
        let fields = FieldSelector::parse(opts.field_selector.as_deref().unwrap_or(""), def)?;
        let rv_param = opts.resource_version.clone().unwrap_or_default();
        let invalid = |field: &str, detail: &str| {
            ApiError::invalid("", "ListOptions", "", vec![Cause::forbidden(field, detail)])
        };
        match (
            opts.send_initial_events,
            opts.resource_version_match.as_deref(),
        ) {
            (Some(_), Some("NotOlderThan")) => {}
            (Some(_), _) => {
                return Err(invalid(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ));
            }
            (None, Some(m)) if !m.is_empty() => {
                return Err(invalid(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                ));
            }
            _ => {}
        }
        if opts.send_initial_events == Some(true) && !opts.allow_bookmarks {
            return Err(invalid(
                "allowWatchBookmarks",
                "allowWatchBookmarks must be set to true when sendInitialEvents is true",
            ));
        }
        let requested: Option<u64> = match rv_param.as_str() {
            "" | "0" => None,
            s => Some(s.parse().map_err(|_| {
                ApiError::invalid(
                    "",
                    "ListOptions",
                    "",
                    vec![Cause::invalid(
                        "resourceVersion",
                        &json!(s),
                        "must be a non-negative integer",
                    )],
                )
            })?),
        };
        let initial = match opts.send_initial_events {
            Some(send) => send,
            None => requested.is_none(),
        };
        let prefix = Self::prefix(def, ns);
        let mut initial_items = Vec::new();
        let start_rv = if initial || requested.is_none() {
            let page = self
                .store
                .list(&prefix, None, None)
                .map_err(|e| Self::store_err(def, "", e))?;
            if initial {
                for v in &page.items {
                    if labels.matches(
                        v.object
                            .pointer("/metadata/labels")
                            .and_then(Value::as_object),
                    ) && fields.matches(&v.object)
                    {
                        initial_items.push(self.output(def, &v.object)?);
                    }
                }
            }
            page.rv
        } else {
            requested.unwrap_or(0)
        };
        let (tx, rx) = mpsc::channel(256);
        let stream = match self.store.watch(&prefix, start_rv) {
            Ok(s) => Some(s),
            Err(e @ StoreError::Gone { .. }) => {
                let err = Self::store_err(def, "", e);
                let _ = tx.try_send(WatchItem::Error(err));
                None
            }
            Err(e) => return Err(Self::store_err(def, "", e)),
        };
        let Some(mut stream) = stream else {
            return Ok(rx);
        };
        let def = def.clone();
        let table_def = def.clone();
        let shutdown = self.shutdown.clone();
        let bookmark = move |rv: u64, end: bool| {
            let mut meta = json!({"resourceVersion": rv.to_string()});
            if end {
                meta["annotations"] = json!({ANNOTATION_INITIAL_EVENTS_END: "true"});
            }
            WatchItem::Bookmark(
                json!({"kind": table_def.kind, "apiVersion": table_def.api_version(), "metadata": meta}),
            )
        };
        let send_initial_end = opts.send_initial_events == Some(true);
        let allow_bookmarks = opts.allow_bookmarks;
        let timeout = opts.timeout;
        tokio::spawn(async move {
            for object in initial_items {
                if tx
                    .send(WatchItem::Event {
                        kind: "ADDED",
                        object,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            let mut last_rv = start_rv;
            if send_initial_end && tx.send(bookmark(last_rv, true)).await.is_err() {
                return;
            }
            let deadline = async {
                match timeout {
                    Some(t) => tokio::time::sleep(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::pin!(deadline);
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + BOOKMARK_EVERY,
                BOOKMARK_EVERY,
            );
            loop {
                tokio::select! {
                    _ = &mut deadline => return,
                    _ = shutdown.cancelled() => return,
                    _ = tx.closed() => return,
                    _ = ticks.tick(), if allow_bookmarks => {
                        if tx.send(bookmark(last_rv, false)).await.is_err() { return; }
                    }
                    ev = stream.next() => {
                        let Some(ev) = ev else { return };
                        let ev = match ev {
                            Ok(ev) => ev,
                            Err(e) => {
                                let _ = tx.send(WatchItem::Error(Registry::store_err(&def, "", e))).await;
                                return;
                            }
                        };
                        last_rv = ev.rv;
                        let matches = |o: &Value| labels.matches(o.pointer("/metadata/labels").and_then(Value::as_object)) && fields.matches(o);
                        let now = matches(&ev.object);
                        let before = ev.prev.as_deref().is_some_and(matches);
                        let kind = match ev.kind {
                            EventType::Added if now => "ADDED",
                            EventType::Modified if now && before => "MODIFIED",
                            EventType::Modified if now => "ADDED",
                            EventType::Modified if before => "DELETED",
                            EventType::Deleted if now || before => "DELETED",
                            _ => continue,
                        };
                        let object = match super::served_form(&def, &ev.object) {
                            Ok(o) => o,
                            Err(e) => {
                                let _ = tx.send(WatchItem::Error(e)).await;
                                return;
                            }
                        };
                        if tx.send(WatchItem::Event { kind, object }).await.is_err() { return; }
                    }
                }
            }
        });
        Ok(rx)
    }
}
