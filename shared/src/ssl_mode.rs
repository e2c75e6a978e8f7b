//! libpq's `sslmode`, as far as the operator supports it: one type from the
//! `pg-clusters` contract through the operator's own connections, odoo.conf and
//! the agent's requests to its client tools' `PGSSLMODE`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, without certificate checks; plain otherwise.
    #[default]
    Prefer,
    /// TLS, without certificate checks unless a CA certificate is given (then as
    /// `verify-ca`, like libpq with a root certificate file).
    Require,
    /// TLS with a certificate chain to a trusted CA; any host name.
    VerifyCa,
    /// TLS with a certificate chain to a trusted CA, issued for the host.
    VerifyFull,
}

impl SslMode {
    pub const ALL: [SslMode; 5] = [
        SslMode::Disable,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    /// libpq's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SslMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        SslMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<_> = SslMode::ALL.iter().map(|m| m.as_str()).collect();
                format!("not one of the sslmodes supported ({})", all.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_reads_back_as_written_and_others_are_refused() {
        for mode in SslMode::ALL {
            assert_eq!(mode.as_str().parse::<SslMode>(), Ok(mode));
            let json = serde_json::to_string(&mode).expect("serializes");
            assert_eq!(json, format!("\"{mode}\""));
        }
        let err = "allow"
            .parse::<SslMode>()
            .expect_err("allow is not supported");
        assert!(
            err.contains("disable, prefer, require, verify-ca, verify-full"),
            "{err}"
        );
    }
}
