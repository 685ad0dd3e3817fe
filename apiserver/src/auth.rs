//! Who is asking, and whether they may: the authenticated identity every request carries, the
//! token authenticator, and the authorizer hook.
//!
//! The TLS layer (outside this crate) puts a client certificate's identity into the request
//! extensions; bearer tokens are checked here; in-process components get their identity inserted
//! by the wrapper that builds their client, so it can never be forged over a socket.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use kubesim_api::wellknown::GROUP_AUTHENTICATED;

/// An authenticated user, as `kubectl auth whoami` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User name, e.g. `kubernetes-admin` or `system:kube-scheduler`.
    pub user: String,
    /// Groups, e.g. `system:masters`.
    pub groups: Vec<String>,
}

impl Identity {
    /// An identity with the given user and groups; `system:authenticated` is always added.
    pub fn new(user: &str, groups: &[&str]) -> Self {
        let mut groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        if !groups.iter().any(|g| g == GROUP_AUTHENTICATED) {
            groups.push(GROUP_AUTHENTICATED.to_string());
        }
        Identity {
            user: user.to_string(),
            groups,
        }
    }
}

/// Bearer tokens known to the server.
#[derive(Debug, Clone, Default)]
pub struct TokenAuthenticator {
    tokens: Arc<RwLock<HashMap<String, Identity>>>,
}

impl TokenAuthenticator {
    /// Registers a token for an identity.
    pub fn add(&self, token: &str, identity: Identity) {
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.to_string(), identity);
    }
    /// The identity of a token, if known.
    pub fn authenticate(&self, token: &str) -> Option<Identity> {
        self.tokens
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()
    }
}

/// What a request wants to do, for the authorizer.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    /// Who asks.
    pub user: &'a Identity,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub verb: &'a str,
    /// API group.
    pub group: &'a str,
    /// Plural resource.
    pub resource: &'a str,
    /// Subresource, or "".
    pub subresource: &'a str,
    /// Namespace, or "".
    pub namespace: &'a str,
    /// Object name, or "".
    pub name: &'a str,
}

/// Decides whether a request is allowed.
pub trait Authorizer: Send + Sync + 'static {
    /// `Ok(())` to allow, `Err(reason)` to deny with 403.
    fn authorize(&self, attrs: &Attributes<'_>) -> Result<(), String>;
}

/// Allows everything an authenticated user asks.
// SIMPLIFICATION: every authenticated user may do everything until RBAC is enforced; see README#differences.
#[derive(Debug, Clone, Default)]
pub struct AllowAll;

impl Authorizer for AllowAll {
    fn authorize(&self, _attrs: &Attributes<'_>) -> Result<(), String> {
        Ok(())
    }
}
