//! Row structs: what diesel reads and writes, mapped to domain types here and nowhere else.

use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::schema::*;

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Mobile number, also accepted as login.
    pub mobile: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Balance for balance payments.
    pub money: Decimal,
    /// Points balance.
    pub credit: i32,
    /// Staff may use operator routes.
    pub is_staff: bool,
    /// Inactive users cannot log in.
    pub is_active: bool,
}

/// A `courses` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = courses, check_for_backend(diesel::pg::Pg))]
pub struct CourseRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Cover path.
    pub course_cover: String,
    /// 0..2.
    pub course_type: i16,
    /// List price.
    pub price: Decimal,
    /// Points cap.
    pub credit: i32,
    /// Visible.
    pub is_show: bool,
    /// Soft-deleted.
    pub is_deleted: bool,
}

/// A `course_directions` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = course_directions, check_for_backend(diesel::pg::Pg))]
pub struct DirectionRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A `course_categories` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = course_categories, check_for_backend(diesel::pg::Pg))]
pub struct CategoryRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Parent direction.
    pub direction_id: i64,
}

/// One `bigint` column named `value`: a count or an id, as hand-written SQL answers it.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub(crate) struct BigIntValue {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub value: i64,
}
