//! The study store on PostgreSQL: outlines from `course_chapters` and `course_lessons`, the
//! learner's place and time on `user_courses`, lesson times in `study_progress`; progress is
//! recorded in a transaction holding the `user_courses` row.

use std::collections::BTreeMap;

use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, SmallInt, Text};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_catalog::CourseType;
use luffy_common::{CourseId, Page, PageRequest, StorageError, UserId};
use luffy_study::outline::{LessonType, Outline, OutlineChapter, OutlineLesson, Place};
use luffy_study::ports::{Enrolment, MyCourse, StudyStore, StudyTx};
use luffy_study::progress::ProgressPosition;

use crate::errors::diesel_error;
use crate::postgres::{connection, PgPool};
use crate::replica::ReplicaReads;
use crate::rows::BigIntValue;
use crate::transaction::OpenTransaction;

/// The study store.
#[derive(Clone)]
pub struct PgStudy {
    pool: PgPool,
    replica: Option<ReplicaReads>,
}

impl PgStudy {
    /// The store over a pool.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            replica: None,
        }
    }

    /// Serves course pages' outlines from the replica while it is healthy, as the catalog's
    /// browsing is; ownership, progress and whether a lesson may be studied stay on the
    /// primary.
    pub fn with_replica(mut self, replica: Option<ReplicaReads>) -> Self {
        self.replica = replica;
        self
    }
}

#[derive(QueryableByName)]
struct OutlineRow {
    #[diesel(sql_type = BigInt)]
    course_id: i64,
    #[diesel(sql_type = Text)]
    course_name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    chapter_id: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    chapter_orders: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    chapter_name: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    chapter_shown: Option<bool>,
    #[diesel(sql_type = Nullable<BigInt>)]
    lesson_id: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    lesson_orders: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    lesson_name: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    lesson_type: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    media: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    duration: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    free_trail: Option<bool>,
    #[diesel(sql_type = Nullable<Bool>)]
    lesson_shown: Option<bool>,
}

/// The outlines of courses (not deleted), chapters and lessons in order.
async fn outlines(
    conn: &mut AsyncPgConnection,
    courses: &[i64],
) -> Result<BTreeMap<i64, Outline>, DieselError> {
    let rows: Vec<OutlineRow> = diesel::sql_query(
        "SELECT c.id AS course_id, c.name AS course_name,
                ch.id AS chapter_id, ch.orders AS chapter_orders, ch.name AS chapter_name,
                ch.is_show AS chapter_shown,
                l.id AS lesson_id, l.orders AS lesson_orders, l.name AS lesson_name,
                l.lesson_type, l.media, l.duration, l.free_trail, l.is_show AS lesson_shown
         FROM courses c
         LEFT JOIN course_chapters ch ON ch.course_id = c.id
         LEFT JOIN course_lessons l ON l.chapter_id = ch.id
         WHERE c.id = ANY($1) AND NOT c.is_deleted
         ORDER BY c.id, ch.orders, ch.id, l.orders, l.id",
    )
    .bind::<Array<BigInt>, _>(courses)
    .load(conn)
    .await?;
    let mut outlines: BTreeMap<i64, Outline> = BTreeMap::new();
    for row in rows {
        let outline = outlines.entry(row.course_id).or_insert_with(|| Outline {
            course_id: CourseId(row.course_id),
            name: row.course_name.clone(),
            chapters: Vec::new(),
        });
        let Some(chapter_id) = row.chapter_id else {
            continue;
        };
        if outline.chapters.last().is_none_or(|c| c.id != chapter_id) {
            outline.chapters.push(OutlineChapter {
                id: chapter_id,
                orders: row.chapter_orders.unwrap_or_default(),
                name: row.chapter_name.clone().unwrap_or_default(),
                visible: row.chapter_shown.unwrap_or(false),
                lessons: Vec::new(),
            });
        }
        let (Some(lesson_id), Some(chapter)) = (row.lesson_id, outline.chapters.last_mut()) else {
            continue;
        };
        chapter.lessons.push(OutlineLesson {
            id: lesson_id,
            chapter_id,
            orders: row.lesson_orders.unwrap_or_default(),
            name: row.lesson_name.unwrap_or_default(),
            lesson_type: row
                .lesson_type
                .and_then(LessonType::from_code)
                .unwrap_or(LessonType::Video),
            media: row.media.unwrap_or_default(),
            duration: row.duration.unwrap_or_default(),
            free_trial: row.free_trail.unwrap_or(false),
            visible: row.lesson_shown.unwrap_or(false),
        });
    }
    Ok(outlines)
}

#[derive(QueryableByName)]
struct MineRow {
    #[diesel(sql_type = BigInt)]
    course_id: i64,
    #[diesel(sql_type = Text)]
    course_cover: String,
    #[diesel(sql_type = SmallInt)]
    course_type: i16,
    #[diesel(sql_type = BigInt)]
    study_time: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    lesson_id: Option<i64>,
}

