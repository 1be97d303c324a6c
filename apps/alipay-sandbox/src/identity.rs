//! Who the sandbox signs as: in public-key mode its one key; in certificate mode also the
//! certificate that carries the key, which a test may rotate (a new key and certificate from
//! the development CA) to drive the merchant through fetching Alipay's new certificate.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::Utc;
use luffy_payment_alipay::cert::cert_sn;
use luffy_payment_alipay::dev_ca::DevCa;
use luffy_payment_alipay::keys::generate_private_key;
use luffy_payment_alipay::sign::sign;
use rsa::{RsaPrivateKey, RsaPublicKey};

/// Certificate mode as the sandbox plays it.
#[derive(Clone)]
pub struct SandboxCertificates {
    /// The SN every request's `app_cert_sn` must carry.
    pub app_cert_sn: String,
    /// The SN every request's `alipay_root_cert_sn` must carry.
    pub alipay_root_cert_sn: String,
    /// The gateway's certificate (PEM), holding the public half of the sandbox key.
    pub alipay_cert_pem: String,
    /// The root that issued it; without it the sandbox cannot rotate its certificate.
    pub ca: Option<Arc<DevCa>>,
}

struct Current {
    key: RsaPrivateKey,
    cert_sn: Option<String>,
}

/// The signing identity, shared by every worker.
#[derive(Clone)]
pub struct Identity {
    current: Arc<RwLock<Current>>,
    /// Every certificate the gateway has signed with, by SN, for
    /// `alipay.open.app.alipaycert.download`.
    issued: Arc<RwLock<HashMap<String, String>>>,
    ca: Option<Arc<DevCa>>,
}

impl Identity {
    /// The identity of a sandbox: its key and, in certificate mode, its certificate.
    pub fn new(
        key: RsaPrivateKey,
        certificates: Option<&SandboxCertificates>,
    ) -> anyhow::Result<Self> {
        let mut issued = HashMap::new();
        let mut ca = None;
        let mut sn = None;
        if let Some(certificates) = certificates {
            let current = cert_sn(&certificates.alipay_cert_pem)?;
            issued.insert(current.clone(), certificates.alipay_cert_pem.clone());
            sn = Some(current);
            ca = certificates.ca.clone();
        }
        Ok(Self {
            current: Arc::new(RwLock::new(Current { key, cert_sn: sn })),
            issued: Arc::new(RwLock::new(issued)),
            ca,
        })
    }

    /// Signs text with the current key.
    pub fn sign(&self, text: &str) -> String {
        self.current
            .read()
            .ok()
            .and_then(|c| sign(&c.key, text).ok())
            .unwrap_or_default()
    }

    /// The SN answers name (`alipay_cert_sn`), in certificate mode.
    pub fn cert_sn(&self) -> Option<String> {
        self.current.read().ok().and_then(|c| c.cert_sn.clone())
    }

    /// The certificate with this SN (PEM), if the gateway ever used it.
    pub fn certificate(&self, sn: &str) -> Option<String> {
        self.issued.read().ok().and_then(|i| i.get(sn).cloned())
    }

    /// Signs from now on with a new key under a new certificate from the CA; returns its SN.
    pub fn rotate(&self, seller_id: &str) -> anyhow::Result<String> {
        let ca = self
            .ca
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the sandbox has no CA key to issue a certificate"))?;
        let key = generate_private_key()?;
        let pem = ca.issue(
            &format!("支付宝(中国)网络技术有限公司-{seller_id}"),
            &RsaPublicKey::from(&key),
            Utc::now(),
        )?;
        let sn = cert_sn(&pem)?;
        if let Ok(mut issued) = self.issued.write() {
            issued.insert(sn.clone(), pem);
        }
        if let Ok(mut current) = self.current.write() {
            *current = Current {
                key,
                cert_sn: Some(sn.clone()),
            };
        }
        Ok(sn)
    }
}
