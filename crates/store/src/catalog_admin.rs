//! The operators' catalog on PostgreSQL (teachers, courses, chapters, lessons, promotions): each
//! write is one transaction with its audit entry, and checks that what it refers to exists (a
//! category of the course's direction, a teacher, the linked courses) before writing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_catalog::back_office::promotion_type;
use luffy_catalog::{
    CatalogAdminError, CatalogAdminStore, ChapterInput, ChapterRecord, CourseInput, CourseRecord,
    LessonInput, LessonRecord, PromotionInput, PromotionRecord, SaleFormula, TeacherInput,
    TeacherRecord,
};
use luffy_common::{Page, PageRequest, StorageError, UserId};
use rust_decimal::Decimal;

use crate::audit::{record, snapshot};
use crate::catalog::PgCatalog;
use crate::errors::{diesel_error, finish, TxError};
use crate::postgres::connection;
use crate::schema::{
    activities, course_activity_prices, course_categories, course_chapters, course_directions,
    course_lessons, courses, discount_types, discounts, teachers,
};
use crate::statement::contains_pattern;

type Tx<T> = Result<T, TxError<CatalogAdminError>>;

fn refused<T>(error: CatalogAdminError) -> Tx<T> {
    Err(TxError::Refused(error))
}

fn bad_reference(field: &'static str, message: &str) -> TxError<CatalogAdminError> {
    TxError::Refused(CatalogAdminError::BadReference {
        field,
        message: message.to_owned(),
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = teachers, check_for_backend(diesel::pg::Pg))]
struct TeacherRow {
    id: i64,
    name: String,
    title: String,
    role: i16,
    brief: String,
    avatar: String,
    is_show: bool,
}

impl From<TeacherRow> for TeacherRecord {
    fn from(r: TeacherRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            title: r.title,
            role: r.role,
            brief: r.brief,
            avatar: r.avatar,
            is_show: r.is_show,
        }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = teachers)]
struct TeacherChanges<'a> {
    name: Option<&'a str>,
    title: Option<&'a str>,
    role: Option<i16>,
    brief: Option<&'a str>,
    avatar: Option<&'a str>,
    is_show: Option<bool>,
}

impl<'a> From<&'a TeacherInput> for TeacherChanges<'a> {
    fn from(i: &'a TeacherInput) -> Self {
        Self {
            name: i.name.as_deref(),
            title: i.title.as_deref(),
            role: i.role,
            brief: i.brief.as_deref(),
            avatar: i.avatar.as_deref(),
            is_show: i.is_show,
        }
    }
}

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

async fn read_teacher(conn: &mut AsyncPgConnection, id: i64) -> Tx<TeacherRecord> {
    Ok(teachers::table
        .find(id)
        .select(TeacherRow::as_select())
        .first(conn)
        .await?
        .into())
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

async fn read_chapter(conn: &mut AsyncPgConnection, id: i64) -> Tx<ChapterRecord> {
    let (id, course_id, orders, name, summary, is_show): (i64, i64, i32, String, String, bool) =
        course_chapters::table
            .find(id)
            .select((
                course_chapters::id,
                course_chapters::course_id,
                course_chapters::orders,
                course_chapters::name,
                course_chapters::summary,
                course_chapters::is_show,
            ))
            .first(conn)
            .await?;
    let lessons = lessons_of(conn, &[id]).await?;
    Ok(ChapterRecord {
        id,
        course_id,
        orders,
        name,
        summary,
        is_show,
        lessons: lessons.into_iter().map(|(_, l)| l).collect(),
    })
}

type LessonRow = (i64, i64, i32, String, String, bool, bool);

async fn lessons_of(
    conn: &mut AsyncPgConnection,
    chapter_ids: &[i64],
) -> Result<Vec<(i64, LessonRecord)>, DieselError> {
    let rows: Vec<LessonRow> = course_lessons::table
        .filter(course_lessons::chapter_id.eq_any(chapter_ids))
        .order((course_lessons::orders.asc(), course_lessons::id.asc()))
        .select((
            course_lessons::id,
            course_lessons::chapter_id,
            course_lessons::orders,
            course_lessons::name,
            course_lessons::duration,
            course_lessons::free_trail,
            course_lessons::is_show,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, chapter, orders, name, duration, free_trail, is_show)| {
                (
                    chapter,
                    LessonRecord {
                        id,
                        orders,
                        name,
                        duration,
                        free_trail,
                        is_show,
                    },
                )
            },
        )
        .collect())
}

