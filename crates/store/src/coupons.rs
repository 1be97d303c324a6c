//! PostgreSQL adapter for coupons and grants (SPEC 2.4). PostgreSQL is the only copy.

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_catalog::SaleFormula;
use luffy_common::{Page, PageRequest, StorageError, UserId};
use luffy_coupon::{
    ClaimError, Coupon, CouponChange, CouponKind, CouponScope, CouponStats, CouponStore,
    CreateCouponError, GetType, GrantError, GrantRecord, NewCoupon, NewScope, RevokeError,
    ScopeItem, UpdateCouponError, UseStatus, UserCoupon,
};

use diesel::sql_types::{Array, BigInt, Integer, Nullable, SmallInt, Text, Timestamptz};

use crate::audit::{record, snapshot};
use crate::errors::{diesel_error, finish, TxError};
use crate::postgres::{connection, PgPool};
use crate::schema::{
    coupon_categories, coupon_courses, coupon_directions, coupon_logs, coupons, course_categories,
    course_directions, courses, users,
};
use crate::statement::cached_sql;

/// A `coupons` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = coupons, check_for_backend(diesel::pg::Pg))]
pub struct CouponRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 1 or 2.
    pub discount: i16,
    /// 0..3.
    pub coupon_type: i16,
    /// Issued.
    pub total: i32,
    /// Left.
    pub has_total: i32,
    /// Valid from.
    pub start_time: DateTime<Utc>,
    /// Valid until.
    pub end_time: DateTime<Utc>,
    /// 0 or 1.
    pub get_type: i16,
    /// Minimum price.
    pub condition: i32,
    /// Per-user limit.
    pub per_limit: i32,
    /// Sale formula.
    pub sale: String,
    /// Switched on.
    pub is_enabled: bool,
}

/// A `coupon_logs` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = coupon_logs, check_for_backend(diesel::pg::Pg))]
pub struct CouponLogRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Coupon.
    pub coupon_id: i64,
    /// Reserving order.
    pub order_id: Option<i64>,
    /// When used.
    pub use_time: Option<DateTime<Utc>>,
    /// 0..2.
    pub use_status: i16,
}

/// Loads coupon definitions with their scope names.
pub(crate) async fn load_coupons(
    mut conn: &AsyncPgConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Coupon>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<CouponRow> = coupons::table
        .filter(coupons::id.eq_any(ids))
        .select(CouponRow::as_select())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "loading coupons"))?;
    to_coupons(conn, rows).await
}

/// Turns coupon rows into coupons, reading scope links only for the scope types present.
/// Coupon rows with their stock counts, in the rows' order.
async fn with_stock(
    conn: &AsyncPgConnection,
    rows: Vec<CouponRow>,
) -> Result<Vec<CouponStats>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut counting = conn;
    let counts: Vec<StockRow> = CouponStock { ids: ids.clone() }
        .load(&mut counting)
        .await
        .map_err(|e| diesel_error(e, "counting coupon grants"))?;
    let mut coupons = to_coupons(conn, rows).await?;
    Ok(ids
        .iter()
        .filter_map(|id| coupons.remove(id))
        .map(|coupon| {
            let stock = counts.iter().find(|c| c.coupon_id == coupon.id);
            CouponStats {
                granted: stock.map_or(0, |s| s.granted),
                used: stock.map_or(0, |s| s.used),
                reserved: stock.map_or(0, |s| s.reserved),
                coupon,
            }
        })
        .collect())
}

