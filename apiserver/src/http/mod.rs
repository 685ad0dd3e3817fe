//! The HTTP adapter: an axum router that authenticates, parses paths and queries, decodes bodies,
//! calls the registry and encodes answers. It holds no API semantics of its own.

mod discovery;
mod encode;
mod openapi;
mod query;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderMap, Method, StatusCode, header};
use kubesim_api::{ApiError, KUBERNETES_VERSION, ResourceDef};
use serde_json::{Value, json};

pub use discovery::Aggregated;
pub use encode::{ErrorResponse, MAX_BODY};

use crate::auth::{Attributes, Identity, TokenAuthenticator};
use crate::registry::{
    DeleteOptions, Deleted, ListOptions, PatchType, Registry, Target, WatchItem, WatchOptions,
    WriteContext,
};
use encode::{IncludeObject, Render, decode_body, json_response};
use query::Query;

/// Everything the router needs.
#[derive(Clone)]
pub struct ApiState {
    /// The registry.
    pub registry: Arc<Registry>,
    /// Known bearer tokens.
    pub tokens: TokenAuthenticator,
    /// Set once every component runs; `/readyz` answers 200 only then.
    pub ready: Arc<AtomicBool>,
    /// The address clients reach the server on (for legacy `/api`).
    pub server_address: Arc<std::sync::RwLock<String>>,
    /// How `pods/{name}/log` reaches the kubelet of the pod's node, if any runs.
    pub kubelet: Option<Arc<dyn KubeletConnector>>,
}

/// Reaches the kubelet API of a node, as upstream's kubelet client does for `pods/{name}/log`.
/// Implemented by the wiring (in-process simulated kubelets); the API server only forwards.
pub trait KubeletConnector: Send + Sync {
    /// Sends `req` (a kubelet API path such as `/containerLogs/ns/pod/c?follow=true`) to the
    /// kubelet of `node`; `None` when no kubelet serves that node.
    fn call(
        &self,
        node: &str,
        req: http::Request<Body>,
    ) -> futures::future::BoxFuture<'static, Option<Response>>;
}

/// The router serving the whole API. A panic in a handler (a bug) becomes a 500 Status for that
/// request instead of a dropped connection.
pub fn router(state: ApiState) -> Router {
    Router::new().fallback(handle).with_state(state).layer(
        tower_http::catch_panic::CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                tracing::error!("A request handler panicked.");
                ErrorResponse(ApiError::Internal(
                    "an error on the server has prevented the request from succeeding".into(),
                ))
                .into_response()
            },
        ),
    )
}

/// Paths readable without credentials, as upstream's `system:public-info-viewer` allows.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/version" | "/version/" | "/healthz" | "/livez" | "/readyz"
    ) || path.starts_with("/healthz/")
        || path.starts_with("/livez/")
        || path.starts_with("/readyz/")
}

async fn handle(State(st): State<ApiState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    tracing::debug!(method = %req.method(), uri = %req.uri(), "Request.");
    let identity = authenticate(&st, &req);
    if identity.is_none() && !is_public(&path) {
        return ErrorResponse(ApiError::Unauthorized).into_response();
    }
    let query = Query::parse(req.uri().query());
    match dispatch(&st, req, &path, &query, identity).await {
        Ok(r) => r,
        Err(e) => {
            if e.code() >= 500 {
                tracing::warn!(path, error = %e, "Request failed.");
            }
            ErrorResponse(e).into_response()
        }
    }
}

