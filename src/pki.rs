//! The cluster's certificates: a CA per cluster, a serving certificate for the loopback names,
//! and the admin's client certificate (`kubernetes-admin`, group `system:masters`). Kept in the
//! data directory so a restarted cluster keeps its kubeconfig valid.

use std::path::Path;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// PEM-encoded certificates and keys of one cluster.
#[derive(Debug, Clone)]
pub struct Pki {
    /// CA certificate.
    pub ca_cert: String,
    /// Serving certificate.
    pub server_cert: String,
    /// Serving key.
    pub server_key: String,
    /// Admin client certificate.
    pub admin_cert: String,
    /// Admin client key.
    pub admin_key: String,
}

/// User name of the admin's client certificate.
pub const ADMIN_USER: &str = "kubernetes-admin";

const FILES: [&str; 5] = [
    "ca.crt",
    "server.crt",
    "server.key",
    "admin.crt",
    "admin.key",
];

impl Pki {
    /// Loads the PKI from `dir`, or generates and saves it there; `None` keeps it in memory.
    pub fn load_or_create(dir: Option<&Path>, hosts: &[String]) -> Result<Pki> {
        if let Some(dir) = dir
            && FILES.iter().all(|f| dir.join(f).exists())
        {
            let read = |f: &str| {
                std::fs::read_to_string(dir.join(f)).with_context(|| format!("reading {f}"))
            };
            let pki = Pki {
                ca_cert: read("ca.crt")?,
                server_cert: read("server.crt")?,
                server_key: read("server.key")?,
                admin_cert: read("admin.crt")?,
                admin_key: read("admin.key")?,
            };
            return Ok(pki);
        }
        let pki = Pki::generate(hosts)?;
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let contents = [
                &pki.ca_cert,
                &pki.server_cert,
                &pki.server_key,
                &pki.admin_cert,
                &pki.admin_key,
            ];
            for (f, c) in FILES.iter().zip(contents) {
                write_private(&dir.join(f), c)?;
            }
        }
        Ok(pki)
    }

    /// Generates a fresh CA, serving certificate for `hosts` and admin certificate.
    pub fn generate(hosts: &[String]) -> Result<Pki> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "kubesim-ca");
        ca_params.distinguished_name = dn;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names: Vec<String> = vec![
            "localhost".into(),
            "127.0.0.1".into(),
            "kubernetes".into(),
            "kubernetes.default".into(),
            "kubernetes.default.svc".into(),
            "kubernetes.default.svc.cluster.local".into(),
            "10.3.0.1".into(),
        ];
        for h in hosts {
            if !names.contains(h) {
                names.push(h.clone());
            }
        }
        let mut server = CertificateParams::new(names)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "kube-apiserver");
        server.distinguished_name = dn;
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate()?;
        let server_cert = server.signed_by(&server_key, &issuer)?;

        let mut admin = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, ADMIN_USER);
        dn.push(
            DnType::OrganizationName,
            kubesim_api::wellknown::GROUP_SYSTEM_MASTERS,
        );
        admin.distinguished_name = dn;
        admin.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let admin_key = KeyPair::generate()?;
        let admin_cert = admin.signed_by(&admin_key, &issuer)?;

        Ok(Pki {
            ca_cert: ca_cert.pem(),
            server_cert: server_cert.pem(),
            server_key: server_key.serialize_pem(),
            admin_cert: admin_cert.pem(),
            admin_key: admin_key.serialize_pem(),
        })
    }
}

/// Writes a file readable by its owner only, atomically.
pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
