//! What every request passes through before a handler (issue 10): CORS for the tutorial's
//! browser client, a refusal of control characters before any text reaches PostgreSQL, one
//! JSON 413 for every kind of body, a deadline so a frozen dependency never hangs a request,
//! and `{"errmsg"}` on the bodiless 404 and 405 answers of the router.

use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, FromRequest, HttpMessage, ResponseError};
use futures::StreamExt;

use crate::error::ApiError;
use crate::limits::{BODY_LIMIT, CONTROL_CHARACTER_MESSAGE, MAX_FORM_TEXT_BYTES};

/// The largest body a path accepts: a picture for the admin API's uploads, a picture and its
/// text for the console's course and teacher forms (multipart), [`BODY_LIMIT`] elsewhere.
fn body_limit(path: &str) -> usize {
    use luffy_catalog::upload::MAX_UPLOAD_BYTES;
    if path.starts_with("/admin/uploads/") {
        MAX_UPLOAD_BYTES
    } else if path.starts_with("/console/courses") || path.starts_with("/console/teachers") {
        MAX_UPLOAD_BYTES + MAX_FORM_TEXT_BYTES
    } else {
        BODY_LIMIT
    }
}
use crate::state::AppState;

/// CORS for the configured origins: the `Authorization`, `Content-Type` and `Idempotency-Key`
/// request headers, `x-request-id` exposed. Preflights are answered here, before routing, so
/// every route (with path parameters too) has one. A request from an origin that is not
/// allowed still reaches its handler (the same-origin sandbox cashier posts with an `Origin`),
/// but gets no `Access-Control-Allow-Origin`, so a browser withholds the answer.
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .block_on_origin_mismatch(false)
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Whether a character may appear in text that arrived in a body (tab and line breaks may).
fn allowed_in_body(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Whether percent-decoded path or query bytes carry a control character (NUL included).
fn has_control_byte(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).chars().any(char::is_control)
}

/// Whether a path or query string, once percent-decoded, carries a control character.
pub fn url_has_control_characters(path: &str, query: &str) -> bool {
    let path: Vec<u8> = percent_encoding::percent_decode_str(path).collect();
    has_control_byte(&path)
        || has_control_byte(query.as_bytes())
        || url::form_urlencoded::parse(query.as_bytes()).any(|(key, value)| {
            key.chars().any(char::is_control) || value.chars().any(char::is_control)
        })
}

/// Whether any string (or object key) of a JSON document carries a forbidden control
/// character. A body that is not JSON passes: its handler refuses it with a clearer message.
pub fn json_has_control_characters(body: &[u8]) -> bool {
    fn walk(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(text) => !text.chars().all(allowed_in_body),
            serde_json::Value::Array(items) => items.iter().any(walk),
            serde_json::Value::Object(map) => map
                .iter()
                .any(|(key, value)| !key.chars().all(allowed_in_body) || walk(value)),
            _ => false,
        }
    }
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|value| walk(&value))
}

/// Whether any decoded field of a form body carries a forbidden control character.
pub fn form_has_control_characters(body: &[u8]) -> bool {
    url::form_urlencoded::parse(body).any(|(key, value)| {
        !key.chars().all(allowed_in_body) || !value.chars().all(allowed_in_body)
    })
}

/// The body kinds this guard reads and checks; others (uploads) are left to their handlers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TextBody {
    Json,
    Form,
}

fn text_body_kind(req: &ServiceRequest) -> Option<TextBody> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        Some(TextBody::Form)
    } else if content_type.contains("json") {
        Some(TextBody::Json)
    } else {
        None
    }
}

/// Answers a request with an error without calling the handler.
fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let (http, _) = req.into_parts();
    ServiceResponse::new(http, error.error_response())
}