fn authenticate(st: &ApiState, req: &Request) -> Option<Identity> {
    if let Some(id) = req.extensions().get::<Identity>() {
        return Some(id.clone());
    }
    let auth = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))?;
    st.tokens.authenticate(token.trim())
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn text(code: StatusCode, body: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = code;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn dispatch(
    st: &ApiState,
    req: Request,
    path: &str,
    query: &Query,
    identity: Option<Identity>,
) -> Result<Response, ApiError> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let method = req.method().clone();
    let accept = header_str(req.headers(), header::ACCEPT).map(str::to_string);
    let table = st.registry.table();
    let get_only = |r: Response| {
        if method == Method::GET || method == Method::HEAD {
            Ok(r)
        } else {
            Err(not_allowed())
        }
    };
    match segs.as_slice() {
        ["version"] => get_only(json_response(StatusCode::OK, &version_info())),
        ["healthz", ..] | ["livez", ..] => get_only(text(StatusCode::OK, "ok")),
        ["readyz", ..] => {
            if st.ready.load(Ordering::Acquire) {
                get_only(text(StatusCode::OK, "ok"))
            } else {
                get_only(text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "[-]kubesim-components failed: not ready yet\nreadyz check failed",
                ))
            }
        }
        ["api"] => {
            if let Some(form) = accept.as_deref().and_then(Aggregated::negotiate) {
                return get_only(aggregated_response(&table, true, form));
            }
            let addr = st
                .server_address
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            get_only(json_response(
                StatusCode::OK,
                &discovery::api_versions(&addr),
            ))
        }
        ["apis"] => {
            if let Some(form) = accept.as_deref().and_then(Aggregated::negotiate) {
                return get_only(aggregated_response(&table, false, form));
            }
            get_only(json_response(
                StatusCode::OK,
                &discovery::api_group_list(&table),
            ))
        }
        ["api", "v1"] => get_only(json_response(
            StatusCode::OK,
            &discovery::api_resource_list(&table, "", "v1").ok_or(ApiError::NoRoute)?,
        )),
        ["apis", group] => get_only(json_response(
            StatusCode::OK,
            &discovery::api_group(&table, group).ok_or(ApiError::NoRoute)?,
        )),
        ["apis", group, version] => get_only(json_response(
            StatusCode::OK,
            &discovery::api_resource_list(&table, group, version).ok_or(ApiError::NoRoute)?,
        )),
        ["openapi", "v3"] => get_only(openapi::v3_index(st.registry.openapi(), &table)),
        ["openapi", "v3", "api", version] => {
            openapi::v3_document(st.registry.openapi(), &table, "", version).and_then(get_only)
        }
        ["openapi", "v3", "apis", group, version] => {
            openapi::v3_document(st.registry.openapi(), &table, group, version).and_then(get_only)
        }
        ["openapi", "v2"] => get_only(openapi::v2_protobuf(st.registry.openapi(), &table)),
        ["api", "v1", rest @ ..] => {
            let identity = identity.ok_or(ApiError::Unauthorized)?;
            resource(st, req, "", "v1", rest, query, identity).await
        }
        ["apis", group, version, rest @ ..] => {
            let identity = identity.ok_or(ApiError::Unauthorized)?;
            let (g, v) = (group.to_string(), version.to_string());
            resource(st, req, &g, &v, rest, query, identity).await
        }
        _ => Err(ApiError::NoRoute),
    }
}

fn aggregated_response(
    table: &kubesim_api::ResourceTable,
    core: bool,
    form: Aggregated,
) -> Response {
    let mut r = json_response(StatusCode::OK, &discovery::aggregated(table, core, form));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(form.content_type()),
    );
    r
}

/// `/version`, as a v1.33 server reports it (plain semver: helm checks chart constraints against it).
pub fn version_info() -> Value {
    let v = KUBERNETES_VERSION.trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next().unwrap_or("1");
    let minor = parts.next().unwrap_or("33");
    json!({
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": (minor.parse::<u32>().unwrap_or(33) - 1).to_string(),
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "kubesim",
        "gitTreeState": "clean",
        "buildDate": "2026-11-22T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": format!("{}/{}", std::env::consts::OS, if std::env::consts::ARCH == "x86_64" { "amd64" } else { std::env::consts::ARCH }),
    })
}

