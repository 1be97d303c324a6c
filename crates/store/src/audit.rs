//! The audit trail on PostgreSQL: entries written inside each audited change's transaction
//! (`record`, with the row read as JSON before and after the change), and [`PgAudit`], the
//! operators' read side.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::entities;
use luffy_account::{AuditEntry, AuditQuery, AuditStore};
use luffy_common::{Page, StorageError, UserId};

use crate::errors::diesel_error;
use crate::postgres::{connection, PgPool};
use crate::statement::cached_sql;

/// The statements that read one audited row as JSON text: they differ only in the table and
/// in what the JSON leaves out.
macro_rules! row_json {
    ($(#[$meta:meta])* $name:ident, $json:literal, $table:literal) => {
        cached_sql! {
            $(#[$meta])*
            struct $name = concat!(
                "SELECT (", $json, ")::text AS value FROM ", $table, " r WHERE r.id = :id"
            );
            id: BigInt => i64,
        }
    };
}

row_json!(
    /// A user row as JSON, without the password hash.
    UserJson,
    "to_jsonb(r) - 'password_hash'",
    "users"
);
row_json!(
    /// A coupon row as JSON.
    CouponJson,
    "to_jsonb(r)",
    "coupons"
);
row_json!(
    /// A grant row as JSON.
    GrantJson,
    "to_jsonb(r)",
    "coupon_logs"
);
row_json!(
    /// A direction row as JSON.
    DirectionJson,
    "to_jsonb(r)",
    "course_directions"
);
row_json!(
    /// A category row as JSON.
    CategoryJson,
    "to_jsonb(r)",
    "course_categories"
);
row_json!(
    /// A refund row as JSON, with its lines' courses.
    RefundJson,
    "to_jsonb(r) || jsonb_build_object('course_ids', (SELECT COALESCE(jsonb_agg(l.course_id ORDER BY l.course_id), '[]'::jsonb) FROM refund_lines l WHERE l.refund_id = r.id))",
    "refunds"
);
row_json!(
    /// A teacher row as JSON.
    TeacherJson,
    "to_jsonb(r)",
    "teachers"
);
row_json!(
    /// A course row as JSON.
    CourseJson,
    "to_jsonb(r)",
    "courses"
);
row_json!(
    /// A chapter row as JSON.
    ChapterJson,
    "to_jsonb(r)",
    "course_chapters"
);
row_json!(
    /// A lesson row as JSON.
    LessonJson,
    "to_jsonb(r)",
    "course_lessons"
);
row_json!(
    /// A promotion as JSON: the activity with its rule and linked courses.
    PromotionJson,
    "to_jsonb(r) || jsonb_build_object('rules', (SELECT COALESCE(jsonb_agg(jsonb_build_object('course_id', p.course_id, 'sale', d.sale, 'condition', d.condition) ORDER BY p.course_id), '[]'::jsonb) FROM course_activity_prices p JOIN discounts d ON d.id = p.discount_id WHERE p.activity_id = r.id))",
    "activities"
);
row_json!(
    /// A navigation row as JSON.
    NavJson,
    "to_jsonb(r)",
    "navs"
);
row_json!(
    /// A banner row as JSON.
    BannerJson,
    "to_jsonb(r)",
    "banners"
);
row_json!(
    /// A job row as JSON.
    JobJson,
    "to_jsonb(r)",
    "jobs"
);

cached_sql! {
    /// One audit entry.
    struct InsertAudit = "INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after)
        VALUES (:actor, :action, :entity, :entity_id, :before::jsonb, :after::jsonb)";
    actor: BigInt => i64,
    action: Text => String,
    entity: Text => String,
    entity_id: BigInt => i64,
    before: Nullable<Text> => Option<String>,
    after: Nullable<Text> => Option<String>,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    value: String,
}

/// The audited row as JSON text as it stands now in the caller's transaction (`None` when it
/// does not exist).
async fn snapshot(
    mut conn: &AsyncPgConnection,
    entity: &str,
    id: i64,
) -> Result<Option<String>, DieselError> {
    let row: Option<JsonRow> = match entity {
        entities::USER => UserJson { id }.get_result(&mut conn).await.optional()?,
        entities::COUPON => CouponJson { id }.get_result(&mut conn).await.optional()?,
        entities::COUPON_GRANT => GrantJson { id }.get_result(&mut conn).await.optional()?,
        entities::JOB => JobJson { id }.get_result(&mut conn).await.optional()?,
        entities::REFUND => RefundJson { id }.get_result(&mut conn).await.optional()?,
        entities::TEACHER => TeacherJson { id }.get_result(&mut conn).await.optional()?,
        entities::COURSE => CourseJson { id }.get_result(&mut conn).await.optional()?,
        entities::CHAPTER => ChapterJson { id }.get_result(&mut conn).await.optional()?,
        entities::LESSON => LessonJson { id }.get_result(&mut conn).await.optional()?,
        entities::PROMOTION => PromotionJson { id }
            .get_result(&mut conn)
            .await
            .optional()?,
        entities::DIRECTION => DirectionJson { id }
            .get_result(&mut conn)
            .await
            .optional()?,
        entities::CATEGORY => CategoryJson { id }.get_result(&mut conn).await.optional()?,
        entities::NAV => NavJson { id }.get_result(&mut conn).await.optional()?,
        entities::BANNER => BannerJson { id }.get_result(&mut conn).await.optional()?,
        other => {
            return Err(DieselError::QueryBuilderError(
                format!("no audit snapshot for {other}").into(),
            ))
        }
    };
    Ok(row.map(|r| r.value))
}

/// Records an audit entry in the caller's transaction; the after-state is read now.
async fn record(
    conn: &AsyncPgConnection,
    actor: UserId,
    action: &str,
    entity: &str,
    entity_id: i64,
    before: Option<String>,
) -> Result<(), DieselError> {
    let after = snapshot(conn, entity, entity_id).await?;
    InsertAudit {
        actor: actor.get(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id,
        before,
        after,
    }
    .execute(&mut &*conn)
    .await?;
    Ok(())
}

/// Who makes which audited change to which kind of row: the entry's fixed part, so that each
/// write names it once and records with [`Audit::before`] and [`Audit::record`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Audit {
    /// The operator.
    pub actor: UserId,
    /// What they did (`luffy_account::audit::actions`).
    pub action: &'static str,
    /// The kind of row (`luffy_account::audit::entities`).
    pub entity: &'static str,
}

impl Audit {
    /// The entry's fixed part.
    pub(crate) fn new(actor: UserId, action: &'static str, entity: &'static str) -> Self {
        Self {
            actor,
            action,
            entity,
        }
    }

    /// The row as JSON before the change (`None` when it does not exist), read in the
    /// caller's transaction after its locks.
    pub(crate) async fn before(
        &self,
        conn: &AsyncPgConnection,
        id: i64,
    ) -> Result<Option<String>, DieselError> {
        snapshot(conn, self.entity, id).await
    }

    /// Writes the entry in the caller's transaction, with the row as it stands now.
    pub(crate) async fn record(
        &self,
        conn: &AsyncPgConnection,
        id: i64,
        before: Option<String>,
    ) -> Result<(), DieselError> {
        record(conn, self.actor, self.action, self.entity, id, before).await
    }
}

#[derive(QueryableByName)]
struct AuditRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    actor_id: i64,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    entity: String,
    #[diesel(sql_type = BigInt)]
    entity_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    before: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    after: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_time: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// The audit trail's read side.
#[derive(Clone)]
pub struct PgAudit {
    pool: PgPool,
}

impl PgAudit {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl AuditStore for PgAudit {
    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        // One statement: the page with the matching total on every row.
        let rows: Vec<AuditRow> = diesel::sql_query(
            "SELECT id, actor_id, action, entity, entity_id, before::text AS before,
                    after::text AS after, created_time, count(*) OVER ()::bigint AS total
             FROM audit_log
             WHERE ($1::bigint IS NULL OR actor_id = $1)
               AND ($2::text IS NULL OR entity = $2)
               AND ($3::timestamptz IS NULL OR created_time >= $3)
               AND ($4::timestamptz IS NULL OR created_time < $4)
             ORDER BY id DESC LIMIT $5 OFFSET $6",
        )
        .bind::<Nullable<BigInt>, _>(query.actor.map(|a| a.get()))
        .bind::<Nullable<Text>, _>(query.entity.as_deref())
        .bind::<Nullable<Timestamptz>, _>(query.from)
        .bind::<Nullable<Timestamptz>, _>(query.to)
        .bind::<BigInt, _>(query.page.limit())
        .bind::<BigInt, _>(query.page.offset())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "listing the audit trail"))?;
        let total = rows.iter().map(|r| r.total).next().unwrap_or(0);
        Ok(Page {
            total: u64::try_from(total).unwrap_or_default(),
            items: rows
                .into_iter()
                .map(|r| AuditEntry {
                    id: r.id,
                    actor: UserId(r.actor_id),
                    action: r.action,
                    entity: r.entity,
                    entity_id: r.entity_id,
                    before: r.before,
                    after: r.after,
                    at: r.created_time,
                })
                .collect(),
            request: query.page,
        })
    }
}
