//! Label and field selectors, parsed and matched as the Kubernetes API server does (v1.33).
//!
//! Label selectors follow upstream's `labels.Parse` grammar: comma-separated requirements, all
//! ANDed — `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not
//! exist), `k>1` / `k<1` — with whitespace allowed around tokens and empty values allowed. Parse
//! errors carry upstream's wording (kubectl prints them verbatim).
//!
//! Field selectors follow upstream's `fields.ParseSelector`: `f=v`, `f==v`, `f!=v`, comma = AND,
//! and `\` escapes `\`, `,` and `=` in values. Which fields a resource accepts, and the message
//! for one it does not, follow the field-label conversion functions upstream registers per kind;
//! the value a field has in an object follows the kind's `ToSelectableFields` (a missing string
//! field reads as `""`, a missing boolean as `"false"`, a missing count as `"0"`).

use std::fmt;

use kubesim_api::{ApiError, ResourceDef};
use serde_json::{Map, Value};

use crate::validation::strings::{is_qualified_name, is_valid_label_value};

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/// The operator of one label requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Exists,
    DoesNotExist,
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    GreaterThan,
    LessThan,
}

/// One requirement: a key, an operator and (for most operators) values, kept sorted and
/// de-duplicated as upstream's string set keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let lookup = labels.and_then(|m| m.get(&self.key)).map(label_string);
        match self.op {
            Op::In | Op::Equals | Op::DoubleEquals => {
                lookup.is_some_and(|v| self.values.contains(&v))
            }
            Op::NotIn | Op::NotEquals => lookup.is_none_or(|v| !self.values.contains(&v)),
            Op::Exists => lookup.is_some(),
            Op::DoesNotExist => lookup.is_none(),
            Op::GreaterThan | Op::LessThan => {
                let Some(have) = lookup.and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                let [want] = self.values.as_slice() else {
                    return false;
                };
                let Ok(want) = want.parse::<i64>() else {
                    return false;
                };
                if self.op == Op::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

/// Label values are strings; anything else (which validation should have refused) is compared by
/// its JSON text.
fn label_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.op == Op::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.op {
            Op::Exists | Op::DoesNotExist => return Ok(()),
            Op::Equals => "=",
            Op::DoubleEquals => "==",
            Op::NotEquals => "!=",
            Op::In => " in ",
            Op::NotIn => " notin ",
            Op::GreaterThan => ">",
            Op::LessThan => "<",
        };
        f.write_str(op)?;
        let set = matches!(self.op, Op::In | Op::NotIn);
        if set {
            f.write_str("(")?;
        }
        f.write_str(&self.values.join(","))?;
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A parsed label selector (all requirements ANDed). `Display` prints it in upstream's canonical
/// form, which parses back to an equivalent selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
    /// Upstream's `labels.Nothing()`: what a `null` metav1.LabelSelector means.
    nothing: bool,
}

impl LabelSelector {
    /// Parses the `labelSelector` query parameter. `""` selects everything. Bad syntax or an
    /// invalid key or value is a 400 BadRequest with upstream's message.
    pub fn parse(s: &str) -> Result<LabelSelector, ApiError> {
        let mut reqs = Parser::new(s).parse().map_err(ApiError::BadRequest)?;
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector {
            reqs,
            nothing: false,
        })
    }

    /// The selector that matches every object.
    pub fn everything() -> LabelSelector {
        LabelSelector {
            reqs: Vec::new(),
            nothing: false,
        }
    }

    /// Upstream's `labels.Nothing()`: matches no object (a `null` workload selector).
    pub fn nothing() -> LabelSelector {
        LabelSelector {
            reqs: Vec::new(),
            nothing: true,
        }
    }

    /// Whether the selector places no restriction at all.
    pub fn is_everything(&self) -> bool {
        !self.nothing && self.reqs.is_empty()
    }

    /// Whether the labels (an object's `metadata.labels`; `None` when it has none) satisfy every
    /// requirement.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        !self.nothing && self.reqs.iter().all(|r| r.matches(labels))
    }

    /// The value the selector requires `key` to have exactly (`k=v`, `k==v`, `k in (v)`).
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let r = self.reqs.iter().find(|r| r.key == key)?;
        match (r.op, r.values.as_slice()) {
            (Op::Equals | Op::DoubleEquals | Op::In, [v]) => Some(v.as_str()),
            _ => None,
        }
    }

    /// From a typed-ish metav1.LabelSelector JSON (`{matchLabels, matchExpressions}`), as
    /// upstream's `LabelSelectorAsSelector`: `null` selects nothing, `{}` selects everything.
    /// The error is upstream's message.
    pub fn from_json(sel: &Value) -> Result<LabelSelector, String> {
        let obj = match sel {
            Value::Null => return Ok(LabelSelector::nothing()),
            Value::Object(o) => o,
            other => {
                return Err(format!(
                    "invalid label selector: expected an object, got {other}"
                ));
            }
        };
        let match_labels = match obj.get("matchLabels") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => {
                return Err(format!(
                    "invalid matchLabels: expected an object, got {other}"
                ));
            }
        };
        let exprs = match obj.get("matchExpressions") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(other) => {
                return Err(format!(
                    "invalid matchExpressions: expected an array, got {other}"
                ));
            }
        };
        if match_labels.is_empty() && exprs.is_empty() {
            return Ok(LabelSelector::everything());
        }
        let mut reqs = Vec::new();
        for (k, v) in &match_labels {
            let v = label_string(v);
            reqs.push(new_requirement(k, Op::Equals, vec![v], true)?);
        }
        for e in &exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let op_name = e.get("operator").and_then(Value::as_str).unwrap_or("");
            let op = match op_name {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            let values: Vec<String> = match e.get("values") {
                Some(Value::Array(a)) => a.iter().map(label_string).collect(),
                _ => Vec::new(),
            };
            reqs.push(new_requirement(key, op, values, true)?);
        }
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector {
            reqs,
            nothing: false,
        })
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.reqs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// Go's `%#v` of a `[]string`, as upstream shows a bad value set.
fn go_string_slice(v: &[String]) -> String {
    let inner: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("[]string{{{}}}", inner.join(", "))
}

