//! Why a coupon operation was refused. Business refusals first, each with the message the
//! tutorial's client shows; `Storage` last, for the infrastructure.

use luffy_common::StorageError;

/// Why a grant was refused.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// One of the users does not exist.
    #[error("用户不存在!")]
    UserNotFound,
    /// Fewer left than users to grant to; nothing was granted.
    #[error("优惠券已发放完毕!")]
    SoldOut,
    /// A user would exceed `per_limit`; nothing was granted.
    #[error("超过每人限领数量!")]
    LimitReached,
    /// The coupon is switched off.
    #[error("优惠券已停用!")]
    Disabled,
    /// No users, or more than one batch may hold ([`crate::rules::MAX_GRANT_BATCH`]).
    #[error("每次发放的用户数应为1到{}个!", crate::rules::MAX_GRANT_BATCH)]
    BatchSize,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a coupon change was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum UpdateCouponError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    NotFound,
    /// A value or combination no coupon may have (400); `field` names the body field (empty
    /// when the refusal is about the whole change).
    #[error("{message}")]
    Invalid {
        /// The body field at fault.
        field: &'static str,
        /// The message shown.
        message: String,
    },
    /// The window would end before it starts.
    #[error("优惠券的结束时间必须晚于开始时间!")]
    EmptyWindow,
    /// Fewer would be issued than are granted already.
    #[error("发行总量不能少于已发放的数量!")]
    StockBelowGranted,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl UpdateCouponError {
    /// The body field a refusal is about, so a form can show the message beside it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } if !field.is_empty() => Some(field),
            Self::EmptyWindow => Some("end_time"),
            Self::StockBelowGranted => Some("total"),
            _ => None,
        }
    }
}

/// Why a coupon could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateCouponError {
    /// A scope id names no direction, category or course.
    #[error("优惠券适用范围中有不存在的方向、分类或课程!")]
    UnknownScope,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a revoke was refused.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// No such grant.
    #[error("优惠券记录不存在!")]
    NotFound,
    /// The grant is used or reserved by an order.
    #[error("优惠券已使用或已被订单占用,无法撤回!")]
    InUse,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a self-claim was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// No such coupon.
    #[error("优惠券不存在!")]
    CouponNotFound,
    /// The coupon is operator-granted only.
    #[error("该优惠券不能自行领取!")]
    NotClaimable,
    /// Outside the validity window.
    #[error("优惠券不在有效期内!")]
    NotValid,
    /// None left.
    #[error("优惠券已发放完毕!")]
    SoldOut,
    /// The user holds `per_limit` already.
    #[error("超过每人限领数量!")]
    LimitReached,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
