//! The checkout form shared by quote and create: `{pay_type, user_coupon_id, credit}`.

use actix_web::HttpRequest;
use luffy_order::CheckoutRequest;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::dto::flexible;
use crate::error::ApiError;

/// Numbers may arrive as JSON numbers or numeric strings; anything else is a 400.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutForm {
    /// 0 支付宝, 2 余额 (1 微信 is refused).
    #[serde(default, deserialize_with = "flexible::integer")]
    pay_type: i64,
    /// The grant to use; -1 or 0 for none.
    #[serde(default = "no_coupon", deserialize_with = "flexible::integer")]
    user_coupon_id: i64,
    /// Points to spend (not with a coupon).
    #[serde(default, deserialize_with = "flexible::integer")]
    credit: i64,
}

fn no_coupon() -> i64 {
    -1
}

impl CheckoutForm {
    /// Validates into a domain request, reading the optional `Idempotency-Key` header.
    pub fn into_request(
        self,
        caller: &AuthUser,
        req: &HttpRequest,
    ) -> Result<CheckoutRequest, ApiError> {
        let key = match req.headers().get("Idempotency-Key") {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .map_err(|_| {
                        ApiError::bad_request("Idempotency-Key 只能包含可见的 ASCII 字符!")
                    })?
                    .to_owned(),
            ),
        };
        Ok(CheckoutRequest::new(
            caller.id,
            self.pay_type,
            self.user_coupon_id,
            self.credit,
            key,
        )?)
    }
}