/// What a resource path names.
struct PathTarget {
    def: ResourceDef,
    namespace: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

fn parse_resource_path(
    st: &ApiState,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<PathTarget, ApiError> {
    let (namespace, rest): (Option<String>, &[&str]) = match rest {
        // `namespaces/{name}/status|finalize` are the Namespace's own subresources, not a
        // namespaced resource called "status".
        ["namespaces", _, "status" | "finalize"] => (None, rest),
        ["namespaces", ns, tail @ ..] if !tail.is_empty() => (Some(ns.to_string()), tail),
        other => (None, other),
    };
    let plural = rest.first().ok_or(ApiError::NoRoute)?;
    let def = st
        .registry
        .resolve(group, version, plural)
        .ok_or(ApiError::NoRoute)?;
    if namespace.is_some() && !def.namespaced {
        return Err(ApiError::NoRoute);
    }
    let name = rest.get(1).map(|s| s.to_string());
    if def.namespaced && namespace.is_none() && name.is_some() {
        return Err(ApiError::NoRoute);
    }
    let sub = match rest.len() {
        0..=2 => None,
        3 => Some(rest[2].to_string()),
        _ if rest[2] == "proxy" => Some(rest[2].to_string()),
        _ => return Err(ApiError::NoRoute),
    };
    if let Some(s) = &sub
        && def.subresource(s).is_none()
    {
        return Err(ApiError::NoRoute);
    }
    Ok(PathTarget {
        def,
        namespace,
        name,
        sub,
    })
}

fn verb_of(method: &Method, has_name: bool, watch: bool) -> &'static str {
    match (method.as_str(), has_name) {
        ("GET" | "HEAD", _) if watch => "watch",
        ("GET" | "HEAD", true) => "get",
        ("GET" | "HEAD", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "unknown",
    }
}

fn not_allowed() -> ApiError {
    ApiError::MethodNotSupported(
        "the server does not allow this method on the requested resource".into(),
    )
}

/// How much of an oversized body is read and dropped before answering 413, so that the client
/// (which is still sending) reads the Status instead of a broken pipe.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

async fn read_body(req: Request) -> Result<(HeaderMap, Bytes), ApiError> {
    use http_body_util::BodyExt;
    let (parts, mut body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut buf = bytes::BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::BadRequest(format!("error reading the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total > DRAIN_LIMIT {
                break;
            }
            if total <= MAX_BODY && declared.is_none_or(|d| d <= MAX_BODY) {
                buf.extend_from_slice(&data);
            }
        }
    }
    if total > MAX_BODY || declared.is_some_and(|d| d > MAX_BODY) {
        return Err(too_large());
    }
    Ok((parts.headers, buf.freeze()))
}

fn too_large() -> ApiError {
    ApiError::RequestEntityTooLarge(format!("Request entity too large: limit is {MAX_BODY}"))
}

async fn resource(
    st: &ApiState,
    req: Request,
    group: &str,
    version: &str,
    rest: &[&str],
    query: &Query,
    user: Identity,
) -> Result<Response, ApiError> {
    let t = parse_resource_path(st, group, version, rest)?;
    let method = req.method().clone();
    let watch = query.flag("watch").unwrap_or(false);
    let verb = verb_of(&method, t.name.is_some(), watch && t.name.is_none());
    let sub = t.sub.as_deref().unwrap_or("");
    {
        let attrs = Attributes {
            user: &user,
            verb,
            group: &t.def.group,
            resource: &t.def.plural,
            subresource: sub,
            namespace: t.namespace.as_deref().unwrap_or(""),
            name: t.name.as_deref().unwrap_or(""),
        };
        if let Err(reason) = st.registry.authorizer().authorize(&attrs) {
            let scope = match &t.namespace {
                Some(ns) => format!(" in the namespace {ns:?}"),
                None => " at the cluster scope".into(),
            };
            return Err(ApiError::Forbidden(format!(
                "{} is forbidden: User {:?} cannot {verb} resource {:?} in API group {:?}{scope}: {reason}",
                t.def.qualified(),
                user.user,
                t.def.plural,
                t.def.group
            )));
        }
    }
    if t.sub.is_none() && !t.def.has_verb(verb) {
        return Err(not_allowed());
    }
    let user_agent = header_str(req.headers(), header::USER_AGENT).map(str::to_string);
    let ctx = WriteContext {
        user,
        dry_run: query.all("dryRun").contains(&"All"),
        field_manager: query.get("fieldManager").map(str::to_string),
        user_agent,
        field_validation: crate::registry::FieldValidation::parse(query.get("fieldValidation"))?,
        duplicate_fields: Vec::new(),
        force: query.flag("force").unwrap_or(false),
        warnings: Default::default(),
    };
    let result = respond(st, req, &t, query, &ctx, method, watch).await;
    let warnings = ctx.take_warnings();
    result.map(|mut r| {
        for w in warnings {
            let text = format!("299 - {:?}", w);
            if let Ok(v) = http::HeaderValue::from_str(&text) {
                r.headers_mut().append(header::WARNING, v);
            }
        }
        r
    })
}

/// Runs the request against the registry and encodes the answer.
async fn respond(
    st: &ApiState,
    req: Request,
    t: &PathTarget,
    query: &Query,
    ctx: &WriteContext,
    method: Method,
    watch: bool,
) -> Result<Response, ApiError> {
    let accept = header_str(req.headers(), header::ACCEPT).map(str::to_string);
    let reg = &st.registry;
    let def = &t.def;
    let ns = t.namespace.as_deref();
    let render = if method == Method::GET {
        encode::negotiate(accept.as_deref())?
    } else {
        Render::Json
    };
    match (method.as_str(), t.name.as_deref(), t.sub.as_deref()) {
        ("GET", None, None) if watch => watch_response(reg, def, ns, query, render),
        ("GET", None, None) => {
            let opts = list_options(query);
            let list = reg.list(def, ns, &opts)?;
            let mut lm = json!({"resourceVersion": list.rv.to_string()});
            if let Some(c) = &list.continue_token {
                lm["continue"] = json!(c);
            }
            if let Some(n) = list.remaining.filter(|n| *n > 0) {
                lm["remainingItemCount"] = json!(n);
            }
            Ok(match render {
                Render::Table(v) => json_response(
                    StatusCode::OK,
                    &encode::table(
                        def,
                        reg.crds().served(def).as_ref().map(|s| &s.printer),
                        v,
                        &list.items,
                        IncludeObject::parse(query.get("includeObject")),
                        true,
                        lm,
                    ),
                ),
                Render::Json => json_response(
                    StatusCode::OK,
                    &json!({"kind": format!("{}List", def.kind), "apiVersion": def.api_version(), "metadata": lm, "items": list.items}),
                ),
            })
        }
        ("GET", Some(name), None | Some("status")) => {
            let obj = reg.get(def, ns, name)?;
            Ok(match render {
                Render::Table(v) => {
                    let lm = json!({"resourceVersion": obj.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!(""))});
                    json_response(
                        StatusCode::OK,
                        &encode::table(
                            def,
                            reg.crds().served(def).as_ref().map(|s| &s.printer),
                            v,
                            &[obj],
                            IncludeObject::parse(query.get("includeObject")),
                            true,
                            lm,
                        ),
                    )
                }
                Render::Json => json_response(StatusCode::OK, &obj),
            })
        }
        ("GET", Some(name), Some("scale")) => Ok(json_response(
            StatusCode::OK,
            &reg.get_scale(def, ns, name)?,
        )),
        ("GET", Some(name), Some("log")) => {
            pod_log(st, def, ns, name, query, req.uri().query()).await
        }
        ("POST", None, None) => {
            let (headers, body) = read_body(req).await?;
            let ct = header_str(&headers, header::CONTENT_TYPE);
            let obj = decode_body(ct, &body)?;
            let ctx = &crate::fieldvalidation::with_duplicates(ctx, ct, &body);
            let created = reg.create(def, ns, obj, ctx).await?;
            Ok(json_response(StatusCode::CREATED, &created))
        }
        ("POST", Some(name), Some(sub @ ("binding" | "eviction"))) => {
            let (headers, body) = read_body(req).await?;
            let obj = decode_body(header_str(&headers, header::CONTENT_TYPE), &body)?;
            let out = if sub == "binding" {
                reg.bind(def, ns, name, &obj, ctx).await?
            } else {
                reg.evict(def, ns, name, &obj, ctx).await?
            };
            Ok(json_response(StatusCode::CREATED, &out))
        }
        ("PUT", Some(name), None | Some("status")) => {
            let target = if t.sub.is_some() {
                Target::Status
            } else {
                Target::Main
            };
            let (headers, body) = read_body(req).await?;
            let ct = header_str(&headers, header::CONTENT_TYPE);
            let obj = decode_body(ct, &body)?;
            let ctx = &crate::fieldvalidation::with_duplicates(ctx, ct, &body);
            let (out, created) = reg.update(def, ns, name, obj, target, ctx).await?;
            Ok(json_response(
                if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                },
                &out,
            ))
        }
        ("PUT", Some(name), Some("scale")) => {
            let (headers, body) = read_body(req).await?;
            let obj = decode_body(header_str(&headers, header::CONTENT_TYPE), &body)?;
            let out = reg
                .update_scale(
                    def,
                    ns,
                    name,
                    crate::registry::ScaleChange::Replace(obj),
                    ctx,
                )
                .await?;
            Ok(json_response(StatusCode::OK, &out))
        }
        ("PUT", Some(name), Some("finalize")) => {
            let (headers, body) = read_body(req).await?;
            let obj = decode_body(header_str(&headers, header::CONTENT_TYPE), &body)?;
            Ok(json_response(
                StatusCode::OK,
                &reg.finalize_namespace(def, name, &obj, ctx).await?,
            ))
        }
        ("PATCH", Some(name), sub @ (None | Some("status") | Some("scale"))) => {
            let (headers, body) = read_body(req).await?;
            let ct = header_str(&headers, header::CONTENT_TYPE).unwrap_or("");
            let pt = PatchType::from_content_type(ct).ok_or_else(|| {
                ApiError::UnsupportedMediaType(format!(
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {ct:?})"
                ))
            })?;
            if pt != PatchType::Apply && query.get("force").is_some() {
                return Err(ApiError::invalid(
                    "meta.k8s.io",
                    "PatchOptions",
                    "",
                    vec![kubesim_api::Cause::forbidden(
                        "force",
                        "may not be specified for non-apply patch",
                    )],
                ));
            }
            if pt == PatchType::Apply && sub != Some("scale") {
                let target = if sub.is_some() {
                    Target::Status
                } else {
                    Target::Main
                };
                let (out, created) = reg.apply(def, ns, name, &body, target, ctx).await?;
                let code = if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                return Ok(json_response(code, &out));
            }
            let out = match sub {
                Some("scale") => {
                    reg.update_scale(
                        def,
                        ns,
                        name,
                        crate::registry::ScaleChange::Patch(pt, &body),
                        ctx,
                    )
                    .await?
                }
                Some(_) => {
                    reg.patch(def, ns, name, pt, &body, Target::Status, ctx)
                        .await?
                }
                None => {
                    reg.patch(def, ns, name, pt, &body, Target::Main, ctx)
                        .await?
                }
            };
            Ok(json_response(StatusCode::OK, &out))
        }
        ("DELETE", Some(name), None) => {
            let (headers, body) = read_body(req).await?;
            let opts = delete_options(header_str(&headers, header::CONTENT_TYPE), &body, query)?;
            let mut ctx = ctx.clone();
            ctx.dry_run |= body_dry_run(header_str(&headers, header::CONTENT_TYPE), &body);
            match reg.delete(def, ns, name, &opts, &ctx).await? {
                Deleted::Gone(obj) if !Registry::returns_deleted_object(def) => {
                    let uid = obj.pointer("/metadata/uid").cloned().unwrap_or(Value::Null);
                    let mut details = json!({"name": name, "kind": def.plural, "uid": uid});
                    if !def.group.is_empty() {
                        details["group"] = json!(def.group);
                    }
                    Ok(json_response(
                        StatusCode::OK,
                        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
                    ))
                }
                Deleted::Gone(obj) | Deleted::Pending(obj) => {
                    Ok(json_response(StatusCode::OK, &obj))
                }
            }
        }
        ("DELETE", None, None) => {
            let (headers, body) = read_body(req).await?;
            let opts = delete_options(header_str(&headers, header::CONTENT_TYPE), &body, query)?;
            let mut ctx = ctx.clone();
            ctx.dry_run |= body_dry_run(header_str(&headers, header::CONTENT_TYPE), &body);
            let list = reg
                .delete_collection(def, ns, &list_options(query), &opts, &ctx)
                .await?;
            Ok(json_response(
                StatusCode::OK,
                &json!({"kind": format!("{}List", def.kind), "apiVersion": def.api_version(), "metadata": {"resourceVersion": list.rv.to_string()}, "items": list.items}),
            ))
        }
        _ => Err(not_allowed()),
    }
}

