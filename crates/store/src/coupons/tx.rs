//! The coupon transaction on PostgreSQL: each method loads or writes what the coupon service
//! asks for, inside one transaction; the operators' writes record their audit entries in it.

use anyhow::anyhow;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use luffy_account::audit::{actions, entities};
use luffy_common::{StorageError, UserId};
use luffy_coupon::{
    Coupon, CouponTx, CouponUpdate, HeldGrants, NewCoupon, NewScope, StockMove, UseStatus,
    UserCoupon,
};

use super::{load_coupons, lock_user_coupon, CouponRow};
use crate::audit::Audit;
use crate::errors::diesel_error;
use crate::postgres::PgConn;
use crate::schema::{
    coupon_categories, coupon_courses, coupon_directions, coupon_logs, coupons, users,
};
use crate::transaction::OpenTransaction;

/// One coupon transaction on a pooled connection; dropped without `commit`, it rolls back at
/// once (see [`OpenTransaction`]).
pub struct PgCouponTx {
    conn: OpenTransaction,
}

impl PgCouponTx {
    /// Sends BEGIN on the connection.
    pub(crate) async fn begin(conn: PgConn) -> Result<Self, StorageError> {
        Ok(Self {
            conn: OpenTransaction::begin(conn).await?,
        })
    }
}

/// Inserts the scope links of a new coupon; a foreign-key violation means a scope id names
/// nothing.
async fn link_scope(
    conn: &mut PgConn,
    coupon_id: i64,
    scope: &NewScope,
) -> Result<usize, DieselError> {
    match scope {
        NewScope::All => Ok(0),
        NewScope::Directions(ids) => {
            let rows: Vec<_> = ids
                .iter()
                .map(|d| {
                    (
                        coupon_directions::coupon_id.eq(coupon_id),
                        coupon_directions::direction_id.eq(*d),
                    )
                })
                .collect();
            diesel::insert_into(coupon_directions::table)
                .values(rows)
                .execute(conn)
                .await
        }
        NewScope::Categories(ids) => {
            let rows: Vec<_> = ids
                .iter()
                .map(|c| {
                    (
                        coupon_categories::coupon_id.eq(coupon_id),
                        coupon_categories::category_id.eq(*c),
                    )
                })
                .collect();
            diesel::insert_into(coupon_categories::table)
                .values(rows)
                .execute(conn)
                .await
        }
        NewScope::Courses(ids) => {
            let rows: Vec<_> = ids
                .iter()
                .map(|c| {
                    (
                        coupon_courses::coupon_id.eq(coupon_id),
                        coupon_courses::course_id.eq(*c),
                    )
                })
                .collect();
            diesel::insert_into(coupon_courses::table)
                .values(rows)
                .execute(conn)
                .await
        }
    }
}

