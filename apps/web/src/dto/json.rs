//! The JSON body extractor every handler uses: like `web::Json`, but a body that does not fit
//! the form is refused with a Chinese `errmsg` that names the field (`参数 course_id 的值无效!`),
//! in the tutorial's style, instead of serde's English.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The text between the first pair of backticks in a serde message (a field name).
fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

/// Turns a deserialisation failure at `path` into the client's message.
pub fn chinese_message(path: &str, error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = error.to_string();
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => "请求体不是合法的JSON!".to_owned(),
        Category::Data => {
            let at = |name: &str| {
                if path.is_empty() || path == "." {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                }
            };
            if message.starts_with("missing field") {
                format!("缺少参数 {}!", at(quoted_name(&message).unwrap_or("?")))
            } else if message.starts_with("unknown field") {
                // The path already ends at the unknown field.
                let name = quoted_name(&message).unwrap_or("?");
                let field = if path.ends_with(name) {
                    path.to_owned()
                } else {
                    at(name)
                };
                format!("不支持的参数 {field}!")
            } else if path.is_empty() || path == "." {
                "请求参数格式错误!".to_owned()
            } else {
                format!("参数 {path} 的值无效!")
            }
        }
    }
}

/// Parses a body, naming the field that does not fit.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        ApiError::bad_request(chinese_message(&path, error.inner()))
    })?;
    deserializer
        .end()
        .map_err(|_| ApiError::bad_request("请求体不是合法的JSON!"))?;
    Ok(value)
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.to_ascii_lowercase().contains("json"));
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::bad_request(
                    "请使用 Content-Type: application/json 提交!",
                ));
            }
            let body = body.await.map_err(|error| {
                if error.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    ApiError::PayloadTooLarge {
                        limit: crate::limits::BODY_LIMIT,
                    }
                } else {
                    ApiError::bad_request("请求体读取失败!")
                }
            })?;
            parse_body(&body).map(Json)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Form {
        #[serde(deserialize_with = "crate::dto::flexible::integer")]
        course_id: i64,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Inner {
        price: u32,
    }

    fn message(body: &str) -> String {
        match parse_body::<Form>(body.as_bytes()) {
            Err(ApiError::BadRequest(message)) => message,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn messages_are_chinese_and_name_the_field() {
        assert_eq!(message("{}"), "缺少参数 course_id!");
        assert_eq!(message(r#"{"course_id": 1, "x": 2}"#), "不支持的参数 x!");
        assert_eq!(
            message(r#"{"course_id": "abc"}"#),
            "参数 course_id 的值无效!"
        );
        assert_eq!(
            message(r#"{"course_id": 1, "inner": {"price": -1}}"#),
            "参数 inner.price 的值无效!"
        );
        assert_eq!(
            message(r#"{"course_id": 1, "inner": {}}"#),
            "缺少参数 inner.price!"
        );
        assert_eq!(message("{"), "请求体不是合法的JSON!");
        assert_eq!(message(r#""text""#), "请求参数格式错误!");
        assert_eq!(
            message(r#"{"course_id": 1} trailing"#),
            "请求体不是合法的JSON!"
        );
        assert!(parse_body::<Form>(br#"{"course_id": "7"}"#).is_ok());
    }
}
