//! Tolerant query-string parsing: empty queries, a leading `&`, repeated parameters and
//! `+`-encoded spaces are all accepted, as every traced client needs one of them.

/// Decoded query parameters, in order, with repeats kept.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (without the `?`).
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        Query { pairs }
    }
    /// The first value of a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// Every value of a parameter.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// A boolean parameter (`true`/`1`), `None` when absent.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key)
            .map(|v| matches!(v, "true" | "1" | "True" | "TRUE"))
    }
}

/// Percent-decoding with `+` as space; invalid escapes are kept literally.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_leading_ampersand_and_repeats() {
        let q = Query::parse(Some(
            "&watch=true&command=ls&command=%2F&labelSelector=app+in+%28a%2Cb%29",
        ));
        assert_eq!(q.flag("watch"), Some(true));
        assert_eq!(q.all("command"), vec!["ls", "/"]);
        assert_eq!(q.get("labelSelector"), Some("app in (a,b)"));
        assert!(Query::parse(Some("")).get("x").is_none());
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
    }
}
