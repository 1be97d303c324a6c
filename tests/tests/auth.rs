//! Registration, login and token checks against the real services.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::Utc;
use luffy_api::auth::token::Claims;
use luffy_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn register_then_login_by_mobile_and_read_profile() {
    let app = spawn_app().await;
    let (token, mobile) = app.register_user().await;
    let me = app.get("/users/me/", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json["mobile"], mobile);
    assert_eq!(me.json["credit"], 0);
    assert_eq!(me.json["money"], 0.0);

    let login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": mobile, "password": "secret123"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.json["cart_total"], 0);
    let login = app
        .send(
            app.request(Method::POST, "/users/login")
                .json(&json!({"mobile": mobile, "password": "secret123"})),
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::OK,
        "mobile alias and no trailing slash"
    );
}

#[tokio::test]
async fn demo_user_logs_in_with_bearer_or_jwt_scheme() {
    let app = spawn_app().await;
    let token = app.login_demo().await;
    let me = app.get("/users/me", &token).await;
    assert_eq!(me.json["username"], "luffy");
    assert_eq!(me.json["credit"], 1000);
    let bearer = app
        .send(
            app.request(Method::GET, "/users/me/")
                .header("Authorization", format!("Bearer {token}")),
        )
        .await;
    assert_eq!(bearer.status, StatusCode::OK);
}

