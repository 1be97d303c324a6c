//! Alipay certificate mode (公钥证书模式) with AES content encryption, end to end against the
//! built-in sandbox in the same mode: pay, query, close and refund, a rotation of Alipay's
//! certificate in the middle, and Alipay's official Node SDK checking our SNs and pay link.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use luffy_api::commands::keys::{ALIPAY_CERT, ALIPAY_ROOT_CERT, APP_CERT};
use luffy_e2e::{
    alipay_certificate_dir, alipay_sdk, fixture_keys_dir, spawn_app_with,
    use_alipay_certificates_and_aes, TestApp, TEST_ALIPAY_AES_KEY,
};
use luffy_order::OrderStatus;
use luffy_payment_alipay::cert::{cert_sn, root_cert_sn};
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::keys::{parse_private_key, parse_public_key};
use luffy_payment_alipay::{AesKey, AlipayClient, AlipayConfig, AlipayError, CertMode};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn cert_mode_app() -> TestApp {
    spawn_app_with(use_alipay_certificates_and_aes).await
}

fn certificate(name: &str) -> String {
    std::fs::read_to_string(alipay_certificate_dir().join(name)).unwrap()
}

/// An order of the demo buyer over `courses`; returns (token, number, id).
async fn order(app: &TestApp, courses: &[i64]) -> (String, String, i64) {
    let token = app.login_demo().await;
    app.fill_cart(&token, courses).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (
        token,
        created.json["order_number"].as_str().unwrap().to_owned(),
        created.json["id"].as_i64().unwrap(),
    )
}

/// The pay link, opened (the sandbox accepts it and shows its cashier).
async fn open_link(app: &TestApp, token: &str, number: &str) -> String {
    let link = app.get(&format!("/payments/alipay/{number}/"), token).await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    let url = link.json["link"].as_str().unwrap().to_owned();
    let cashier = app.client.get(&url).send().await.unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    let html = cashier.text().await.unwrap();
    assert!(html.contains("确认付款") && html.contains(number), "{html}");
    url
}

