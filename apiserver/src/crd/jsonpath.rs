//! The JSONPath subset printer columns and the scale subresource use: `.a.b`, `.a[0]`, `.a[-1]`,
//! `.a[*].b`, `['dotted.key']`, and filters `[?(@.type=="Ready")]` (with `==`, `!=`, `<`, `<=`,
//! `>`, `>=` against a string or number literal, or a bare `@.field` existence test), optionally
//! wrapped in `{...}` as kubectl writes them.
// SIMPLIFICATION: no recursive descent (`..`), unions or slices; see README#differences.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    Wildcard,
    Filter(Filter),
}

/// `[?(@.path OP literal)]`.
#[derive(Debug, Clone, PartialEq)]
struct Filter {
    path: Vec<Step>,
    op: Option<(String, Value)>,
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses a path; the error says what is wrong.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|x| x.strip_suffix('}'))
            .unwrap_or(t)
            .trim();
        let t = t.strip_prefix('$').unwrap_or(t);
        let chars: Vec<char> = t.chars().collect();
        let mut pos = 0;
        let steps = parse_steps(&chars, &mut pos, false)?;
        if pos != chars.len() {
            return Err(format!("unexpected {:?} at {pos}", chars[pos]));
        }
        Ok(JsonPath { steps })
    }

    /// Every value the path selects, in document order.
    pub fn find<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut cur = vec![root];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in cur {
                apply(step, v, &mut next);
            }
            cur = next;
        }
        cur
    }

    /// The first value selected, if any.
    pub fn first<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.find(root).into_iter().next()
    }
}

fn apply<'a>(step: &Step, v: &'a Value, out: &mut Vec<&'a Value>) {
    match step {
        Step::Field(k) => {
            if let Some(x) = v.get(k.as_str()) {
                out.push(x);
            }
        }
        Step::Index(i) => {
            if let Value::Array(a) = v {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if idx >= 0
                    && let Some(x) = a.get(idx as usize)
                {
                    out.push(x);
                }
            }
        }
        Step::Wildcard => match v {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(m) => out.extend(m.values()),
            _ => {}
        },
        Step::Filter(f) => {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                Value::Object(m) => m.values().collect(),
                _ => vec![],
            };
            for item in items {
                let sub = JsonPath {
                    steps: f.path.clone(),
                };
                let found = sub.first(item);
                let keep = match (&f.op, found) {
                    (None, found) => found.is_some(),
                    (Some(_), None) => false,
                    (Some((op, lit)), Some(x)) => compare(x, op, lit),
                };
                if keep {
                    out.push(item);
                }
            }
        }
    }
}

fn compare(x: &Value, op: &str, lit: &Value) -> bool {
    let ord = match (x, lit) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    use std::cmp::Ordering::*;
    match (op, ord) {
        ("==", Some(o)) => o == Equal,
        ("!=", Some(o)) => o != Equal,
        ("!=", None) => true,
        ("<", Some(o)) => o == Less,
        ("<=", Some(o)) => o != Greater,
        (">", Some(o)) => o == Greater,
        (">=", Some(o)) => o != Less,
        _ => false,
    }
}

fn parse_steps(c: &[char], pos: &mut usize, in_filter: bool) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    while *pos < c.len() {
        match c[*pos] {
            '.' => {
                *pos += 1;
                if c.get(*pos) == Some(&'.') {
                    return Err("recursive descent is not supported".into());
                }
                if c.get(*pos) == Some(&'*') {
                    *pos += 1;
                    steps.push(Step::Wildcard);
                    continue;
                }
                let start = *pos;
                while *pos < c.len()
                    && !matches!(c[*pos], '.' | '[' | ' ' | '=' | '!' | '<' | '>' | ')')
                {
                    *pos += 1;
                }
                if start == *pos {
                    if *pos == c.len() && steps.is_empty() && !in_filter {
                        // `.` alone: the whole object.
                        continue;
                    }
                    return Err(format!("missing field name at {start}"));
                }
                steps.push(Step::Field(c[start..*pos].iter().collect()));
            }
            '[' => {
                *pos += 1;
                steps.push(parse_bracket(c, pos)?);
            }
            _ if in_filter => break,
            other => return Err(format!("unexpected {other:?} at {}", *pos)),
        }
    }
    Ok(steps)
}

