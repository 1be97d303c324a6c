//! The study use cases: my courses, opening a course where the learner left it, a lesson's
//! saved time, recording progress, and the outline a course page shows with the media links
//! its viewer may have.

use chrono::{DateTime, Utc};
use luffy_catalog::CourseType;
use luffy_common::{Clock, CourseId, Page, PageRequest, StorageError, UserId};
use rust_decimal::Decimal;

use crate::entitlement::{lesson_open, Viewer};
use crate::media::{MediaSigner, SignedMedia};
use crate::outline::{LessonType, Outline, Place};
use crate::ports::{MyCourse, StudyStore, StudyTx};
use crate::progress::{increment, moves_forward, percent, ProgressError, ProgressPosition};

/// Why a study request is refused.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The learner does not own the course (never bought, or refunded).
    #[error("当前课程您尚未购买!")]
    NotOwned,
    /// No such course or lesson.
    #[error("当前课程或课时不存在!")]
    Unknown,
    /// The course has no visible lesson to start at.
    #[error("当前课程还没有可学习的课时!")]
    NoLessons,
    /// The lesson is not open to the asker.
    #[error("没有购买当前课时!")]
    Closed,
    /// A bad progress report.
    #[error(transparent)]
    Progress(#[from] ProgressError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Where an opened course stands for its learner.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentLesson {
    /// The course as "my courses" shows it, with its percentage.
    pub course: MyCourse,
    /// The course's percentage.
    pub percent: Decimal,
    /// Where the learner is.
    pub place: Place,
    /// The current lesson's type.
    pub lesson_type: LessonType,
    /// A signed link to its media, when it has any.
    pub media: Option<SignedMedia>,
}

/// One lesson of a course page, with its media link when open to the viewer.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonAccess {
    /// The lesson's id.
    pub lesson_id: i64,
    /// Whether it is open to the viewer.
    pub open: bool,
    /// Its signed media link, when open and it has media.
    pub media: Option<SignedMedia>,
}

/// The study service.
#[derive(Clone)]
pub struct StudyService<S, K> {
    store: S,
    clock: K,
    signer: MediaSigner,
    seek_limit: i64,
}

impl<S: StudyStore, K: Clock> StudyService<S, K> {
    /// The service over its store, with the media link signer and the most seconds one
    /// progress report may add.
    pub fn new(store: S, clock: K, signer: MediaSigner, seek_limit: i64) -> Self {
        Self {
            store,
            clock,
            signer,
            seek_limit,
        }
    }

    /// Checks a media link (the `/uploads/` route asks before serving lesson media).
    pub fn verify_media(
        &self,
        path: &str,
        expires: i64,
        user: UserId,
        sig: &str,
    ) -> Result<(), crate::media::MediaRefusal> {
        self.signer
            .verify(path, expires, user, sig, self.clock.now())
    }

    fn media(&self, user: UserId, path: &str, now: DateTime<Utc>) -> Option<SignedMedia> {
        (!path.is_empty()).then(|| self.signer.sign(path, user, now))
    }

    /// The learner's courses with their percentages.
    pub async fn my_courses(
        &self,
        user: UserId,
        course_type: Option<CourseType>,
        page: PageRequest,
    ) -> Result<Page<(MyCourse, Decimal)>, StudyError> {
        let found = self.store.my_courses(user, course_type, page).await?;
        Ok(Page {
            total: found.total,
            request: found.request,
            items: found
                .items
                .into_iter()
                .map(|course| {
                    let done = percent(&course.outline, course.place.as_ref().map(|p| p.lesson_id));
                    (course, done)
                })
                .collect(),
        })
    }

