//! Registration codes through Tencent Cloud SMS and the slider captcha through Tencent Cloud
//! Captcha, against a stand-in for `*.tencentcloudapi.com` started here: it checks every
//! request's TC3-HMAC-SHA256 signature with the configured key pair (the signing itself is
//! checked against Tencent's published example in `luffy-tencent-cloud`), records the
//! messages, and answers in the API 3.0 format, refusals included.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use luffy_e2e::{spawn_app_with, TestApp};
use luffy_tencent_cloud::tc3::SignedRequest;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SECRET_ID: &str = "AKIDluffyTestOnly";
const SECRET_KEY: &str = "luffy-test-only-secret-key";
const CAPTCHA_SECRET: &str = "captcha-app-secret";
const GOOD_TICKET: &str = "t03-good-ticket";
/// A number whose message the provider refuses (its daily limit).
const REFUSED_MOBILE: &str = "13900000099";

/// What the stand-in saw: every signed call's action and body.
#[derive(Default)]
struct Seen {
    calls: Mutex<Vec<(String, Value)>>,
}

fn answer(response: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "Response": response }))
}

fn refused(code: &str, message: &str) -> HttpResponse {
    answer(json!({"Error": {"Code": code, "Message": message}, "RequestId": "req-1"}))
}

async fn tencent_api(seen: web::Data<Seen>, req: HttpRequest, body: String) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let action = header("x-tc-action");
    let service = match action.as_str() {
        "SendSms" => "sms",
        "DescribeCaptchaResult" => "captcha",
        _ => return refused("InvalidAction", "unknown action"),
    };
    let timestamp: i64 = header("x-tc-timestamp").parse().unwrap_or_default();
    let expected = SignedRequest {
        service,
        host: &header("host"),
        timestamp,
        payload: &body,
    }
    .authorization(SECRET_ID, SECRET_KEY);
    if header("authorization") != expected
        || header("content-type") != "application/json; charset=utf-8"
    {
        return refused("AuthFailure.SignatureFailure", "signature mismatch");
    }
    if (chrono::Utc::now().timestamp() - timestamp).abs() > 300 {
        return refused("AuthFailure.SignatureExpire", "too old");
    }
    let body: Value = serde_json::from_str(&body).unwrap();
    seen.calls
        .lock()
        .unwrap()
        .push((action.clone(), body.clone()));
    if action == "SendSms" {
        assert_eq!(header("x-tc-version"), "2021-01-11");
        assert_eq!(header("x-tc-region"), "ap-guangzhou");
        let number = body["PhoneNumberSet"][0].as_str().unwrap_or_default();
        let code = if number == format!("+86{REFUSED_MOBILE}") {
            "LimitExceeded.PhoneNumberDailyLimit"
        } else {
            "Ok"
        };
        answer(json!({
            "SendStatusSet": [{"SerialNo": "2028:1", "PhoneNumber": number, "Fee": 1,
                "SessionContext": "", "Code": code, "Message": "send success", "IsoCode": "CN"}],
            "RequestId": "req-2"
        }))
    } else {
        assert_eq!(header("x-tc-version"), "2019-07-22");
        let solved = body["Ticket"] == GOOD_TICKET
            && body["Randstr"] == "randstr"
            && body["AppSecretKey"] == CAPTCHA_SECRET
            && body["CaptchaAppId"] == 2_071_744_404_u64
            && body["CaptchaType"] == 9
            && !body["UserIp"].as_str().unwrap_or_default().is_empty();
        answer(json!({
            "CaptchaCode": if solved { 1 } else { 9 },
            "CaptchaMsg": if solved { "OK" } else { "ticket error" },
            "RequestId": "req-3"
        }))
    }
}

/// The stand-in's base URL and what it saw.
fn stand_in() -> (String, Arc<Seen>, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = web::Data::new(Seen::default());
    let shared = seen.clone().into_inner();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(seen.clone())
            .default_service(web::post().to(tencent_api))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (base, shared, handle)
}

async fn app_with_tencent(endpoint: &str, secret_key: &str) -> TestApp {
    let endpoint = endpoint.to_owned();
    let secret_key = secret_key.to_owned();
    spawn_app_with(move |settings| {
        settings.tencent_secret_id = SECRET_ID.into();
        settings.tencent_secret_key = secret_key.into();
        settings.tencent_endpoint = endpoint;
        settings.sms_tencent_app_id = "1400006666".into();
        settings.sms_tencent_sign_name = "路飞学城".into();
        settings.sms_tencent_template_id = "1234567".into();
        settings.captcha_tencent_app_id = 2_071_744_404;
        settings.captcha_tencent_app_secret_key = CAPTCHA_SECRET.into();
    })
    .await
}