/// Upstream's `labels.NewRequirement`: checks the key, the operator/value-count rules and every
/// value; sorts and de-duplicates the values. `key_checked` says whether to check the key here
/// (the string parser has already checked it, with a different field path).
fn new_requirement(
    key: &str,
    op: Op,
    mut values: Vec<String>,
    key_checked: bool,
) -> Result<Requirement, String> {
    let mut errs: Vec<String> = Vec::new();
    if key_checked {
        let problems = is_qualified_name(key);
        if !problems.is_empty() {
            errs.push(format!(
                "key: Invalid value: {key:?}: {}",
                problems.join("; ")
            ));
        }
    }
    match op {
        Op::In | Op::NotIn if values.is_empty() => errs.push(format!(
            "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
            go_string_slice(&values)
        )),
        Op::Equals | Op::DoubleEquals | Op::NotEquals if values.len() != 1 => errs.push(format!(
            "values: Invalid value: {}: exact-match compatibility requires one single value",
            go_string_slice(&values)
        )),
        Op::Exists | Op::DoesNotExist if !values.is_empty() => errs.push(format!(
            "values: Invalid value: {}: values set must be empty for exists and does not exist",
            go_string_slice(&values)
        )),
        Op::GreaterThan | Op::LessThan => {
            if values.len() != 1 {
                errs.push(format!(
                    "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                    go_string_slice(&values)
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "values[{i}]: Invalid value: {v:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                    ));
                }
            }
        }
        _ => {}
    }
    for (i, v) in values.iter().enumerate() {
        let problems = is_valid_label_value(v);
        if !problems.is_empty() {
            errs.push(format!(
                "values[{i}][{key}]: Invalid value: {v:?}: {}",
                problems.join("; ")
            ));
        }
    }
    if !errs.is_empty() {
        return Err(aggregate(errs));
    }
    values.sort();
    values.dedup();
    Ok(Requirement {
        key: key.to_string(),
        op,
        values,
    })
}

/// Upstream's error aggregate: duplicates dropped; one message alone, several as `[a, b]`.
fn aggregate(errs: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen.remove(0)
    } else {
        format!("[{}]", seen.join(", "))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits the selector into tokens exactly as upstream's lexer does: maximal runs of special
/// symbols that form an operator, and maximal runs of anything else as identifiers/keywords.
fn lex(s: &str) -> Vec<(Tok, String)> {
    // Upstream reads a NUL byte as the end of the input.
    let s = match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    };
    let b = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_ws(b[pos]) {
            pos += 1;
        }
        if pos >= b.len() {
            out.push((Tok::EndOfString, String::new()));
            return out;
        }
        if is_special(b[pos]) {
            let start = pos;
            let mut last: Option<(Tok, usize)> = None;
            while pos < b.len() && is_special(b[pos]) {
                let candidate = &s[start..=pos];
                if let Some(t) = keyword(candidate) {
                    last = Some((t, pos + 1));
                } else if last.is_some() {
                    break;
                }
                pos += 1;
            }
            match last {
                Some((t, end)) => {
                    out.push((t, s[start..end].to_string()));
                    pos = end;
                }
                None => {
                    out.push((
                        Tok::Error,
                        format!("error expected: keyword found '{}'", &s[start..pos]),
                    ));
                }
            }
        } else {
            let start = pos;
            while pos < b.len() && !is_special(b[pos]) && !is_ws(b[pos]) {
                pos += 1;
            }
            let lit = &s[start..pos];
            out.push((keyword(lit).unwrap_or(Tok::Identifier), lit.to_string()));
        }
    }
}