/// A promotion's activity, its first rule and its linked courses.
/// Locks a course's row: additions and changes to its chapters and lessons (their positions
/// and the course's lesson count) take turns.
async fn lock_course(conn: &mut AsyncPgConnection, course_id: i64) -> Result<(), DieselError> {
    let _: i64 = courses::table
        .find(course_id)
        .select(courses::id)
        .for_update()
        .first(conn)
        .await?;
    Ok(())
}

/// Locks the course a chapter belongs to ([`lock_course`]); `None` when there is no such
/// chapter.
async fn lock_course_of_chapter(
    conn: &mut AsyncPgConnection,
    chapter_id: i64,
) -> Result<Option<i64>, DieselError> {
    let course: Option<i64> = course_chapters::table
        .find(chapter_id)
        .select(course_chapters::course_id)
        .first(conn)
        .await
        .optional()?;
    if let Some(course_id) = course {
        lock_course(conn, course_id).await?;
    }
    Ok(course)
}

/// Sets a course's lesson count to its shown lessons (under the course's row lock).
async fn recount_lessons(conn: &mut AsyncPgConnection, course_id: i64) -> Result<(), DieselError> {
    let shown: i64 = course_lessons::table
        .filter(course_lessons::course_id.eq(course_id))
        .filter(course_lessons::is_show.eq(true))
        .count()
        .get_result(conn)
        .await?;
    diesel::update(courses::table.find(course_id))
        .set(courses::lessons.eq(i32::try_from(shown).unwrap_or(i32::MAX)))
        .execute(conn)
        .await?;
    Ok(())
}

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