fn sent_code(seen: &Seen, mobile: &str) -> Option<String> {
    seen.calls
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(action, body)| {
            action == "SendSms" && body["PhoneNumberSet"][0] == format!("+86{mobile}")
        })
        .map(|(_, body)| {
            assert_eq!(body["SmsSdkAppId"], "1400006666");
            assert_eq!(body["SignName"], "路飞学城");
            assert_eq!(body["TemplateId"], "1234567");
            assert_eq!(body["TemplateParamSet"][1], "5", "valid five minutes");
            body["TemplateParamSet"][0].as_str().unwrap().to_owned()
        })
}

fn register_body(mobile: &str, code: &str, ticket: &str) -> Value {
    json!({
        "mobile": mobile, "password": "secret123", "re_password": "secret123",
        "sms_code": code, "ticket": ticket, "randstr": "randstr"
    })
}

#[tokio::test]
async fn a_buyer_registers_with_a_code_sent_by_tencent_cloud_and_a_solved_captcha() {
    let (endpoint, seen, handle) = stand_in();
    let app = app_with_tencent(&endpoint, SECRET_KEY).await;
    let mobile = "13912345001";

    let sent = app
        .send(app.request(Method::GET, &format!("/users/sms/{mobile}")))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let code = sent_code(&seen, mobile).expect("the provider was asked to send the code");
    assert_eq!(code.len(), 6);
    // With a real provider the development outbox is closed: nobody else reads a code.
    let outbox = app
        .send(app.request(Method::GET, &format!("/sandbox/sms/{mobile}")))
        .await;
    assert_eq!(outbox.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.send(app.request(Method::GET, "/sandbox/sms/"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A wrong or missing captcha answer is refused as the client shows it, and spends
    // nothing: the code still works afterwards.
    for ticket in ["t03-forged", ""] {
        let refused = app
            .send(
                app.request(Method::POST, "/users/register/")
                    .json(&register_body(mobile, &code, ticket)),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.json["non_field_errors"][0], "滑动验证码校验失败!");
    }
    let registered = app
        .send(
            app.request(Method::POST, "/users/register/")
                .json(&register_body(mobile, &code, GOOD_TICKET)),
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert!(registered.json["token"].is_string());

    // Login asks for the captcha too.
    let login = |ticket: &str| {
        app.request(Method::POST, "/users/login/").json(&json!({
            "username": mobile, "password": "secret123", "ticket": ticket, "randstr": "randstr"
        }))
    };
    let refused = app.send(login("t03-forged")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.errmsg(), "验证码校验失败!");
    let logged_in = app.send(login(GOOD_TICKET)).await;
    assert_eq!(logged_in.status, StatusCode::OK, "{}", logged_in.text);

    // Every call the stand-in saw was signed (an unsigned one would not have been recorded).
    let actions: Vec<String> = seen
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|(action, _)| action.clone())
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "SendSms").count(), 1);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "DescribeCaptchaResult")
            .count(),
        4,
        "two registrations and two logins asked; the empty ticket was refused without asking: {actions:?}"
    );
    handle.stop(false).await;
}

#[tokio::test]
async fn a_message_the_provider_refuses_leaves_no_working_code() {
    let (endpoint, seen, handle) = stand_in();
    let app = app_with_tencent(&endpoint, SECRET_KEY).await;
    let refused = app
        .send(app.request(Method::GET, &format!("/users/sms/{REFUSED_MOBILE}")))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    assert!(!refused.errmsg().is_empty());
    // The provider saw the code but the buyer never got it: it must not work.
    let code = sent_code(&seen, REFUSED_MOBILE).unwrap();
    let register = app
        .send(
            app.request(Method::POST, "/users/register/")
                .json(&register_body(REFUSED_MOBILE, &code, GOOD_TICKET)),
        )
        .await;
    assert_eq!(register.status, StatusCode::BAD_REQUEST);
    assert_eq!(register.json["non_field_errors"][0], "验证码失效或已过期!");
    handle.stop(false).await;
}

#[tokio::test]
async fn a_wrong_key_or_an_unreachable_provider_is_a_503_not_a_sent_code() {
    let (endpoint, seen, handle) = stand_in();
    let app = app_with_tencent(&endpoint, "not-the-key").await;
    let answer = app
        .send(app.request(Method::GET, "/users/sms/13912345003"))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert!(seen.calls.lock().unwrap().is_empty(), "refused unsigned");
    let login = app
        .send(app.request(Method::POST, "/users/login/").json(&json!({
            "username": "luffy", "password": "luffy12345", "ticket": GOOD_TICKET, "randstr": "randstr"
        })))
        .await;
    assert_eq!(
        login.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        login.text
    );
    handle.stop(false).await;

    // Nothing listening at all.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let app = app_with_tencent(&closed, SECRET_KEY).await;
    let answer = app
        .send(app.request(Method::GET, "/users/sms/13912345004"))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    // The next minute's cool-down was not spent on a message that never left.
    let again = app
        .send(app.request(Method::GET, "/users/sms/13912345004"))
        .await;
    assert_eq!(
        again.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        again.text
    );
}
