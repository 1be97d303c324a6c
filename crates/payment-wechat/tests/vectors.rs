//! Published test vectors of the official WeChat Pay SDKs (sources and licenses in
//! `fixtures/SOURCES.md`), and the verification rules on generated keys.

use chrono::{Duration, Utc};
use luffy_payment_wechat::aead::{decrypt, encrypt};
use luffy_payment_wechat::keys::{generate_private_key, parse_certificate};
use luffy_payment_wechat::sign::{nonce, response_message, sign};
use luffy_payment_wechat::{verify_signed, PlatformKeys, SignedHeaders, WechatError};

const JAVA_API_V3_KEY: &[u8] = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

#[test]
fn wechatpay_java_aes_gcm_vector() {
    assert_eq!(
        decrypt(
            JAVA_API_V3_KEY,
            "uluk4a9R25RW",
            "associatedData",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI="
        )
        .unwrap(),
        b"message"
    );
    assert_eq!(
        encrypt(
            JAVA_API_V3_KEY,
            "uluk4a9R25RW",
            "associatedData",
            b"message"
        )
        .unwrap(),
        "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI="
    );
}

#[test]
fn wechatpay_java_certificate_serial() {
    let pem = include_str!("fixtures/wechatpay-java-merchant-certificate.pem");
    let (serial, _key) = parse_certificate(pem).unwrap();
    assert_eq!(serial, "5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
    let keys = PlatformKeys::new().with_certificate_pem(pem).unwrap();
    assert!(keys
        .get("5F1C72E2A8931B72A2E13AF8DEE92471EB397115")
        .is_some());
}

#[test]
fn both_key_modes_verify_during_a_switch_and_stale_probe_and_unknown_are_refused() {
    let certificate_key = generate_private_key().unwrap();
    let public_key = generate_private_key().unwrap();
    let keys = PlatformKeys::new()
        .with_key(
            "3775B6A45ACD588826D15E583A95F5DD",
            certificate_key.to_public_key(),
        )
        .with_key("PUB_KEY_ID_0114232134912410000", public_key.to_public_key());
    let now = Utc::now();
    let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}"#;
    let signed = |key, serial: &'static str, at: chrono::DateTime<Utc>| {
        let timestamp = at.timestamp().to_string();
        let nonce = nonce();
        let signature = sign(key, &response_message(&timestamp, &nonce, body)).unwrap();
        (timestamp, nonce, serial, signature)
    };
    let check = |(timestamp, nonce, serial, signature): &(String, String, &str, String)| {
        verify_signed(
            &keys,
            &SignedHeaders {
                timestamp,
                nonce,
                serial,
                signature,
            },
            body,
            now,
        )
    };
    check(&signed(
        &certificate_key,
        "3775B6A45ACD588826D15E583A95F5DD",
        now,
    ))
    .unwrap();
    check(&signed(&public_key, "PUB_KEY_ID_0114232134912410000", now)).unwrap();
    // Within the window on either side, and just past it.
    check(&signed(
        &public_key,
        "PUB_KEY_ID_0114232134912410000",
        now - Duration::seconds(300),
    ))
    .unwrap();
    assert!(matches!(
        check(&signed(
            &public_key,
            "PUB_KEY_ID_0114232134912410000",
            now - Duration::seconds(301)
        )),
        Err(WechatError::StaleTimestamp(_))
    ));
    assert!(matches!(
        check(&signed(
            &public_key,
            "PUB_KEY_ID_0114232134912410000",
            now + Duration::seconds(301)
        )),
        Err(WechatError::StaleTimestamp(_))
    ));
    // The right serial with the other key's signature.
    assert!(matches!(
        check(&signed(
            &certificate_key,
            "PUB_KEY_ID_0114232134912410000",
            now
        )),
        Err(WechatError::BadSignature)
    ));
    assert!(matches!(
        check(&signed(&public_key, "PUB_KEY_ID_UNKNOWN", now)),
        Err(WechatError::UnknownSerial(_))
    ));
    let (timestamp, nonce, serial, _) = signed(&public_key, "PUB_KEY_ID_0114232134912410000", now);
    assert!(matches!(
        check(&(
            timestamp,
            nonce,
            serial,
            "WECHATPAY/SIGNTEST/abcdef==".into()
        )),
        Err(WechatError::SignatureProbe)
    ));
}
