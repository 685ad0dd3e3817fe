//! Deterministic identifiers (container IDs, image digests, machine IDs) derived from names, so
//! the same cluster config yields the same nodes and digests on every run.
//!
//! FNV-1a over the parts, stretched to the length needed; stable across Rust versions, not
//! cryptographic.

fn fnv1a(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x100_0000_01b3);
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    // Final avalanche (splitmix64) so nearby inputs differ in every digit.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// `n` lowercase hex digits derived from `parts`.
pub fn hex(parts: &[&str], n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    let mut i = 0u64;
    while out.len() < n {
        out.push_str(&format!("{:016x}", fnv1a(i, parts)));
        i += 1;
    }
    out.truncate(n);
    out
}

/// 64 hex digits (a sha256-sized digest or a containerd container ID).
pub fn hex64(parts: &[&str]) -> String {
    hex(parts, 64)
}

/// A UUID-shaped identifier (version 4 layout) derived from `parts`.
pub fn uuid(parts: &[&str]) -> String {
    let h = hex(parts, 32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(hex64(&["a", "b"]), hex64(&["a", "b"]));
        assert_ne!(hex64(&["a", "b"]), hex64(&["ab"]));
        assert_eq!(hex64(&["x"]).len(), 64);
        assert!(hex(&["x"], 6).chars().all(|c| c.is_ascii_hexdigit()));
        let u = uuid(&["node-1"]);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
