//! A course's chapters and lessons on PostgreSQL, for operators: each write one audited
//! write under the course's row lock, so positions and the lesson count take turns.

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
use crate::schema::{course_chapters, course_lessons, courses};
use diesel::result::Error as DieselError;
use luffy_catalog::{
    CatalogAdminError, ChapterInput, ChapterRecord, LessonInput, LessonRecord, OutlineAdminStore,
};

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

/// A new item's position: the one asked for, or after the last one (`last`, read only when
/// needed).
async fn position(
    asked: Option<i32>,
    last: impl std::future::Future<Output = Result<Option<i32>, DieselError>>,
) -> Result<i32, DieselError> {
    match asked {
        Some(orders) => Ok(orders),
        None => Ok(last.await?.unwrap_or(0) + 1),
    }
}

/// A lesson as written from its input.
fn lesson_record(id: i64, orders: i32, input: &LessonInput) -> LessonRecord {
    LessonRecord {
        id,
        orders,
        name: input.name.clone(),
        duration: input.duration.clone(),
        free_trail: input.free_trail,
        is_show: input.is_show,
    }
}

impl OutlineAdminStore for PgCatalogAdmin {
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
        let audit = Audit::new(actor, actions::CHAPTER_CREATE, entities::CHAPTER);
        audited_write(self.pool(), "adding a chapter", audit, async |conn| {
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
            let last = course_chapters::table
                .filter(course_chapters::course_id.eq(course_id))
                .select(diesel::dsl::max(course_chapters::orders))
                .first(conn);
            let orders = position(input.orders, last).await?;
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
            Ok(Audited::created(id, read_chapter(conn, id).await?))
        })
        .await
    }

    async fn update_chapter(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: &ChapterInput,
    ) -> Result<ChapterRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::CHAPTER_UPDATE, entities::CHAPTER);
        audited_write(self.pool(), "changing a chapter", audit, async |conn| {
            if lock_course_of_chapter(conn, chapter_id).await?.is_none() {
                return refused(CatalogAdminError::NotFound("章节"));
            }
            let before = audit.before(conn, chapter_id).await?;
            diesel::update(course_chapters::table.find(chapter_id))
                .set((
                    input.orders.map(|o| course_chapters::orders.eq(o)),
                    course_chapters::name.eq(&input.name),
                    course_chapters::summary.eq(&input.summary),
                    course_chapters::is_show.eq(input.is_show),
                ))
                .execute(conn)
                .await?;
            Ok(Audited::changed(
                chapter_id,
                before,
                read_chapter(conn, chapter_id).await?,
            ))
        })
        .await
    }

    async fn update_lesson(
        &self,
        actor: UserId,
        lesson_id: i64,
        input: &LessonInput,
    ) -> Result<LessonRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::LESSON_UPDATE, entities::LESSON);
        audited_write(self.pool(), "changing a lesson", audit, async |conn| {
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
            let before = audit.before(conn, lesson_id).await?;
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
            Ok(Audited::changed(
                lesson_id,
                before,
                lesson_record(lesson_id, orders, input),
            ))
        })
        .await
    }

    async fn create_lesson(
        &self,
        actor: UserId,
        chapter_id: i64,
        input: &LessonInput,
    ) -> Result<LessonRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::LESSON_CREATE, entities::LESSON);
        audited_write(self.pool(), "adding a lesson", audit, async |conn| {
            let Some(course_id) = lock_course_of_chapter(conn, chapter_id).await? else {
                return refused(CatalogAdminError::NotFound("章节"));
            };
            let last = course_lessons::table
                .filter(course_lessons::chapter_id.eq(chapter_id))
                .select(diesel::dsl::max(course_lessons::orders))
                .first(conn);
            let orders = position(input.orders, last).await?;
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
            Ok(Audited::created(id, lesson_record(id, orders, input)))
        })
        .await
    }
}
