//! PostgreSQL adapter for the catalog ports.

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use luffy_catalog::{
    CatalogError, CatalogStore, Category, Course, CourseOwnership, CourseType, Direction,
    PromotionLink, SaleFormula,
};
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};

use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Nullable, Numeric, SmallInt, Text, Timestamptz,
};

use crate::errors::diesel_error;
use crate::postgres::{connection, PgConn, PgPool};
use crate::replica::ReplicaReads;
use crate::rows::{CategoryRow, CourseRow, DirectionRow};
use crate::schema::{courses, user_courses};
use crate::statement::cached_sql;

/// Reads courses and promotions from PostgreSQL.
#[derive(Clone)]
pub struct PgCatalog {
    pool: PgPool,
    replica: Option<ReplicaReads>,
}

impl PgCatalog {
    /// Reads everything from the primary.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            replica: None,
        }
    }

    /// Serves browsing (the `CatalogStore` and `CatalogBrowser` reads) from the replica while
    /// it is healthy; ownership stays on the primary. Give this only to the catalog's browsing
    /// service: the cart's and checkout's catalog checks decide, so they read the primary.
    pub fn with_replica(mut self, replica: Option<ReplicaReads>) -> Self {
        self.replica = replica;
        self
    }

    /// A connection for a browsing read: the replica's when there is one in use.
    pub(crate) async fn read_connection(&self) -> Result<PgConn, StorageError> {
        match &self.replica {
            Some(replica) => replica.connection(&self.pool).await,
            None => connection(&self.pool).await,
        }
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

/// The SQL of [`CoursesWithPromotions`], as a literal, so that the checkout's course read can
/// embed the same join (`concat!`). `$promotions` narrows the promotion links joined:
/// `"AND a.end_time > :now"` for the links a reader at `:now` sees, `""` for all of them.
macro_rules! courses_with_promotions_sql {
    ($promotions:literal) => {
        concat!(
            "SELECT c.id, c.name, c.course_cover, c.course_type,
            c.price, c.credit, c.is_show, c.is_deleted,
            d.id AS direction_id, d.name AS direction_name,
            g.id AS category_id, g.name AS category_name, g.direction_id AS category_direction_id,
            p.id AS promotion_id, a.name AS activity_name, a.start_time, a.end_time,
            t.name AS discount_type, k.condition, k.sale
        FROM courses c
        JOIN course_directions d ON d.id = c.direction_id
        JOIN course_categories g ON g.id = c.category_id
        LEFT JOIN (course_activity_prices p
                   JOIN activities a ON a.id = p.activity_id
                   JOIN discounts k ON k.id = p.discount_id
                   JOIN discount_types t ON t.id = k.discount_type_id)
          ON p.course_id = c.id ",
            $promotions,
            "
        WHERE c.id = ANY(:ids)
        ORDER BY c.id, p.id"
        )
    };
}
pub(crate) use courses_with_promotions_sql;

cached_sql! {
    /// Courses with their direction, category and running promotions, in one statement (the
    /// checkout path reads them on every order).
    struct CoursesWithPromotions = courses_with_promotions_sql!("AND a.end_time > :now");
    now: Timestamptz => DateTime<Utc>,
    ids: Array<BigInt> => Vec<i64>,
}

/// A row of [`CoursesWithPromotions`]: one per course and running promotion.
#[derive(QueryableByName)]
pub(crate) struct CoursePromotionRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    course_cover: String,
    #[diesel(sql_type = SmallInt)]
    course_type: i16,
    #[diesel(sql_type = Numeric)]
    price: rust_decimal::Decimal,
    #[diesel(sql_type = Integer)]
    credit: i32,
    #[diesel(sql_type = Bool)]
    is_show: bool,
    #[diesel(sql_type = Bool)]
    is_deleted: bool,
    #[diesel(sql_type = BigInt)]
    direction_id: i64,
    #[diesel(sql_type = Text)]
    direction_name: String,
    #[diesel(sql_type = BigInt)]
    category_id: i64,
    #[diesel(sql_type = Text)]
    category_name: String,
    #[diesel(sql_type = BigInt)]
    category_direction_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    promotion_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    activity_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    start_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    end_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    discount_type: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    condition: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    sale: Option<String>,
}

