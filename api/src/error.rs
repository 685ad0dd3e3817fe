//! `ApiError`, the only error that crosses the API boundary, and its `metav1.Status` form.

use serde_json::{Value, json};

/// One field-level cause of an `Invalid` (or other) error, as in `Status.details.causes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Machine-readable reason, e.g. `FieldValueInvalid`, `FieldValueRequired`.
    pub reason: String,
    /// Human-readable message, e.g. `Invalid value: "Bad_Name": a lowercase RFC 1123 ...`.
    pub message: String,
    /// The field path, e.g. `metadata.name`.
    pub field: String,
}

impl Cause {
    /// A cause with the given reason, message and field path.
    pub fn new(reason: &str, message: impl Into<String>, field: impl Into<String>) -> Self {
        Cause {
            reason: reason.to_string(),
            message: message.into(),
            field: field.into(),
        }
    }
    /// `field: Invalid value: <value>: <detail>` as upstream's `field.Invalid`.
    pub fn invalid(field: &str, value: &Value, detail: &str) -> Self {
        let shown = match value {
            Value::String(s) => format!("{s:?}"),
            Value::Null => "null".to_string(),
            other => other.to_string(),
        };
        Cause::new(
            "FieldValueInvalid",
            format!("Invalid value: {shown}: {detail}"),
            field,
        )
    }
    /// `field: Required value` as upstream's `field.Required`.
    pub fn required(field: &str, detail: &str) -> Self {
        let msg = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        Cause::new("FieldValueRequired", msg, field)
    }
    /// `field: Unsupported value: ...` as upstream's `field.NotSupported`.
    pub fn not_supported(field: &str, value: &Value, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        Cause::new(
            "FieldValueNotSupported",
            format!(
                "Unsupported value: {value}: supported values: {}",
                list.join(", ")
            ),
            field,
        )
    }
    /// `field: Forbidden: ...` as upstream's `field.Forbidden`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Cause::new("FieldValueForbidden", format!("Forbidden: {detail}"), field)
    }
    /// `field: Duplicate value: ...` as upstream's `field.Duplicate`.
    pub fn duplicate(field: &str, value: &Value) -> Self {
        Cause::new(
            "FieldValueDuplicate",
            format!("Duplicate value: {value}"),
            field,
        )
    }
}

/// What a request can fail with; turns into a `metav1.Status` with the matching HTTP code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// 404: the object (or namespace) does not exist.
    #[error("{}", qualified_message(group, resource, name, "not found"))]
    NotFound {
        /// API group of the resource ("" for core).
        group: String,
        /// Plural resource name, e.g. `pods`.
        resource: String,
        /// Object name.
        name: String,
    },
    /// 404 for a path that names no resource.
    #[error("the server could not find the requested resource")]
    NoRoute,
    /// 409: create of a name that exists.
    #[error("{}", qualified_message(group, resource, name, "already exists"))]
    AlreadyExists {
        /// API group of the resource.
        group: String,
        /// Plural resource name.
        resource: String,
        /// Object name.
        name: String,
    },
    /// 409: a precondition (resourceVersion, uid) did not hold, or apply conflicts.
    #[error("{message}")]
    Conflict {
        /// API group of the resource.
        group: String,
        /// Plural resource name.
        resource: String,
        /// Object name.
        name: String,
        /// Full message.
        message: String,
        /// Causes (e.g. FieldManagerConflict).
        causes: Vec<Cause>,
    },
    /// 422: validation failed.
    #[error("{}", invalid_message(group, kind, name, causes))]
    Invalid {
        /// API group of the kind.
        group: String,
        /// The Kind, e.g. `ConfigMap`.
        kind: String,
        /// Object name.
        name: String,
        /// Field causes.
        causes: Vec<Cause>,
    },
    /// 422 without field causes (e.g. a JSON patch that does not apply).
    #[error("{0}")]
    Unprocessable(String),
    /// 410: a resourceVersion older than the retained history.
    #[error("{0}")]
    Expired(String),
    /// 410 with reason Gone.
    #[error("{0}")]
    Gone(String),
    /// 400: malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// 401.
    #[error("Unauthorized")]
    Unauthorized,
    /// 403 with a message.
    #[error("{0}")]
    Forbidden(String),
    /// 405: the verb is not supported on this resource.
    #[error("{0}")]
    MethodNotSupported(String),
    /// 406: no acceptable representation.
    #[error("{0}")]
    NotAcceptable(String),
    /// 413: body too large.
    #[error("{0}")]
    RequestEntityTooLarge(String),
    /// 415: content type not supported.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429.
    #[error("{message}")]
    TooManyRequests {
        /// Full message.
        message: String,
        /// Causes (e.g. DisruptionBudget).
        causes: Vec<Cause>,
    },
    /// 500: a bug or an I/O fault; the message is generic.
    #[error("{0}")]
    Internal(String),
    /// 503.
    #[error("{0}")]
    ServiceUnavailable(String),
}

fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

fn qualified_message(group: &str, resource: &str, name: &str, what: &str) -> String {
    format!("{} {name:?} {what}", qualified(group, resource))
}

fn invalid_message(group: &str, kind: &str, name: &str, causes: &[Cause]) -> String {
    // Upstream names the group-qualified kind: `Deployment.apps "web" is invalid`.
    let mut s = if group.is_empty() {
        format!("{kind} {name:?} is invalid")
    } else {
        format!("{kind}.{group} {name:?} is invalid")
    };
    if !causes.is_empty() {
        let parts: Vec<String> = causes
            .iter()
            .map(|c| {
                if c.field.is_empty() {
                    c.message.clone()
                } else {
                    format!("{}: {}", c.field, c.message)
                }
            })
            .collect();
        if parts.len() == 1 {
            s.push_str(": ");
            s.push_str(&parts[0]);
        } else {
            s.push_str(": [");
            s.push_str(&parts.join(", "));
            s.push(']');
        }
    }
    s
}

