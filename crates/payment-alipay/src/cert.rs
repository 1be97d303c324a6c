//! Public-key certificate mode (公钥证书模式): instead of exchanging bare public keys, the
//! merchant holds three files from Alipay's console, its own certificate
//! (`appCertPublicKey_<app_id>.crt`), Alipay's certificate (`alipayCertPublicKey_RSA2.crt`) and
//! Alipay's root certificates (`alipayRootCert.crt`). Every request then carries `app_cert_sn`
//! and `alipay_root_cert_sn` as signed common parameters, and answers name the Alipay
//! certificate they were signed with (`alipay_cert_sn`).
//!
//! A certificate's SN is the lower-case hex MD5 of its issuer's distinguished name (attributes
//! in reverse order, `short=value` joined with `,`, as RFC 2253 prints it) followed by the
//! decimal serial number. The root SN joins, in file order, the SNs of the root file's
//! RSA-signed certificates (signature algorithm under 1.2.840.113549.1.1) with `_`; the file's
//! SM2 and ECDSA roots are left out. These are the rules of Alipay's official SDKs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};
use num_bigint::BigUint;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use x509_cert::der::asn1::{Any, ObjectIdentifier};
use x509_cert::der::{Decode, Encode, Tag, Tagged};
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::error::AlipayError;

/// The prefix of the PKCS#1 RSA signature algorithms: a root certificate counts towards the
/// root SN only when its signature algorithm is under it.
const RSA_SIGNATURE_ARC: &str = "1.2.840.113549.1.1.";

/// What certificate mode adds to a merchant's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertMode {
    /// The SN of the app's own certificate, sent as `app_cert_sn`.
    pub app_cert_sn: String,
    /// The SNs of Alipay's RSA root certificates, sent as `alipay_root_cert_sn`.
    pub alipay_root_cert_sn: String,
    /// The SN of the Alipay certificate configured now; an answer naming another one makes
    /// the client fetch that certificate before verifying it.
    pub alipay_cert_sn: String,
    /// Alipay's root certificates (PEM): a fetched Alipay certificate must chain to one.
    pub root_cert_pem: String,
}

impl CertMode {
    /// Reads the three files' contents (PEM): the app's certificate, Alipay's certificate and
    /// the root certificates. Returns the mode and the key of Alipay's certificate, which
    /// verifies answers and notifies.
    pub fn from_pem(
        app_cert: &str,
        alipay_cert: &str,
        root_cert: &str,
    ) -> Result<(Self, RsaPublicKey), AlipayError> {
        let mode = Self {
            app_cert_sn: cert_sn(app_cert)?,
            alipay_root_cert_sn: root_cert_sn(root_cert)?,
            alipay_cert_sn: cert_sn(alipay_cert)?,
            root_cert_pem: root_cert.to_owned(),
        };
        Ok((mode, certificate_public_key(alipay_cert)?))
    }
}

/// Every certificate of a PEM file, in order. Read leniently: Alipay's files wrap base64 at 76
/// characters (MIME style), which strict RFC 7468 readers refuse, and put blank lines between
/// certificates.
fn certificates(pem: &str) -> Result<Vec<Certificate>, AlipayError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut found = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let end = body.find(END).ok_or_else(|| {
            AlipayError::Key("certificate file: a certificate is not closed".into())
        })?;
        let base64_text: String = body[..end].split_whitespace().collect();
        let der = STANDARD
            .decode(base64_text)
            .map_err(|e| AlipayError::Key(format!("certificate file: {e}")))?;
        let certificate = Certificate::from_der(&der)
            .map_err(|e| AlipayError::Key(format!("certificate file: {e}")))?;
        found.push(certificate);
        rest = &body[end + END.len()..];
    }
    if found.is_empty() {
        return Err(AlipayError::Key(
            "certificate file holds no certificate".into(),
        ));
    }
    Ok(found)
}

fn first_certificate(pem: &str) -> Result<Certificate, AlipayError> {
    certificates(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| AlipayError::Key("certificate file holds no certificate".into()))
}

