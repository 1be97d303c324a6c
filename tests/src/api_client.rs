//! An HTTP client for a running luffy (a test's own server, or a whole topology behind a
//! load balancer) with the calls tests make again and again: log in, fill a cart, drive the
//! Alipay sandbox.

use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use crate::{TestResponse, DEMO_PASSWORD, DEMO_USERNAME};

/// A client of one luffy base URL (and of the Alipay sandbox that serves it).
#[derive(Clone)]
pub struct ApiClient {
    /// The API's base URL, e.g. `http://127.0.0.1:8000`.
    pub base: String,
    /// The HTTP client; redirects are not followed, so tests see them.
    pub client: reqwest::Client,
    /// Where the Alipay sandbox's control routes live (the API itself when it is built in).
    pub sandbox_base: String,
}

impl ApiClient {
    /// A client of `base`, whose Alipay sandbox is at `sandbox_base`.
    pub fn new(base: &str, sandbox_base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Shorter than the server's 5 s keep-alive: a connection left idle while a
                // test works (a slow schema check) is dropped here, never reused after the
                // server closed it.
                .pool_idle_timeout(std::time::Duration::from_secs(3))
                .build()
                .unwrap(),
            sandbox_base: sandbox_base.to_owned(),
        }
    }

    /// A request to a path on this app.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
    }

    /// A request with `Authorization: jwt <token>`.
    pub fn authed(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path)
            .header("Authorization", format!("jwt {token}"))
    }

    /// Sends and decodes; panics when no answer comes (connection refused or cut).
    pub async fn send(&self, request: RequestBuilder) -> TestResponse {
        Self::try_send(request).await.expect("request failed")
    }

    /// Sends and decodes, or says why no answer came (for tests that count failures).
    pub async fn try_send(request: RequestBuilder) -> Result<TestResponse, String> {
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(TestResponse {
            status,
            headers,
            text,
            json,
        })
    }

    /// Logs in to the operators' console as a browser would (login page for the session and
    /// CSRF token, then the form); returns the answer's status and the session cookie.
    pub async fn console_login(&self, username: &str, password: &str) -> (StatusCode, String) {
        let page = self
            .client
            .get(format!("{}/console/login", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let cookie = console_session_cookie(page.headers()).expect("a session for the token");
        let token = csrf_field(&page.text().await.unwrap());
        let answer = self
            .client
            .post(format!("{}/console/login", self.base))
            .header(COOKIE, &cookie)
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &token),
            ])
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (
            status,
            console_session_cookie(answer.headers()).unwrap_or(cookie),
        )
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.send(self.authed(Method::GET, path, token)).await
    }

    /// A JSON request with a token.
    pub async fn json(&self, method: Method, path: &str, token: &str, body: Value) -> TestResponse {
        self.send(self.authed(method, path, token).json(&body))
            .await
    }

    /// Logs in and returns the token; panics with the response when it fails.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let response = self
            .send(
                self.request(Method::POST, "/users/login/")
                    .json(&serde_json::json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "login failed: {}",
            response.text
        );
        response.json["token"].as_str().unwrap().to_owned()
    }

    /// Logs in as the seeded demo buyer.
    pub async fn login_demo(&self) -> String {
        self.login(DEMO_USERNAME, DEMO_PASSWORD).await
    }

    /// Registers a fresh user with a random mobile and returns (token, mobile).
    pub async fn register_user(&self) -> (String, String) {
        let mobile = fresh_mobile();
        let code = self.sms_code(&mobile).await;
        let response = self
            .send(
                self.request(Method::POST, "/users/register/")
                    .json(&serde_json::json!({
                        "mobile": mobile, "password": "secret123", "re_password": "secret123",
                        "sms_code": code, "ticket": "t", "randstr": "r"
                    })),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "register failed: {}",
            response.text
        );
        (response.json["token"].as_str().unwrap().to_owned(), mobile)
    }

    /// Asks for a registration code for the mobile and reads it from the development outbox.
    pub async fn sms_code(&self, mobile: &str) -> String {
        let sent = self
            .send(self.request(Method::GET, &format!("/users/sms/{mobile}")))
            .await;
        assert_eq!(sent.status, StatusCode::OK, "sending a code: {}", sent.text);
        let message = self
            .send(self.request(Method::GET, &format!("/sandbox/sms/{mobile}")))
            .await;
        assert_eq!(message.status, StatusCode::OK, "{}", message.text);
        message.json["code"].as_str().unwrap().to_owned()
    }

    /// Puts courses in the caller's cart (all selected).
    pub async fn fill_cart(&self, token: &str, courses: &[i64]) {
        for course in courses {
            let response = self
                .json(
                    Method::POST,
                    "/cart/",
                    token,
                    serde_json::json!({"course_id": course}),
                )
                .await;
            assert_eq!(
                response.status,
                StatusCode::OK,
                "adding {course}: {}",
                response.text
            );
        }
    }

    /// Sets the built-in Alipay sandbox's test modes (`answer_20000`, `notify`, ...).
    pub async fn set_sandbox_mode(&self, mode: Value) {
        let response = self
            .send(
                self.client
                    .put(format!("{}/sandbox/alipay/control/mode", self.sandbox_base))
                    .json(&mode),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }

    /// Presses Pay in the sandbox cashier without a browser; returns the signed return URL.
    pub async fn press_pay(&self, number: &str) -> String {
        let paid = self
            .send(self.client.post(format!(
                "{}/sandbox/alipay/control/pay/{number}",
                self.sandbox_base
            )))
            .await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
        paid.json["return_url"].as_str().unwrap().to_owned()
    }

    /// The signed notify body the sandbox would send for a trade, to replay or forge from.
    pub async fn sandbox_notify_body(&self, number: &str) -> String {
        self.client
            .get(format!(
                "{}/sandbox/alipay/control/notify-body/{number}",
                self.sandbox_base
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// The console session cookie (`luffy_console=...`) a response sets.
pub fn console_session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("luffy_console="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// The CSRF token of a console form.
pub fn csrf_field(page: &str) -> String {
    let start = page.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// A random mainland mobile number (`139` and eight random digits) for a new buyer.
pub fn fresh_mobile() -> String {
    let bytes = uuid::Uuid::new_v4();
    let digits = u32::from_le_bytes([
        bytes.as_bytes()[0],
        bytes.as_bytes()[1],
        bytes.as_bytes()[2],
        bytes.as_bytes()[3],
    ]) % 100_000_000;
    format!("139{digits:08}")
}
