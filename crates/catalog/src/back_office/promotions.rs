//! Promotions: 限时免费 / 折扣 / 减免 with a condition, a window and linked courses.

use std::future::Future;

use chrono::{DateTime, Utc};
use luffy_common::{Page, PageRequest, StorageError, UserId};

use super::{at_least_one, invalid, text, CatalogAdminError, CatalogAdminService};
use crate::sale::SaleFormula;

/// A promotion: an activity window with one sale rule over linked courses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    /// Id (the activity).
    pub id: i64,
    /// Name.
    pub name: String,
    /// The sale formula text (`"0"`, `"*0.8"`, `"-100"`).
    pub sale: String,
    /// 限时免费, 限时折扣 or 限时减免.
    pub discount_type: String,
    /// Minimum list price in yuan for the sale to apply.
    pub condition: i32,
    /// Starts (exclusive).
    pub start_time: DateTime<Utc>,
    /// Ends (exclusive).
    pub end_time: DateTime<Utc>,
    /// Linked courses.
    pub course_ids: Vec<i64>,
}

/// A promotion to create, or the fields of one to change (absent: kept; `course_ids` replaces
/// the links).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromotionInput {
    /// 1-150 characters (required to create).
    pub name: Option<String>,
    /// A sale formula (required to create).
    pub sale: Option<String>,
    /// 0 or more.
    pub condition: Option<i32>,
    /// Required to create.
    pub start_time: Option<DateTime<Utc>>,
    /// Required to create; after the start.
    pub end_time: Option<DateTime<Utc>>,
    /// 1-100 distinct course ids (required to create).
    pub course_ids: Option<Vec<i64>>,
}

/// The type name a sale formula is shown under.
pub fn promotion_type(sale: &SaleFormula) -> &'static str {
    match sale {
        SaleFormula::Free => "限时免费",
        SaleFormula::Multiply(_) => "限时折扣",
        SaleFormula::Reduce(_) => "限时减免",
    }
}

impl PromotionInput {
    /// Checks the fields (a change's window is checked again against the stored one by the
    /// store's CHECK constraint).
    pub fn validated(self, creating: bool) -> Result<Self, CatalogAdminError> {
        let changed = self != Self::default();
        if !creating {
            at_least_one(changed)?;
        }
        if let Some(sale) = &self.sale {
            sale.parse::<SaleFormula>()
                .map_err(|_| invalid("sale", "优惠公式无效,应为 0、*0.xx 或 -N!"))?;
        } else if creating {
            return Err(invalid("sale", "优惠公式不能为空!"));
        }
        if self.condition.is_some_and(|c| c < 0) {
            return Err(invalid("condition", "满足条件不能为负数!"));
        }
        match (self.start_time, self.end_time) {
            (None, _) | (_, None) if creating => {
                return Err(invalid("start_time", "活动时间不能为空!"))
            }
            (Some(start), Some(end)) if end <= start => {
                return Err(invalid("end_time", "活动结束时间必须晚于开始时间!"))
            }
            _ => {}
        }
        if let Some(ids) = &self.course_ids {
            if ids.is_empty() || ids.len() > 100 {
                return Err(invalid("course_ids", "参与活动的课程应为1到100门!"));
            }
            if let Some(bad) = ids.iter().find(|id| **id <= 0) {
                return Err(invalid("course_ids", format!("课程ID[{bad}]无效!")));
            }
            for (i, id) in ids.iter().enumerate() {
                if ids[..i].contains(id) {
                    return Err(invalid("course_ids", format!("课程[{id}]重复!")));
                }
            }
        } else if creating {
            return Err(invalid("course_ids", "参与活动的课程不能为空!"));
        }
        Ok(Self {
            name: text(self.name, "name", "活动名称", 150, creating)?,
            ..self
        })
    }
}

/// Storage of the operators' promotions; every write is audited for `actor` in its own
/// transaction, and refers only to rows that exist (else `BadReference`).
pub trait PromotionAdminStore: Send + Sync {
    /// Every promotion, newest first.
    fn promotions(
        &self,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<PromotionRecord>, StorageError>> + Send;
    /// One promotion.
    fn promotion(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<PromotionRecord>, StorageError>> + Send;
    /// Creates a promotion.
    fn create_promotion(
        &self,
        actor: UserId,
        input: &PromotionInput,
    ) -> impl Future<Output = Result<PromotionRecord, CatalogAdminError>> + Send;
    /// Changes a promotion.
    fn update_promotion(
        &self,
        actor: UserId,
        id: i64,
        input: &PromotionInput,
    ) -> impl Future<Output = Result<PromotionRecord, CatalogAdminError>> + Send;
}

impl<S: PromotionAdminStore> CatalogAdminService<S> {
    /// Promotions.
    pub async fn promotions(
        &self,
        page: PageRequest,
    ) -> Result<Page<PromotionRecord>, StorageError> {
        self.store.promotions(page).await
    }

    /// One promotion, for its edit form (404 when there is none).
    pub async fn promotion(&self, id: i64) -> Result<PromotionRecord, CatalogAdminError> {
        self.store
            .promotion(id)
            .await?
            .ok_or(CatalogAdminError::NotFound("活动"))
    }

    /// Creates a promotion.
    pub async fn create_promotion(
        &self,
        actor: UserId,
        input: PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let input = input.validated(true)?;
        self.store.create_promotion(actor, &input).await
    }

    /// Changes a promotion.
    pub async fn update_promotion(
        &self,
        actor: UserId,
        id: i64,
        input: PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let input = input.validated(false)?;
        self.store.update_promotion(actor, id, &input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn promotions_need_a_valid_formula_window_and_courses() {
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap();
        let promotion = PromotionInput {
            name: Some("双十一".into()),
            sale: Some("*0.8".into()),
            condition: Some(0),
            start_time: Some(at(1)),
            end_time: Some(at(2)),
            course_ids: Some(vec![1, 2]),
        };
        assert!(promotion.clone().validated(true).is_ok());
        let with = |f: fn(&mut PromotionInput)| {
            let mut p = promotion.clone();
            f(&mut p);
            p.validated(true).unwrap_err().to_string()
        };
        assert_eq!(
            with(|p| p.sale = Some("*1.2".into())),
            "优惠公式无效,应为 0、*0.xx 或 -N!"
        );
        assert_eq!(
            with(|p| p.end_time = p.start_time),
            "活动结束时间必须晚于开始时间!"
        );
        assert_eq!(
            with(|p| p.course_ids = Some(vec![])),
            "参与活动的课程应为1到100门!"
        );
        assert_eq!(with(|p| p.course_ids = Some(vec![3, 3])), "课程[3]重复!");
        assert_eq!(with(|p| p.course_ids = Some(vec![-3])), "课程ID[-3]无效!");
        assert_eq!(promotion_type(&"0".parse().unwrap()), "限时免费");
        assert_eq!(promotion_type(&"-10".parse().unwrap()), "限时减免");
    }
}
