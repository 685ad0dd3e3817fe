//! Finding keys that a JSON document holds twice in one object. Parsers keep the last value
//! silently, so this reads the raw bytes.

/// Paths of the keys that appear more than once in one object of the JSON `body`, in the
/// order their repeats appear (`spec.replicas`, `spec.containers[0].name`), each once.
/// Anything that is not well-formed JSON gives no paths (the decoder reports it).
pub fn duplicate_fields(body: &[u8]) -> Vec<String> {
    let mut scan = Scanner {
        bytes: body,
        pos: 0,
        path: Vec::new(),
        found: Vec::new(),
    };
    if scan.value(0).is_none() {
        return Vec::new();
    }
    scan.found
}

/// Deeper documents are not scanned (serde_json refuses them anyway).
const MAX_DEPTH: usize = 128;

enum Seg {
    Key(String),
    Index(usize),
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: Vec<Seg>,
    found: Vec<String>,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn path_text(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Reads a string token and decodes it.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        if self.bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.pos += 1;
        loop {
            match self.bytes.get(self.pos)? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        serde_json::from_slice(&self.bytes[start..self.pos]).ok()
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(|_| ()),
            _ => {
                // A number or a literal: everything up to the next delimiter.
                while self
                    .bytes
                    .get(self.pos)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.pos += 1;
        let mut seen: Vec<String> = Vec::new();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_ws();
            let key = self.string()?;
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.path.push(Seg::Key(key.clone()));
            self.value(depth + 1)?;
            if seen.contains(&key) {
                let p = self.path_text();
                if !self.found.contains(&p) {
                    self.found.push(p);
                }
            } else {
                seen.push(key);
            }
            self.path.pop();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        self.pos += 1;
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        let mut i = 0;
        loop {
            self.path.push(Seg::Index(i));
            self.value(depth + 1)?;
            self.path.pop();
            i += 1;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeated_keys_with_their_paths() {
        let body = br#"{"a": 1, "spec": {"replicas": 2, "x": [ {"n": 1, "n": 2} ], "replicas": 3}, "a": {"b": 1}}"#;
        assert_eq!(
            duplicate_fields(body),
            ["spec.x[0].n", "spec.replicas", "a"]
        );
    }

    #[test]
    fn escaped_keys_compare_decoded_and_clean_bodies_give_nothing() {
        assert_eq!(duplicate_fields(br#"{"a": 1, "\u0061": 2}"#), ["a"]);
        assert!(duplicate_fields(br#"{"a": "}\"", "b": [1, 2, {"a": null}]}"#).is_empty());
        assert!(duplicate_fields(b"not json").is_empty());
        assert!(duplicate_fields(b"").is_empty());
    }

    #[test]
    fn each_path_is_reported_once() {
        assert_eq!(duplicate_fields(br#"{"a": 1, "a": 2, "a": 3}"#), ["a"]);
    }
}
