//! PostgreSQL adapter for the course pages (`CatalogBrowser`): directions, categories, the
//! filtered and sorted course list, a course's page data, and its chapters with lessons.

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, SmallInt, Text};
use diesel_async::RunQueryDsl;
use luffy_catalog::search::{SearchOrdering, SearchQuery};
use luffy_catalog::{
    CatalogBrowser, CatalogError, Category, Chapter, Course, CourseFilter, CourseLevel,
    CourseOrdering, CourseProfile, Direction, Lesson, Teacher, TeacherRole,
};
use luffy_common::{CourseId, Page, PageRequest, StorageError};

use crate::catalog::{courses_by_ids, PgCatalog};
use crate::errors::diesel_error;
use crate::rows::{BigIntValue, CategoryRow, DirectionRow};
use crate::schema::{course_categories, course_directions, courses};

/// What a course page adds to a course, with its teacher when it has a shown one.
#[derive(QueryableByName)]
struct ProfileRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = SmallInt)]
    level: i16,
    #[diesel(sql_type = Integer)]
    students: i32,
    #[diesel(sql_type = Integer)]
    lessons: i32,
    #[diesel(sql_type = Integer)]
    pub_lessons: i32,
    #[diesel(sql_type = Text)]
    course_video: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    teacher_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    teacher_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    teacher_avatar: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    teacher_title: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    teacher_role: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    teacher_brief: Option<String>,
}

const PROFILES_SQL: &str = "SELECT c.id, c.level, c.students, c.lessons, c.course_video,
        c.description,
        (SELECT count(*)::int FROM course_lessons l WHERE l.course_id = c.id AND l.is_show)
            AS pub_lessons,
        t.id AS teacher_id, t.name AS teacher_name, t.avatar AS teacher_avatar,
        t.title AS teacher_title, t.role AS teacher_role, t.brief AS teacher_brief
    FROM courses c
    LEFT JOIN teachers t ON t.id = c.teacher_id AND t.is_show AND NOT t.is_deleted
    WHERE c.id = ANY($1)";

impl ProfileRow {
    fn into_profile(self, course: Course) -> Result<CourseProfile, StorageError> {
        let level = CourseLevel::from_code(self.level)
            .ok_or_else(|| anyhow!("course {} has unknown level {}", self.id, self.level))?;
        let teacher = match (self.teacher_id, self.teacher_role) {
            (Some(id), Some(role)) => Some(Teacher {
                id,
                name: self.teacher_name.unwrap_or_default(),
                avatar: self.teacher_avatar.unwrap_or_default(),
                title: self.teacher_title.unwrap_or_default(),
                role: TeacherRole::from_code(role)
                    .ok_or_else(|| anyhow!("teacher {id} has unknown role {role}"))?,
                brief: self.teacher_brief.unwrap_or_default(),
            }),
            _ => None,
        };
        Ok(CourseProfile {
            course,
            level,
            students: self.students,
            lessons: self.lessons,
            pub_lessons: self.pub_lessons,
            course_video: self.course_video,
            description: self.description,
            teacher,
        })
    }
}

/// Courses with their page data, in the order of `ids`; missing ids are absent.
async fn profiles_by_ids(
    conn: &diesel_async::AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<CourseProfile>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut c1 = conn;
    let profiles = diesel::sql_query(PROFILES_SQL)
        .bind::<Array<BigInt>, _>(ids.to_vec())
        .load::<ProfileRow>(&mut c1);
    let (courses, profiles) = futures::try_join!(courses_by_ids(conn, ids, now), async {
        profiles
            .await
            .map_err(|e| diesel_error(e, "reading course pages"))
    })?;
    let mut courses: HashMap<i64, Course> = courses
        .into_iter()
        .map(|course| (course.id.get(), course))
        .collect();
    let mut profiles: HashMap<i64, ProfileRow> =
        profiles.into_iter().map(|row| (row.id, row)).collect();
    ids.iter()
        .filter_map(|id| Some((courses.remove(id)?, profiles.remove(id)?)))
        .map(|(course, row)| row.into_profile(course))
        .collect()
}