impl ApiError {
    /// A 404 for the named object of `resource` in `group`.
    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        ApiError::NotFound {
            group: group.into(),
            resource: resource.into(),
            name: name.into(),
        }
    }
    /// A 409 AlreadyExists for the named object.
    pub fn already_exists(group: &str, resource: &str, name: &str) -> Self {
        ApiError::AlreadyExists {
            group: group.into(),
            resource: resource.into(),
            name: name.into(),
        }
    }
    /// The 409 Conflict upstream answers to a stale resourceVersion.
    pub fn conflict_modified(group: &str, resource: &str, name: &str) -> Self {
        ApiError::Conflict {
            group: group.into(),
            resource: resource.into(),
            name: name.into(),
            message: format!(
                "Operation cannot be fulfilled on {} {name:?}: the object has been modified; please apply your changes to the latest version and try again",
                qualified(group, resource)
            ),
            causes: vec![],
        }
    }
    /// A 409 Conflict with a custom explanation after the standard prefix.
    pub fn conflict(group: &str, resource: &str, name: &str, detail: &str) -> Self {
        ApiError::Conflict {
            group: group.into(),
            resource: resource.into(),
            name: name.into(),
            message: format!(
                "Operation cannot be fulfilled on {} {name:?}: {detail}",
                qualified(group, resource)
            ),
            causes: vec![],
        }
    }
    /// A 422 Invalid for `kind`/`name` with causes.
    pub fn invalid(group: &str, kind: &str, name: &str, causes: Vec<Cause>) -> Self {
        ApiError::Invalid {
            group: group.into(),
            kind: kind.into(),
            name: name.into(),
            causes,
        }
    }

    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            ApiError::NotFound { .. } | ApiError::NoRoute => 404,
            ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } => 409,
            ApiError::Invalid { .. } | ApiError::Unprocessable(_) => 422,
            ApiError::Expired(_) | ApiError::Gone(_) => 410,
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::MethodNotSupported(_) => 405,
            ApiError::NotAcceptable(_) => 406,
            ApiError::RequestEntityTooLarge(_) => 413,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::TooManyRequests { .. } => 429,
            ApiError::Internal(_) => 500,
            ApiError::ServiceUnavailable(_) => 503,
        }
    }

    /// The `Status.reason` clients branch on.
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } | ApiError::NoRoute => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::Invalid { .. } | ApiError::Unprocessable(_) => "Invalid",
            ApiError::Expired(_) => "Expired",
            ApiError::Gone(_) => "Gone",
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::MethodNotSupported(_) => "MethodNotAllowed",
            ApiError::NotAcceptable(_) => "NotAcceptable",
            ApiError::RequestEntityTooLarge(_) => "RequestEntityTooLarge",
            ApiError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            ApiError::TooManyRequests { .. } => "TooManyRequests",
            ApiError::Internal(_) => "InternalError",
            ApiError::ServiceUnavailable(_) => "ServiceUnavailable",
        }
    }

    /// The `metav1.Status` JSON body for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            ApiError::NotFound {
                group,
                resource,
                name,
            }
            | ApiError::AlreadyExists {
                group,
                resource,
                name,
            } => Some(json!({"name": name, "group": group, "kind": resource})),
            ApiError::Conflict {
                group,
                resource,
                name,
                causes,
                ..
            } => {
                let mut d = json!({"name": name, "group": group, "kind": resource});
                if !causes.is_empty() {
                    d["causes"] = causes_json(causes);
                }
                Some(d)
            }
            ApiError::Invalid {
                group,
                kind,
                name,
                causes,
            } => Some(
                json!({"name": name, "group": group, "kind": kind, "causes": causes_json(causes)}),
            ),
            ApiError::TooManyRequests { causes, .. } if !causes.is_empty() => {
                Some(json!({"causes": causes_json(causes)}))
            }
            _ => None,
        };
        if let Some(mut d) = details {
            // Empty strings are omitted, as Go's `omitempty` does (apply conflicts name nothing).
            if let Some(m) = d.as_object_mut() {
                m.retain(|_, v| v.as_str() != Some(""));
            }
            status["details"] = d;
        }
        status
    }
}

fn causes_json(causes: &[Cause]) -> Value {
    Value::Array(
        causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_message_names_group_qualified_resource() {
        let e = ApiError::not_found("apps", "deployments", "web");
        assert_eq!(e.to_string(), "deployments.apps \"web\" not found");
        let s = e.to_status();
        assert_eq!(s["code"], 404);
        assert_eq!(s["details"]["kind"], "deployments");
        let core = ApiError::not_found("", "pods", "x").to_status();
        assert_eq!(core["message"], "pods \"x\" not found");
        assert!(core["details"].get("group").is_none());
    }

    #[test]
    fn invalid_message_lists_causes_like_upstream() {
        let e = ApiError::invalid(
            "",
            "ConfigMap",
            "Bad_Name",
            vec![Cause::invalid(
                "metadata.name",
                &json!("Bad_Name"),
                "a lowercase RFC 1123 subdomain",
            )],
        );
        assert_eq!(
            e.to_string(),
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
        );
        assert_eq!(
            e.to_status()["details"]["causes"][0]["field"],
            "metadata.name"
        );
    }
}
