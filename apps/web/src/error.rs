//! The one error type every handler returns: `{"errmsg": "..."}` with the SPEC 3 status codes.
//! 5xx bodies never carry internal detail; the cause chain goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use luffy_account::UserError;
use luffy_cart::CartError;
use luffy_catalog::CatalogError;
use luffy_common::paging::PageRequestError;
use luffy_common::StorageError;
use serde::Serialize;
use utoipa::ToSchema;

/// A failed request, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a business rule or validation refused the request.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no, invalid or expired credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed (staff routes).
    #[error("{0}")]
    Forbidden(String),
    /// 404: missing, or not the caller's.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("不支持该请求方法!")]
    MethodNotAllowed,
    /// 409: conflicts with existing state.
    #[error("{0}")]
    Conflict(String),
    /// 413: body over the limit.
    #[error("请求内容过大,不能超过{limit}字节!")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 503: PostgreSQL or Redis is unreachable; retry later.
    #[error("service temporarily unavailable, please retry")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a bug or an unexpected answer from a dependency.
    #[error("internal server error")]
    Unexpected(#[from] anyhow::Error),
}

/// Every error: a Chinese message in the tutorial's style.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    /// What went wrong, for the user.
    errmsg: &'a str,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unavailable(cause) => tracing::warn!(error = ?cause, "dependency unavailable"),
            Self::Unexpected(cause) => tracing::error!(error = ?cause, "unexpected error"),
            // A client's mistake (a browser's /favicon.ico included) is not a warning.
            other => {
                tracing::debug!(status = %other.status_code(), error = %other, "request refused")
            }
        }
        let message = self.to_string();
        HttpResponse::build(self.status_code()).json(ErrorBody { errmsg: &message })
    }
}

impl ApiError {
    /// Shorthand for a 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unavailable(cause) => Self::Unavailable(cause),
            StorageError::Unexpected(cause) => Self::Unexpected(cause),
            StorageError::InvalidInput(_) => {
                Self::BadRequest(crate::limits::CONTROL_CHARACTER_MESSAGE.into())
            }
        }
    }
}