impl CatalogAdminStore for PgCatalog {
    async fn teachers(&self) -> Result<Vec<TeacherRecord>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        let rows: Vec<TeacherRow> = teachers::table
            .filter(teachers::is_deleted.eq(false))
            .order(teachers::id.asc())
            .select(TeacherRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing teachers"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn create_teacher(
        &self,
        actor: UserId,
        input: &TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
                let id: i64 = diesel::insert_into(teachers::table)
                    .values(TeacherChanges::from(input))
                    .returning(teachers::id)
                    .get_result(conn)
                    .await?;
                record(
                    conn,
                    actor,
                    actions::TEACHER_CREATE,
                    entities::TEACHER,
                    id,
                    None,
                )
                .await?;
                read_teacher(conn, id).await
            })
            .await;
        finish(result, "creating a teacher")
    }

    async fn update_teacher(
        &self,
        actor: UserId,
        id: i64,
        input: &TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
                let before = snapshot(conn, entities::TEACHER, id).await?;
                let changed = diesel::update(teachers::table.find(id))
                    .set(TeacherChanges::from(input))
                    .execute(conn)
                    .await?;
                if changed == 0 {
                    return refused(CatalogAdminError::NotFound("讲师"));
                }
                record(
                    conn,
                    actor,
                    actions::TEACHER_UPDATE,
                    entities::TEACHER,
                    id,
                    before,
                )
                .await?;
                read_teacher(conn, id).await
            })
            .await;
        finish(result, "changing a teacher")
    }

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
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
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
                record(
                    conn,
                    actor,
                    actions::COURSE_CREATE,
                    entities::COURSE,
                    id,
                    None,
                )
                .await?;
                read_course(conn, id).await
            })
            .await;
        finish(result, "creating a course")
    }

    async fn update_course(
        &self,
        actor: UserId,
        id: i64,
        input: &CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
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
                let before = snapshot(conn, entities::COURSE, id).await?;
                diesel::update(courses::table.find(id))
                    .set((
                        CourseChanges::from(input),
                        courses::updated_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                record(
                    conn,
                    actor,
                    actions::COURSE_UPDATE,
                    entities::COURSE,
                    id,
                    before,
                )
                .await?;
                read_course(conn, id).await
            })
            .await;
        finish(result, "changing a course")
    }

    async fn chapters(&self, course_id: i64) -> Result<Option<Vec<ChapterRecord>>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        let db = |e| diesel_error(e, "reading chapters");
        let exists: Option<i64> = courses::table
            .find(course_id)
            .select(courses::id)
            .first(&mut conn)
            .await
            .optional()
            .map_err(db)?;
        if exists.is_none() {
            return Ok(None);
        }
        type ChapterRow = (i64, i32, String, String, bool);
        let rows: Vec<ChapterRow> = course_chapters::table
            .filter(course_chapters::course_id.eq(course_id))
            .order((course_chapters::orders.asc(), course_chapters::id.asc()))
            .select((
                course_chapters::id,
                course_chapters::orders,
                course_chapters::name,
                course_chapters::summary,
                course_chapters::is_show,
            ))
            .load(&mut conn)
            .await
            .map_err(db)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut lessons: std::collections::HashMap<i64, Vec<LessonRecord>> =
            std::collections::HashMap::new();
        for (chapter, lesson) in lessons_of(&mut conn, &ids).await.map_err(db)? {
            lessons.entry(chapter).or_default().push(lesson);
        }
        Ok(Some(
            rows.into_iter()
                .map(|(id, orders, name, summary, is_show)| ChapterRecord {
                    id,
                    course_id,
                    orders,
                    name,
                    summary,
                    is_show,
                    lessons: lessons.remove(&id).unwrap_or_default(),
                })
                .collect(),
        ))
    }

    async fn create_chapter(
        &self,
        actor: UserId,
        course_id: i64,
        input: &ChapterInput,
    ) -> Result<ChapterRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
                let course: Option<i64> = courses::table
                    .find(course_id)
                    .select(courses::id)
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                if course.is_none() {
                    return refused(CatalogAdminError::NotFound("课程"));
                }
                let orders = match input.orders {
                    Some(orders) => orders,
                    None => {
                        let last: Option<i32> = course_chapters::table
                            .filter(course_chapters::course_id.eq(course_id))
                            .select(diesel::dsl::max(course_chapters::orders))
                            .first(conn)
                            .await?;
                        last.unwrap_or(0) + 1
                    }
                };
                let id: i64 = diesel::insert_into(course_chapters::table)
                    .values((
                        course_chapters::course_id.eq(course_id),
                        course_chapters::orders.eq(orders),
                        course_chapters::name.eq(&input.name),
                        course_chapters::summary.eq(&input.summary),
                        course_chapters::is_show.eq(input.is_show),
                    ))
                    .returning(course_chapters::id)
                    .get_result(conn)
                    .await?;
                record(
                    conn,
                    actor,
                    actions::CHAPTER_CREATE,
                    entities::CHAPTER,
                    id,
                    None,
                )
                .await?;
                read_chapter(conn, id).await
            })
            .await;
        finish(result, "adding a chapter")
    }

    async fn update_chapter(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: &ChapterInput,
    ) -> Result<ChapterRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
                if lock_course_of_chapter(conn, chapter_id).await?.is_none() {
                    return refused(CatalogAdminError::NotFound("章节"));
                }
                let before = snapshot(conn, entities::CHAPTER, chapter_id).await?;
                diesel::update(course_chapters::table.find(chapter_id))
                    .set((
                        input.orders.map(|o| course_chapters::orders.eq(o)),
                        course_chapters::name.eq(&input.name),
                        course_chapters::summary.eq(&input.summary),
                        course_chapters::is_show.eq(input.is_show),
                    ))
                    .execute(conn)
                    .await?;
                record(
                    conn,
                    actor,
                    actions::CHAPTER_UPDATE,
                    entities::CHAPTER,
                    chapter_id,
                    before,
                )
                .await?;
                read_chapter(conn, chapter_id).await
            })
            .await;
        finish(result, "changing a chapter")
    }

    async fn update_lesson(
        &self,
        actor: UserId,
        lesson_id: i64,
        input: &LessonInput,
    ) -> Result<LessonRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
                let course: Option<i64> = course_lessons::table
                    .find(lesson_id)
                    .select(course_lessons::course_id)
                    .first(conn)
                    .await
                    .optional()?;
                let Some(course_id) = course else {
                    return refused(CatalogAdminError::NotFound("课时"));
                };
                lock_course(conn, course_id).await?;
                let before = snapshot(conn, entities::LESSON, lesson_id).await?;
                let orders: i32 = diesel::update(course_lessons::table.find(lesson_id))
                    .set((
                        input.orders.map(|o| course_lessons::orders.eq(o)),
                        course_lessons::name.eq(&input.name),
                        course_lessons::duration.eq(&input.duration),
                        course_lessons::free_trail.eq(input.free_trail),
                        course_lessons::is_show.eq(input.is_show),
                    ))
                    .returning(course_lessons::orders)
                    .get_result(conn)
                    .await?;
                recount_lessons(conn, course_id).await?;
                record(
                    conn,
                    actor,
                    actions::LESSON_UPDATE,
                    entities::LESSON,
                    lesson_id,
                    before,
                )
                .await?;
                Ok(LessonRecord {
                    id: lesson_id,
                    orders,
                    name: input.name.clone(),
                    duration: input.duration.clone(),
                    free_trail: input.free_trail,
                    is_show: input.is_show,
                })
            })
            .await;
        finish(result, "changing a lesson")
    }

    async fn create_lesson(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: &LessonInput,
    ) -> Result<LessonRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
                let Some(course_id) = lock_course_of_chapter(conn, chapter_id).await? else {
                    return refused(CatalogAdminError::NotFound("章节"));
                };
                let orders = match input.orders {
                    Some(orders) => orders,
                    None => {
                        let last: Option<i32> = course_lessons::table
                            .filter(course_lessons::chapter_id.eq(chapter_id))
                            .select(diesel::dsl::max(course_lessons::orders))
                            .first(conn)
                            .await?;
                        last.unwrap_or(0) + 1
                    }
                };
                let id: i64 = diesel::insert_into(course_lessons::table)
                    .values((
                        course_lessons::chapter_id.eq(chapter_id),
                        course_lessons::course_id.eq(course_id),
                        course_lessons::orders.eq(orders),
                        course_lessons::name.eq(&input.name),
                        course_lessons::duration.eq(&input.duration),
                        course_lessons::free_trail.eq(input.free_trail),
                        course_lessons::is_show.eq(input.is_show),
                    ))
                    .returning(course_lessons::id)
                    .get_result(conn)
                    .await?;
                recount_lessons(conn, course_id).await?;
                record(
                    conn,
                    actor,
                    actions::LESSON_CREATE,
                    entities::LESSON,
                    id,
                    None,
                )
                .await?;
                Ok(LessonRecord {
                    id,
                    orders,
                    name: input.name.clone(),
                    duration: input.duration.clone(),
                    free_trail: input.free_trail,
                    is_show: input.is_show,
                })
            })
            .await;
        finish(result, "adding a lesson")
    }

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
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
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
                record(
                    conn,
                    actor,
                    actions::PROMOTION_CREATE,
                    entities::PROMOTION,
                    id,
                    None,
                )
                .await?;
                read_promotion(conn, id)
                    .await?
                    .ok_or(TxError::Db(DieselError::NotFound))
            })
            .await;
        finish(result, "creating a promotion")
    }

    async fn update_promotion(
        &self,
        actor: UserId,
        id: i64,
        input: &PromotionInput,
    ) -> Result<PromotionRecord, CatalogAdminError> {
        let mut conn = connection(self.pool()).await?;
        let result = conn
            .transaction::<_, TxError<CatalogAdminError>, _>(async |conn| {
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
                let before = snapshot(conn, entities::PROMOTION, id).await?;
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
                record(
                    conn,
                    actor,
                    actions::PROMOTION_UPDATE,
                    entities::PROMOTION,
                    id,
                    before,
                )
                .await?;
                read_promotion(conn, id)
                    .await?
                    .ok_or(TxError::Db(DieselError::NotFound))
            })
            .await;
        finish(result, "changing a promotion")
    }
}
