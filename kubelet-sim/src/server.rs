//! The kubelet API of a simulated node, as an axum `Router` (no socket): today
//! `GET /containerLogs/{namespace}/{pod}/{container}` with the query parameters the API server
//! forwards from `pods/{name}/log` (`follow`, `previous`, `timestamps`, `tailLines`,
//! `sinceSeconds`, `sinceTime`, `limitBytes`), and `/healthz`.
//!
//! Errors answer as the kubelet does: 404 for an unknown pod or container, 400 with the
//! kubelet's message (`container "c" in pod "p" is waiting to start: ContainerCreating`) when
//! there is nothing to read yet. The API server turns a 400 into a `BadRequest` Status.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use http::{StatusCode, header};

use crate::kubelet::NodeRuntime;
use crate::logs::{ContainerLogs, LogOptions, pick_instance};

fn text(code: StatusCode, body: String) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The kubelet API router of one node.
pub fn router(rt: Arc<NodeRuntime>) -> Router {
    Router::new()
        .route(
            "/containerLogs/{namespace}/{pod}/{container}",
            get(container_logs),
        )
        .route("/healthz", get(|| async { "ok" }))
        .with_state(rt)
}

async fn container_logs(
    State(rt): State<Arc<NodeRuntime>>,
    Path((namespace, pod, container)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let opts = match LogOptions::from_query(|k| q.get(k).cloned(), rt.clock.wall_now()) {
        Ok(o) => o,
        Err(msg) => return text(StatusCode::BAD_REQUEST, msg),
    };
    let Some(handle) = rt.pod(&namespace, &pod) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("pod {pod:?} does not exist\n"),
        );
    };
    let Some(c) = handle.container(&container) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("container {container:?} not found in pod {pod:?}\n"),
        );
    };
    let id = match pick_instance(&c.view, &container, &pod, opts.previous) {
        Ok(id) => id,
        Err(msg) => return text(StatusCode::BAD_REQUEST, msg),
    };
    let Some(first) = c.logs.read(&id, 0) else {
        return text(
            StatusCode::BAD_REQUEST,
            format!("container {container:?} in pod {pod:?} is not available"),
        );
    };
    let next = first.next;
    let ended = first.ended;
    let lines = opts.select(first.lines);
    let mut body = opts.render(&lines).into_bytes();
    let mut budget = opts.limit_bytes.map(|b| b as usize);
    if let Some(b) = budget {
        body.truncate(b);
        budget = Some(b - body.len());
    }
    let mut resp = if !opts.follow || ended || budget == Some(0) {
        Response::new(Body::from(body))
    } else {
        Response::new(Body::from_stream(follow(
            c.logs.clone(),
            id,
            next,
            body,
            budget,
            opts,
        )))
    };
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    resp
}

struct Follow {
    logs: Arc<ContainerLogs>,
    id: String,
    next: u64,
    first: Option<Vec<u8>>,
    budget: Option<usize>,
    opts: LogOptions,
    rx: tokio::sync::watch::Receiver<u64>,
    done: bool,
}

/// Streams the lines already printed, then new ones as they come, until the instance exits.
fn follow(
    logs: Arc<ContainerLogs>,
    id: String,
    next: u64,
    first: Vec<u8>,
    budget: Option<usize>,
    opts: LogOptions,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let rx = logs.subscribe();
    let state = Follow {
        logs,
        id,
        next,
        first: Some(first),
        budget,
        opts,
        rx,
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        if let Some(first) = st.first.take()
            && !first.is_empty()
        {
            return Some((Ok(Bytes::from(first)), st));
        }
        loop {
            if st.done || st.budget == Some(0) {
                return None;
            }
            st.rx.borrow_and_update();
            let chunk = st.logs.read(&st.id, st.next)?;
            st.next = chunk.next;
            if chunk.ended {
                st.done = true;
            }
            if !chunk.lines.is_empty() {
                let mut bytes = st.opts.render(&chunk.lines).into_bytes();
                if let Some(b) = st.budget {
                    bytes.truncate(b);
                    st.budget = Some(b - bytes.len());
                }
                return Some((Ok(Bytes::from(bytes)), st));
            }
            if st.done {
                return None;
            }
            if st.rx.changed().await.is_err() {
                return None;
            }
        }
    })
}