fn list_options(q: &Query) -> ListOptions {
    ListOptions {
        label_selector: q.get("labelSelector").map(str::to_string),
        field_selector: q.get("fieldSelector").map(str::to_string),
        limit: q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(0),
        continue_token: q.get("continue").map(str::to_string),
    }
}

fn delete_body(content_type: Option<&str>, body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    decode_body(content_type, body)
}

fn body_dry_run(content_type: Option<&str>, body: &Bytes) -> bool {
    delete_body(content_type, body)
        .ok()
        .and_then(|v| v.get("dryRun").and_then(Value::as_array).cloned())
        .is_some_and(|a| a.iter().any(|d| d == "All"))
}

fn delete_options(
    content_type: Option<&str>,
    body: &Bytes,
    q: &Query,
) -> Result<DeleteOptions, ApiError> {
    let v = delete_body(content_type, body)?;
    let mut opts = DeleteOptions::from_json(&v)?;
    if let Some(g) = q.get("gracePeriodSeconds") {
        opts.grace_period_seconds = Some(
            g.parse()
                .map_err(|_| ApiError::BadRequest(format!("invalid gracePeriodSeconds {g:?}")))?,
        );
    }
    if let Some(p) = q.get("propagationPolicy") {
        opts.propagation_policy = Some(p.to_string());
    }
    if let Some(o) = q.flag("orphanDependents") {
        opts.orphan_dependents = Some(o);
    }
    Ok(opts)
}