async fn to_coupons(
    mut conn: &AsyncPgConnection,
    rows: Vec<CouponRow>,
) -> Result<HashMap<i64, Coupon>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let ids = ids.as_slice();
    let wants = |code: i16| rows.iter().any(|r| r.coupon_type == code);
    let directions: Vec<(i64, i64, String)> = if !wants(1) {
        Vec::new()
    } else {
        coupon_directions::table
            .inner_join(course_directions::table)
            .filter(coupon_directions::coupon_id.eq_any(ids))
            .order(course_directions::id.asc())
            .select((
                coupon_directions::coupon_id,
                course_directions::id,
                course_directions::name,
            ))
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "loading coupon directions"))?
    };
    let categories: Vec<(i64, i64, String)> = if !wants(2) {
        Vec::new()
    } else {
        coupon_categories::table
            .inner_join(course_categories::table)
            .filter(coupon_categories::coupon_id.eq_any(ids))
            .order(course_categories::id.asc())
            .select((
                coupon_categories::coupon_id,
                course_categories::id,
                course_categories::name,
            ))
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "loading coupon categories"))?
    };
    let course_links: Vec<(i64, i64, String)> = if !wants(3) {
        Vec::new()
    } else {
        coupon_courses::table
            .inner_join(courses::table)
            .filter(coupon_courses::coupon_id.eq_any(ids))
            .order(courses::id.asc())
            .select((coupon_courses::coupon_id, courses::id, courses::name))
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "loading coupon courses"))?
    };
    let items = |links: &[(i64, i64, String)], coupon: i64| -> Vec<ScopeItem> {
        links
            .iter()
            .filter(|(c, _, _)| *c == coupon)
            .map(|(_, id, name)| ScopeItem {
                id: *id,
                name: name.clone(),
            })
            .collect()
    };
    let mut map = HashMap::new();
    for row in rows {
        let invalid = |what: &str| {
            StorageError::Unexpected(anyhow!("coupon {} has an invalid {what}", row.id))
        };
        let scope = match row.coupon_type {
            0 => CouponScope::All,
            1 => CouponScope::Directions(items(&directions, row.id)),
            2 => CouponScope::Categories(items(&categories, row.id)),
            3 => CouponScope::Courses(items(&course_links, row.id)),
            _ => return Err(invalid("coupon_type")),
        };
        let sale: SaleFormula = row.sale.parse().map_err(|_| invalid("sale"))?;
        let coupon = Coupon {
            id: row.id,
            name: row.name.clone(),
            kind: CouponKind::from_code(row.discount).ok_or_else(|| invalid("discount"))?,
            scope,
            total: row.total,
            has_total: row.has_total,
            starts_at: row.start_time,
            ends_at: row.end_time,
            get_type: GetType::from_code(row.get_type).ok_or_else(|| invalid("get_type"))?,
            condition: row.condition,
            per_limit: row.per_limit,
            sale,
            enabled: row.is_enabled,
        };
        map.insert(row.id, coupon);
    }
    Ok(map)
}

/// Joins grant rows with their coupons.
pub(crate) async fn to_user_coupons(
    conn: &AsyncPgConnection,
    rows: Vec<CouponLogRow>,
) -> Result<Vec<UserCoupon>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.coupon_id).collect();
    let coupons = load_coupons(conn, &ids).await?;
    with_coupons(rows, &coupons)
}

/// Pairs grant rows with their loaded coupons.
fn with_coupons(
    rows: Vec<CouponLogRow>,
    coupons: &HashMap<i64, Coupon>,
) -> Result<Vec<UserCoupon>, StorageError> {
    rows.into_iter()
        .map(|row| {
            let coupon = coupons.get(&row.coupon_id).cloned().ok_or_else(|| {
                StorageError::Unexpected(anyhow!("grant {} has no coupon", row.id))
            })?;
            Ok(UserCoupon {
                id: row.id,
                user: UserId(row.user_id),
                coupon,
                order_id: row.order_id,
                use_status: UseStatus::from_code(row.use_status).ok_or_else(|| {
                    StorageError::Unexpected(anyhow!("grant {} has an invalid use_status", row.id))
                })?,
                use_time: row.use_time,
            })
        })
        .collect()
}

cached_sql! {
    /// How each coupon's grants stand: granted (not revoked), used, reserved by an unpaid order.
    struct CouponStock = "SELECT coupon_id,
            count(*)::bigint AS granted,
            count(*) FILTER (WHERE use_status = 1)::bigint AS used,
            count(*) FILTER (WHERE use_status = 0 AND order_id IS NOT NULL)::bigint AS reserved
        FROM coupon_logs WHERE coupon_id = ANY(:ids) GROUP BY coupon_id";
    ids: Array<BigInt> => Vec<i64>,
}

#[derive(QueryableByName)]
struct StockRow {
    #[diesel(sql_type = BigInt)]
    coupon_id: i64,
    #[diesel(sql_type = BigInt)]
    granted: i64,
    #[diesel(sql_type = BigInt)]
    used: i64,
    #[diesel(sql_type = BigInt)]
    reserved: i64,
}

