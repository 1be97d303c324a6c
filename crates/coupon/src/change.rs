//! What an operator may change on a coupon, validated on its own before the stored coupon is
//! read; what depends on the stored coupon is decided by [`crate::rules::decide_change`].

use chrono::{DateTime, Utc};

use crate::errors::UpdateCouponError;

/// What an operator changes on a coupon; unset fields are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouponChange {
    /// New name (1 to 64 characters).
    pub name: Option<String>,
    /// New start of the window.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end of the window.
    pub ends_at: Option<DateTime<Utc>>,
    /// New stock (issued in all); what is left moves by the same difference and may not go
    /// below zero.
    pub total: Option<i32>,
    /// New per-user limit (at least 1).
    pub per_limit: Option<i32>,
    /// Switch on or off.
    pub enabled: Option<bool>,
}

impl CouponChange {
    /// Refuses an empty change and values no coupon may have; what depends on the stored
    /// coupon (the merged window, the stock left) is decided with it by the rules.
    pub fn validate(&self) -> Result<(), UpdateCouponError> {
        let invalid = |field: &'static str, text: &str| {
            Err(UpdateCouponError::Invalid {
                field,
                message: text.to_owned(),
            })
        };
        if *self == Self::default() {
            return invalid("", "请至少修改一项!");
        }
        if let Some(name) = &self.name {
            let length = name.trim().chars().count();
            if length == 0 || length > 64 {
                return invalid("name", "优惠券名称长度应为1到64个字符!");
            }
        }
        if matches!(self.total, Some(total) if total < 0) {
            return invalid("total", "参数 total 不能为负数!");
        }
        if matches!(self.per_limit, Some(limit) if limit < 1) {
            return invalid("per_limit", "参数 per_limit 至少为1!");
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at) {
            if start >= end {
                return invalid("end_time", "优惠券的结束时间必须晚于开始时间!");
            }
        }
        Ok(())
    }
}