#[tokio::test]
async fn registration_validation_errors() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"mobile": "12345", "password": "secret123", "password2": "secret123"}),
            "手机号格式不正确!",
        ),
        (
            json!({"mobile": "13912345678", "password": "123", "password2": "123"}),
            "密码长度必须在6-16位之间!",
        ),
        (
            json!({"mobile": "13912345678", "password": "secret123", "password2": "secret124"}),
            "两次密码输入不一致!",
        ),
        (
            json!({"mobile": "13800000001", "password": "secret123", "password2": "secret123"}),
            "手机号已经被注册!",
        ),
    ];
    for (body, message) in cases {
        let response = app
            .send(app.request(Method::POST, "/users/register/").json(&body))
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.errmsg(), message);
    }
    let missing = app
        .send(
            app.request(Method::POST, "/users/register/")
                .json(&json!({"mobile": "13912345678"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(
        missing.errmsg().starts_with("缺少参数 password"),
        "{}",
        missing.text
    );
}

#[tokio::test]
async fn bad_password_and_unknown_user_are_401_alike() {
    let app = spawn_app().await;
    for body in [
        json!({"username": "luffy", "password": "wrong-password"}),
        json!({"username": "nobody", "password": "luffy12345"}),
    ] {
        let response = app
            .send(app.request(Method::POST, "/users/login/").json(&body))
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.errmsg(), "用户名或密码错误!");
    }
    let empty = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"password": "x"})),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn missing_garbled_foreign_and_expired_tokens_are_401() {
    let app = spawn_app().await;
    let none = app.send(app.request(Method::GET, "/users/me/")).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.errmsg(), "请先登录!");

    for header in [
        "jwt garbage",
        "jwt a.b.c",
        "Basic dXNlcjpwYXNz",
        "jwt",
        "token abc",
    ] {
        let response = app
            .send(
                app.request(Method::GET, "/users/me/")
                    .header("Authorization", header),
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{header}");
        assert!(!response.errmsg().is_empty());
    }

    let foreign =
        luffy_api::auth::TokenKeys::new(&secrecy::SecretString::from("another-secret"), 3600)
            .issue(luffy_common_id(1), "luffy", false)
            .unwrap();
    assert_eq!(
        app.get("/users/me/", &foreign).await.status,
        StatusCode::UNAUTHORIZED
    );

    let now = Utc::now().timestamp();
    let expired = app
        .state
        .tokens
        .sign(&Claims {
            user_id: 1,
            username: "luffy".into(),
            is_staff: false,
            iat: now - 7200,
            exp: now - 60,
        })
        .unwrap();
    let response = app.get("/users/me/", &expired).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.errmsg(), "登录已过期,请重新登录!");

    let deleted_user = app
        .state
        .tokens
        .sign(&Claims {
            user_id: 999_999,
            username: "ghost".into(),
            is_staff: false,
            iat: now,
            exp: now + 60,
        })
        .unwrap();
    assert_eq!(
        app.get("/users/me/", &deleted_user).await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn luffy_common_id(id: i64) -> luffy_common::UserId {
    luffy_common::UserId(id)
}

#[tokio::test]
async fn buyers_logins_are_limited_per_account_and_per_address() {
    let app = luffy_e2e::spawn_app().await;
    let login = |username: &str, password: &str| {
        let request = app
            .request(reqwest::Method::POST, "/users/login/")
            .json(&serde_json::json!({"username": username, "password": password}));
        async { app.send(request).await }
    };
    // A success clears the account's count.
    for _ in 0..5 {
        assert_eq!(
            login("luffy", "wrong-password").await.status,
            reqwest::StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login("luffy", "luffy12345").await.status,
        reqwest::StatusCode::OK
    );
    // Twenty-five wrong passwords in a row, then the right one: all answered, the first ten
    // 401, then 429 with Retry-After, the right password included.
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(login("luffy", "wrong-password").await);
    }
    let right = login("luffy", "luffy12345").await;
    assert!(statuses[..10]
        .iter()
        .all(|r| r.status == reqwest::StatusCode::UNAUTHORIZED));
    for refused in statuses[10..].iter().chain([&right]) {
        assert_eq!(refused.status, reqwest::StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.errmsg().contains("频繁"), "{}", refused.text);
        let wait: i64 = refused.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
    }
    // Another account from the same address still logs in (under the address's limit).
    assert_eq!(
        login("admin", "admin12345").await.status,
        reqwest::StatusCode::OK
    );
}

#[tokio::test]
async fn registration_by_sms_code_as_the_tutorials_client_does_it() {
    let app = spawn_app().await;
    let get = |path: String| {
        let request = app.request(Method::GET, &path);
        async { app.send(request).await }
    };
    // Free or taken.
    assert_eq!(
        get("/users/mobile/13912340001/".into()).await.json["errmsg"],
        "OK"
    );
    let taken = get("/users/mobile/13800000001/".into()).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert_eq!(taken.errmsg(), "当前手机号已注册!");
    assert_eq!(
        get("/users/mobile/12345/".into()).await.status,
        StatusCode::BAD_REQUEST
    );

    // A code, then a minute's wait with the seconds left.
    let mobile = "13912340001";
    let code = app.sms_code(mobile).await;
    assert_eq!(code.len(), 6);
    let again = get(format!("/users/sms/{mobile}")).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let wait = again.json["time"].as_i64().unwrap();
    assert!((50..=60).contains(&wait), "{}", again.text);
    assert!(again.errmsg().contains("频繁"));
    let bad = get("/users/sms/1391234".into()).await;
    assert_eq!(
        (bad.status, bad.json["time"].as_i64()),
        (StatusCode::BAD_REQUEST, Some(0))
    );
    let outbox = get("/sandbox/sms/".into()).await;
    assert_eq!(outbox.json[0]["mobile"], mobile);
    assert!(outbox.json[0]["text"].as_str().unwrap().contains(&code));
    // The code is kept hashed: Redis never holds it.
    let mut conn = app.state.redis.connection().await.unwrap();
    let keys: Vec<String> = deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{{{}sms:{mobile}}}*", app.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(keys.iter().any(|k| k.ends_with(":code")), "{keys:?}");
    let stored: String = deadpool_redis::redis::cmd("GET")
        .arg(format!("{{{}sms:{mobile}}}:code", app.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_ne!(stored, code);

    // The client's fields; refusals carry non_field_errors, which the client shows.
    let register = |code: &str| {
        app.request(Method::POST, "/users/register/").json(&json!({
            "mobile": mobile, "password": "secret123", "re_password": "secret123",
            "sms_code": code, "ticket": "ticket", "randstr": "randstr"
        }))
    };
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = app.send(register(wrong_code)).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json["non_field_errors"][0], "验证码错误!");
    let missing = app.send(register("")).await;
    assert_eq!(missing.json["non_field_errors"][0], "请输入短信验证码!");
    let ok = app.send(register(&code)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.json["token"].is_string());
    // Used once.
    let reused = app
        .send(app.request(Method::POST, "/users/register/").json(&json!({
            "mobile": "13912340002", "password": "secret123", "re_password": "secret123", "sms_code": code
        })))
        .await;
    assert_eq!(reused.json["non_field_errors"][0], "验证码失效或已过期!");

    // Five wrong tries void a code.
    let other = "13912340003";
    let code = app.sms_code(other).await;
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        app.send(app.request(Method::POST, "/users/register/").json(&json!({
            "mobile": other, "password": "secret123", "re_password": "secret123", "sms_code": wrong_code
        })))
        .await;
    }
    let void = app
        .send(app.request(Method::POST, "/users/register/").json(&json!({
            "mobile": other, "password": "secret123", "re_password": "secret123", "sms_code": code
        })))
        .await;
    assert_eq!(void.json["non_field_errors"][0], "验证码失效或已过期!");

    // Daily caps: a mobile's tenth code of the day is its last.
    let _: () = deadpool_redis::redis::cmd("SET")
        .arg(format!(
            "{{{}sms:13912340004}}:day:{}",
            app.redis_prefix,
            (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y%m%d")
        ))
        .arg(10)
        .query_async(&mut conn)
        .await
        .unwrap();
    let capped = get("/users/sms/13912340004".into()).await;
    assert_eq!(
        capped.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        capped.text
    );
    assert!(capped.json["time"].as_i64().unwrap() > 0);
    assert!(capped.headers.contains_key("retry-after"));
}