    /// Opens a course where the learner left it; a first-time learner starts at the first
    /// visible lesson, which is remembered. A place on a lesson hidden since moves to the first
    /// visible one.
    pub async fn open_course(
        &self,
        user: UserId,
        course: CourseId,
    ) -> Result<CurrentLesson, StudyError> {
        let mut mine = self
            .store
            .my_course(user, course)
            .await?
            .ok_or(StudyError::NotOwned)?;
        let outline = mine.outline.clone();
        let viewer = Viewer::Learner { user, owns: true };
        let kept = mine
            .place
            .as_ref()
            .and_then(|p| outline.lesson(p.lesson_id))
            .filter(|(c, l)| lesson_open(&viewer, c, l))
            .and_then(|(_, l)| outline.place(l.id));
        let place = match kept {
            Some(place) => place,
            None => {
                let first = outline.first_place().ok_or(StudyError::NoLessons)?;
                let replacing = mine.place.as_ref().map(|p| p.lesson_id);
                self.store.start(user, course, &first, replacing).await?;
                first
            }
        };
        let (_, lesson) = outline.lesson(place.lesson_id).ok_or(StudyError::Unknown)?;
        mine.place = Some(place.clone());
        Ok(CurrentLesson {
            percent: percent(&outline, Some(place.lesson_id)),
            lesson_type: lesson.lesson_type,
            media: self.media(user, &lesson.media, self.clock.now()),
            place,
            course: mine,
        })
    }

    /// What a course page shows of each visible lesson to this viewer: open or not, and the
    /// media link only when open. `None` for a missing course.
    pub async fn course_access(
        &self,
        user: Option<UserId>,
        course: CourseId,
    ) -> Result<Option<(Outline, Vec<LessonAccess>)>, StudyError> {
        let Some(outline) = self.store.page_outline(course).await? else {
            return Ok(None);
        };
        let viewer = match user {
            None => Viewer::Anonymous,
            Some(user) => Viewer::Learner {
                user,
                owns: self.store.enrolment(user, course).await?.is_some(),
            },
        };
        let now = self.clock.now();
        let mut access = Vec::new();
        for chapter in &outline.chapters {
            for lesson in &chapter.lessons {
                let open = lesson_open(&viewer, chapter, lesson);
                let media = match (open, viewer) {
                    (true, Viewer::Learner { user, .. }) => self.media(user, &lesson.media, now),
                    _ => None,
                };
                access.push(LessonAccess {
                    lesson_id: lesson.id,
                    open,
                    media,
                });
            }
        }
        Ok(Some((outline, access)))
    }

    /// An open lesson, with its course's outline and whether the learner owns the course.
    async fn open_lesson(
        &self,
        user: UserId,
        lesson_id: i64,
    ) -> Result<(CourseId, Outline, bool), StudyError> {
        let course = self
            .store
            .lesson_course(lesson_id)
            .await?
            .ok_or(StudyError::Unknown)?;
        let outline = self
            .store
            .outline(course)
            .await?
            .ok_or(StudyError::Unknown)?;
        let owns = self.store.enrolment(user, course).await?.is_some();
        let (chapter, lesson) = outline.lesson(lesson_id).ok_or(StudyError::Unknown)?;
        if !lesson_open(&Viewer::Learner { user, owns }, chapter, lesson) {
            return Err(StudyError::Closed);
        }
        Ok((course, outline, owns))
    }

    /// Seconds the learner studied an open lesson.
    pub async fn lesson_time(&self, user: UserId, lesson_id: i64) -> Result<i64, StudyError> {
        self.open_lesson(user, lesson_id).await?;
        Ok(self.store.lesson_time(user, lesson_id).await?)
    }

    /// Records `seconds` studied on an open lesson: added to the lesson's time and, for an
    /// owner, to the course's, and the learner's place moves forward to it (never back), all
    /// in one transaction with the enrolment locked.
    pub async fn record_progress(
        &self,
        user: UserId,
        lesson_id: i64,
        seconds: i64,
    ) -> Result<(), StudyError> {
        let seconds = increment(seconds, self.seek_limit)?;
        let (course, outline, owns) = self.open_lesson(user, lesson_id).await?;
        let place = outline.place(lesson_id).ok_or(StudyError::Unknown)?;
        let mut tx = self.store.begin().await?;
        tx.add_lesson_time(user, lesson_id, seconds).await?;
        if owns {
            let Some(enrolment) = tx.lock_enrolment(user, course).await? else {
                return Err(StudyError::NotOwned);
            };
            let to = ProgressPosition {
                chapter_orders: place.chapter_orders,
                lesson_orders: place.lesson_orders,
            };
            let moved = moves_forward(enrolment.position, to).then_some(&place);
            tx.update_enrolment(user, course, seconds, moved).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
