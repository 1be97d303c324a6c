//! The PyPI package `wechatpayv3` (2.x) as an independent peer: it signs requests exactly as
//! we do, verifies our sandbox's answers and notifies and decrypts them, and what it signs and
//! encrypts, our crate verifies and decrypts. Installed on first use under the target
//! directory (`tests/peers/install.sh`); keys are the suite's generated test-only keys.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::Utc;
use luffy_e2e::{fixture_keys_dir, spawn_app, wechatpayv3};
use luffy_payment_wechat::keys::{parse_private_key, parse_public_key};
use luffy_payment_wechat::secrecy::SecretString;
use luffy_payment_wechat::sign::nonce;
use luffy_payment_wechat::{
    open_notify, verify_notify, Authorization, Notice, NotifyEnvelope, PlatformKeys, WechatConfig,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const API_V3_KEY: &str = luffy_api::settings::DEVELOPMENT_WECHAT_API_V3_KEY;
const SERIAL: &str = "PUB_KEY_ID_0000000000000000000000000001";
const MCHID: &str = "1900000001";

fn key_path(name: &str) -> String {
    fixture_keys_dir().join(name).display().to_string()
}

fn key_text(name: &str) -> String {
    std::fs::read_to_string(fixture_keys_dir().join(name)).unwrap()
}

#[test]
fn wechatpayv3_signs_requests_exactly_as_we_do() {
    let key = parse_private_key(&key_text("wechat_merchant_private_key.pem")).unwrap();
    let timestamp = Utc::now().timestamp();
    let cases = [
        ("GET", "/v3/pay/transactions/out-trade-no/202612020001?mchid=1900000001", String::new()),
        (
            "POST",
            "/v3/pay/transactions/native",
            json!({"appid": "wx0000000000000001", "description": "Python全栈开发 · 路飞学城", "amount": {"total": 1234, "currency": "CNY"}})
                .to_string(),
        ),
        ("POST", "/v3/pay/transactions/out-trade-no/202612020001/close", json!({"mchid": MCHID}).to_string()),
    ];
    for (method, path, body) in cases {
        let nonce = nonce();
        let ours = Authorization::sign_request(
            MCHID, "6B0C", &key, method, path, &body, timestamp, &nonce,
        )
        .unwrap();
        let theirs = wechatpayv3(&json!({
            "op": "build_authorization", "private_key": key_path("wechat_merchant_private_key.pem"),
            "timestamp": timestamp, "path": path, "method": method, "mchid": MCHID,
            "serial_no": "6B0C", "body": body, "nonce": nonce,
        }));
        let theirs = Authorization::parse(theirs["authorization"].as_str().unwrap()).unwrap();
        assert_eq!(ours, theirs, "{method} {path}");
        // And our sandbox's check accepts theirs: the signature verifies with the merchant key.
        let public = parse_public_key(&key_text("wechat_merchant_public_key.pem")).unwrap();
        theirs.verify_request(&public, method, path, &body).unwrap();
    }
}

fn peer_verifies(timestamp: &str, nonce: &str, body: &str, signature: &str) -> bool {
    wechatpayv3(&json!({
        "op": "rsa_verify", "public_key": key_path("wechat_pay_public_key.pem"),
        "timestamp": timestamp, "nonce": nonce, "body": body, "signature": signature,
    }))["valid"]
        .as_bool()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wechatpayv3_verifies_the_sandboxs_answers_and_notifies_and_decrypts_them() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    app.fill_cart(&token, &[1]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 1}))
        .await;
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let started = app
        .get(&format!("/payments/wechat/{number}/"), &token)
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);

    // An answer (200 with a body) and a 204, as the sandbox signs them.
    let key = parse_private_key(&key_text("wechat_merchant_private_key.pem")).unwrap();
    let call = |method: &'static str, path: String, body: String| {
        let key = key.clone();
        let app = &app;
        async move {
            let authorization = Authorization::sign_request(
                MCHID,
                "6B0C2F0D4C0E1A0B6B0C2F0D4C0E1A0B6B0C2F0D",
                &key,
                method,
                &path,
                &body,
                Utc::now().timestamp(),
                &nonce(),
            )
            .unwrap();
            let request = app
                .client
                .request(
                    method.parse().unwrap(),
                    format!("{}/sandbox/wechat{path}", app.base),
                )
                .header("Authorization", authorization.header())
                .header("Content-Type", "application/json")
                .body(body);
            let answer = request.send().await.unwrap();
            let header = |name: &str| answer.headers()[name].to_str().unwrap().to_owned();
            let signed = (
                answer.status(),
                header("Wechatpay-Timestamp"),
                header("Wechatpay-Nonce"),
                header("Wechatpay-Serial"),
                header("Wechatpay-Signature"),
            );
            (signed, answer.text().await.unwrap())
        }
    };
    let ((status, ts, nonce_, serial, signature), body) = call(
        "GET",
        format!("/v3/pay/transactions/out-trade-no/{number}?mchid={MCHID}"),
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serial, SERIAL);
    assert!(peer_verifies(&ts, &nonce_, &body, &signature));
    assert!(!peer_verifies(
        &ts,
        &nonce_,
        &body.replace("NOTPAY", "SUCCESS"),
        &signature
    ));
    // A refusal is signed too.
    let ((status, ts, nonce_, _, signature), body) = call(
        "GET",
        format!("/v3/pay/transactions/out-trade-no/NO-SUCH-ORDER?mchid={MCHID}"),
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(peer_verifies(&ts, &nonce_, &body, &signature), "{body}");

    // The notify: signature and encrypted resource.
    app.send(
        app.request(Method::PUT, "/sandbox/wechat/control/mode")
            .json(&json!({"drop_notifies": true})),
    )
    .await;
    let paid = app
        .send(app.request(
            Method::POST,
            &format!("/sandbox/wechat/control/pay/{number}"),
        ))
        .await;
    assert_eq!(paid.status, StatusCode::OK);
    let notify = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/wechat/control/notify/{number}"),
        ))
        .await;
    let header = |name: &str| -> String {
        notify.json["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == name)
            .unwrap()[1]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let body = notify.json["body"].as_str().unwrap();
    assert!(peer_verifies(
        &header("Wechatpay-Timestamp"),
        &header("Wechatpay-Nonce"),
        body,
        &header("Wechatpay-Signature")
    ));
    let envelope: NotifyEnvelope = serde_json::from_str(body).unwrap();
    let theirs = wechatpayv3(&json!({
        "op": "aes_decrypt", "nonce": envelope.resource.nonce,
        "ciphertext": envelope.resource.ciphertext,
        "associated_data": envelope.resource.associated_data, "key": API_V3_KEY,
    }));
    let Notice::Transaction {
        plaintext,
        transaction,
        ..
    } = open_notify(API_V3_KEY.as_bytes(), &envelope).unwrap()
    else {
        panic!("a transaction notify");
    };
    assert_eq!(theirs["plaintext"].as_str().unwrap(), plaintext);
    assert_eq!(transaction.out_trade_no, number);
    assert_eq!(transaction.trade_state, "SUCCESS");
    let resource: Value = serde_json::from_str(&plaintext).unwrap();
    assert_eq!(resource["mchid"], MCHID);
}

#[test]
fn we_verify_and_decrypt_what_wechatpayv3_signs_and_encrypts() {
    let config = WechatConfig {
        appid: "wx0000000000000001".into(),
        mchid: MCHID.into(),
        merchant_key: parse_private_key(&key_text("wechat_merchant_private_key.pem")).unwrap(),
        merchant_serial: "6B0C".into(),
        api_v3_key: SecretString::from(API_V3_KEY),
        platform_keys: PlatformKeys::new()
            .with_public_key_pem(SERIAL, &key_text("wechat_pay_public_key.pem"))
            .unwrap(),
        base_url: "http://127.0.0.1:9".into(),
        notify_url: "http://127.0.0.1:9/payments/wechat/notify".into(),
        timeout: std::time::Duration::from_secs(1),
    };
    let refund = json!({
        "mchid": MCHID, "out_trade_no": "202612020001", "transaction_id": "4200000000000000000000000001",
        "out_refund_no": "202612020001R01", "refund_id": "50000000000000000000000000000001",
        "refund_status": "SUCCESS", "success_time": "2026-12-02T18:40:00+08:00",
        "amount": {"total": 1234, "refund": 1234, "payer_total": 1234, "payer_refund": 1234},
    });
    let sign_nonce = nonce();
    let sealed = wechatpayv3(&json!({
        "op": "sign_and_encrypt", "private_key": key_path("wechat_sandbox_private_key.pem"),
        "key": API_V3_KEY, "nonce": "a1b2c3d4e5f6", "associated_data": "refund",
        "plaintext": refund.to_string(), "event_type": "REFUND.SUCCESS", "sign_nonce": sign_nonce,
    }));
    let body = sealed["body"].as_str().unwrap();
    let timestamp = sealed["timestamp"].as_str().unwrap();
    let signature = sealed["signature"].as_str().unwrap();
    let headers = [
        ("Wechatpay-Timestamp", timestamp),
        ("Wechatpay-Nonce", sign_nonce.as_str()),
        ("Wechatpay-Serial", SERIAL),
        ("Wechatpay-Signature", signature),
    ];
    let lookup = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let Notice::Refund {
        refund: read,
        event_type,
        ..
    } = verify_notify(&config, lookup, body.as_bytes(), Utc::now()).unwrap()
    else {
        panic!("a refund notify");
    };
    assert_eq!(event_type, "REFUND.SUCCESS");
    assert_eq!(read.out_refund_no, "202612020001R01");
    assert_eq!(read.amount.refund, 1234);
    // One changed byte of the body: refused.
    let tampered = body.replacen("REFUND.SUCCESS", "REFUND.SUCCESs", 1);
    assert!(verify_notify(&config, lookup, tampered.as_bytes(), Utc::now()).is_err());
}
