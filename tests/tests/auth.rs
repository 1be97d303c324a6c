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