impl CoursePromotionRow {
    /// The promotion half of the row, if the course has one here.
    fn promotion(&self) -> Result<Option<PromotionLink>, StorageError> {
        let (Some(id), Some(activity_name), Some(starts_at), Some(ends_at)) = (
            self.promotion_id,
            self.activity_name.clone(),
            self.start_time,
            self.end_time,
        ) else {
            return Ok(None);
        };
        let sale: SaleFormula = self
            .sale
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(|e| {
                StorageError::Unexpected(anyhow!("stored sale formula is invalid: {e}"))
            })?;
        Ok(Some(PromotionLink {
            id,
            activity_name,
            starts_at,
            ends_at,
            discount_type: self.discount_type.clone().unwrap_or_default(),
            condition: self.condition.unwrap_or_default(),
            sale,
        }))
    }

    /// The course half of the row, in the shape the other catalog queries load.
    fn course(&self) -> CourseJoin {
        (
            CourseRow {
                id: self.id,
                name: self.name.clone(),
                course_cover: self.course_cover.clone(),
                course_type: self.course_type,
                price: self.price,
                credit: self.credit,
                is_show: self.is_show,
                is_deleted: self.is_deleted,
            },
            DirectionRow {
                id: self.direction_id,
                name: self.direction_name.clone(),
            },
            CategoryRow {
                id: self.category_id,
                name: self.category_name.clone(),
                direction_id: self.category_direction_id,
            },
        )
    }
}

/// Courses by id on an existing connection (inside a transaction), in id order, with their
/// promotions, in one statement.
pub(crate) async fn courses_by_ids(
    mut conn: &diesel_async::AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<Course>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<CoursePromotionRow> = CoursesWithPromotions {
        now,
        ids: ids.to_vec(),
    }
    .load(&mut conn)
    .await
    .map_err(|e| diesel_error(e, "finding courses"))?;
    courses_from_rows(&rows)
}

/// Courses from [`CoursesWithPromotions`]' rows (ordered by course), with their promotions.
pub(crate) fn courses_from_rows(rows: &[CoursePromotionRow]) -> Result<Vec<Course>, StorageError> {
    let mut courses: Vec<CourseJoin> = Vec::new();
    let mut promotions: HashMap<i64, Vec<PromotionLink>> = HashMap::new();
    for row in rows {
        if courses.last().map(|(c, _, _)| c.id) != Some(row.id) {
            courses.push(row.course());
        }
        if let Some(link) = row.promotion()? {
            promotions.entry(row.id).or_default().push(link);
        }
    }
    with_promotions(courses, promotions)
}

impl CatalogStore for PgCatalog {
    async fn list_courses(
        &self,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Course>, CatalogError> {
        let conn = self.read_connection().await?;
        let (mut c1, mut c2) = (&*conn, &*conn);
        let listed = courses::is_show.eq(true).and(courses::is_deleted.eq(false));
        // The count and the page's ids in one pipelined round trip, then the courses.
        let total = courses::table
            .filter(listed)
            .count()
            .get_result::<i64>(&mut c1);
        let ids = courses::table
            .filter(listed)
            .order(courses::id.asc())
            .limit(page.limit())
            .offset(page.offset())
            .select(courses::id)
            .load::<i64>(&mut c2);
        let (total, ids) =
            futures::try_join!(total, ids).map_err(|e| diesel_error(e, "listing courses"))?;
        let items = courses_by_ids(&conn, &ids, now).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn find_course(&self, id: CourseId, now: DateTime<Utc>) -> Result<Course, CatalogError> {
        let conn = self.read_connection().await?;
        let mut courses = courses_by_ids(&conn, &[id.get()], now).await?;
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
        let conn = self.read_connection().await?;
        Ok(courses_by_ids(&conn, &raw, now).await?)
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