#[derive(QueryableByName)]
struct ChapterLessonRow {
    #[diesel(sql_type = BigInt)]
    chapter_id: i64,
    #[diesel(sql_type = Integer)]
    chapter_orders: i32,
    #[diesel(sql_type = Text)]
    chapter_name: String,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    lesson_id: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    lesson_orders: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    lesson_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    duration: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    free_trail: Option<bool>,
}

impl CatalogBrowser for PgCatalog {
    async fn directions(&self) -> Result<Vec<Direction>, CatalogError> {
        let mut conn = self.read_connection().await?;
        let rows: Vec<DirectionRow> = course_directions::table
            .order(course_directions::id.asc())
            .select(DirectionRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing directions"))?;
        Ok(rows
            .into_iter()
            .map(|row| Direction {
                id: row.id,
                name: row.name,
            })
            .collect())
    }

    async fn categories(&self, direction: i64) -> Result<Vec<Category>, CatalogError> {
        let mut conn = self.read_connection().await?;
        let mut query = course_categories::table
            .order(course_categories::id.asc())
            .select(CategoryRow::as_select())
            .into_boxed();
        if direction != 0 {
            query = query.filter(course_categories::direction_id.eq(direction));
        }
        let rows: Vec<CategoryRow> = query
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing categories"))?;
        Ok(rows
            .into_iter()
            .map(|row| Category {
                id: row.id,
                name: row.name,
                direction_id: row.direction_id,
            })
            .collect())
    }

    async fn browse_courses(
        &self,
        filter: CourseFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<CourseProfile>, CatalogError> {
        let conn = self.read_connection().await?;
        let matching = || {
            let mut query = courses::table
                .filter(courses::is_show.eq(true))
                .filter(courses::is_deleted.eq(false))
                .into_boxed();
            if filter.direction != 0 {
                query = query.filter(courses::direction_id.eq(filter.direction));
            }
            if filter.category != 0 {
                query = query.filter(courses::category_id.eq(filter.category));
            }
            query
        };
        let ordered = match filter.ordering {
            CourseOrdering::Newest => matching().order(courses::id.desc()),
            CourseOrdering::MostStudents => {
                matching().order((courses::students.desc(), courses::id.desc()))
            }
            CourseOrdering::PriceAscending => {
                matching().order((courses::price.asc(), courses::id.desc()))
            }
            CourseOrdering::PriceDescending => {
                matching().order((courses::price.desc(), courses::id.desc()))
            }
        };
        let (mut c1, mut c2) = (&*conn, &*conn);
        // The count and the page's ids in one pipelined round trip, then the courses.
        let total = matching().count().get_result::<i64>(&mut c1);
        let ids = ordered
            .limit(page.limit())
            .offset(page.offset())
            .select(courses::id)
            .load::<i64>(&mut c2);
        let (total, ids) =
            futures::try_join!(total, ids).map_err(|e| diesel_error(e, "browsing courses"))?;
        let items = profiles_by_ids(&conn, &ids, now).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            request: page,
        })
    }