impl CouponTx for PgCouponTx {
    async fn insert_coupon(
        &mut self,
        actor: UserId,
        coupon: &NewCoupon,
    ) -> Result<Option<Coupon>, StorageError> {
        let db = |e| diesel_error(e, "creating a coupon");
        let conn = &mut self.conn;
        let id: i64 = diesel::insert_into(coupons::table)
            .values((
                coupons::name.eq(&coupon.name),
                coupons::discount.eq(coupon.kind.code()),
                coupons::coupon_type.eq(coupon.scope.kind().code()),
                coupons::total.eq(coupon.total),
                coupons::has_total.eq(coupon.total),
                coupons::start_time.eq(coupon.starts_at),
                coupons::end_time.eq(coupon.ends_at),
                coupons::get_type.eq(coupon.get_type.code()),
                coupons::condition.eq(coupon.condition),
                coupons::per_limit.eq(coupon.per_limit),
                coupons::sale.eq(coupon.sale.to_string()),
            ))
            .returning(coupons::id)
            .get_result(conn)
            .await
            .map_err(db)?;
        match link_scope(conn, id, &coupon.scope).await {
            Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
                return Ok(None)
            }
            Err(other) => return Err(db(other)),
            Ok(_) => {}
        }
        Audit::new(actor, actions::COUPON_CREATE, entities::COUPON)
            .record(conn, id, None)
            .await
            .map_err(db)?;
        let mut created = load_coupons(conn, &[id]).await?;
        created
            .remove(&id)
            .map(Some)
            .ok_or_else(|| StorageError::Unexpected(anyhow!("created coupon {id} vanished")))
    }

    async fn lock_coupon(&mut self, coupon_id: i64) -> Result<Option<Coupon>, StorageError> {
        let db = |e| diesel_error(e, "locking a coupon");
        let row: Option<CouponRow> = coupons::table
            .find(coupon_id)
            .select(CouponRow::as_select())
            .for_update()
            .first(&mut self.conn)
            .await
            .optional()
            .map_err(db)?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(super::to_coupons(&self.conn, vec![row])
            .await?
            .remove(&coupon_id))
    }

    async fn known_users(&mut self, wanted: &[UserId]) -> Result<Vec<UserId>, StorageError> {
        let ids: Vec<i64> = wanted.iter().map(|u| u.get()).collect();
        let found: Vec<i64> = users::table
            .filter(users::id.eq_any(&ids))
            .select(users::id)
            .load(&mut self.conn)
            .await
            .map_err(|e| diesel_error(e, "looking up users"))?;
        Ok(found.into_iter().map(UserId).collect())
    }

    async fn held_grants(
        &mut self,
        coupon_id: i64,
        holders: &[UserId],
    ) -> Result<Vec<HeldGrants>, StorageError> {
        let ids: Vec<i64> = holders.iter().map(|u| u.get()).collect();
        let held: Vec<(i64, i64)> = coupon_logs::table
            .filter(coupon_logs::coupon_id.eq(coupon_id))
            .filter(coupon_logs::user_id.eq_any(&ids))
            .group_by(coupon_logs::user_id)
            .select((coupon_logs::user_id, diesel::dsl::count_star()))
            .load(&mut self.conn)
            .await
            .map_err(|e| diesel_error(e, "counting a coupon's grants"))?;
        Ok(held
            .into_iter()
            .map(|(user, count)| HeldGrants {
                user: UserId(user),
                count,
            })
            .collect())
    }

    async fn move_stock(&mut self, stock: &StockMove) -> Result<bool, StorageError> {
        let moved = diesel::update(
            coupons::table
                .filter(coupons::id.eq(stock.coupon_id))
                .filter(coupons::has_total.eq(stock.from)),
        )
        .set(coupons::has_total.eq(stock.to))
        .execute(&mut self.conn)
        .await
        .map_err(|e| diesel_error(e, "moving a coupon's stock"))?;
        Ok(moved == 1)
    }

    async fn insert_grants(
        &mut self,
        actor: Option<UserId>,
        coupon: &Coupon,
        holders: &[UserId],
    ) -> Result<Vec<i64>, StorageError> {
        let db = |e| diesel_error(e, "granting a coupon");
        let rows: Vec<_> = holders
            .iter()
            .map(|u| {
                (
                    coupon_logs::user_id.eq(u.get()),
                    coupon_logs::coupon_id.eq(coupon.id),
                    coupon_logs::name.eq(coupon.name.clone()),
                    coupon_logs::use_status.eq(UseStatus::Unused.code()),
                )
            })
            .collect();
        let ids: Vec<i64> = diesel::insert_into(coupon_logs::table)
            .values(rows)
            .returning(coupon_logs::id)
            .get_results(&mut self.conn)
            .await
            .map_err(db)?;
        if let Some(actor) = actor {
            let audit = Audit::new(actor, actions::COUPON_GRANT, entities::COUPON_GRANT);
            for id in &ids {
                audit.record(&self.conn, *id, None).await.map_err(db)?;
            }
        }
        Ok(ids)
    }

    async fn update_coupon(
        &mut self,
        actor: UserId,
        update: &CouponUpdate,
    ) -> Result<bool, StorageError> {
        let db = |e| diesel_error(e, "changing a coupon");
        let audit = Audit::new(actor, actions::COUPON_UPDATE, entities::COUPON);
        let id = update.coupon_id;
        let before = audit.before(&self.conn, id).await.map_err(db)?;
        let changed = diesel::update(
            coupons::table
                .filter(coupons::id.eq(id))
                .filter(coupons::has_total.eq(update.stock.from)),
        )
        .set((
            coupons::name.eq(&update.name),
            coupons::start_time.eq(update.starts_at),
            coupons::end_time.eq(update.ends_at),
            coupons::total.eq(update.total),
            coupons::has_total.eq(update.stock.to),
            coupons::per_limit.eq(update.per_limit),
            coupons::is_enabled.eq(update.enabled),
            coupons::updated_time.eq(diesel::dsl::now),
        ))
        .execute(&mut self.conn)
        .await
        .map_err(db)?;
        if changed != 1 {
            return Ok(false);
        }
        audit.record(&self.conn, id, before).await.map_err(db)?;
        Ok(true)
    }

    async fn lock_grant(&mut self, grant_id: i64) -> Result<Option<UserCoupon>, StorageError> {
        lock_user_coupon(&self.conn, grant_id).await
    }

    async fn delete_grant(
        &mut self,
        actor: UserId,
        grant_id: i64,
        status: UseStatus,
    ) -> Result<bool, StorageError> {
        let db = |e| diesel_error(e, "revoking a coupon grant");
        let audit = Audit::new(actor, actions::GRANT_REVOKE, entities::COUPON_GRANT);
        let before = audit.before(&self.conn, grant_id).await.map_err(db)?;
        let deleted = diesel::delete(
            coupon_logs::table
                .filter(coupon_logs::id.eq(grant_id))
                .filter(coupon_logs::order_id.is_null())
                .filter(coupon_logs::use_status.eq(status.code())),
        )
        .execute(&mut self.conn)
        .await
        .map_err(db)?;
        if deleted != 1 {
            return Ok(false);
        }
        audit
            .record(&self.conn, grant_id, before)
            .await
            .map_err(db)?;
        Ok(true)
    }

    async fn commit(self) -> Result<(), StorageError> {
        self.conn.commit().await
    }
}
