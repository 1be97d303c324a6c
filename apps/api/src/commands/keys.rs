//! `luffy keys`: writes missing development key pairs into the keys directory (SPEC 5).
//! Existing files are never overwritten. These keys are for development only; production
//! uses the merchant's real keys and Alipay's real public key.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

/// The merchant's private key (signs requests to the gateway).
pub const APP_PRIVATE_KEY: &str = "app_private_key.pem";
/// The merchant's public key (the gateway verifies requests with it).
pub const APP_PUBLIC_KEY: &str = "app_public_key.pem";
/// The local sandbox gateway's private key (signs responses and notifies).
pub const SANDBOX_PRIVATE_KEY: &str = "sandbox_private_key.pem";
/// "The Alipay public key": in development the public half of the sandbox key.
pub const ALIPAY_PUBLIC_KEY: &str = "alipay_public_key.pem";
/// The merchant's WeChat Pay API private key (`apiclient_key.pem`; signs requests).
pub const WECHAT_MERCHANT_PRIVATE_KEY: &str = "wechat_merchant_private_key.pem";
/// Its public half (in development, the WeChat sandbox verifies requests with it).
pub const WECHAT_MERCHANT_PUBLIC_KEY: &str = "wechat_merchant_public_key.pem";
/// The local WeChat sandbox's private key (signs answers and notifies).
pub const WECHAT_SANDBOX_PRIVATE_KEY: &str = "wechat_sandbox_private_key.pem";
/// "The WeChat Pay public key" (`pub_key.pem`): in development the sandbox key's public half.
pub const WECHAT_PAY_PUBLIC_KEY: &str = "wechat_pay_public_key.pem";

/// Development certificate mode: the CA's private key (plays Alipay's root; the built-in
/// sandbox issues a new gateway certificate with it when a test rotates it).
pub const ALIPAY_ROOT_CA_KEY: &str = "alipay_root_ca_key.pem";
/// Development certificate mode: the root certificate file (`LUFFY_ALIPAY_ROOT_CERT`).
pub const ALIPAY_ROOT_CERT: &str = "alipayRootCert.crt";
/// Development certificate mode: the gateway's certificate, for the sandbox key
/// (`LUFFY_ALIPAY_CERT`).
pub const ALIPAY_CERT: &str = "alipayCertPublicKey_RSA2.crt";
/// Development certificate mode: the app's certificate, for the merchant key
/// (`LUFFY_ALIPAY_APP_CERT`).
pub const APP_CERT: &str = "appCertPublicKey.crt";

