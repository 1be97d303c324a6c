//! Interoperability with an independent implementation: fixtures written by the PyPI package
//! `python-alipay-sdk` (crates/payment-alipay/tests/fixtures/alipay/make_fixtures.py, test-only keys) must verify
//! with this crate, and this crate's signatures over the same strings must be byte-identical to
//! the SDK's (PKCS#1 v1.5 signatures are deterministic), so the SDK verifies ours.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use luffy_payment_alipay::extract::extract_response;
use luffy_payment_alipay::form::parse_form;
use luffy_payment_alipay::keys::{parse_private_key, parse_public_key};
use luffy_payment_alipay::sign::{sign, signing_string, verify, Purpose};
use luffy_payment_alipay::{verify_notify, verify_return, TradeStatus};
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alipay")
}

fn fixtures() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures_dir().join("fixtures.json")).unwrap())
        .unwrap()
}

fn key(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join("keys").join(name)).unwrap()
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

#[test]
fn sdk_page_pay_request_verifies_and_our_signature_is_identical() {
    let query = fixtures()["page_pay_query"].as_str().unwrap().to_owned();
    let params = parse_form(query.as_bytes()).unwrap();
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Request,
    );
    let merchant_public = parse_public_key(&key("app_public_key.pem")).unwrap();
    verify(&merchant_public, content.as_bytes(), field(&params, "sign")).unwrap();
    let biz: Value = serde_json::from_str(field(&params, "biz_content")).unwrap();
    assert_eq!(biz["subject"], "购买课程 + & = % 100% a+b");
    let ours = sign(
        &parse_private_key(&key("app_private_key.pem")).unwrap(),
        &content,
    )
    .unwrap();
    assert_eq!(ours, field(&params, "sign"));
}

#[test]
fn sdk_notify_verifies_and_tampering_fails() {
    let form = fixtures()["notify_form"].as_str().unwrap().to_owned();
    let params = parse_form(form.as_bytes()).unwrap();
    let alipay_public = parse_public_key(&key("alipay_public_key.pem")).unwrap();
    let notification = verify_notify(&params, &alipay_public).unwrap();
    assert_eq!(notification.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(notification.total_amount.to_string(), "1208.44");
    assert_eq!(field(&params, "body"), "key=value&other=1 + 2 = 3 (100%)");
    let content = signing_string(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        Purpose::Callback,
    );
    let ours = sign(
        &parse_private_key(&key("sandbox_private_key.pem")).unwrap(),
        &content,
    )
    .unwrap();
    assert_eq!(
        ours,
        field(&params, "sign"),
        "our signature equals the SDK's"
    );

    let tampered = form.replace("total_amount=1208.44", "total_amount=1208.45");
    assert!(verify_notify(&parse_form(tampered.as_bytes()).unwrap(), &alipay_public).is_err());
    let merchant_key = parse_public_key(&key("app_public_key.pem")).unwrap();
    assert!(verify_notify(&params, &merchant_key).is_err(), "wrong key");
}

#[test]
fn sdk_return_verifies() {
    let query = fixtures()["return_query"].as_str().unwrap().to_owned();
    let params = parse_form(query.as_bytes()).unwrap();
    let alipay_public = parse_public_key(&key("alipay_public_key.pem")).unwrap();
    let returned = verify_return(&params, &alipay_public).unwrap();
    assert_eq!(returned.out_trade_no, "202611250000000100000001");
}

#[test]
fn sdk_query_response_verifies_over_raw_bytes() {
    let body = fixtures()["query_response"].as_str().unwrap().to_owned();
    let (raw, signature) = extract_response(&body, "alipay.trade.query").unwrap();
    let alipay_public = parse_public_key(&key("alipay_public_key.pem")).unwrap();
    verify(&alipay_public, raw.as_bytes(), &signature.unwrap()).unwrap();
    let object: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(object["subject"], "购买课程 + & = % 100% a+b");
    // Re-serialising would change the bytes (key order, spacing) and must not be what we verify.
    let reserialised = serde_json::to_string_pretty(&object).unwrap();
    let (_, signature) = extract_response(&body, "alipay.trade.query").unwrap();
    assert!(verify(&alipay_public, reserialised.as_bytes(), &signature.unwrap()).is_err());
}
