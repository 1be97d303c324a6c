//! Registration as the tutorial's client does it: `GET /users/mobile/{mobile}/` (taken or
//! free), `GET /users/sms/{mobile}` (a code by text message; every refusal carries `errmsg` and
//! `time`, the seconds the client counts down), and the development outbox the codes land in
//! (`GET /sandbox/sms/`, newest first, and `GET /sandbox/sms/{mobile}` with the latest `code`).

use actix_web::{web, HttpRequest, HttpResponse};
use luffy_account::{Mobile, SmsError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// What the SMS and mobile routes answer: `errmsg`, and `time` on the SMS route.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsAnswer {
    /// `OK`, or why not.
    pub errmsg: String,
    /// Seconds before asking again (0 when there is no wait).
    pub time: i64,
}

/// `GET /users/mobile/{mobile}/`: 200 `{errmsg: "OK"}` when free; 400 when taken or not a
/// mobile number.
pub async fn mobile_free(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mobile =
        Mobile::parse(&path).ok_or_else(|| ApiError::BadRequest("手机号码格式不正确!".into()))?;
    if state.users.find_by_login(mobile.as_str()).await?.is_some() {
        return Err(ApiError::BadRequest("当前手机号已注册!".into()));
    }
    Ok(HttpResponse::Ok().json(SmsAnswer {
        errmsg: "OK".into(),
        time: 0,
    }))
}

/// `GET /users/sms/{mobile}`: sends a 6-digit code valid five minutes. 400 while the mobile's
/// minute runs (`time` = seconds left) or for a bad number, 429 past today's cap for the
/// mobile or the address, 503 when the codes or the messages cannot be handled.
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    match state.sms.send_code(&path, &address).await {
        Ok(()) => Ok(HttpResponse::Ok().json(SmsAnswer {
            errmsg: "OK".into(),
            time: 0,
        })),
        Err(SmsError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            let body = SmsAnswer {
                errmsg: refusal.to_string(),
                time: refusal.wait_secs(),
            };
            Ok(match refusal {
                SmsError::MobileCap(_) | SmsError::AddressCap(_) => HttpResponse::TooManyRequests()
                    .insert_header(("Retry-After", body.time.to_string()))
                    .json(body),
                _ => HttpResponse::BadRequest().json(body),
            })
        }
    }
}

/// A message of the development outbox.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OutboxMessage)]
pub struct OutboxMessageView {
    /// To whom.
    mobile: String,
    /// The code it carried.
    code: String,
    /// The text.
    text: String,
    /// When (RFC 3339).
    sent_at: String,
}

impl From<luffy_store::OutboxMessage> for OutboxMessageView {
    fn from(message: luffy_store::OutboxMessage) -> Self {
        Self {
            mobile: message.mobile,
            code: message.code,
            text: message.text,
            sent_at: message.sent_at,
        }
    }
}

/// The development outbox, when codes go there; with a real provider (or in production) its
/// routes answer 404, so no code is ever shown to anyone but its mobile's owner.
fn outbox_of(state: &AppState) -> Result<&luffy_store::RedisSmsOutbox, ApiError> {
    state
        .sms_channel
        .outbox()
        .ok_or_else(|| ApiError::NotFound("短信沙箱未启用!".into()))
}

/// `GET /sandbox/sms/`: the development outbox, newest first.
pub async fn outbox(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let messages: Vec<OutboxMessageView> = outbox_of(&state)?
        .messages()
        .await?
        .into_iter()
        .map(OutboxMessageView::from)
        .collect();
    Ok(HttpResponse::Ok().json(messages))
}

/// `GET /sandbox/sms/{mobile}`: the latest message to a mobile, with its `code`.
pub async fn outbox_for(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mobile = path.into_inner();
    outbox_of(&state)?
        .messages()
        .await?
        .into_iter()
        .find(|m| m.mobile == mobile)
        .map(|m| HttpResponse::Ok().json(OutboxMessageView::from(m)))
        .ok_or_else(|| ApiError::NotFound("没有发给该手机号的短信!".into()))
}