/// Writes the development certificates of Alipay's certificate mode into `out`, for the key
/// pairs in `keys` (which must exist): a CA playing Alipay's root, the gateway's certificate
/// for the sandbox key and the app's certificate for the merchant key. Existing files are kept;
/// a missing certificate is issued by the existing CA when there is one.
pub fn write_alipay_certificates(
    keys: &Path,
    out: &Path,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    use luffy_payment_alipay::dev_ca::DevCa;
    use luffy_payment_alipay::keys::parse_public_key;
    let now = chrono::Utc::now();
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let (ca_key, root) = (out.join(ALIPAY_ROOT_CA_KEY), out.join(ALIPAY_ROOT_CERT));
    let ca = if ca_key.exists() && root.exists() {
        DevCa::from_pem(&fs::read_to_string(&ca_key)?, &fs::read_to_string(&root)?)
            .with_context(|| format!("reading {}", ca_key.display()))?
    } else {
        let ca = DevCa::generate(now)?;
        for (path, text) in [(&ca_key, ca.key_pem()?), (&root, ca.root_pem()?)] {
            fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            written.push(path.clone());
        }
        // Certificates of another root are useless now.
        for stale in [ALIPAY_CERT, APP_CERT] {
            let _ = fs::remove_file(out.join(stale));
        }
        ca
    };
    for (file, key_file, name) in [
        (
            ALIPAY_CERT,
            ALIPAY_PUBLIC_KEY,
            "支付宝(中国)网络技术有限公司-2088000000000000",
        ),
        (
            APP_CERT,
            APP_PUBLIC_KEY,
            "2088000000000000-2021000000000000",
        ),
    ] {
        let path = out.join(file);
        if path.exists() {
            continue;
        }
        let key_path = keys.join(key_file);
        let key = parse_public_key(
            &fs::read_to_string(&key_path)
                .with_context(|| format!("reading {}", key_path.display()))?,
        )?;
        fs::write(&path, ca.issue(name, &key, now)?)
            .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(())
}

fn write_pair(
    dir: &Path,
    private_name: &str,
    public_name: &str,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let private_path = dir.join(private_name);
    let public_path = dir.join(public_name);
    if private_path.exists() && public_path.exists() {
        return Ok(());
    }
    let key = if private_path.exists() {
        use rsa::pkcs8::DecodePrivateKey;
        let pem = fs::read_to_string(&private_path)
            .with_context(|| format!("reading {}", private_path.display()))?;
        RsaPrivateKey::from_pkcs8_pem(&pem)
            .with_context(|| format!("parsing {}", private_path.display()))?
    } else {
        let key =
            RsaPrivateKey::new(&mut rand::thread_rng(), 2048).context("generating an RSA key")?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .context("encoding a private key")?;
        fs::write(&private_path, pem.as_bytes())
            .with_context(|| format!("writing {}", private_path.display()))?;
        written.push(private_path);
        key
    };
    if !public_path.exists() {
        let pem = RsaPublicKey::from(&key)
            .to_public_key_pem(LineEnding::LF)
            .context("encoding a public key")?;
        fs::write(&public_path, pem)
            .with_context(|| format!("writing {}", public_path.display()))?;
        written.push(public_path);
    }
    Ok(())
}

/// Generates the merchant pairs and the sandboxes' pairs (Alipay and WeChat Pay) where
/// missing; returns the files written.
pub fn generate_missing(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    write_pair(dir, APP_PRIVATE_KEY, APP_PUBLIC_KEY, &mut written)?;
    write_pair(dir, SANDBOX_PRIVATE_KEY, ALIPAY_PUBLIC_KEY, &mut written)?;
    write_pair(
        dir,
        WECHAT_MERCHANT_PRIVATE_KEY,
        WECHAT_MERCHANT_PUBLIC_KEY,
        &mut written,
    )?;
    write_pair(
        dir,
        WECHAT_SANDBOX_PRIVATE_KEY,
        WECHAT_PAY_PUBLIC_KEY,
        &mut written,
    )?;
    write_alipay_certificates(dir, dir, &mut written)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_never_overwrites() {
        let dir = std::env::temp_dir().join(format!("luffy-keys-{}", uuid::Uuid::new_v4()));
        let first = generate_missing(&dir).unwrap();
        assert_eq!(first.len(), 12);
        // The certificates carry the pairs' public keys and chain to the root.
        let root = fs::read_to_string(dir.join(ALIPAY_ROOT_CERT)).unwrap();
        let now = chrono::Utc::now();
        for (cert, key) in [(ALIPAY_CERT, ALIPAY_PUBLIC_KEY), (APP_CERT, APP_PUBLIC_KEY)] {
            let pem = fs::read_to_string(dir.join(cert)).unwrap();
            let issued = luffy_payment_alipay::cert::verify_chain(&pem, &root, now).unwrap();
            let pair = luffy_payment_alipay::keys::parse_public_key(
                &fs::read_to_string(dir.join(key)).unwrap(),
            )
            .unwrap();
            assert_eq!(issued, pair);
        }
        let before = fs::read_to_string(dir.join(APP_PRIVATE_KEY)).unwrap();
        assert!(generate_missing(&dir).unwrap().is_empty());
        fs::remove_file(dir.join(ALIPAY_PUBLIC_KEY)).unwrap();
        assert_eq!(
            generate_missing(&dir).unwrap(),
            vec![dir.join(ALIPAY_PUBLIC_KEY)]
        );
        assert_eq!(
            fs::read_to_string(dir.join(APP_PRIVATE_KEY)).unwrap(),
            before
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
