//! A development certificate authority (feature `dev-ca`): it plays Alipay's root so that a
//! sandbox and tests can run certificate mode end to end, issuing the app's certificate, the
//! gateway's certificate and, when a test rotates it, the gateway's next one. Never used with
//! the real gateway, whose certificates come from Alipay's console.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use rsa::pkcs1v15::SigningKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::{DecodePem, EncodePem};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

use crate::error::AlipayError;
use crate::keys::{generate_private_key, parse_private_key, private_key_pem};

/// The root's distinguished name, shaped like Alipay's.
const ROOT_NAME: &str =
    "CN=luffy Sandbox Certification Authority R1,OU=Certification Authority,O=luffy Sandbox,C=CN";

/// The development root: its key and self-signed certificate.
pub struct DevCa {
    key: RsaPrivateKey,
    certificate: Certificate,
}

impl std::fmt::Debug for DevCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCa").finish_non_exhaustive()
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> AlipayError {
    AlipayError::Key(format!("{what}: {e}"))
}

fn validity(now: chrono::DateTime<chrono::Utc>, years: u64) -> Result<Validity, AlipayError> {
    let start = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(now.timestamp() - 3600).unwrap_or(0));
    let end = start + Duration::from_secs(years * 365 * 24 * 3600);
    Ok(Validity {
        not_before: Time::try_from(start).map_err(|e| failed("validity", e))?,
        not_after: Time::try_from(end).map_err(|e| failed("validity", e))?,
    })
}

fn random_serial() -> Result<SerialNumber, AlipayError> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x20; // positive, and 16 bytes long like Alipay's
    SerialNumber::new(&bytes).map_err(|e| failed("serial", e))
}

fn spki(key: &RsaPublicKey) -> Result<SubjectPublicKeyInfoOwned, AlipayError> {
    SubjectPublicKeyInfoOwned::from_key(key.clone()).map_err(|e| failed("public key", e))
}

fn pem(certificate: &Certificate) -> Result<String, AlipayError> {
    certificate
        .to_pem(x509_cert::der::pem::LineEnding::LF)
        .map_err(|e| failed("certificate", e))
}

impl DevCa {
    /// A new root, valid for 20 years from `now`.
    pub fn generate(now: chrono::DateTime<chrono::Utc>) -> Result<Self, AlipayError> {
        let key = generate_private_key()?;
        let signer = SigningKey::<Sha256>::new(key.clone());
        let name = Name::from_str(ROOT_NAME).map_err(|e| failed("name", e))?;
        let builder = CertificateBuilder::new(
            Profile::Root,
            random_serial()?,
            validity(now, 20)?,
            name,
            spki(&RsaPublicKey::from(&key))?,
            &signer,
        )
        .map_err(|e| failed("root certificate", e))?;
        let certificate = builder
            .build::<rsa::pkcs1v15::Signature>()
            .map_err(|e| failed("root certificate", e))?;
        Ok(Self { key, certificate })
    }

    /// A root saved earlier with [`key_pem`](Self::key_pem) and [`root_pem`](Self::root_pem).
    pub fn from_pem(key_pem: &str, root_pem: &str) -> Result<Self, AlipayError> {
        Ok(Self {
            key: parse_private_key(key_pem)?,
            certificate: Certificate::from_pem(root_pem.trim().as_bytes())
                .map_err(|e| failed("root certificate", e))?,
        })
    }

    /// The root's private key (PKCS#8 PEM), to keep beside the root certificate.
    pub fn key_pem(&self) -> Result<String, AlipayError> {
        private_key_pem(&self.key)
    }

    /// The root certificate file (`alipayRootCert.crt`).
    pub fn root_pem(&self) -> Result<String, AlipayError> {
        pem(&self.certificate)
    }

    /// Issues a 5-year certificate for `key`, named `common_name` under the organisation
    /// `luffy Sandbox`, with a fresh random serial (so a re-issue has another SN).
    pub fn issue(
        &self,
        common_name: &str,
        key: &RsaPublicKey,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, AlipayError> {
        let signer = SigningKey::<Sha256>::new(self.key.clone());
        let subject = Name::from_str(&format!("CN={common_name},OU=Alipay,O=luffy Sandbox,C=CN"))
            .map_err(|e| failed("name", e))?;
        let builder = CertificateBuilder::new(
            Profile::Leaf {
                issuer: self.certificate.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: true,
            },
            random_serial()?,
            validity(now, 5)?,
            subject,
            spki(key)?,
            &signer,
        )
        .map_err(|e| failed("certificate", e))?;
        let certificate = builder
            .build::<rsa::pkcs1v15::Signature>()
            .map_err(|e| failed("certificate", e))?;
        pem(&certificate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{cert_sn, certificate_public_key, root_cert_sn, verify_chain};

    #[test]
    fn issued_certificates_chain_to_the_root_and_carry_their_key() {
        let now = chrono::Utc::now();
        let ca = DevCa::generate(now).unwrap();
        let root = ca.root_pem().unwrap();
        let key = crate::sign::tests::test_key();
        let public = RsaPublicKey::from(&key);
        let issued = ca.issue("2088000000000001", &public, now).unwrap();
        assert_eq!(verify_chain(&issued, &root, now).unwrap(), public);
        assert_eq!(certificate_public_key(&issued).unwrap(), public);
        // A re-issue is another certificate with another SN; the root SN is the root's own.
        let again = ca.issue("2088000000000001", &public, now).unwrap();
        assert_ne!(cert_sn(&issued).unwrap(), cert_sn(&again).unwrap());
        assert_eq!(root_cert_sn(&root).unwrap(), cert_sn(&root).unwrap());
        // Saved and read back, the root issues certificates that still chain.
        let reloaded = DevCa::from_pem(&ca.key_pem().unwrap(), &root).unwrap();
        let third = reloaded.issue("x", &public, now).unwrap();
        assert!(verify_chain(&third, &root, now).is_ok());
    }

    #[test]
    fn a_certificate_from_another_root_or_out_of_date_is_refused() {
        let now = chrono::Utc::now();
        let ours = DevCa::generate(now).unwrap();
        let theirs = DevCa::generate(now).unwrap();
        let public = RsaPublicKey::from(&crate::sign::tests::test_key());
        let forged = theirs.issue("2088000000000001", &public, now).unwrap();
        assert!(verify_chain(&forged, &ours.root_pem().unwrap(), now).is_err());
        let issued = ours.issue("2088000000000001", &public, now).unwrap();
        let later = now + chrono::Duration::days(6 * 365);
        assert!(verify_chain(&issued, &ours.root_pem().unwrap(), later).is_err());
    }
}