    async fn search_courses(
        &self,
        query: &SearchQuery,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<CourseProfile>, CatalogError> {
        let conn = self.read_connection().await?;
        let text = query.text.as_str();
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let order = match query.ordering {
            SearchOrdering::Relevance => "score DESC, id DESC",
            SearchOrdering::Id { descending: true } => "id DESC",
            SearchOrdering::Id { descending: false } => "id ASC",
            SearchOrdering::Students { descending: true } => "students DESC, id DESC",
            SearchOrdering::Students { descending: false } => "students ASC, id DESC",
            SearchOrdering::Orders { descending: true } => "paid_orders DESC, id DESC",
            SearchOrdering::Orders { descending: false } => "paid_orders ASC, id DESC",
        };
        let matched = "SELECT c.id, c.students,
                GREATEST(word_similarity($1, c.name), word_similarity($1, COALESCE(t.name, '')),
                         word_similarity($1, cat.name), word_similarity($1, dir.name)) AS score,
                (SELECT count(*) FROM order_details od JOIN orders o ON o.id = od.order_id
                  WHERE od.course_id = c.id AND o.order_status IN (1, 4, 5)) AS paid_orders
             FROM courses c
             JOIN course_categories cat ON cat.id = c.category_id
             JOIN course_directions dir ON dir.id = c.direction_id
             LEFT JOIN teachers t ON t.id = c.teacher_id AND NOT t.is_deleted
             WHERE c.is_show AND NOT c.is_deleted
               AND (c.name ILIKE $2 OR c.description ILIKE $2 OR t.name ILIKE $2
                    OR cat.name ILIKE $2 OR dir.name ILIKE $2)";
        let (mut c1, mut c2) = (&*conn, &*conn);
        let total = diesel::sql_query(format!(
            "SELECT count(*)::bigint AS value FROM ({matched}) m"
        ))
        .bind::<Text, _>(text)
        .bind::<Text, _>(&pattern)
        .get_result::<BigIntValue>(&mut c1);
        let ids = diesel::sql_query(format!(
            "SELECT id AS value FROM ({matched}) m ORDER BY {order} LIMIT $3 OFFSET $4"
        ))
        .bind::<Text, _>(text)
        .bind::<Text, _>(&pattern)
        .bind::<BigInt, _>(page.limit())
        .bind::<BigInt, _>(page.offset())
        .load::<BigIntValue>(&mut c2);
        let (total, ids) =
            futures::try_join!(total, ids).map_err(|e| diesel_error(e, "searching courses"))?;
        let ids: Vec<i64> = ids.into_iter().map(|r| r.value).collect();
        let items = profiles_by_ids(&conn, &ids, now).await?;
        Ok(Page {
            items,
            total: u64::try_from(total.value).unwrap_or_default(),
            request: page,
        })
    }

    async fn course_profile(
        &self,
        id: CourseId,
        now: DateTime<Utc>,
    ) -> Result<CourseProfile, CatalogError> {
        let conn = self.read_connection().await?;
        let mut profiles = profiles_by_ids(&conn, &[id.get()], now).await?;
        profiles.pop().ok_or(CatalogError::CourseNotFound)
    }

    async fn chapters(&self, id: CourseId) -> Result<Vec<Chapter>, CatalogError> {
        let mut conn = self.read_connection().await?;
        let rows: Vec<ChapterLessonRow> = diesel::sql_query(
            "SELECT ch.id AS chapter_id, ch.orders AS chapter_orders, ch.name AS chapter_name,
                    ch.summary, l.id AS lesson_id, l.orders AS lesson_orders,
                    l.name AS lesson_name, l.duration, l.free_trail
             FROM course_chapters ch
             LEFT JOIN course_lessons l ON l.chapter_id = ch.id AND l.is_show
             WHERE ch.course_id = $1 AND ch.is_show
             ORDER BY ch.orders, ch.id, l.orders, l.id",
        )
        .bind::<BigInt, _>(id.get())
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "listing chapters"))?;
        let mut chapters: Vec<Chapter> = Vec::new();
        for row in rows {
            if chapters.last().map(|c| c.id) != Some(row.chapter_id) {
                chapters.push(Chapter {
                    id: row.chapter_id,
                    orders: row.chapter_orders,
                    name: row.chapter_name,
                    summary: row.summary,
                    lessons: Vec::new(),
                });
            }
            if let (Some(lesson_id), Some(chapter)) = (row.lesson_id, chapters.last_mut()) {
                chapter.lessons.push(Lesson {
                    id: lesson_id,
                    orders: row.lesson_orders.unwrap_or_default(),
                    name: row.lesson_name.unwrap_or_default(),
                    duration: row.duration.unwrap_or_default(),
                    free_trail: row.free_trail.unwrap_or_default(),
                });
            }
        }
        Ok(chapters)
    }
}