/// Whether `in`/`notin` read as operators (key-and-operator position) or as plain values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

struct Parser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

impl Parser {
    fn new(s: &str) -> Self {
        Parser {
            items: lex(s),
            pos: 0,
        }
    }

    fn at(&self, i: usize, ctx: Ctx) -> (Tok, String) {
        let idx = i.min(self.items.len().saturating_sub(1));
        let (mut t, lit) = self
            .items
            .get(idx)
            .cloned()
            .unwrap_or((Tok::EndOfString, String::new()));
        if ctx == Ctx::Values && matches!(t, Tok::In | Tok::NotIn) {
            t = Tok::Identifier;
        }
        (t, lit)
    }

    fn lookahead(&self, ctx: Ctx) -> (Tok, String) {
        self.at(self.pos, ctx)
    }

    fn consume(&mut self, ctx: Ctx) -> (Tok, String) {
        let r = self.at(self.pos, ctx);
        self.pos += 1;
        r
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Ctx::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Ctx::Values);
                    match t {
                        Tok::EndOfString => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Ctx::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::EndOfString => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Op::Exists | Op::DoesNotExist)) = op {
            return new_requirement(&key, op, Vec::new(), false);
        }
        let op = self.parse_operator()?;
        let values = match op {
            Op::In | Op::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(&key, op, values, false)
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Op>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Ctx::Values);
        if tok == Tok::DoesNotExist {
            op = Some(Op::DoesNotExist);
            (tok, lit) = self.consume(Ctx::Values);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        let problems = is_qualified_name(&lit);
        if !problems.is_empty() {
            // Upstream's parser validates the key with a nil field path, hence `<nil>`.
            return Err(format!(
                "<nil>: Invalid value: {lit:?}: {}",
                problems.join("; ")
            ));
        }
        let (t, _) = self.lookahead(Ctx::Values);
        if (t == Tok::EndOfString || t == Tok::Comma) && op != Some(Op::DoesNotExist) {
            op = Some(Op::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Op, String> {
        let (tok, lit) = self.consume(Ctx::KeyAndOperator);
        Ok(match tok {
            Tok::In => Op::In,
            Tok::Equals => Op::Equals,
            Tok::DoubleEquals => Op::DoubleEquals,
            Tok::GreaterThan => Op::GreaterThan,
            Tok::LessThan => Op::LessThan,
            Tok::NotIn => Op::NotIn,
            Tok::NotEquals => Op::NotEquals,
            _ => {
                return Err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                ));
            }
        })
    }

    fn parse_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(Ctx::Values);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Ctx::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let s = self.parse_identifiers_list()?;
                let (t, _) = self.consume(Ctx::Values);
                if t != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.consume(Ctx::Values);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, String> {
        let mut s: Vec<String> = Vec::new();
        let insert = |s: &mut Vec<String>, v: String| {
            if !s.contains(&v) {
                s.push(v);
            }
        };
        loop {
            let (tok, lit) = self.consume(Ctx::Values);
            match tok {
                Tok::Identifier => {
                    insert(&mut s, lit);
                    let (t2, l2) = self.lookahead(Ctx::Values);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        insert(&mut s, String::new());
                    }
                    let (t2, _) = self.lookahead(Ctx::Values);
                    if t2 == Tok::ClosedPar {
                        insert(&mut s, String::new());
                        return Ok(s);
                    }
                    if t2 == Tok::Comma {
                        insert(&mut s, String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(Ctx::Values);
        if tok == Tok::EndOfString || tok == Tok::Comma {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(Ctx::Values);
        if tok == Tok::Identifier {
            return Ok(vec![lit]);
        }
        Err(format!("found '{lit}', expected: identifier"))
    }
}

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

/// Which upstream field set (conversion function + `ToSelectableFields`) a resource uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    /// No registered conversion: `metadata.name` and `metadata.namespace` only, with the
    /// default message. This covers every apps-group kind and custom resources.
    Default,
    Pod,
    Node,
    Namespace,
    Secret,
    Service,
    ReplicationController,
    CoreEvent,
    EventsV1,
    Job,
    /// CertificateSigningRequest and ClusterTrustBundle: `metadata.name`, `spec.signerName`.
    Signer,
}

impl FieldKind {
    fn of(def: &ResourceDef) -> FieldKind {
        match (def.group.as_str(), def.version.as_str(), def.kind.as_str()) {
            ("", "v1", "Pod") => FieldKind::Pod,
            ("", "v1", "Node") => FieldKind::Node,
            ("", "v1", "Namespace") => FieldKind::Namespace,
            ("", "v1", "Secret") => FieldKind::Secret,
            ("", "v1", "Service") => FieldKind::Service,
            ("", "v1", "ReplicationController") => FieldKind::ReplicationController,
            ("", "v1", "Event") => FieldKind::CoreEvent,
            ("events.k8s.io", _, "Event") => FieldKind::EventsV1,
            ("batch", "v1", "Job") => FieldKind::Job,
            ("certificates.k8s.io", _, "CertificateSigningRequest" | "ClusterTrustBundle") => {
                FieldKind::Signer
            }
            // SIMPLIFICATION: a CRD's `selectableFields` are not consulted; custom resources
            // select on metadata.name/namespace only (upstream's behaviour without them).
            _ => FieldKind::Default,
        }
    }

    /// Upstream's conversion function: the canonical field the label stands for, or the
    /// message rejecting it.
    fn convert(self, label: &str) -> Result<String, String> {
        const EVENT: &[&str] = &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "metadata.namespace",
            "metadata.name",
        ];
        let accepted: &[&str] = match self {
            FieldKind::Default => {
                return match label {
                    "metadata.name" | "metadata.namespace" => Ok(label.to_string()),
                    _ => Err(format!(
                        "{label:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                    )),
                };
            }
            FieldKind::Pod => {
                if label == "spec.host" {
                    return Ok("spec.nodeName".to_string());
                }
                &[
                    "metadata.name",
                    "metadata.namespace",
                    "spec.nodeName",
                    "spec.restartPolicy",
                    "spec.schedulerName",
                    "spec.serviceAccountName",
                    "spec.hostNetwork",
                    "status.phase",
                    "status.podIP",
                    "status.podIPs",
                    "status.nominatedNodeName",
                ]
            }
            FieldKind::Node => &["metadata.name", "spec.unschedulable"],
            FieldKind::Namespace => &["status.phase", "metadata.name"],
            FieldKind::Secret => &["type", "metadata.namespace", "metadata.name"],
            FieldKind::Service => &[
                "metadata.namespace",
                "metadata.name",
                "spec.clusterIP",
                "spec.type",
            ],
            FieldKind::ReplicationController => {
                &["metadata.name", "metadata.namespace", "status.replicas"]
            }
            FieldKind::CoreEvent => EVENT,
            FieldKind::EventsV1 => {
                // events.k8s.io spellings map onto the core field set the storage selects on.
                let mapped = match label {
                    "regarding.kind" => "involvedObject.kind",
                    "regarding.namespace" => "involvedObject.namespace",
                    "regarding.name" => "involvedObject.name",
                    "regarding.uid" => "involvedObject.uid",
                    "regarding.apiVersion" => "involvedObject.apiVersion",
                    "regarding.resourceVersion" => "involvedObject.resourceVersion",
                    "regarding.fieldPath" => "involvedObject.fieldPath",
                    "reportingController" => "reportingComponent",
                    "reason" | "source" | "type" | "metadata.namespace" | "metadata.name" => label,
                    _ => return Err(format!("field label not supported: {label}")),
                };
                return Ok(mapped.to_string());
            }
            FieldKind::Job => {
                return match label {
                    "metadata.name" | "metadata.namespace" | "status.successful" => {
                        Ok(label.to_string())
                    }
                    _ => Err(format!("field label {label:?} not supported for Job")),
                };
            }
            FieldKind::Signer => &["metadata.name", "spec.signerName"],
        };
        if accepted.contains(&label) {
            Ok(label.to_string())
        } else {
            Err(format!("field label not supported: {label}"))
        }
    }
}

fn path<'a>(obj: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(obj, |v, k| v.get(k))
}

/// A scalar rendered as upstream renders field values; objects/arrays/null read as missing.
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_at(obj: &Value, dotted: &str) -> String {
    scalar(path(obj, dotted)).unwrap_or_default()
}

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

/// The value of a canonical field in an object, as the kind's `ToSelectableFields` computes it.
fn field_value(kind: FieldKind, field: &str, obj: &Value) -> String {
    match (kind, field) {
        (FieldKind::Pod, "spec.hostNetwork") => {
            scalar(path(obj, "spec.hostNetwork")).unwrap_or_else(|| "false".to_string())
        }
        (FieldKind::Pod, "status.podIP") => {
            let first = path(obj, "status.podIPs")
                .and_then(|a| a.get(0))
                .and_then(|p| scalar(p.get("ip")));
            first
                .or_else(|| scalar(path(obj, "status.podIP")))
                .unwrap_or_default()
        }
        // Accepted by the conversion but never set by upstream's field set: always "".
        (FieldKind::Pod, "status.podIPs") => String::new(),
        (FieldKind::Node, "spec.unschedulable") => {
            scalar(path(obj, "spec.unschedulable")).unwrap_or_else(|| "false".to_string())
        }
        (FieldKind::ReplicationController, "status.replicas") => {
            scalar(path(obj, "status.replicas")).unwrap_or_else(|| "0".to_string())
        }
        (FieldKind::Job, "status.successful") => {
            scalar(path(obj, "status.succeeded")).unwrap_or_else(|| "0".to_string())
        }
        (FieldKind::CoreEvent | FieldKind::EventsV1, f) => event_field(f, obj),
        (_, f) => str_at(obj, f),
    }
}

/// Event fields, read from either shape (core/v1 or events.k8s.io/v1) since both versions are
/// views of the same stored objects.
fn event_field(field: &str, obj: &Value) -> String {
    if let Some(sub) = field.strip_prefix("involvedObject.") {
        return non_empty(str_at(obj, field))
            .unwrap_or_else(|| str_at(obj, &format!("regarding.{sub}")));
    }
    let reporting = || {
        non_empty(str_at(obj, "reportingComponent"))
            .unwrap_or_else(|| str_at(obj, "reportingController"))
    };
    match field {
        "reportingComponent" => reporting(),
        "source" => non_empty(str_at(obj, "source.component"))
            .or_else(|| non_empty(str_at(obj, "deprecatedSource.component")))
            .unwrap_or_else(reporting),
        f => str_at(obj, f),
    }
}

/// One `field=value` or `field!=value` term, with the field already canonical for its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldTerm {
    field: String,
    value: String,
    negate: bool,
}

/// A parsed field selector, checked against the resource it selects on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
    kind: FieldKind,
}

/// Splits on unescaped commas, keeping escapes in the terms.
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// The first operator occurrence splits the term (no escaping on the left-hand side).
fn split_term(term: &str) -> Option<(&str, &str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for op in ["!=", "==", "="] {
            if rest.starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, String> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                other => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{other}"
                    ));
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Upstream prints the rune as a number.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ));
            }
            other => out.push(other),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

