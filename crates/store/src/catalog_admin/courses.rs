//! Courses on PostgreSQL, for operators: each write one audited write, checking the
//! course's direction, category and teacher first.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_common::{StorageError, UserId};

use super::PgCatalogAdmin;
use super::{refused, Tx};
use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::errors::diesel_error;
use crate::postgres::connection;
use crate::schema::{course_categories, course_directions, courses, teachers};
use crate::statement::contains_pattern;
use luffy_catalog::{CatalogAdminError, CourseAdminStore, CourseInput, CourseRecord};
use luffy_common::{Page, PageRequest};
use rust_decimal::Decimal;

use super::bad_reference;

#[derive(Queryable, Selectable)]
#[diesel(table_name = courses, check_for_backend(diesel::pg::Pg))]
struct CourseRow {
    id: i64,
    name: String,
    direction_id: i64,
    category_id: i64,
    teacher_id: Option<i64>,
    price: Decimal,
    credit: i32,
    course_type: i16,
    level: i16,
    description: String,
    course_cover: String,
    course_video: String,
    is_show: bool,
    is_deleted: bool,
    lessons: i32,
}

impl From<CourseRow> for CourseRecord {
    fn from(r: CourseRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            direction_id: r.direction_id,
            category_id: r.category_id,
            teacher_id: r.teacher_id,
            price: r.price,
            credit: r.credit,
            course_type: r.course_type,
            level: r.level,
            description: r.description,
            course_cover: r.course_cover,
            course_video: r.course_video,
            is_show: r.is_show,
            is_deleted: r.is_deleted,
            lessons: r.lessons,
        }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = courses)]
struct CourseChanges<'a> {
    name: Option<&'a str>,
    direction_id: Option<i64>,
    category_id: Option<i64>,
    teacher_id: Option<i64>,
    price: Option<Decimal>,
    credit: Option<i32>,
    course_type: Option<i16>,
    level: Option<i16>,
    description: Option<&'a str>,
    course_cover: Option<&'a str>,
    course_video: Option<&'a str>,
    is_show: Option<bool>,
    is_deleted: Option<bool>,
}

impl<'a> From<&'a CourseInput> for CourseChanges<'a> {
    fn from(i: &'a CourseInput) -> Self {
        Self {
            name: i.name.as_deref(),
            direction_id: i.direction_id,
            category_id: i.category_id,
            teacher_id: i.teacher_id,
            price: i.price,
            credit: i.credit,
            course_type: i.course_type,
            level: i.level,
            description: i.description.as_deref(),
            course_cover: i.course_cover.as_deref(),
            course_video: i.course_video.as_deref(),
            is_show: i.is_show,
            is_deleted: i.is_deleted,
        }
    }
}

async fn read_course(conn: &mut AsyncPgConnection, id: i64) -> Tx<CourseRecord> {
    Ok(courses::table
        .find(id)
        .select(CourseRow::as_select())
        .first(conn)
        .await?
        .into())
}

/// The course's direction, category and teacher must exist, and the category must belong to
/// the direction.
async fn check_course_references(
    conn: &mut AsyncPgConnection,
    direction_id: i64,
    category_id: i64,
    teacher_id: Option<i64>,
) -> Tx<()> {
    let direction: Option<i64> = course_directions::table
        .find(direction_id)
        .select(course_directions::id)
        .first(conn)
        .await
        .optional()?;
    if direction.is_none() {
        return Err(bad_reference("direction_id", "课程方向不存在!"));
    }
    let category_direction: Option<i64> = course_categories::table
        .find(category_id)
        .select(course_categories::direction_id)
        .first(conn)
        .await
        .optional()?;
    match category_direction {
        None => return Err(bad_reference("category_id", "课程分类不存在!")),
        Some(d) if d != direction_id => {
            return Err(bad_reference("category_id", "课程分类不属于该课程方向!"))
        }
        Some(_) => {}
    }
    if let Some(teacher) = teacher_id {
        let found: Option<i64> = teachers::table
            .find(teacher)
            .filter(teachers::is_deleted.eq(false))
            .select(teachers::id)
            .first(conn)
            .await
            .optional()?;
        if found.is_none() {
            return Err(bad_reference("teacher_id", "讲师不存在!"));
        }
    }
    Ok(())
}

impl CourseAdminStore for PgCatalogAdmin {
    async fn courses(
        &self,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<CourseRecord>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        let filtered = || {
            let mut query = courses::table.into_boxed();
            if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
                query = query.filter(courses::name.like(contains_pattern(q.trim())));
            }
            query
        };
        let total: i64 = filtered()
            .count()
            .get_result(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "counting courses"))?;
        let rows: Vec<CourseRow> = filtered()
            .order(courses::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(CourseRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing courses"))?;
        Ok(Page {
            items: rows.into_iter().map(Into::into).collect(),
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn course(&self, id: i64) -> Result<Option<CourseRecord>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        let row: Option<CourseRow> = courses::table
            .find(id)
            .select(CourseRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "reading a course"))?;
        Ok(row.map(Into::into))
    }

    async fn create_course(
        &self,
        actor: UserId,
        input: &CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::COURSE_CREATE, entities::COURSE);
        audited_write(self.pool(), "creating a course", audit, async |conn| {
            check_course_references(
                conn,
                input.direction_id.unwrap_or_default(),
                input.category_id.unwrap_or_default(),
                input.teacher_id,
            )
            .await?;
            let id: i64 = diesel::insert_into(courses::table)
                .values(CourseChanges::from(input))
                .returning(courses::id)
                .get_result(conn)
                .await?;
            Ok(Audited::created(id, read_course(conn, id).await?))
        })
        .await
    }

    async fn update_course(
        &self,
        actor: UserId,
        id: i64,
        input: &CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::COURSE_UPDATE, entities::COURSE);
        audited_write(self.pool(), "changing a course", audit, async |conn| {
            let current: Option<(i64, i64, Option<i64>)> = courses::table
                .find(id)
                .select((
                    courses::direction_id,
                    courses::category_id,
                    courses::teacher_id,
                ))
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let Some((direction, category, teacher)) = current else {
                return refused(CatalogAdminError::NotFound("课程"));
            };
            check_course_references(
                conn,
                input.direction_id.unwrap_or(direction),
                input.category_id.unwrap_or(category),
                input.teacher_id.or(teacher),
            )
            .await?;
            let before = audit.before(conn, id).await?;
            diesel::update(courses::table.find(id))
                .set((
                    CourseChanges::from(input),
                    courses::updated_time.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            Ok(Audited::changed(id, before, read_course(conn, id).await?))
        })
        .await
    }
}