impl From<CartError> for ApiError {
    fn from(error: CartError) -> Self {
        match error {
            CartError::CourseNotFound | CartError::AlreadyOwned | CartError::NotInCart => {
                Self::BadRequest(error.to_string())
            }
            CartError::Storage(storage) => storage.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::CourseNotFound => Self::NotFound("当前课程不存在!".into()),
            CatalogError::Storage(storage) => storage.into(),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::Duplicate => Self::BadRequest("手机号已经被注册!".into()),
            UserError::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_order::CheckoutError> for ApiError {
    fn from(error: luffy_order::CheckoutError) -> Self {
        use luffy_order::CheckoutError as E;
        match error {
            E::Pricing(_)
            | E::InvalidPayType
            | E::PayTypeUnavailable(_)
            | E::InvalidIdempotencyKey => Self::BadRequest(error.to_string()),
            E::AlreadyOwned(_) | E::AlreadyInUnpaidOrder(_) | E::IdempotencyMismatch => {
                Self::Conflict(error.to_string())
            }
            E::UserNotFound => Self::Unauthorized(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_order::CancelError> for ApiError {
    fn from(error: luffy_order::CancelError) -> Self {
        use luffy_order::CancelError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::NotUnpaid(_) => Self::BadRequest(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_order::PayLinkError> for ApiError {
    fn from(error: luffy_order::PayLinkError) -> Self {
        use luffy_order::PayLinkError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::NotUnpaid(_) | E::Expired | E::OtherChannel(_) => {
                Self::BadRequest(error.to_string())
            }
            E::Channel(why) => Self::Unavailable(anyhow::anyhow!("starting a payment: {why}")),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_order::HideError> for ApiError {
    fn from(error: luffy_order::HideError) -> Self {
        use luffy_order::HideError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::NotHideable(_) => Self::BadRequest(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_catalog::CatalogAdminError> for ApiError {
    fn from(error: luffy_catalog::CatalogAdminError) -> Self {
        use luffy_catalog::CatalogAdminError as E;
        match error {
            E::Invalid { .. } | E::BadReference { .. } => Self::BadRequest(error.to_string()),
            E::NotFound(_) => Self::NotFound(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_catalog::HomeError> for ApiError {
    fn from(error: luffy_catalog::HomeError) -> Self {
        use luffy_catalog::HomeError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::Storage(storage) => storage.into(),
            _ => Self::BadRequest(error.to_string()),
        }
    }
}

impl From<luffy_catalog::UploadError> for ApiError {
    fn from(error: luffy_catalog::UploadError) -> Self {
        use luffy_catalog::UploadError as E;
        match error {
            E::Empty | E::NotAnImage | E::BadDimensions => Self::BadRequest(error.to_string()),
            E::TooLarge => Self::PayloadTooLarge {
                limit: luffy_catalog::upload::MAX_UPLOAD_BYTES,
            },
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_order::RefundError> for ApiError {
    fn from(error: luffy_order::RefundError) -> Self {
        use luffy_order::RefundError as E;
        match error {
            E::OrderNotFound | E::RefundNotFound => Self::NotFound(error.to_string()),
            E::OpenRequest(_) | E::WrongStatus(..) => Self::Conflict(error.to_string()),
            E::Storage(storage) => storage.into(),
            E::NotRefundable(_)
            | E::BuyerWindowClosed(_)
            | E::GatewayWindowClosed(_)
            | E::ForeignCourse(_)
            | E::DuplicateCourse(_)
            | E::NoCourses
            | E::AlreadyRefunded(_)
            | E::NothingLeft
            | E::ReasonTooLong => Self::BadRequest(error.to_string()),
        }
    }
}

impl From<luffy_order::RebuyError> for ApiError {
    fn from(error: luffy_order::RebuyError) -> Self {
        match error {
            luffy_order::RebuyError::NotFound => Self::NotFound(error.to_string()),
            luffy_order::RebuyError::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_scheduler::RetryError> for ApiError {
    fn from(error: luffy_scheduler::RetryError) -> Self {
        use luffy_scheduler::RetryError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::NotDead | E::AlreadyLive => Self::Conflict(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_catalog::TaxonomyError> for ApiError {
    fn from(error: luffy_catalog::TaxonomyError) -> Self {
        use luffy_catalog::TaxonomyError as E;
        match error {
            E::InvalidName | E::NothingToChange => Self::BadRequest(error.to_string()),
            E::DuplicateName(_) => Self::Conflict(error.to_string()),
            E::DirectionNotFound => Self::BadRequest(error.to_string()),
            E::CategoryNotFound => Self::NotFound(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_coupon::GrantError> for ApiError {
    fn from(error: luffy_coupon::GrantError) -> Self {
        use luffy_coupon::GrantError as E;
        match error {
            E::CouponNotFound | E::UserNotFound => Self::NotFound(error.to_string()),
            E::SoldOut | E::LimitReached => Self::Conflict(error.to_string()),
            E::Disabled | E::BatchSize => Self::BadRequest(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_coupon::UpdateCouponError> for ApiError {
    fn from(error: luffy_coupon::UpdateCouponError) -> Self {
        use luffy_coupon::UpdateCouponError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::Invalid { .. } | E::EmptyWindow | E::StockBelowGranted => {
                Self::BadRequest(error.to_string())
            }
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_coupon::RevokeError> for ApiError {
    fn from(error: luffy_coupon::RevokeError) -> Self {
        use luffy_coupon::RevokeError as E;
        match error {
            E::NotFound => Self::NotFound(error.to_string()),
            E::InUse => Self::Conflict(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_coupon::ClaimError> for ApiError {
    fn from(error: luffy_coupon::ClaimError) -> Self {
        use luffy_coupon::ClaimError as E;
        match error {
            E::CouponNotFound => Self::NotFound(error.to_string()),
            E::NotClaimable | E::NotValid => Self::BadRequest(error.to_string()),
            E::SoldOut | E::LimitReached => Self::Conflict(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_coupon::CreateCouponError> for ApiError {
    fn from(error: luffy_coupon::CreateCouponError) -> Self {
        use luffy_coupon::CreateCouponError as E;
        match error {
            E::UnknownScope => Self::BadRequest(error.to_string()),
            E::Storage(storage) => storage.into(),
        }
    }
}

/// A study refusal: not owned, no lesson yet or a bad report is 400, a lesson closed to the
/// asker 403, a missing course or lesson 404.
impl From<luffy_study::StudyError> for ApiError {
    fn from(error: luffy_study::StudyError) -> Self {
        match error {
            luffy_study::StudyError::NotOwned
            | luffy_study::StudyError::NoLessons
            | luffy_study::StudyError::Progress(_) => ApiError::BadRequest(error.to_string()),
            luffy_study::StudyError::Unknown => ApiError::NotFound(error.to_string()),
            luffy_study::StudyError::Closed => ApiError::Forbidden(error.to_string()),
            luffy_study::StudyError::Storage(e) => e.into(),
        }
    }
}

impl From<luffy_order::PaymentError> for ApiError {
    fn from(error: luffy_order::PaymentError) -> Self {
        use luffy_order::PaymentError as E;
        match error {
            E::UnknownOrder => Self::NotFound(error.to_string()),
            E::AmountMismatch | E::NotUnpaid | E::Expired | E::InsufficientBalance => {
                Self::BadRequest(error.to_string())
            }
            E::Storage(storage) => storage.into(),
        }
    }
}

impl From<luffy_payment_alipay::AlipayError> for ApiError {
    /// Gateway trouble of any kind is a 503: the client may retry, and nothing was changed.
    fn from(error: luffy_payment_alipay::AlipayError) -> Self {
        Self::Unavailable(anyhow::anyhow!("Alipay gateway: {error}"))
    }
}

impl From<PageRequestError> for ApiError {
    fn from(error: PageRequestError) -> Self {
        Self::BadRequest(error.to_string())
    }
}