fn escape_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace('=', "\\=")
}

impl FieldSelector {
    /// Parses the `fieldSelector` query parameter and checks each field is supported for this
    /// resource; bad syntax or an unsupported field is a 400 BadRequest with upstream's message
    /// (`field label not supported: <field>` for kinds with a registered conversion,
    /// `"<field>" is not a known field selector: only "metadata.name", "metadata.namespace"`
    /// for the others).
    pub fn parse(s: &str, def: &ResourceDef) -> Result<FieldSelector, ApiError> {
        let kind = FieldKind::of(def);
        let mut parts = split_terms(s);
        parts.sort_unstable();
        let mut raw = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((lhs, op, rhs)) = split_term(part) else {
                return Err(ApiError::BadRequest(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                )));
            };
            let value = unescape_value(rhs).map_err(ApiError::BadRequest)?;
            raw.push((lhs, value, op == "!="));
        }
        let mut terms = Vec::new();
        for (lhs, value, negate) in raw {
            let field = kind.convert(lhs).map_err(ApiError::BadRequest)?;
            terms.push(FieldTerm {
                field,
                value,
                negate,
            });
        }
        Ok(FieldSelector { terms, kind })
    }

    /// The selector that matches every object.
    pub fn everything() -> FieldSelector {
        FieldSelector {
            terms: Vec::new(),
            kind: FieldKind::Default,
        }
    }

    /// Whether the selector places no restriction at all.
    pub fn is_everything(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the object satisfies every term.
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms
            .iter()
            .all(|t| (field_value(self.kind, &t.field, obj) == t.value) != t.negate)
    }

    /// If the selector pins metadata.name (metadata.name=x), the name.
    pub fn pinned_name(&self) -> Option<&str> {
        self.requires_exact_match("metadata.name")
    }

    /// The value the selector requires a (canonical) field to have, if it pins it.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| !t.negate && t.field == field)
            .map(|t| t.value.as_str())
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let op = if t.negate { "!=" } else { "=" };
            write!(f, "{}{op}{}", t.field, escape_value(&t.value))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
