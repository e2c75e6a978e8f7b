//! Kubernetes quantities as byte counts, enough to compare two storage sizes and to
//! tell one from a typo (`spec.filestore.storageSize` must be a positive quantity).

/// `10Gi` → 10·2³⁰, `1.5G` → 1.5·10⁹, `500` → 500. `None` for anything the API
/// server would not accept as a quantity.
pub fn parse_bytes(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse().ok()?),
        _ => return None,
    };
    Some(number * factor)
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn binary_and_decimal_suffixes_compare_correctly() {
        assert_eq!(parse_bytes("10Gi"), Some(10.0 * 1024f64.powi(3)));
        // Micro and nano: positive, as the API server takes them.
        let near = |q: &str, want: f64| parse_bytes(q).is_some_and(|b| (b - want).abs() < 1e-15);
        assert!(near("3u", 3e-6) && near("3n", 3e-9));
        assert!(parse_bytes("10Gi") > parse_bytes("10G"));
        assert!(parse_bytes("20000Mi") > parse_bytes("10Gi"));
        assert_eq!(parse_bytes("1e3"), Some(1000.0));
        assert_eq!(parse_bytes("512"), Some(512.0));
        assert_eq!(parse_bytes("ten"), None);
        assert_eq!(parse_bytes("10Xi"), None);
    }
}
