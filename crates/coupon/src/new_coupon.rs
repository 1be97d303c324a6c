//! What an operator submits to create a coupon, validated before anything is saved.

use chrono::{DateTime, Utc};
use luffy_catalog::SaleFormula;

use crate::coupon::{CouponKind, GetType, ScopeKind};

/// The scope of a new coupon, by ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewScope {
    /// Every course.
    All,
    /// These directions.
    Directions(Vec<i64>),
    /// These categories.
    Categories(Vec<i64>),
    /// These courses.
    Courses(Vec<i64>),
}

impl NewScope {
    /// Its kind, as stored.
    pub fn kind(&self) -> ScopeKind {
        match self {
            Self::All => ScopeKind::All,
            Self::Directions(_) => ScopeKind::Directions,
            Self::Categories(_) => ScopeKind::Categories,
            Self::Courses(_) => ScopeKind::Courses,
        }
    }
}

/// A validated coupon definition, ready to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCoupon {
    /// Display name, 1..=50 characters.
    pub name: String,
    /// Reduction or percent, consistent with `sale`.
    pub kind: CouponKind,
    /// Scope ids.
    pub scope: NewScope,
    /// Number issued; `has_total` starts equal to it.
    pub total: i32,
    /// Valid from.
    pub starts_at: DateTime<Utc>,
    /// Valid until; after `starts_at`.
    pub ends_at: DateTime<Utc>,
    /// Granted or self-claimed.
    pub get_type: GetType,
    /// Minimum line price in whole yuan.
    pub condition: i32,
    /// Grants per user, at least 1.
    pub per_limit: i32,
    /// `-N` or `*0.xx`.
    pub sale: SaleFormula,
}

/// Why a coupon definition was refused (a 400 for the operator).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidCoupon(pub String);

/// The raw fields of a coupon form, before validation.
#[derive(Debug, Clone)]
pub struct CouponDraft {
    /// Name.
    pub name: String,
    /// 1 or 2.
    pub discount: i16,
    /// 0..=3.
    pub coupon_type: i16,
    /// Scope ids for types 1..=3.
    pub scope_ids: Vec<i64>,
    /// Number issued.
    pub total: i64,
    /// Valid from.
    pub starts_at: DateTime<Utc>,
    /// Valid until.
    pub ends_at: DateTime<Utc>,
    /// 0 or 1.
    pub get_type: i16,
    /// Minimum price.
    pub condition: i64,
    /// Per-user limit.
    pub per_limit: i64,
    /// Sale formula text.
    pub sale: String,
}

impl NewCoupon {
    /// Validates a draft: known codes, a sale formula matching the discount kind (reductions
    /// `-N`, percents `*0.xx`; "free" is not a coupon), a non-empty scope for scoped types,
    /// a positive window and sane numbers.
    pub fn validate(draft: CouponDraft) -> Result<Self, InvalidCoupon> {
        let invalid = |message: &str| InvalidCoupon(message.to_owned());
        let name = draft.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(invalid("参数 name 必须是1到50个字符!"));
        }
        let kind = CouponKind::from_code(draft.discount)
            .ok_or_else(|| invalid("参数 discount 只能是 1(减免) 或 2(折扣)!"))?;
        let get_type = GetType::from_code(draft.get_type)
            .ok_or_else(|| invalid("参数 get_type 只能是 0(系统赠送) 或 1(自行领取)!"))?;
        let sale: SaleFormula = draft
            .sale
            .parse()
            .map_err(|e: luffy_catalog::InvalidSale| InvalidCoupon(e.to_string()))?;
        match (kind, sale) {
            (CouponKind::Reduction, SaleFormula::Reduce(_))
            | (CouponKind::Percent, SaleFormula::Multiply(_)) => {}
            _ => {
                return Err(invalid(
                    "参数 sale 与 discount 不符: 减免券为 -N, 折扣券为 *0.xx!",
                ))
            }
        }
        let mut ids = draft.scope_ids;
        ids.sort_unstable();
        ids.dedup();
        let scope = match draft.coupon_type {
            0 if ids.is_empty() => NewScope::All,
            0 => return Err(invalid("通用券(coupon_type 0)不能指定 scope_ids!")),
            1..=3 if ids.is_empty() => {
                return Err(invalid("指定范围的优惠券至少需要一个 scope_ids!"))
            }
            1 => NewScope::Directions(ids),
            2 => NewScope::Categories(ids),
            3 => NewScope::Courses(ids),
            _ => return Err(invalid("参数 coupon_type 只能是 0 到 3!")),
        };
        if draft.ends_at <= draft.starts_at {
            return Err(invalid("参数 end_time 必须晚于 start_time!"));
        }
        let small = |value: i64, min: i64, what: &str| -> Result<i32, InvalidCoupon> {
            i32::try_from(value)
                .ok()
                .filter(|v| i64::from(*v) >= min)
                .ok_or_else(|| {
                    InvalidCoupon(format!("参数 {what} 必须在 {min} 到 {} 之间!", i32::MAX))
                })
        };
        Ok(Self {
            name,
            kind,
            scope,
            total: small(draft.total, 0, "total")?,
            starts_at: draft.starts_at,
            ends_at: draft.ends_at,
            get_type,
            condition: small(draft.condition, 0, "condition")?,
            per_limit: small(draft.per_limit, 1, "per_limit")?,
            sale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn draft() -> CouponDraft {
        let now = Utc::now();
        CouponDraft {
            name: "30元通用优惠券".into(),
            discount: 1,
            coupon_type: 0,
            scope_ids: vec![],
            total: 100,
            starts_at: now,
            ends_at: now + Duration::days(1),
            get_type: 0,
            condition: 100,
            per_limit: 1,
            sale: "-30".into(),
        }
    }

    #[test]
    fn valid_draft_passes() {
        let coupon = NewCoupon::validate(draft()).unwrap();
        assert_eq!(coupon.scope, NewScope::All);
    }

    #[test]
    fn refuses_inconsistent_or_out_of_range_drafts() {
        type Change = Box<dyn Fn(&mut CouponDraft)>;
        let cases: Vec<Change> = vec![
            Box::new(|d| d.sale = "*0.88".into()),
            Box::new(|d| d.sale = "0".into()),
            Box::new(|d| d.sale = "abc".into()),
            Box::new(|d| d.discount = 3),
            Box::new(|d| d.coupon_type = 1),
            Box::new(|d| d.scope_ids = vec![1]),
            Box::new(|d| d.coupon_type = 9),
            Box::new(|d| d.ends_at = d.starts_at),
            Box::new(|d| d.total = -1),
            Box::new(|d| d.per_limit = 0),
            Box::new(|d| d.condition = i64::from(i32::MAX) + 1),
            Box::new(|d| d.name = " ".into()),
            Box::new(|d| d.get_type = 2),
        ];
        for (index, change) in cases.iter().enumerate() {
            let mut d = draft();
            change(&mut d);
            assert!(
                NewCoupon::validate(d).is_err(),
                "case {index} should be refused"
            );
        }
    }

    #[test]
    fn scoped_percent_coupon() {
        let mut d = draft();
        d.discount = 2;
        d.sale = "*0.88".into();
        d.coupon_type = 3;
        d.scope_ids = vec![2, 1, 2];
        assert_eq!(
            NewCoupon::validate(d).unwrap().scope,
            NewScope::Courses(vec![1, 2])
        );
    }
}