/// The SN of the first certificate in a PEM file: `app_cert_sn` for the app's certificate,
/// `alipay_cert_sn` for Alipay's.
pub fn cert_sn(pem: &str) -> Result<String, AlipayError> {
    Ok(sn_of(&first_certificate(pem)?))
}

/// The root SN of a root certificate file (`alipay_root_cert_sn`).
pub fn root_cert_sn(pem: &str) -> Result<String, AlipayError> {
    let sns: Vec<String> = certificates(pem)?
        .iter()
        .filter(|c| {
            c.signature_algorithm
                .oid
                .to_string()
                .starts_with(RSA_SIGNATURE_ARC)
        })
        .map(sn_of)
        .collect();
    if sns.is_empty() {
        return Err(AlipayError::Key(
            "root certificate file holds no RSA certificate".into(),
        ));
    }
    Ok(sns.join("_"))
}

/// The RSA public key of the first certificate in a PEM file.
pub fn certificate_public_key(pem: &str) -> Result<RsaPublicKey, AlipayError> {
    public_key_of(&first_certificate(pem)?)
}

fn public_key_of(certificate: &Certificate) -> Result<RsaPublicKey, AlipayError> {
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| AlipayError::Key(format!("certificate key: {e}")))?;
    RsaPublicKey::from_public_key_der(&spki)
        .map_err(|e| AlipayError::Key(format!("certificate key is not RSA: {e}")))
}

fn sn_of(certificate: &Certificate) -> String {
    let tbs = &certificate.tbs_certificate;
    let serial = BigUint::from_bytes_be(tbs.serial_number.as_bytes());
    let mut hasher = Md5::new();
    hasher.update(issuer_text(&tbs.issuer).as_bytes());
    hasher.update(serial.to_str_radix(10).as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The issuer as the SDKs print it: every attribute, last first, `short=value`, joined by `,`.
fn issuer_text(name: &Name) -> String {
    let attributes: Vec<_> = name.0.iter().flat_map(|rdn| rdn.0.iter()).collect();
    attributes
        .into_iter()
        .rev()
        .map(|atv| format!("{}={}", short_name(&atv.oid), value_text(&atv.value)))
        .collect::<Vec<_>>()
        .join(",")
}

fn short_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "2.5.4.3" => "CN".into(),
        "2.5.4.6" => "C".into(),
        "2.5.4.7" => "L".into(),
        "2.5.4.8" => "ST".into(),
        "2.5.4.9" => "STREET".into(),
        "2.5.4.10" => "O".into(),
        "2.5.4.11" => "OU".into(),
        "0.9.2342.19200300.100.1.1" => "UID".into(),
        "0.9.2342.19200300.100.1.25" => "DC".into(),
        other => other.to_owned(),
    }
}

