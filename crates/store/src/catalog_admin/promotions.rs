//! Promotions on PostgreSQL, for operators: each write one audited write; a promotion is an
//! activity with one sale rule linked to its courses.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_common::{StorageError, UserId};

use super::PgCatalogAdmin;
use super::{refused, Tx};
use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::errors::diesel_error;
use crate::errors::TxError;
use crate::postgres::connection;
use crate::schema::{activities, course_activity_prices, courses, discount_types, discounts};
use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use luffy_catalog::back_office::promotion_type;
use luffy_catalog::{
    CatalogAdminError, PromotionAdminStore, PromotionInput, PromotionRecord, SaleFormula,
};
use luffy_common::{Page, PageRequest};

use super::bad_reference;

/// A promotion's activity, its first rule and its linked courses.
async fn read_promotion(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Option<PromotionRecord>, DieselError> {
    let activity: Option<(i64, String, DateTime<Utc>, DateTime<Utc>)> = activities::table
        .find(id)
        .select((
            activities::id,
            activities::name,
            activities::start_time,
            activities::end_time,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((id, name, start_time, end_time)) = activity else {
        return Ok(None);
    };
    let links: Vec<(i64, String, i32, String)> = course_activity_prices::table
        .inner_join(discounts::table.inner_join(discount_types::table))
        .filter(course_activity_prices::activity_id.eq(id))
        .order(course_activity_prices::course_id.asc())
        .select((
            course_activity_prices::course_id,
            discounts::sale,
            discounts::condition,
            discount_types::name,
        ))
        .load(conn)
        .await?;
    let (sale, condition, discount_type) = <[_]>::first(&links)
        .map(|(_, sale, condition, kind)| (sale.clone(), *condition, kind.clone()))
        .unwrap_or_default();
    Ok(Some(PromotionRecord {
        id,
        name,
        sale,
        discount_type,
        condition,
        start_time,
        end_time,
        course_ids: links.into_iter().map(|l| l.0).collect(),
    }))
}

/// A new rule row for the formula, under the type its kind is shown as.
async fn insert_rule(conn: &mut AsyncPgConnection, sale: &str, condition: i32) -> Tx<i64> {
    let formula: SaleFormula = match sale.parse() {
        Ok(formula) => formula,
        Err(_) => {
            return refused(CatalogAdminError::Invalid {
                field: "sale",
                message: "优惠公式无效!".into(),
            })
        }
    };
    let kind = promotion_type(&formula);
    let existing: Option<i64> = discount_types::table
        .filter(discount_types::name.eq(kind))
        .order(discount_types::id.asc())
        .select(discount_types::id)
        .first(conn)
        .await
        .optional()?;
    let type_id = match existing {
        Some(id) => id,
        None => {
            diesel::insert_into(discount_types::table)
                .values(discount_types::name.eq(kind))
                .returning(discount_types::id)
                .get_result(conn)
                .await?
        }
    };
    Ok(diesel::insert_into(discounts::table)
        .values((
            discounts::discount_type_id.eq(type_id),
            discounts::condition.eq(condition),
            discounts::sale.eq(sale),
        ))
        .returning(discounts::id)
        .get_result(conn)
        .await?)
}

/// Links the courses to the activity under the rule; every course must exist and not be
/// deleted.
async fn link_courses(
    conn: &mut AsyncPgConnection,
    activity: i64,
    rule: i64,
    course_ids: &[i64],
) -> Tx<()> {
    let found: i64 = courses::table
        .filter(courses::id.eq_any(course_ids))
        .filter(courses::is_deleted.eq(false))
        .count()
        .get_result(conn)
        .await?;
    if usize::try_from(found).unwrap_or(0) != course_ids.len() {
        return Err(bad_reference("course_ids", "参与活动的课程不存在或已删除!"));
    }
    let rows: Vec<_> = course_ids
        .iter()
        .map(|course| {
            (
                course_activity_prices::activity_id.eq(activity),
                course_activity_prices::course_id.eq(*course),
                course_activity_prices::discount_id.eq(rule),
            )
        })
        .collect();
    diesel::insert_into(course_activity_prices::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

fn window_refusal(error: DieselError) -> TxError<CatalogAdminError> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, _) => {
            TxError::Refused(CatalogAdminError::Invalid {
                field: "end_time",
                message: "活动结束时间必须晚于开始时间!".into(),
            })
        }
        other => TxError::Db(other),
    }
}

impl PromotionAdminStore for PgCatalogAdmin {
    async fn promotions(&self, page: PageRequest) -> Result<Page<PromotionRecord>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        let db = |e| diesel_error(e, "listing promotions");
        let total: i64 = activities::table
            .count()
            .get_result(&mut conn)
            .await
            .map_err(db)?;
        let ids: Vec<i64> = activities::table
            .order(activities::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(activities::id)
            .load(&mut conn)
            .await
            .map_err(db)?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(promotion) = read_promotion(&mut conn, id).await.map_err(db)? {
                items.push(promotion);
            }
        }
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn promotion(&self, id: i64) -> Result<Option<PromotionRecord>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        read_promotion(&mut conn, id)
            .await
            .map_err(|e| diesel_error(e, "reading a promotion"))
    }

    async fn create_promotion(
        &self,
        actor: UserId,
        input: &PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::PROMOTION_CREATE, entities::PROMOTION);
        audited_write(self.pool(), "creating a promotion", audit, async |conn| {
            let (Some(name), Some(sale), Some(start), Some(end), Some(course_ids)) = (
                &input.name,
                &input.sale,
                input.start_time,
                input.end_time,
                &input.course_ids,
            ) else {
                return refused(CatalogAdminError::Invalid {
                    field: "",
                    message: "活动信息不完整!".into(),
                });
            };
            let rule = insert_rule(conn, sale, input.condition.unwrap_or(0)).await?;
            let id: i64 = diesel::insert_into(activities::table)
                .values((
                    activities::name.eq(name),
                    activities::start_time.eq(start),
                    activities::end_time.eq(end),
                ))
                .returning(activities::id)
                .get_result(conn)
                .await
                .map_err(window_refusal)?;
            link_courses(conn, id, rule, course_ids).await?;
            Ok(Audited::created(
                id,
                read_promotion(conn, id)
                    .await?
                    .ok_or(TxError::Db(DieselError::NotFound))?,
            ))
        })
        .await
    }

    async fn update_promotion(
        &self,
        actor: UserId,
        id: i64,
        input: &PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::PROMOTION_UPDATE, entities::PROMOTION);
        audited_write(self.pool(), "changing a promotion", audit, async |conn| {
            let locked: Option<i64> = activities::table
                .find(id)
                .select(activities::id)
                .for_update()
                .first(conn)
                .await
                .optional()?;
            if locked.is_none() {
                return refused(CatalogAdminError::NotFound("活动"));
            }
            let Some(current) = read_promotion(conn, id).await? else {
                return refused(CatalogAdminError::NotFound("活动"));
            };
            let before = audit.before(conn, id).await?;
            diesel::update(activities::table.find(id))
                .set((
                    activities::name.eq(input.name.as_ref().unwrap_or(&current.name)),
                    activities::start_time.eq(input.start_time.unwrap_or(current.start_time)),
                    activities::end_time.eq(input.end_time.unwrap_or(current.end_time)),
                ))
                .execute(conn)
                .await
                .map_err(window_refusal)?;
            let rule_changed = input.sale.is_some() || input.condition.is_some();
            if rule_changed || input.course_ids.is_some() {
                let sale = input.sale.clone().unwrap_or(current.sale.clone());
                let condition = input.condition.unwrap_or(current.condition);
                let rule = insert_rule(conn, &sale, condition).await?;
                let course_ids = input.course_ids.clone().unwrap_or(current.course_ids);
                diesel::delete(
                    course_activity_prices::table
                        .filter(course_activity_prices::activity_id.eq(id)),
                )
                .execute(conn)
                .await?;
                link_courses(conn, id, rule, &course_ids).await?;
            }
            let promotion = read_promotion(conn, id)
                .await?
                .ok_or(TxError::Db(DieselError::NotFound))?;
            Ok(Audited::changed(id, before, promotion))
        })
        .await
    }
}
