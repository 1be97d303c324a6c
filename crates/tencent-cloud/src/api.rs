//! One signed call to a Tencent Cloud API 3.0 action: a JSON POST to the service's endpoint
//! with the `X-TC-*` headers and a TC3 `Authorization`, answered with `{"Response": {...}}`,
//! where an `Error` object means the call was refused.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::tc3::{SignedRequest, CONTENT_TYPE};

/// An API key pair (CAM): the id travels in the header, the key only signs.
#[derive(Clone)]
pub struct Credentials {
    /// `SecretId`.
    pub secret_id: String,
    /// `SecretKey`.
    pub secret_key: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The endpoint could not be reached in time, or answered something that is not the API's.
    #[error("Tencent Cloud {action} unreachable: {detail}")]
    Transport {
        /// The action called.
        action: String,
        /// What went wrong.
        detail: String,
    },
    /// The API answered with an `Error`.
    #[error("Tencent Cloud {action} refused: {code} {message} (request {request_id})")]
    Refused {
        /// The action called.
        action: String,
        /// The error code, e.g. `AuthFailure.SignatureFailure`.
        code: String,
        /// The API's message.
        message: String,
        /// The request id, for Tencent's support.
        request_id: String,
    },
}

impl From<ApiError> for luffy_common::StorageError {
    fn from(error: ApiError) -> Self {
        // Either way the provider did not do what was asked; the caller answers with a 503.
        luffy_common::StorageError::Unavailable(anyhow::Error::new(error))
    }
}

/// Calls actions of Tencent Cloud services with one key pair.
#[derive(Debug, Clone)]
pub struct TencentCloudApi {
    http: reqwest::Client,
    credentials: Arc<Credentials>,
    endpoint: Option<String>,
}

impl TencentCloudApi {
    /// A caller whose requests give up after `timeout`. `endpoint` replaces
    /// `https://{service}.tencentcloudapi.com` for every service (a proxy, or a test's server).
    pub fn new(
        credentials: Credentials,
        endpoint: Option<String>,
        timeout: Duration,
    ) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|error| ApiError::Transport {
                action: "client".into(),
                detail: error.to_string(),
            })?;
        Ok(Self {
            http,
            credentials: Arc::new(credentials),
            endpoint: endpoint.filter(|e| !e.trim().is_empty()),
        })
    }

    fn url(&self, service: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned() + "/",
            None => format!("https://{service}.tencentcloudapi.com/"),
        }
    }

    /// Calls `action` (API `version`) of `service` with a JSON body; returns the `Response`
    /// object of a call that was not refused.
    pub async fn call(
        &self,
        service: &str,
        action: &str,
        version: &str,
        region: Option<&str>,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let transport = |detail: String| ApiError::Transport {
            action: action.to_owned(),
            detail,
        };
        let url = reqwest::Url::parse(&self.url(service)).map_err(|e| transport(e.to_string()))?;
        // The Host header reqwest sends: the port only when it is not the scheme's default.
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(transport("endpoint has no host".into())),
        };
        let payload = body.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let authorization = SignedRequest {
            service,
            host: &host,
            timestamp,
            payload: &payload,
        }
        .authorization(
            &self.credentials.secret_id,
            self.credentials.secret_key.expose_secret(),
        );
        let mut request = self
            .http
            .post(url)
            .header("Authorization", authorization)
            .header("Content-Type", CONTENT_TYPE)
            .header("X-TC-Action", action)
            .header("X-TC-Version", version)
            .header("X-TC-Timestamp", timestamp.to_string());
        if let Some(region) = region {
            request = request.header("X-TC-Region", region);
        }
        let response = request
            .body(payload)
            .send()
            .await
            .map_err(|e| transport(e.to_string()))?;
        let status = response.status();
        let mut answer: Value = response
            .json()
            .await
            .map_err(|e| transport(format!("HTTP {status}: {e}")))?;
        let Some(inner) = answer.get_mut("Response").map(Value::take) else {
            return Err(transport(format!("HTTP {status}: no Response object")));
        };
        if let Some(error) = inner.get("Error") {
            let text = |value: Option<&Value>| {
                value.and_then(Value::as_str).unwrap_or_default().to_owned()
            };
            return Err(ApiError::Refused {
                action: action.to_owned(),
                code: text(error.get("Code")),
                message: text(error.get("Message")),
                request_id: text(inner.get("RequestId")),
            });
        }
        Ok(inner)
    }
}