const MINE_COLUMNS: &str =
    "SELECT uc.course_id, c.course_cover, c.course_type, uc.study_time, uc.lesson_id
     FROM user_courses uc JOIN courses c ON c.id = uc.course_id";

async fn with_outlines(
    conn: &mut AsyncPgConnection,
    rows: Vec<MineRow>,
) -> Result<Vec<MyCourse>, DieselError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.course_id).collect();
    let mut found = outlines(conn, &ids).await?;
    let mut mine = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(outline) = found.remove(&row.course_id) else {
            continue;
        };
        mine.push(MyCourse {
            course_id: CourseId(row.course_id),
            name: outline.name.clone(),
            cover: row.course_cover,
            course_type: CourseType::from_code(row.course_type).unwrap_or(CourseType::Practical),
            study_time: row.study_time,
            place: row.lesson_id.and_then(|id| outline.place(id)),
            outline,
        });
    }
    Ok(mine)
}

#[derive(QueryableByName)]
struct EnrolmentRow {
    #[diesel(sql_type = BigInt)]
    study_time: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    lesson_id: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    chapter_orders: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    lesson_orders: Option<i32>,
}

fn to_enrolment(course: CourseId, row: EnrolmentRow) -> Enrolment {
    Enrolment {
        course,
        lesson_id: row.lesson_id,
        position: row.chapter_orders.zip(row.lesson_orders).map(
            |(chapter_orders, lesson_orders)| ProgressPosition {
                chapter_orders,
                lesson_orders,
            },
        ),
        study_time: row.study_time,
    }
}

/// The enrolment with its place's position; `lock` adds `FOR UPDATE OF uc`.
fn enrolment_sql(lock: bool) -> String {
    format!(
        "SELECT uc.study_time, uc.lesson_id, ch.orders AS chapter_orders, l.orders AS lesson_orders
         FROM user_courses uc
         LEFT JOIN course_lessons l ON l.id = uc.lesson_id
         LEFT JOIN course_chapters ch ON ch.id = l.chapter_id
         WHERE uc.user_id = $1 AND uc.course_id = $2{}",
        if lock { " FOR UPDATE OF uc" } else { "" }
    )
}

impl StudyStore for PgStudy {
    type Tx = PgStudyTx;

    async fn begin(&self) -> Result<PgStudyTx, StorageError> {
        Ok(PgStudyTx {
            conn: OpenTransaction::begin(connection(&self.pool).await?).await?,
        })
    }

    async fn my_courses(
        &self,
        user: UserId,
        course_type: Option<CourseType>,
        page: PageRequest,
    ) -> Result<Page<MyCourse>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let what = "listing the learner's courses";
        let kind = course_type.map(CourseType::code);
        let total: BigIntValue = diesel::sql_query(
            "SELECT count(*)::bigint AS value FROM user_courses uc JOIN courses c ON c.id = uc.course_id
             WHERE uc.user_id = $1 AND NOT c.is_deleted AND ($2::smallint IS NULL OR c.course_type = $2)",
        )
        .bind::<BigInt, _>(user.get())
        .bind::<Nullable<SmallInt>, _>(kind)
        .get_result(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        let rows: Vec<MineRow> = diesel::sql_query(format!(
            "{MINE_COLUMNS} WHERE uc.user_id = $1 AND NOT c.is_deleted
               AND ($2::smallint IS NULL OR c.course_type = $2)
             ORDER BY uc.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind::<BigInt, _>(user.get())
        .bind::<Nullable<SmallInt>, _>(kind)
        .bind::<BigInt, _>(page.limit())
        .bind::<BigInt, _>(page.offset())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        let items = with_outlines(&mut conn, rows)
            .await
            .map_err(|e| diesel_error(e, what))?;
        Ok(Page {
            items,
            total: u64::try_from(total.value).unwrap_or_default(),
            request: page,
        })
    }

    async fn my_course(
        &self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<MyCourse>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let what = "reading a learner's course";
        let rows: Vec<MineRow> = diesel::sql_query(format!(
            "{MINE_COLUMNS} WHERE uc.user_id = $1 AND uc.course_id = $2 AND NOT c.is_deleted"
        ))
        .bind::<BigInt, _>(user.get())
        .bind::<BigInt, _>(course.get())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, what))?;
        let mut mine = with_outlines(&mut conn, rows)
            .await
            .map_err(|e| diesel_error(e, what))?;
        Ok(mine.pop())
    }