cached_sql! {
    /// A grant, locked, with its coupon, not locked (every holder of a coupon checks out at
    /// once): `FOR UPDATE OF`, which diesel's query builder cannot write.
    struct LockGrantWithCoupon = "SELECT l.id, l.user_id, l.coupon_id, l.order_id, l.use_time,
            l.use_status, c.name, c.discount, c.coupon_type, c.total, c.has_total,
            c.start_time, c.end_time, c.get_type, c.condition, c.per_limit, c.sale, c.is_enabled
        FROM coupon_logs l JOIN coupons c ON c.id = l.coupon_id
        WHERE l.id = :grant FOR UPDATE OF l";
    grant: BigInt => i64,
}

/// A row of [`LockGrantWithCoupon`].
#[derive(QueryableByName)]
struct GrantWithCouponRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = BigInt)]
    coupon_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    order_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    use_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = SmallInt)]
    use_status: i16,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = SmallInt)]
    discount: i16,
    #[diesel(sql_type = SmallInt)]
    coupon_type: i16,
    #[diesel(sql_type = Integer)]
    total: i32,
    #[diesel(sql_type = Integer)]
    has_total: i32,
    #[diesel(sql_type = Timestamptz)]
    start_time: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    end_time: DateTime<Utc>,
    #[diesel(sql_type = SmallInt)]
    get_type: i16,
    #[diesel(sql_type = Integer)]
    condition: i32,
    #[diesel(sql_type = Integer)]
    per_limit: i32,
    #[diesel(sql_type = Text)]
    sale: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_enabled: bool,
}

/// Loads one grant with its coupon, locking the grant, in one statement; scope links, if the
/// coupon has any, take a second.
pub(crate) async fn lock_user_coupon(
    mut conn: &AsyncPgConnection,
    grant_id: i64,
) -> Result<Option<UserCoupon>, StorageError> {
    let row: Option<GrantWithCouponRow> = LockGrantWithCoupon { grant: grant_id }
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| diesel_error(e, "locking a coupon grant"))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let grant = CouponLogRow {
        id: row.id,
        user_id: row.user_id,
        coupon_id: row.coupon_id,
        order_id: row.order_id,
        use_time: row.use_time,
        use_status: row.use_status,
    };
    let coupon = CouponRow {
        id: row.coupon_id,
        name: row.name,
        discount: row.discount,
        coupon_type: row.coupon_type,
        total: row.total,
        has_total: row.has_total,
        start_time: row.start_time,
        end_time: row.end_time,
        get_type: row.get_type,
        condition: row.condition,
        per_limit: row.per_limit,
        sale: row.sale,
        is_enabled: row.is_enabled,
    };
    let coupons = to_coupons(conn, vec![coupon]).await?;
    Ok(with_coupons(vec![grant], &coupons)?.pop())
}

/// Coupon storage on PostgreSQL.
#[derive(Clone)]
pub struct PgCoupons {
    pool: PgPool,
}

