//! Passwords: the operator's for PostgreSQL roles and the admin Secret, and the test
//! harness's for its own servers.

const PASSWORD_LEN: usize = 32;
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A 32-character alphanumeric password from the operating system's CSPRNG (about
/// 190 bits). Alphanumeric so it needs no quoting in URLs, env vars or odoo.conf.
///
/// Panics only if the kernel's random source fails, which Linux does not do after
/// boot.
pub fn generate() -> String {
    // 248 = 4 * 62: bytes at or above it are dropped so every character is equally
    // likely (no modulo bias).
    const LIMIT: u8 = (256 - 256 % ALPHANUMERIC.len()) as u8;
    let mut password = String::with_capacity(PASSWORD_LEN);
    let mut buf = [0u8; 64];
    while password.len() < PASSWORD_LEN {
        getrandom::fill(&mut buf).expect("the operating system's random source failed");
        for &b in buf.iter().filter(|&&b| b < LIMIT) {
            if password.len() == PASSWORD_LEN {
                break;
            }
            password.push(ALPHANUMERIC[usize::from(b) % ALPHANUMERIC.len()] as char);
        }
    }
    password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_alphanumeric_and_distinct() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
        // Every class of character shows up across a few hundred draws.
        let many: String = (0..20).map(|_| generate()).collect();
        assert!(many.bytes().any(|c| c.is_ascii_uppercase()));
        assert!(many.bytes().any(|c| c.is_ascii_lowercase()));
        assert!(many.bytes().any(|c| c.is_ascii_digit()));
    }
}
