//! Field paths as upstream's `field.Path` prints them: `spec.versions[0].schema`,
//! `properties[spec]` (a map key), with `""` for the root.

/// `p.name` (or `name` at the root).
pub fn child(p: &str, name: &str) -> String {
    if p.is_empty() {
        name.to_string()
    } else {
        format!("{p}.{name}")
    }
}

/// `p[i]`.
pub fn index(p: &str, i: usize) -> String {
    format!("{p}[{i}]")
}

/// `p[key]` (upstream prints map keys unquoted).
pub fn key(p: &str, k: &str) -> String {
    format!("{p}[{k}]")
}

/// The path of a cause at the root of an object: upstream prints a nil path as `<nil>`.
pub fn or_nil(p: &str) -> &str {
    if p.is_empty() { "<nil>" } else { p }
}