/// Reads a body up to [`BODY_LIMIT`]; `None` when it is larger.
async fn read_limited(payload: &mut Payload) -> Result<Option<Bytes>, actix_web::Error> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// Refuses, with a 400, a path, query or JSON/form body that carries NUL or another control
/// character, so such text never reaches PostgreSQL (which refuses NUL with an error that
/// would otherwise be a 500). JSON and form bodies over [`BODY_LIMIT`] get the one JSON 413.
pub async fn reject_control_characters(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if url_has_control_characters(req.path(), req.query_string()) {
        return Ok(refuse(
            req,
            ApiError::bad_request(CONTROL_CHARACTER_MESSAGE),
        ));
    }
    let has_body = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if has_body {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        // Bodies with a picture may be larger (their handlers check the content and limits).
        let limit = body_limit(req.path());
        if declared.is_some_and(|length| length > limit) {
            return Ok(refuse(req, ApiError::PayloadTooLarge { limit }));
        }
        if let Some(kind) = text_body_kind(&req) {
            let mut payload = req.take_payload();
            let Some(body) = read_limited(&mut payload).await? else {
                return Ok(refuse(req, ApiError::PayloadTooLarge { limit: BODY_LIMIT }));
            };
            let bad = match kind {
                TextBody::Json => json_has_control_characters(&body),
                TextBody::Form => form_has_control_characters(&body),
            };
            if bad {
                return Ok(refuse(
                    req,
                    ApiError::bad_request(CONTROL_CHARACTER_MESSAGE),
                ));
            }
            req.set_payload(Payload::from(body));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Operator routes (`/admin/...`) check the caller's rights before anything else of the
/// request is read: a visitor gets 401 and a buyer 403 whatever the body says, never a
/// validation message of a route they may not use (the handler's own extractors would race
/// the body against the account lookup).
pub async fn staff_first(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path().starts_with("/admin/") || req.path() == "/admin" {
        match crate::auth::StaffUser::extract(req.request()).await {
            // The handler's own `StaffUser` takes this one instead of reading the account again.
            Ok(staff) => {
                req.extensions_mut().insert(staff);
            }
            Err(error) => return Ok(refuse(req, error)),
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A request that ran past its deadline: a 503 with the usual body, and the CORS header a
/// browser needs to read it (this answer bypasses the CORS middleware, see
/// [`request_deadline`]).
#[derive(Debug)]
struct DeadlineExceeded {
    allow_origin: Option<header::HeaderValue>,
    error: ApiError,
}

impl std::fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for DeadlineExceeded {
    fn status_code(&self) -> StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut response = self.error.error_response();
        if let Some(origin) = &self.allow_origin {
            response
                .headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
        response
    }
}

/// Gives every request `LUFFY_REQUEST_TIMEOUT_SECS`: past it the handler is dropped (its open
/// transaction rolls back with the connection, which the pool then discards) and the client
/// gets a 503. Bounds requests even when PostgreSQL or Redis stops answering altogether, where
/// a server-side statement timeout cannot fire.
///
/// It is the outermost middleware: the request cannot be kept (routing needs it unshared), so
/// a timeout is answered as an error, which goes straight to the client.
pub async fn request_deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let seconds = state
        .as_ref()
        .map_or(15, |state| state.settings.request_timeout_secs);
    // Kept for the rare timeout (the request itself cannot be: routing needs it unshared);
    // the answer's CORS header and the log line are only worked out then.
    let origin = req.headers().get(header::ORIGIN).cloned();
    let method = req.method().clone();
    let uri = req.uri().clone();
    match tokio::time::timeout(Duration::from_secs(seconds), next.call(req)).await {
        Ok(response) => response,
        Err(_) => {
            let origins = state
                .map(|state| state.settings.cors_origin_list())
                .unwrap_or_default();
            let allow_origin = origin.filter(|origin| {
                origins
                    .iter()
                    .any(|allowed| allowed == "*" || origin.as_bytes() == allowed.as_bytes())
            });
            let what = format!("{method} {}", uri.path());
            tracing::warn!(request = %what, seconds, "request deadline exceeded");
            Err(DeadlineExceeded {
                allow_origin,
                error: ApiError::Unavailable(anyhow::anyhow!(
                    "{what} did not finish within {seconds} s"
                )),
            }
            .into())
        }
    }
}

/// Puts `{"errmsg"}` on the router's own bodiless 404 (no such path) and 405 (path exists,
/// method does not) answers, so a client can always read the reason.
pub async fn errmsg_for_bare_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    let bare = matches!(
        response.response().body().size(),
        actix_web::body::BodySize::None | actix_web::body::BodySize::Sized(0)
    );
    if !bare {
        return Ok(response);
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound("not found".into()),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        _ => return Ok(response),
    };
    let (http, old) = response.into_parts();
    let mut answer = error.error_response();
    if let Some(allow) = old.headers().get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    Ok(ServiceResponse::new(http, answer))
}

/// While the instance drains for shutdown (see [`crate::drain`]), asks the client to close its
/// connection after this answer.
pub async fn close_connections_while_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let draining = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.drain.is_draining());
    let mut response = next.call(req).await?;
    if draining {
        // actix-http writes the Connection header from the connection type (a header set by
        // hand is dropped), and closes the connection after this response.
        response
            .response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_urls_are_found() {
        assert!(url_has_control_characters("/payments/alipay/%00", ""));
        assert!(url_has_control_characters("/courses", "page=%01"));
        assert!(url_has_control_characters("/courses", "a%0Ab=1"));
        assert!(!url_has_control_characters(
            "/payments/alipay/2026112600000001",
            "page=2&size=10"
        ));
        assert!(!url_has_control_characters(
            "/courses/%E5%89%8D",
            "q=%E5%89%8D%E7%AB%AF"
        ));
    }

    #[test]
    fn control_characters_in_json_are_found_in_values_and_keys() {
        assert!(json_has_control_characters(br#"{"username":"\u0000"}"#));
        assert!(json_has_control_characters(
            br#"{"a":["ok",{"b":"x\u001by"}]}"#
        ));
        assert!(json_has_control_characters(br#"{"\u0000":1}"#));
        assert!(json_has_control_characters(br#"{"a":"\u007f"}"#));
        assert!(!json_has_control_characters(
            br#"{"reason":"line one\nline two\t"}"#
        ));
        assert!(!json_has_control_characters(
            r#"{"name":"Vue3全家桶实战"}"#.as_bytes()
        ));
        // A backslash followed by u0000 as text is not a control character.
        assert!(!json_has_control_characters(br#"{"name":"\\u0000"}"#));
        assert!(!json_has_control_characters(b"not json"));
    }

    #[test]
    fn control_characters_in_forms_are_found() {
        assert!(form_has_control_characters(b"out_trade_no=%00&a=1"));
        assert!(!form_has_control_characters(
            b"subject=%E8%B7%AF%E9%A3%9E&total_amount=1.00"
        ));
    }
}