fn value_text(value: &Any) -> String {
    let bytes = value.value();
    if value.tag() == Tag::BmpString {
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that the first certificate of `pem` (an Alipay certificate just downloaded, possibly
/// followed by its intermediates) is valid at `now` and chains, through certificates of the
/// same file, to one of the root certificates; returns its key. Only RSA signatures
/// (SHA-256/384/512) are followed, as Alipay's RSA2 chain uses.
pub fn verify_chain(
    pem: &str,
    root_pem: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RsaPublicKey, AlipayError> {
    let file = certificates(pem)?;
    let roots = certificates(root_pem)?;
    let mut current = &file[0];
    for _ in 0..=file.len() {
        check_validity(current, now)?;
        if let Some(root) = roots
            .iter()
            .find(|r| r.tbs_certificate.subject == current.tbs_certificate.issuer)
        {
            check_validity(root, now)?;
            check_signature(current, root)?;
            return public_key_of(&file[0]);
        }
        let issuer = file
            .iter()
            .find(|c| {
                !std::ptr::eq(*c, current)
                    && c.tbs_certificate.subject == current.tbs_certificate.issuer
            })
            .ok_or_else(|| {
                AlipayError::Key("the certificate does not chain to Alipay's root".into())
            })?;
        check_signature(current, issuer)?;
        current = issuer;
    }
    Err(AlipayError::Key(
        "the certificate chain loops without reaching a root".into(),
    ))
}

fn check_validity(
    certificate: &Certificate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AlipayError> {
    let validity = &certificate.tbs_certificate.validity;
    let seconds = |t: x509_cert::time::Time| t.to_unix_duration().as_secs();
    let now = u64::try_from(now.timestamp()).unwrap_or(0);
    if now < seconds(validity.not_before) || now > seconds(validity.not_after) {
        return Err(AlipayError::Key(
            "the certificate is not valid at this time".into(),
        ));
    }
    Ok(())
}

fn check_signature(certificate: &Certificate, issuer: &Certificate) -> Result<(), AlipayError> {
    let key = public_key_of(issuer)?;
    let tbs = certificate
        .tbs_certificate
        .to_der()
        .map_err(|e| AlipayError::Key(format!("certificate: {e}")))?;
    let signature = Signature::try_from(certificate.signature.raw_bytes())
        .map_err(|_| AlipayError::BadSignature)?;
    let verified = match certificate.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.11" => VerifyingKey::<sha2::Sha256>::new(key).verify(&tbs, &signature),
        "1.2.840.113549.1.1.12" => VerifyingKey::<sha2::Sha384>::new(key).verify(&tbs, &signature),
        "1.2.840.113549.1.1.13" => VerifyingKey::<sha2::Sha512>::new(key).verify(&tbs, &signature),
        other => {
            return Err(AlipayError::Key(format!(
                "unsupported certificate signature algorithm {other}"
            )))
        }
    };
    verified.map_err(|_| AlipayError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Alipay's official Node SDK's test fixtures (alipay/alipay-sdk-nodejs-all, MIT), with the
    // SNs its tests expect; see tests/fixtures/alipay/certs/SOURCE.md.
    const APP_CERT: &str =
        include_str!("../tests/fixtures/alipay/certs/appCertPublicKey_2021001161683774.crt");
    const ALIPAY_CERT: &str =
        include_str!("../tests/fixtures/alipay/certs/alipayCertPublicKey_RSA2.crt");
    const ROOT_CERT: &str = include_str!("../tests/fixtures/alipay/certs/alipayRootCert.crt");

    #[test]
    fn the_official_fixtures_have_the_sdks_sns() {
        assert_eq!(
            cert_sn(APP_CERT).unwrap(),
            "866efef280dec9137a87d047ac446315"
        );
        assert_eq!(
            cert_sn(ALIPAY_CERT).unwrap(),
            "7513daaaa48aa3ba2e4018d84402479c"
        );
        assert_eq!(
            root_cert_sn(ROOT_CERT).unwrap(),
            "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
        );
    }

    #[test]
    fn the_issuer_is_printed_last_attribute_first() {
        let certificate = first_certificate(ALIPAY_CERT).unwrap();
        assert_eq!(
            issuer_text(&certificate.tbs_certificate.issuer),
            "CN=Ant Financial Certification Authority Class 2 R1,OU=Certification Authority,O=Ant Financial,C=CN"
        );
    }

    #[test]
    fn the_alipay_certificate_key_is_read() {
        use rsa::pkcs8::EncodePublicKey;
        let key = certificate_public_key(ALIPAY_CERT).unwrap();
        let der = key.to_public_key_der().unwrap();
        use base64::Engine;
        // The key the official SDK's test reads from the same file.
        assert!(base64::engine::general_purpose::STANDARD
            .encode(der.as_bytes())
            .starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhoVesfcGvUv1XvUndmX0rmSZ"));
    }

    #[test]
    fn garbage_and_empty_files_are_refused() {
        assert!(cert_sn("").is_err());
        assert!(cert_sn("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----").is_err());
        assert!(root_cert_sn("not a certificate").is_err());
    }
}
