//! HS256 user tokens (7-day expiry by default), dated and checked by the `Clock` port.

use std::sync::Arc;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use luffy_common::{Clock, SystemClock, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What a token carries; enough to authorise without a database round trip.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user's id.
    pub user_id: i64,
    /// The username at issue time, for the client's display.
    pub username: String,
    /// Staff flag at issue time.
    pub is_staff: bool,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Why a token was refused; every variant is a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token's `exp` has passed.
    #[error("登录已过期,请重新登录!")]
    Expired,
    /// Bad signature, bad encoding, wrong algorithm...
    #[error("无效的登录凭证,请重新登录!")]
    Invalid,
}

/// Signing and verification keys built once from the configured secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: i64,
    clock: Arc<dyn Clock>,
}

impl TokenKeys {
    /// Derives both keys from the HS256 secret; tokens are dated by the system clock.
    pub fn new(secret: &SecretString, ttl_secs: i64) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            ttl_secs,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same keys dating tokens and checking their expiry by `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// Issues a token for a user.
    pub fn issue(&self, user: UserId, username: &str, is_staff: bool) -> anyhow::Result<String> {
        let now = self.clock.now().timestamp();
        let claims = Claims {
            user_id: user.get(),
            username: username.to_owned(),
            is_staff,
            iat: now,
            exp: now + self.ttl_secs,
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims (tests use it to mint expired tokens).
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("signing a token: {e}"))
    }

    /// Verifies signature and algorithm, then expiry against the clock (no leeway).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| TokenError::Invalid)?;
        if claims.exp < self.clock.now().timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// What a cashier link proves: this user opened the WeChat cashier of this order, which
/// shows this code, until the order's deadline. It cannot log in (it has no user claims).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CashierClaims {
    /// Always `wechat_cashier`.
    pub purpose: String,
    /// The order number.
    pub order: String,
    /// Its owner.
    pub owner: i64,
    /// The code to scan.
    pub code_url: String,
    /// Unix seconds: the order's deadline.
    pub exp: i64,
}

/// The `purpose` of cashier tokens.
const CASHIER: &str = "wechat_cashier";

impl TokenKeys {
    /// A token for the WeChat cashier page of an order (opened without the buyer's login
    /// token, like the Alipay link), valid until the order's deadline.
    pub fn cashier_token(
        &self,
        owner: UserId,
        order: &str,
        code_url: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<String> {
        let claims = CashierClaims {
            purpose: CASHIER.into(),
            order: order.to_owned(),
            owner: owner.get(),
            code_url: code_url.to_owned(),
            exp: expires_at.timestamp(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("signing a cashier token: {e}"))
    }

    /// The claims of a valid, unexpired cashier token for this order.
    pub fn verify_cashier(&self, token: &str, order: &str) -> Option<CashierClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        let claims = decode::<CashierClaims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        (claims.purpose == CASHIER
            && claims.order == order
            && claims.exp >= self.clock.now().timestamp())
        .then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&SecretString::from(secret), 3600)
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys("secret-one");
        let token = keys.issue(UserId(7), "luffy", false).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.user_id, 7);
        assert_eq!(claims.username, "luffy");
    }

    #[test]
    fn other_secret_expired_and_garbage_are_refused() {
        let token = keys("secret-one").issue(UserId(7), "luffy", false).unwrap();
        assert_eq!(keys("secret-two").verify(&token), Err(TokenError::Invalid));
        assert_eq!(
            keys("secret-one").verify("not.a.token"),
            Err(TokenError::Invalid)
        );
        let now = Utc::now().timestamp();
        let expired = keys("secret-one")
            .sign(&Claims {
                user_id: 7,
                username: "luffy".into(),
                is_staff: false,
                iat: now - 100,
                exp: now - 10,
            })
            .unwrap();
        assert_eq!(
            keys("secret-one").verify(&expired),
            Err(TokenError::Expired)
        );
    }
}