/// `pods/{name}/log`: picks the container, then proxies to the kubelet of the pod's node
/// (upstream's `LogREST` + `LocationStreamer`): its body streams through, a 400 becomes a
/// `BadRequest` with the kubelet's message. Without a kubelet the container is still waiting.
async fn pod_log(
    st: &ApiState,
    def: &ResourceDef,
    ns: Option<&str>,
    name: &str,
    q: &Query,
    raw_query: Option<&str>,
) -> Result<Response, ApiError> {
    let pod = st.registry.get(def, ns, name)?;
    let containers: Vec<&str> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let container = match q.get("container") {
        Some(c) => {
            if !containers.contains(&c) {
                return Err(ApiError::BadRequest(format!(
                    "container {c} is not valid for pod {name}"
                )));
            }
            c.to_string()
        }
        None if containers.len() == 1 => containers[0].to_string(),
        None => {
            return Err(ApiError::BadRequest(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let node = pod.pointer("/spec/nodeName").and_then(Value::as_str);
    if let (Some(kubelet), Some(node)) = (&st.kubelet, node.filter(|n| !n.is_empty())) {
        let forwarded: Vec<&str> = raw_query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("container="))
            .collect();
        let mut uri = format!("/containerLogs/{}/{name}/{container}", ns.unwrap_or(""));
        if !forwarded.is_empty() {
            uri = format!("{uri}?{}", forwarded.join("&"));
        }
        let req = http::Request::get(uri)
            .body(Body::empty())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(resp) = kubelet.call(node, req).await {
            let code = resp.status();
            if code.is_success() {
                return Ok(resp);
            }
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let msg = String::from_utf8_lossy(&body).trim().to_string();
            return Err(match code {
                StatusCode::NOT_FOUND => ApiError::not_found("", "pods", name),
                StatusCode::BAD_REQUEST => ApiError::BadRequest(msg),
                _ => ApiError::Internal(msg),
            });
        }
    }
    Err(ApiError::BadRequest(format!(
        "container {container:?} in pod {name:?} is waiting to start: ContainerCreating"
    )))
}

fn watch_response(
    reg: &Registry,
    def: &ResourceDef,
    ns: Option<&str>,
    q: &Query,
    render: Render,
) -> Result<Response, ApiError> {
    let opts = WatchOptions {
        resource_version: q.get("resourceVersion").map(str::to_string),
        resource_version_match: q.get("resourceVersionMatch").map(str::to_string),
        send_initial_events: q.flag("sendInitialEvents"),
        allow_bookmarks: q.flag("allowWatchBookmarks").unwrap_or(false),
        timeout: q
            .get("timeoutSeconds")
            .and_then(|t| t.parse::<u64>().ok())
            .map(std::time::Duration::from_secs),
        label_selector: q.get("labelSelector").map(str::to_string),
        field_selector: q.get("fieldSelector").map(str::to_string),
    };
    let rx = reg.watch(def, ns, opts)?;
    let def = def.clone();
    let custom = reg.crds().served(&def);
    let include = IncludeObject::parse(q.get("includeObject"));
    let mut first = true;
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(move |item| {
        let (kind, object) = match item {
            WatchItem::Event { kind, object } => (kind, object),
            WatchItem::Bookmark(o) => ("BOOKMARK", o),
            WatchItem::Error(e) => ("ERROR", e.to_status()),
        };
        let object = match render {
            Render::Table(v) if kind != "ERROR" && kind != "BOOKMARK" => {
                let lm = json!({"resourceVersion": object.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!(""))});
                let printer = custom.as_ref().map(|s| &s.printer);
                let t = encode::table(&def, printer, v, &[object], include, first, lm);
                first = false;
                t
            }
            _ => object,
        };
        let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
        line.push(b'\n');
        Ok::<Bytes, std::convert::Infallible>(Bytes::from(line))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache, private"),
    );
    Ok(r)
}
