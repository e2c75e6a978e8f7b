//! A throw-away PKI for a loopback control plane: a CA, the API server's serving
//! certificate, an admin client certificate in `system:masters`, and the service
//! account signing key.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// Paths of the PEM files written.
#[derive(Debug, Clone)]
pub struct Pki {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub serving_cert: PathBuf,
    pub serving_key: PathBuf,
    pub admin_cert: PathBuf,
    pub admin_key: PathBuf,
    /// The operator's own client certificate (user `odoo-operator`, in
    /// `system:masters`), so the audit log tells its requests apart.
    pub operator_cert: PathBuf,
    pub operator_key: PathBuf,
    pub sa_key: PathBuf,
    pub sa_pub: PathBuf,
    /// The CA certificate, PEM, for kubeconfigs and webhook CA bundles.
    pub ca_pem: String,
}

fn write(dir: &Path, name: &str, contents: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, contents)?;
    Ok(path)
}

/// A self-signed CA for tests, and its private key as PEM.
pub fn certificate_authority(
    common_name: &str,
) -> anyhow::Result<(CertifiedIssuer<'static, KeyPair>, String)> {
    let key = KeyPair::generate()?;
    let key_pem = key.serialize_pem();
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok((CertifiedIssuer::self_signed(params, key)?, key_pem))
}

impl Pki {
    /// Generates everything into `dir`.
    pub fn generate(dir: &Path) -> anyhow::Result<Pki> {
        let (ca, ca_key_pem) = certificate_authority("odoo-operator-test-ca")?;

        let serving_key = KeyPair::generate()?;
        let mut serving = CertificateParams::new(vec![
            "localhost".into(),
            "kubernetes".into(),
            "kubernetes.default".into(),
        ])?;
        serving
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        serving
            .subject_alt_names
            .push(SanType::IpAddress([10, 96, 0, 1].into()));
        serving
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        serving.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let serving_cert = serving.signed_by(&serving_key, &ca)?;

        let admin_key = KeyPair::generate()?;
        let mut admin = CertificateParams::new(Vec::<String>::new())?;
        admin
            .distinguished_name
            .push(DnType::CommonName, "odoo-test-admin");
        admin
            .distinguished_name
            .push(DnType::OrganizationName, "system:masters");
        admin.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let admin_cert = admin.signed_by(&admin_key, &ca)?;

        let operator_key = KeyPair::generate()?;
        let mut operator = CertificateParams::new(Vec::<String>::new())?;
        operator
            .distinguished_name
            .push(DnType::CommonName, "odoo-operator");
        operator
            .distinguished_name
            .push(DnType::OrganizationName, "system:masters");
        operator.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let operator_cert = operator.signed_by(&operator_key, &ca)?;

        let sa_key = KeyPair::generate()?;
        Ok(Pki {
            ca_cert: write(dir, "ca.crt", &ca.pem())?,
            ca_key: write(dir, "ca.key", &ca_key_pem)?,
            serving_cert: write(dir, "apiserver.crt", &serving_cert.pem())?,
            serving_key: write(dir, "apiserver.key", &serving_key.serialize_pem())?,
            admin_cert: write(dir, "admin.crt", &admin_cert.pem())?,
            admin_key: write(dir, "admin.key", &admin_key.serialize_pem())?,
            operator_cert: write(dir, "operator.crt", &operator_cert.pem())?,
            operator_key: write(dir, "operator.key", &operator_key.serialize_pem())?,
            sa_key: write(dir, "sa.key", &sa_key.serialize_pem())?,
            sa_pub: write(dir, "sa.pub", &sa_key.public_key_pem())?,
            ca_pem: ca.pem(),
        })
    }
}