    async fn outline(&self, course: CourseId) -> Result<Option<Outline>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let mut found = outlines(&mut conn, &[course.get()])
            .await
            .map_err(|e| diesel_error(e, "reading a course outline"))?;
        Ok(found.remove(&course.get()))
    }

    async fn page_outline(&self, course: CourseId) -> Result<Option<Outline>, StorageError> {
        let mut conn = match &self.replica {
            Some(replica) => replica.connection(&self.pool).await?,
            None => connection(&self.pool).await?,
        };
        let mut found = outlines(&mut conn, &[course.get()])
            .await
            .map_err(|e| diesel_error(e, "reading a course page's outline"))?;
        Ok(found.remove(&course.get()))
    }

    async fn lesson_course(&self, lesson_id: i64) -> Result<Option<CourseId>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<BigIntValue> =
            diesel::sql_query("SELECT course_id AS value FROM course_lessons WHERE id = $1")
                .bind::<BigInt, _>(lesson_id)
                .get_result(&mut conn)
                .await
                .optional()
                .map_err(|e| diesel_error(e, "finding a lesson's course"))?;
        Ok(row.map(|r| CourseId(r.value)))
    }

    async fn enrolment(
        &self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrolment>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<EnrolmentRow> = diesel::sql_query(enrolment_sql(false))
            .bind::<BigInt, _>(user.get())
            .bind::<BigInt, _>(course.get())
            .get_result(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "reading an enrolment"))?;
        Ok(row.map(|r| to_enrolment(course, r)))
    }

    async fn start(
        &self,
        user: UserId,
        course: CourseId,
        place: &Place,
        replacing: Option<i64>,
    ) -> Result<(), StorageError> {
        let mut conn = connection(&self.pool).await?;
        diesel::sql_query(
            "UPDATE user_courses SET chapter_id = $3, lesson_id = $4, updated_time = now()
             WHERE user_id = $1 AND course_id = $2 AND lesson_id IS NOT DISTINCT FROM $5",
        )
        .bind::<BigInt, _>(user.get())
        .bind::<BigInt, _>(course.get())
        .bind::<BigInt, _>(place.chapter_id)
        .bind::<BigInt, _>(place.lesson_id)
        .bind::<Nullable<BigInt>, _>(replacing)
        .execute(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "starting a course"))?;
        Ok(())
    }

    async fn lesson_time(&self, user: UserId, lesson_id: i64) -> Result<i64, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<BigIntValue> = diesel::sql_query(
            "SELECT study_time AS value FROM study_progress WHERE user_id = $1 AND lesson_id = $2",
        )
        .bind::<BigInt, _>(user.get())
        .bind::<BigInt, _>(lesson_id)
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| diesel_error(e, "reading a lesson's time"))?;
        Ok(row.map_or(0, |r| r.value))
    }
}

/// A progress transaction.
pub struct PgStudyTx {
    conn: OpenTransaction,
}

impl StudyTx for PgStudyTx {
    async fn lock_enrolment(
        &mut self,
        user: UserId,
        course: CourseId,
    ) -> Result<Option<Enrolment>, StorageError> {
        let row: Option<EnrolmentRow> = diesel::sql_query(enrolment_sql(true))
            .bind::<BigInt, _>(user.get())
            .bind::<BigInt, _>(course.get())
            .get_result(&mut *self.conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "locking an enrolment"))?;
        Ok(row.map(|r| to_enrolment(course, r)))
    }

    async fn add_lesson_time(
        &mut self,
        user: UserId,
        lesson_id: i64,
        seconds: i64,
    ) -> Result<(), StorageError> {
        diesel::sql_query(
            "INSERT INTO study_progress (user_id, lesson_id, study_time) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, lesson_id) DO UPDATE
             SET study_time = study_progress.study_time + EXCLUDED.study_time, updated_time = now()",
        )
        .bind::<BigInt, _>(user.get())
        .bind::<BigInt, _>(lesson_id)
        .bind::<BigInt, _>(seconds)
        .execute(&mut *self.conn)
        .await
        .map_err(|e| diesel_error(e, "adding a lesson's time"))?;
        Ok(())
    }

    async fn update_enrolment(
        &mut self,
        user: UserId,
        course: CourseId,
        seconds: i64,
        place: Option<&Place>,
    ) -> Result<(), StorageError> {
        diesel::sql_query(
            "UPDATE user_courses SET study_time = study_time + $3,
                chapter_id = COALESCE($4, chapter_id), lesson_id = COALESCE($5, lesson_id),
                updated_time = now()
             WHERE user_id = $1 AND course_id = $2",
        )
        .bind::<BigInt, _>(user.get())
        .bind::<BigInt, _>(course.get())
        .bind::<BigInt, _>(seconds)
        .bind::<Nullable<BigInt>, _>(place.map(|p| p.chapter_id))
        .bind::<Nullable<BigInt>, _>(place.map(|p| p.lesson_id))
        .execute(&mut *self.conn)
        .await
        .map_err(|e| diesel_error(e, "recording progress"))?;
        Ok(())
    }

    async fn commit(self) -> Result<(), StorageError> {
        self.conn.commit().await
    }
}