impl PgCoupons {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

async fn lock_coupon(
    conn: &mut AsyncPgConnection,
    coupon_id: i64,
) -> Result<Option<CouponRow>, DieselError> {
    coupons::table
        .find(coupon_id)
        .select(CouponRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

impl CouponStore for PgCoupons {
    async fn available_for(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserCoupon>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<CouponLogRow> = coupon_logs::table
            .inner_join(coupons::table)
            .filter(coupon_logs::user_id.eq(user.get()))
            .filter(coupon_logs::use_status.eq(UseStatus::Unused.code()))
            .filter(coupon_logs::order_id.is_null())
            .filter(coupons::start_time.le(now))
            .filter(coupons::end_time.ge(now))
            .filter(coupons::is_enabled.eq(true))
            .order(coupon_logs::id.desc())
            .select(CouponLogRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing available coupons"))?;
        to_user_coupons(&conn, rows).await
    }

    async fn create(&self, actor: UserId, coupon: NewCoupon) -> Result<Coupon, CreateCouponError> {
        let mut conn = connection(&self.pool).await?;
        let result = conn
            .transaction::<_, TxError<CreateCouponError>, _>(async move |conn| {
                let coupon_type = match &coupon.scope {
                    NewScope::All => 0i16,
                    NewScope::Directions(_) => 1,
                    NewScope::Categories(_) => 2,
                    NewScope::Courses(_) => 3,
                };
                let id: i64 = diesel::insert_into(coupons::table)
                    .values((
                        coupons::name.eq(&coupon.name),
                        coupons::discount.eq(coupon.kind.code()),
                        coupons::coupon_type.eq(coupon_type),
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
                    .await?;
                let linked = match &coupon.scope {
                    NewScope::All => Ok(0),
                    NewScope::Directions(ids) => {
                        let rows: Vec<_> = ids
                            .iter()
                            .map(|d| {
                                (
                                    coupon_directions::coupon_id.eq(id),
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
                                    coupon_categories::coupon_id.eq(id),
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
                                    coupon_courses::coupon_id.eq(id),
                                    coupon_courses::course_id.eq(*c),
                                )
                            })
                            .collect();
                        diesel::insert_into(coupon_courses::table)
                            .values(rows)
                            .execute(conn)
                            .await
                    }
                };
                match linked {
                    Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
                        Err(TxError::Refused(CreateCouponError::UnknownScope))
                    }
                    Err(other) => Err(TxError::Db(other)),
                    Ok(_) => {
                        record(
                            conn,
                            actor,
                            actions::COUPON_CREATE,
                            entities::COUPON,
                            id,
                            None,
                        )
                        .await?;
                        let mut coupons = load_coupons(conn, &[id])
                            .await
                            .map_err(|e| TxError::Refused(CreateCouponError::Storage(e)))?;
                        coupons
                            .remove(&id)
                            .ok_or(TxError::Refused(CreateCouponError::Storage(
                                StorageError::Unexpected(anyhow!("created coupon vanished")),
                            )))
                    }
                }
            })
            .await;
        finish(result, "creating a coupon")
    }

    async fn grant(
        &self,
        actor: UserId,
        coupon_id: i64,
        users_to_grant: &[UserId],
    ) -> Result<Vec<i64>, GrantError> {
        let mut conn = connection(&self.pool).await?;
        let user_ids: Vec<i64> = users_to_grant.iter().map(|u| u.get()).collect();
        let result = conn
            .transaction::<_, TxError<GrantError>, _>(async move |conn| {
                let coupon = lock_coupon(conn, coupon_id)
                    .await?
                    .ok_or(TxError::Refused(GrantError::CouponNotFound))?;
                if !coupon.is_enabled {
                    return Err(TxError::Refused(GrantError::Disabled));
                }
                let mut distinct = user_ids.clone();
                distinct.sort_unstable();
                distinct.dedup();
                let existing: i64 = users::table
                    .filter(users::id.eq_any(&distinct))
                    .count()
                    .get_result(conn)
                    .await?;
                if existing != distinct.len() as i64 || distinct.is_empty() {
                    return Err(TxError::Refused(GrantError::UserNotFound));
                }
                let held: Vec<(i64, i64)> = coupon_logs::table
                    .filter(coupon_logs::coupon_id.eq(coupon_id))
                    .filter(coupon_logs::user_id.eq_any(&distinct))
                    .group_by(coupon_logs::user_id)
                    .select((coupon_logs::user_id, diesel::dsl::count_star()))
                    .load(conn)
                    .await?;
                for user in &distinct {
                    let already = held
                        .iter()
                        .find(|(u, _)| u == user)
                        .map(|(_, n)| *n)
                        .unwrap_or(0);
                    let asked = user_ids.iter().filter(|u| *u == user).count() as i64;
                    if already + asked > i64::from(coupon.per_limit) {
                        return Err(TxError::Refused(GrantError::LimitReached));
                    }
                }
                let wanted = i32::try_from(user_ids.len()).unwrap_or(i32::MAX);
                let updated = diesel::update(
                    coupons::table
                        .filter(coupons::id.eq(coupon_id))
                        .filter(coupons::has_total.ge(wanted)),
                )
                .set(coupons::has_total.eq(coupons::has_total - wanted))
                .execute(conn)
                .await?;
                if updated == 0 {
                    return Err(TxError::Refused(GrantError::SoldOut));
                }
                let rows: Vec<_> = user_ids
                    .iter()
                    .map(|u| {
                        (
                            coupon_logs::user_id.eq(*u),
                            coupon_logs::coupon_id.eq(coupon_id),
                            coupon_logs::name.eq(coupon.name.clone()),
                        )
                    })
                    .collect();
                let ids: Vec<i64> = diesel::insert_into(coupon_logs::table)
                    .values(rows)
                    .returning(coupon_logs::id)
                    .get_results(conn)
                    .await?;
                for id in &ids {
                    record(
                        conn,
                        actor,
                        actions::COUPON_GRANT,
                        entities::COUPON_GRANT,
                        *id,
                        None,
                    )
                    .await?;
                }
                Ok(ids)
            })
            .await;
        finish(result, "granting a coupon")
    }

    async fn list(&self, page: PageRequest) -> Result<Page<CouponStats>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2) = (&*conn, &*conn);
        // The count and the page in one pipelined round trip, then scopes and stock counts.
        let total = coupons::table.count().get_result::<i64>(&mut c1);
        let rows = coupons::table
            .order(coupons::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(CouponRow::as_select())
            .load::<CouponRow>(&mut c2);
        let (total, rows) =
            futures::try_join!(total, rows).map_err(|e| diesel_error(e, "listing coupons"))?;
        let items = with_stock(&conn, rows).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn stats(&self, coupon_id: i64) -> Result<Option<CouponStats>, StorageError> {
        let conn = connection(&self.pool).await?;
        let mut reading = &*conn;
        let rows = coupons::table
            .filter(coupons::id.eq(coupon_id))
            .select(CouponRow::as_select())
            .load::<CouponRow>(&mut reading)
            .await
            .map_err(|e| diesel_error(e, "reading a coupon"))?;
        Ok(with_stock(&conn, rows).await?.pop())
    }

    async fn grants(
        &self,
        coupon_id: i64,
        page: PageRequest,
    ) -> Result<Option<Page<GrantRecord>>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2, mut c3) = (&*conn, &*conn, &*conn);
        type Row = (
            i64,
            i64,
            String,
            Option<i64>,
            i16,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
        );
        let exists = diesel::select(diesel::dsl::exists(coupons::table.find(coupon_id)))
            .get_result::<bool>(&mut c1);
        let total = coupon_logs::table
            .filter(coupon_logs::coupon_id.eq(coupon_id))
            .count()
            .get_result::<i64>(&mut c2);
        let rows = coupon_logs::table
            .inner_join(users::table)
            .filter(coupon_logs::coupon_id.eq(coupon_id))
            .order(coupon_logs::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select((
                coupon_logs::id,
                coupon_logs::user_id,
                users::username,
                coupon_logs::order_id,
                coupon_logs::use_status,
                coupon_logs::use_time,
                coupon_logs::created_time,
            ))
            .load::<Row>(&mut c3);
        let (exists, total, rows) = futures::try_join!(exists, total, rows)
            .map_err(|e| diesel_error(e, "listing a coupon's grants"))?;
        if !exists {
            return Ok(None);
        }
        Ok(Some(Page {
            total: u64::try_from(total).unwrap_or_default(),
            items: rows
                .into_iter()
                .map(
                    |(id, user, username, order_id, use_status, use_time, granted_at)| {
                        GrantRecord {
                            id,
                            user: UserId(user),
                            username,
                            order_id,
                            use_status,
                            use_time,
                            granted_at,
                        }
                    },
                )
                .collect(),
            request: page,
        }))
    }

    async fn update(
        &self,
        actor: UserId,
        coupon_id: i64,
        change: &CouponChange,
    ) -> Result<Coupon, UpdateCouponError> {
        let mut conn = connection(&self.pool).await?;
        let change = change.clone();
        let result = conn
            .transaction::<_, TxError<UpdateCouponError>, _>(async move |conn| {
                let current = lock_coupon(conn, coupon_id)
                    .await?
                    .ok_or(TxError::Refused(UpdateCouponError::NotFound))?;
                let starts_at = change.starts_at.unwrap_or(current.start_time);
                let ends_at = change.ends_at.unwrap_or(current.end_time);
                if starts_at >= ends_at {
                    return Err(TxError::Refused(UpdateCouponError::EmptyWindow));
                }
                let total = change.total.unwrap_or(current.total);
                let has_total = current.has_total + (total - current.total);
                if has_total < 0 {
                    return Err(TxError::Refused(UpdateCouponError::StockBelowGranted));
                }
                let before = snapshot(conn, entities::COUPON, coupon_id).await?;
                diesel::update(coupons::table.find(coupon_id))
                    .set((
                        coupons::name.eq(change
                            .name
                            .as_deref()
                            .map_or(current.name.clone(), |n| n.trim().to_owned())),
                        coupons::start_time.eq(starts_at),
                        coupons::end_time.eq(ends_at),
                        coupons::total.eq(total),
                        coupons::has_total.eq(has_total),
                        coupons::per_limit.eq(change.per_limit.unwrap_or(current.per_limit)),
                        coupons::is_enabled.eq(change.enabled.unwrap_or(current.is_enabled)),
                        coupons::updated_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                record(
                    conn,
                    actor,
                    actions::COUPON_UPDATE,
                    entities::COUPON,
                    coupon_id,
                    before,
                )
                .await?;
                let mut coupons = load_coupons(conn, &[coupon_id])
                    .await
                    .map_err(|e| TxError::Refused(UpdateCouponError::Storage(e)))?;
                coupons
                    .remove(&coupon_id)
                    .ok_or(TxError::Refused(UpdateCouponError::NotFound))
            })
            .await;
        finish(result, "changing a coupon")
    }

    async fn revoke(&self, actor: UserId, grant_id: i64) -> Result<(), RevokeError> {
        let mut conn = connection(&self.pool).await?;
        let result = conn
            .transaction::<_, TxError<RevokeError>, _>(async move |conn| {
                let before = snapshot(conn, entities::COUPON_GRANT, grant_id).await?;
                let coupon_id: Option<i64> = diesel::delete(
                    coupon_logs::table
                        .filter(coupon_logs::id.eq(grant_id))
                        .filter(coupon_logs::order_id.is_null())
                        .filter(coupon_logs::use_status.eq(UseStatus::Unused.code())),
                )
                .returning(coupon_logs::coupon_id)
                .get_result(conn)
                .await
                .optional()?;
                let Some(coupon_id) = coupon_id else {
                    let exists: bool =
                        diesel::select(diesel::dsl::exists(coupon_logs::table.find(grant_id)))
                            .get_result(conn)
                            .await?;
                    return Err(TxError::Refused(if exists {
                        RevokeError::InUse
                    } else {
                        RevokeError::NotFound
                    }));
                };
                diesel::update(
                    coupons::table
                        .filter(coupons::id.eq(coupon_id))
                        .filter(coupons::has_total.lt(coupons::total)),
                )
                .set(coupons::has_total.eq(coupons::has_total + 1))
                .execute(conn)
                .await?;
                record(
                    conn,
                    actor,
                    actions::GRANT_REVOKE,
                    entities::COUPON_GRANT,
                    grant_id,
                    before,
                )
                .await?;
                Ok(())
            })
            .await;
        finish(result, "revoking a coupon grant")
    }

    async fn claim(
        &self,
        user: UserId,
        coupon_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, ClaimError> {
        let mut conn = connection(&self.pool).await?;
        let result = conn
            .transaction::<_, TxError<ClaimError>, _>(async move |conn| {
                // Locking the coupon row serialises claims of one coupon, so per_limit and
                // has_total hold under concurrency.
                let coupon = lock_coupon(conn, coupon_id)
                    .await?
                    .ok_or(TxError::Refused(ClaimError::CouponNotFound))?;
                if coupon.get_type != GetType::SelfClaim.code() {
                    return Err(TxError::Refused(ClaimError::NotClaimable));
                }
                if !(coupon.is_enabled && coupon.start_time <= now && now <= coupon.end_time) {
                    return Err(TxError::Refused(ClaimError::NotValid));
                }
                let held: i64 = coupon_logs::table
                    .filter(coupon_logs::coupon_id.eq(coupon_id))
                    .filter(coupon_logs::user_id.eq(user.get()))
                    .count()
                    .get_result(conn)
                    .await?;
                if held >= i64::from(coupon.per_limit) {
                    return Err(TxError::Refused(ClaimError::LimitReached));
                }
                let updated = diesel::update(
                    coupons::table
                        .filter(coupons::id.eq(coupon_id))
                        .filter(coupons::has_total.gt(0)),
                )
                .set(coupons::has_total.eq(coupons::has_total - 1))
                .execute(conn)
                .await?;
                if updated == 0 {
                    return Err(TxError::Refused(ClaimError::SoldOut));
                }
                let id: i64 = diesel::insert_into(coupon_logs::table)
                    .values((
                        coupon_logs::user_id.eq(user.get()),
                        coupon_logs::coupon_id.eq(coupon_id),
                        coupon_logs::name.eq(&coupon.name),
                    ))
                    .returning(coupon_logs::id)
                    .get_result(conn)
                    .await?;
                Ok(id)
            })
            .await;
        finish(result, "claiming a coupon")
    }
}