async fn wait_for(app: &TestApp, id: i64, wanted: OrderStatus) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.order_status(id).await != wanted {
        assert!(
            Instant::now() < deadline,
            "order {id} never became {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sandbox_trade(app: &TestApp, number: &str) -> Value {
    app.send(app.request(
        Method::GET,
        &format!("/sandbox/alipay/control/trades/{number}"),
    ))
    .await
    .json
}

async fn wait_for_trade(app: &TestApp, number: &str, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox_trade(app, number).await["status"] != wanted {
        assert!(
            Instant::now() < deadline,
            "trade {number} never became {wanted}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn link_params(url: &str) -> Vec<(String, String)> {
    parse_form(url.split_once('?').unwrap().1.as_bytes()).unwrap()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pay_query_close_and_refund_in_certificate_mode_with_aes_across_a_certificate_rotation() {
    let app = cert_mode_app().await;

    // Pay: the link carries both SNs and the encrypted biz_content, all signed.
    let (token, paid_number, paid_id) = order(&app, &[1]).await;
    let url = open_link(&app, &token, &paid_number).await;
    let params = link_params(&url);
    assert_eq!(
        param(&params, "app_cert_sn"),
        cert_sn(&certificate(APP_CERT)).unwrap()
    );
    assert_eq!(
        param(&params, "alipay_root_cert_sn"),
        root_cert_sn(&certificate(ALIPAY_ROOT_CERT)).unwrap()
    );
    assert_eq!(param(&params, "encrypt_type"), "AES");
    let key = AesKey::from_base64(TEST_ALIPAY_AES_KEY).unwrap();
    let biz: Value =
        serde_json::from_str(&key.decrypt(param(&params, "biz_content")).unwrap()).unwrap();
    assert_eq!(biz["out_trade_no"], paid_number.as_str());
    app.press_pay(&paid_number).await;
    wait_for(&app, paid_id, OrderStatus::Paid).await;

    // Query: a payment whose notifies are lost is found by asking the gateway (an encrypted,
    // certificate-signed answer).
    app.set_sandbox_mode(json!({"notify": "drop"})).await;
    let (token, queried_number, queried_id) = order(&app, &[7]).await;
    open_link(&app, &token, &queried_number).await;
    app.press_pay(&queried_number).await;
    let query = app
        .get(&format!("/payments/alipay/query/{queried_number}/"), &token)
        .await;
    assert_eq!(query.status, StatusCode::OK, "{}", query.text);
    wait_for(&app, queried_id, OrderStatus::Paid).await;
    app.set_sandbox_mode(json!({})).await;

    // Alipay renews its certificate: answers now name another SN, signed with another key.
    let rotated = app
        .send(app.request(Method::POST, "/sandbox/alipay/control/rotate-cert"))
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_sn = rotated.json["alipay_cert_sn"].as_str().unwrap().to_owned();
    assert_ne!(new_sn, cert_sn(&certificate(ALIPAY_CERT)).unwrap());

    // Refund: the refund job's answer is signed under the new certificate, which the client
    // fetches, checks against the root and uses.
    let asked = app
        .json(
            Method::POST,
            &format!("/orders/{paid_id}/refund/"),
            &token,
            json!({"reason": "证书轮换后退款"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    wait_for_trade(&app, &paid_number, "TRADE_CLOSED").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let refunds = app
            .get(&format!("/orders/{paid_id}/refunds/"), &token)
            .await;
        if refunds.json[0]["status"] == "refunded" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "refund never settled: {}",
            refunds.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A notify signed with the new key is verified with the fetched certificate.
    let (token, late_number, late_id) = order(&app, &[8]).await;
    open_link(&app, &token, &late_number).await;
    app.press_pay(&late_number).await;
    wait_for(&app, late_id, OrderStatus::Paid).await;

    // Close: cancelling an unpaid order closes its trade at the gateway.
    let (token, closed_number, closed_id) = order(&app, &[2]).await;
    open_link(&app, &token, &closed_number).await;
    let cancel = app
        .send(app.authed(Method::PUT, &format!("/orders/{closed_id}/"), &token))
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
    wait_for_trade(&app, &closed_number, "TRADE_CLOSED").await;
    assert_eq!(app.order_status(closed_id).await, OrderStatus::Cancelled);
}

#[tokio::test]
async fn the_official_sdk_computes_the_same_sns_and_verifies_our_certificate_mode_pay_link() {
    // The official fixtures and our development certificates: the SDK's getSN and ours agree.
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/payment-alipay/tests/fixtures/alipay/certs");
    let dir = alipay_certificate_dir();
    for path in [
        fixtures.join("appCertPublicKey_2021001161683774.crt"),
        fixtures.join("alipayCertPublicKey_RSA2.crt"),
        dir.join(APP_CERT),
        dir.join(ALIPAY_CERT),
    ] {
        let sdk = alipay_sdk(&json!({"op": "sn", "cert": path}));
        let ours = cert_sn(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(sdk["sn"], ours.as_str(), "{}", path.display());
    }
    for path in [
        fixtures.join("alipayRootCert.crt"),
        dir.join(ALIPAY_ROOT_CERT),
    ] {
        let sdk = alipay_sdk(&json!({"op": "root_sn", "cert": path}));
        let ours = root_cert_sn(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(sdk["sn"], ours.as_str(), "{}", path.display());
    }

    // Our certificate-mode, AES pay link, verified by the SDK with the key it reads from the
    // app's certificate, and its biz_content decrypted by the SDK.
    let app = cert_mode_app().await;
    let (token, number, _) = order(&app, &[1]).await;
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.text);
    let answer = alipay_sdk(&json!({
        "op": "verify_link",
        "link": link.json["link"],
        "app_cert": dir.join(APP_CERT),
        "root_cert": dir.join(ALIPAY_ROOT_CERT),
        "private_key": std::fs::read_to_string(fixture_keys_dir().join("app_private_key.pem")).unwrap(),
        "aes_key": TEST_ALIPAY_AES_KEY,
    }));
    assert_eq!(answer["verified"], true, "{answer}");
    assert_eq!(answer["params"]["app_cert_sn"], answer["app_cert_sn"]);
    assert_eq!(
        answer["params"]["alipay_root_cert_sn"],
        answer["alipay_root_cert_sn"]
    );
    let biz: Value = serde_json::from_str(answer["biz"].as_str().unwrap()).unwrap();
    assert_eq!(biz["out_trade_no"], number.as_str());
    assert_eq!(biz["product_code"], "FAST_INSTANT_TRADE_PAY");

    // A link changed after signing is refused by the SDK too.
    let tampered = link.json["link"]
        .as_str()
        .unwrap()
        .replace("app_cert_sn=", "app_cert_sn=0");
    let answer = alipay_sdk(&json!({
        "op": "verify_link",
        "link": tampered,
        "app_cert": dir.join(APP_CERT),
        "root_cert": dir.join(ALIPAY_ROOT_CERT),
        "private_key": std::fs::read_to_string(fixture_keys_dir().join("app_private_key.pem")).unwrap(),
        "aes_key": TEST_ALIPAY_AES_KEY,
    }));
    assert_eq!(answer["verified"], false);
}

/// A client of the app's sandbox with the fixture keys, in the mode given.
fn client(app: &TestApp, cert_mode: Option<CertMode>, aes_key: Option<AesKey>) -> AlipayClient {
    let read = |name: &str| std::fs::read_to_string(fixture_keys_dir().join(name)).unwrap();
    AlipayClient::new(AlipayConfig {
        app_id: "2021000000000000".into(),
        gateway: format!("{}/sandbox/alipay/gateway.do", app.base),
        app_private_key: parse_private_key(&read("app_private_key.pem")).unwrap(),
        alipay_public_key: parse_public_key(&read("alipay_public_key.pem")).unwrap(),
        cert_mode,
        aes_key,
        seller_id: None,
        notify_url: String::new(),
        return_url: String::new(),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

fn sub_code(error: AlipayError) -> String {
    match error {
        AlipayError::Business { sub_code, .. } => sub_code,
        other => panic!("expected the gateway's refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn requests_without_our_certificate_sns_or_unencrypted_are_refused_by_the_gateway() {
    let app = cert_mode_app().await;
    let (mode, _) = CertMode::from_pem(
        &certificate(APP_CERT),
        &certificate(ALIPAY_CERT),
        &certificate(ALIPAY_ROOT_CERT),
    )
    .unwrap();
    let aes = AesKey::from_base64(TEST_ALIPAY_AES_KEY).unwrap();

    let key_mode = client(&app, None, Some(aes.clone()));
    let refused = key_mode.trade_query("20261203000001").await.unwrap_err();
    assert_eq!(sub_code(refused), "isv.invalid-app-cert-sn");

    let mut other_root = mode.clone();
    other_root.alipay_root_cert_sn = "687b59193f3f462dd5336e5abf83c5d8".into();
    let refused = client(&app, Some(other_root), Some(aes.clone()))
        .trade_query("20261203000001")
        .await
        .unwrap_err();
    assert_eq!(sub_code(refused), "isv.invalid-alipay-root-cert-sn");

    let plain = client(&app, Some(mode.clone()), None);
    let refused = plain.trade_query("20261203000001").await.unwrap_err();
    assert_eq!(sub_code(refused), "isv.missing-encrypt-type");

    let wrong_key = client(&app, Some(mode.clone()), Some(AesKey::generate()));
    let refused = wrong_key.trade_query("20261203000001").await.unwrap_err();
    assert_eq!(sub_code(refused), "isv.decryption-error");

    // In the right mode the same question is answered (the trade does not exist).
    let right = client(&app, Some(mode), Some(aes));
    let answer = right.trade_query("20261203000001").await.unwrap_err();
    assert_eq!(sub_code(answer), "ACQ.TRADE_NOT_EXIST");
}
