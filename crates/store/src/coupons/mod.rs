//! PostgreSQL adapter for coupons and grants: the buyer's reads and the operators' lists here,
//! the transaction in [`tx`]. It only loads and writes; the rules are `luffy_coupon::rules`,
//! and grant states are bound as parameters from `UseStatus`. PostgreSQL is the only copy.

mod tx;

pub use tx::PgCouponTx;

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_catalog::SaleFormula;
use luffy_common::{Page, PageRequest, StorageError, UserId};
use luffy_coupon::{
    Coupon, CouponBackOffice, CouponKind, CouponStats, CouponStore, GetType, GrantRecord,
    ScopeItem, ScopeKind, UseStatus, UserCoupon,
};

use diesel::sql_types::{Array, BigInt, Integer, Nullable, SmallInt, Text, Timestamptz};

use crate::errors::diesel_error;
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
    let counts: Vec<StockRow> = CouponStock {
        ids: ids.clone(),
        used: UseStatus::Used.code(),
        unused: UseStatus::Unused.code(),
    }
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
    let wants = |kind: ScopeKind| rows.iter().any(|r| r.coupon_type == kind.code());
    let directions: Vec<(i64, i64, String)> = if !wants(ScopeKind::Directions) {
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
    let categories: Vec<(i64, i64, String)> = if !wants(ScopeKind::Categories) {
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
    let course_links: Vec<(i64, i64, String)> = if !wants(ScopeKind::Courses) {
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
        let kind = ScopeKind::from_code(row.coupon_type).ok_or_else(|| invalid("coupon_type"))?;
        let scope = kind.with_items(match kind {
            ScopeKind::All => Vec::new(),
            ScopeKind::Directions => items(&directions, row.id),
            ScopeKind::Categories => items(&categories, row.id),
            ScopeKind::Courses => items(&course_links, row.id),
        });
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
            count(*) FILTER (WHERE use_status = :used)::bigint AS used,
            count(*) FILTER (WHERE use_status = :unused AND order_id IS NOT NULL)::bigint AS reserved
        FROM coupon_logs WHERE coupon_id = ANY(:ids) GROUP BY coupon_id";
    ids: Array<BigInt> => Vec<i64>,
    used: SmallInt => i16,
    unused: SmallInt => i16,
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

/// A row of [`LockGrantWithCoupon`] (the checkout's facts read the same columns).
#[derive(QueryableByName)]
pub(crate) struct GrantWithCouponRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) user_id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) coupon_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) order_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub(crate) use_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = SmallInt)]
    pub(crate) use_status: i16,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = SmallInt)]
    pub(crate) discount: i16,
    #[diesel(sql_type = SmallInt)]
    pub(crate) coupon_type: i16,
    #[diesel(sql_type = Integer)]
    pub(crate) total: i32,
    #[diesel(sql_type = Integer)]
    pub(crate) has_total: i32,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) start_time: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) end_time: DateTime<Utc>,
    #[diesel(sql_type = SmallInt)]
    pub(crate) get_type: i16,
    #[diesel(sql_type = Integer)]
    pub(crate) condition: i32,
    #[diesel(sql_type = Integer)]
    pub(crate) per_limit: i32,
    #[diesel(sql_type = Text)]
    pub(crate) sale: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub(crate) is_enabled: bool,
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
    grant_from_row(conn, row).await.map(Some)
}

/// A grant with its coupon from its row; the coupon's scope links, if it has any, take a
/// statement of their own.
pub(crate) async fn grant_from_row(
    conn: &AsyncPgConnection,
    row: GrantWithCouponRow,
) -> Result<UserCoupon, StorageError> {
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
    with_coupons(vec![grant], &coupons)?
        .pop()
        .ok_or_else(|| StorageError::Unexpected(anyhow!("a grant lost its coupon")))
}

/// A user's grants in `status` that no order holds, newest first, with their coupons.
pub(crate) async fn unreserved_grants(
    mut conn: &AsyncPgConnection,
    user: UserId,
    status: UseStatus,
) -> Result<Vec<UserCoupon>, StorageError> {
    let rows: Vec<CouponLogRow> = coupon_logs::table
        .filter(coupon_logs::user_id.eq(user.get()))
        .filter(coupon_logs::use_status.eq(status.code()))
        .filter(coupon_logs::order_id.is_null())
        .order(coupon_logs::id.desc())
        .select(CouponLogRow::as_select())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "listing a user's grants"))?;
    to_user_coupons(conn, rows).await
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

impl CouponStore for PgCoupons {
    type Tx = PgCouponTx;

    async fn begin(&self) -> Result<PgCouponTx, StorageError> {
        PgCouponTx::begin(connection(&self.pool).await?).await
    }

    async fn unreserved_grants(
        &self,
        user: UserId,
        status: UseStatus,
    ) -> Result<Vec<UserCoupon>, StorageError> {
        let conn = connection(&self.pool).await?;
        unreserved_grants(&conn, user, status).await
    }
}

impl CouponBackOffice for PgCoupons {
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
        let items = rows
            .into_iter()
            .map(
                |(id, user, username, order_id, use_status, use_time, granted_at)| {
                    let use_status = UseStatus::from_code(use_status).ok_or_else(|| {
                        StorageError::Unexpected(anyhow!("grant {id} has an invalid use_status"))
                    })?;
                    Ok(GrantRecord {
                        id,
                        user: UserId(user),
                        username,
                        order_id,
                        use_status,
                        use_time,
                        granted_at,
                    })
                },
            )
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(Some(Page {
            total: u64::try_from(total).unwrap_or_default(),
            items,
            request: page,
        }))
    }
}
