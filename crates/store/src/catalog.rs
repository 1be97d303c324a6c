//! PostgreSQL adapter for the catalog ports.

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use luffy_catalog::{
    CatalogError, CatalogRepository, Category, Course, CourseOwnership, CourseType, Direction,
    PromotionLink, SaleFormula,
};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};

use crate::errors::diesel_error;
use crate::postgres::{connection, PgPool};
use crate::rows::{CategoryRow, CourseRow, DirectionRow, PromotionRow};
use crate::schema::{
    activities, course_activity_prices, course_categories, course_directions, courses,
    discount_types, discounts, user_courses,
};

/// Reads courses and promotions from PostgreSQL.
#[derive(Clone)]
pub struct PgCatalog {
    pool: PgPool,
}

impl PgCatalog {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

pub(crate) type CourseJoin = (CourseRow, DirectionRow, CategoryRow);

fn to_course(row: CourseJoin, promotions: Vec<PromotionLink>) -> Result<Course, StorageError> {
    let (course, direction, category) = row;
    let course_type = CourseType::from_code(course.course_type).ok_or_else(|| {
        anyhow!(
            "course {} has unknown course_type {}",
            course.id,
            course.course_type
        )
    })?;
    Ok(Course {
        id: CourseId(course.id),
        name: course.name,
        course_cover: course.course_cover,
        course_type,
        price: course.price,
        credit: course.credit,
        direction: Direction {
            id: direction.id,
            name: direction.name,
        },
        category: Category {
            id: category.id,
            name: category.name,
            direction_id: category.direction_id,
        },
        is_show: course.is_show,
        is_deleted: course.is_deleted,
        promotions,
    })
}

async fn promotions_for(
    mut conn: &diesel_async::AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Vec<PromotionLink>>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<PromotionRow> = course_activity_prices::table
        .inner_join(activities::table)
        .inner_join(discounts::table.inner_join(discount_types::table))
        .filter(course_activity_prices::course_id.eq_any(ids))
        .filter(activities::end_time.gt(now))
        .select((
            course_activity_prices::id,
            course_activity_prices::course_id,
            activities::name,
            activities::start_time,
            activities::end_time,
            discount_types::name,
            discounts::condition,
            discounts::sale,
        ))
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "loading promotions"))?;
    let mut by_course: HashMap<i64, Vec<PromotionLink>> = HashMap::new();
    for row in rows {
        let sale: SaleFormula = row.sale.parse().map_err(|e| {
            StorageError::Unexpected(anyhow!("stored sale formula is invalid: {e}"))
        })?;
        by_course
            .entry(row.course_id)
            .or_default()
            .push(PromotionLink {
                id: row.id,
                activity_name: row.activity_name,
                starts_at: row.start_time,
                ends_at: row.end_time,
                discount_type: row.discount_type,
                condition: row.condition,
                sale,
            });
    }
    Ok(by_course)
}

pub(crate) async fn load_courses(
    conn: &diesel_async::AsyncPgConnection,
    rows: Vec<CourseJoin>,
    now: DateTime<Utc>,
) -> Result<Vec<Course>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|(c, _, _)| c.id).collect();
    let promotions = promotions_for(conn, &ids, now).await?;
    with_promotions(rows, promotions)
}

/// Attaches each course's promotion links.
fn with_promotions(
    rows: Vec<CourseJoin>,
    mut promotions: HashMap<i64, Vec<PromotionLink>>,
) -> Result<Vec<Course>, StorageError> {
    rows.into_iter()
        .map(|row| {
            let links = promotions.remove(&row.0.id).unwrap_or_default();
            to_course(row, links)
        })
        .collect()
}

/// Courses joined with their direction and category, selecting the three row structs.
macro_rules! course_query {
    () => {
        courses::table
            .inner_join(course_directions::table)
            .inner_join(course_categories::table)
            .select((
                CourseRow::as_select(),
                DirectionRow::as_select(),
                CategoryRow::as_select(),
            ))
    };
}

/// Courses by id on an existing connection (inside a transaction), in id order. The courses
/// and their promotions are read in one pipelined round trip.
pub(crate) async fn courses_by_ids(
    conn: &diesel_async::AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<Course>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut c = conn;
    let rows = async {
        course_query!()
            .filter(courses::id.eq_any(ids))
            .order(courses::id.asc())
            .load::<CourseJoin>(&mut c)
            .await
            .map_err(|e| diesel_error(e, "finding courses"))
    };
    let (rows, promotions) = futures::try_join!(rows, promotions_for(conn, ids, now))?;
    with_promotions(rows, promotions)
}

impl CatalogRepository for PgCatalog {
    async fn list_courses(
        &self,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Course>, CatalogError> {
        let mut conn = connection(&self.pool).await?;
        let total: i64 = courses::table
            .filter(courses::is_show.eq(true).and(courses::is_deleted.eq(false)))
            .count()
            .get_result(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "counting courses"))?;
        let rows: Vec<CourseJoin> = course_query!()
            .filter(courses::is_show.eq(true).and(courses::is_deleted.eq(false)))
            .order(courses::id.asc())
            .limit(page.limit())
            .offset(page.offset())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing courses"))?;
        let items = load_courses(&conn, rows, now).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn find_course(&self, id: CourseId, now: DateTime<Utc>) -> Result<Course, CatalogError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<CourseJoin> = course_query!()
            .filter(courses::id.eq(id.get()))
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "finding a course"))?;
        let row = row.ok_or(CatalogError::CourseNotFound)?;
        let mut courses = load_courses(&conn, vec![row], now).await?;
        courses.pop().ok_or(CatalogError::CourseNotFound)
    }

    async fn find_courses(
        &self,
        ids: &[CourseId],
        now: DateTime<Utc>,
    ) -> Result<Vec<Course>, CatalogError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<CourseJoin> = course_query!()
            .filter(courses::id.eq_any(&raw))
            .order(courses::id.asc())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "finding courses"))?;
        Ok(load_courses(&conn, rows, now).await?)
    }
}

impl CourseOwnership for PgCatalog {
    async fn owns(&self, user: UserId, course: CourseId) -> Result<bool, StorageError> {
        let mut conn = connection(&self.pool).await?;
        diesel::select(diesel::dsl::exists(
            user_courses::table
                .filter(user_courses::user_id.eq(user.get()))
                .filter(user_courses::course_id.eq(course.get())),
        ))
        .get_result(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "checking course ownership"))
    }
}
