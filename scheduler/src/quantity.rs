//! Parsing of `resource.Quantity` strings (`500m`, `1.5Gi`, `2e3`, `128974848`) into the integer
//! units the scheduler compares: milli-units for CPU, whole units for everything else.
//!
//! Mirrors `k8s.io/apimachinery/pkg/api/resource`: `MilliValue()` and `Value()` round up, so
//! `1n` of CPU is `1m` and `0.5` bytes is one byte. Values too large for an `i64` saturate.

/// A parsed quantity: `mantissa × 10^exp10 × 2^exp2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed {
    mantissa: i128,
    exp10: i32,
    exp2: u32,
}

/// Why a quantity string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidQuantity(pub String);

impl std::fmt::Display for InvalidQuantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {:?}",
            self.0
        )
    }
}

impl std::error::Error for InvalidQuantity {}

/// The value in thousandths (`MilliValue()`), rounded up.
pub fn milli_value(s: &str) -> Result<i64, InvalidQuantity> {
    parse(s).map(|p| scaled(p, 3))
}

/// The value in whole units (`Value()`), rounded up.
pub fn value(s: &str) -> Result<i64, InvalidQuantity> {
    parse(s).map(|p| scaled(p, 0))
}

fn parse(input: &str) -> Result<Parsed, InvalidQuantity> {
    let bad = || InvalidQuantity(input.to_string());
    let s = input.trim();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let number_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_len);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return Err(bad());
    }
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    // Digits beyond 30 significant ones cannot change an i64 result; drop them.
    const LIMIT: i128 = 10i128.pow(30);
    let mut mantissa: i128 = 0;
    let mut exp10: i32 = 0;
    for c in whole.chars() {
        let digit = i128::from(c.to_digit(10).ok_or_else(bad)?);
        if mantissa < LIMIT {
            mantissa = mantissa * 10 + digit;
        } else {
            exp10 += 1;
        }
    }
    for c in frac.chars() {
        let digit = i128::from(c.to_digit(10).ok_or_else(bad)?);
        if mantissa < LIMIT {
            mantissa = mantissa * 10 + digit;
            exp10 -= 1;
        }
    }
    let (s10, s2) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        exp if exp.starts_with(['e', 'E']) => {
            let n: i32 = exp[1..].parse().map_err(|_| bad())?;
            (n, 0)
        }
        _ => return Err(bad()),
    };
    Ok(Parsed {
        mantissa: if negative { -mantissa } else { mantissa },
        exp10: exp10.saturating_add(s10),
        exp2: s2,
    })
}

/// `ceil(p × 10^extra10)` saturated into an `i64`.
fn scaled(p: Parsed, extra10: i32) -> i64 {
    let saturate = |v: i128| v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let Some(mut n) = p.mantissa.checked_mul(1i128 << p.exp2.min(62)) else {
        return saturate(if p.mantissa < 0 { i128::MIN } else { i128::MAX });
    };
    let exp = p.exp10.saturating_add(extra10);
    if exp >= 0 {
        for _ in 0..exp.min(60) {
            match n.checked_mul(10) {
                Some(m) => n = m,
                None => return saturate(if n < 0 { i128::MIN } else { i128::MAX }),
            }
        }
        saturate(n)
    } else {
        let mut div: i128 = 1;
        for _ in 0..(-exp).min(38) {
            div *= 10;
        }
        if -exp > 38 {
            return i64::from(n > 0);
        }
        // Round toward positive infinity.
        let q = n.div_euclid(div);
        let r = n.rem_euclid(div);
        saturate(if r > 0 { q + 1 } else { q })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities_parse_to_millicores() {
        for (q, m) in [
            ("1", 1000),
            ("500m", 500),
            ("0.5", 500),
            ("1.5", 1500),
            ("2k", 2_000_000),
            ("100u", 1),
            ("1n", 1),
            ("0", 0),
            ("+3", 3000),
            ("1e3", 1_000_000),
            ("1E-3", 1),
            (".25", 250),
        ] {
            assert_eq!(milli_value(q), Ok(m), "{q}");
        }
    }

    #[test]
    fn memory_quantities_parse_to_bytes() {
        for (q, b) in [
            ("128974848", 128_974_848),
            ("129e6", 129_000_000),
            ("129M", 129_000_000),
            ("123Mi", 128_974_848),
            ("1Gi", 1_073_741_824),
            ("1.5Gi", 1_610_612_736),
            ("1Ki", 1024),
            ("500m", 1),
            ("16Ei", i64::MAX),
        ] {
            assert_eq!(value(q), Ok(b), "{q}");
        }
    }

    #[test]
    fn malformed_quantities_are_refused() {
        for q in ["", "abc", "1.2.3", "1Gb", "m", "1e", "--1"] {
            assert!(value(q).is_err(), "{q}");
        }
    }
}