fn parse_bracket(c: &[char], pos: &mut usize) -> Result<Step, String> {
    let skip_ws = |pos: &mut usize| {
        while *pos < c.len() && c[*pos] == ' ' {
            *pos += 1;
        }
    };
    skip_ws(pos);
    let step = match c.get(*pos) {
        Some('*') => {
            *pos += 1;
            Step::Wildcard
        }
        Some('\'') | Some('"') => {
            let quote = c[*pos];
            *pos += 1;
            let start = *pos;
            while *pos < c.len() && c[*pos] != quote {
                *pos += 1;
            }
            if *pos >= c.len() {
                return Err("unterminated quoted key".into());
            }
            let key: String = c[start..*pos].iter().collect();
            *pos += 1;
            Step::Field(key)
        }
        Some('?') => {
            *pos += 1;
            if c.get(*pos) != Some(&'(') {
                return Err("a filter must be written [?(...)]".into());
            }
            *pos += 1;
            skip_ws(pos);
            if c.get(*pos) != Some(&'@') {
                return Err("a filter must start with @".into());
            }
            *pos += 1;
            let path = parse_steps(c, pos, true)?;
            skip_ws(pos);
            let mut op = String::new();
            while *pos < c.len() && matches!(c[*pos], '=' | '!' | '<' | '>') {
                op.push(c[*pos]);
                *pos += 1;
            }
            let op = if op.is_empty() {
                None
            } else {
                if !matches!(op.as_str(), "==" | "!=" | "<" | "<=" | ">" | ">=") {
                    return Err(format!("unsupported operator {op}"));
                }
                skip_ws(pos);
                Some((op, parse_literal(c, pos)?))
            };
            skip_ws(pos);
            if c.get(*pos) != Some(&')') {
                return Err("unterminated filter".into());
            }
            *pos += 1;
            Step::Filter(Filter { path, op })
        }
        _ => {
            let start = *pos;
            while *pos < c.len() && (c[*pos] == '-' || c[*pos].is_ascii_digit()) {
                *pos += 1;
            }
            let text: String = c[start..*pos].iter().collect();
            Step::Index(
                text.parse()
                    .map_err(|_| format!("invalid array index {text:?}"))?,
            )
        }
    };
    skip_ws(pos);
    if c.get(*pos) != Some(&']') {
        return Err("unterminated [".into());
    }
    *pos += 1;
    Ok(step)
}

fn parse_literal(c: &[char], pos: &mut usize) -> Result<Value, String> {
    match c.get(*pos) {
        Some('\'') | Some('"') => {
            let quote = c[*pos];
            *pos += 1;
            let start = *pos;
            while *pos < c.len() && c[*pos] != quote {
                *pos += 1;
            }
            if *pos >= c.len() {
                return Err("unterminated string".into());
            }
            let s: String = c[start..*pos].iter().collect();
            *pos += 1;
            Ok(Value::String(s))
        }
        _ => {
            let start = *pos;
            while *pos < c.len() && !matches!(c[*pos], ')' | ' ') {
                *pos += 1;
            }
            let text: String = c[start..*pos].iter().collect();
            match text.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => serde_json::from_str::<serde_json::Number>(&text)
                    .map(Value::Number)
                    .map_err(|_| format!("invalid literal {text:?}")),
            }
        }
    }
}

/// The fields of a simple dotted path (`.spec.replicas` → `["spec", "replicas"]`).
pub fn simple_fields(p: &str) -> Vec<&str> {
    p.trim_start_matches('.')
        .split('.')
        .filter(|s| !s.is_empty())
        .collect()
}

/// The value at a simple dotted path.
pub fn get_simple<'a>(obj: &'a Value, p: &str) -> Option<&'a Value> {
    simple_fields(p).into_iter().try_fold(obj, |v, k| v.get(k))
}

/// Sets the value at a simple dotted path, creating objects on the way.
pub fn set_simple(obj: &mut Value, p: &str, value: Value) {
    let fields = simple_fields(p);
    let Some((last, parents)) = fields.split_last() else {
        return;
    };
    let mut cur = obj;
    for k in parents {
        if !cur.get(*k).is_some_and(Value::is_object) {
            cur[*k] = Value::Object(Default::default());
        }
        cur = &mut cur[*k];
    }
    cur[*last] = value;
}
