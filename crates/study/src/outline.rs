//! A course's chapters and lessons as a learner sees them, in order, with what each lesson is
//! and where its media lives.

use luffy_common::CourseId;

/// 0 文档, 1 练习, 2 视频.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonType {
    /// A document to read.
    Document,
    /// An exercise.
    Exercise,
    /// A video.
    Video,
}

impl LessonType {
    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Document => 0,
            Self::Exercise => 1,
            Self::Video => 2,
        }
    }

    /// The type of a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Document),
            1 => Some(Self::Exercise),
            2 => Some(Self::Video),
            _ => None,
        }
    }
}

/// One lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineLesson {
    /// Its id.
    pub id: i64,
    /// Its chapter.
    pub chapter_id: i64,
    /// Its position in the chapter.
    pub orders: i32,
    /// Its title.
    pub name: String,
    /// What it is.
    pub lesson_type: LessonType,
    /// Its media file under the media root (`lessons/...`); empty when it has none.
    pub media: String,
    /// How long it takes, as the operator wrote it.
    pub duration: String,
    /// Open to everyone logged in.
    pub free_trial: bool,
    /// Shown (a hidden lesson is open to nobody).
    pub visible: bool,
}

/// One chapter with its lessons, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineChapter {
    /// Its id.
    pub id: i64,
    /// Its position in the course.
    pub orders: i32,
    /// Its title.
    pub name: String,
    /// Shown (its lessons are closed when it is hidden).
    pub visible: bool,
    /// Its lessons, ordered by `orders`.
    pub lessons: Vec<OutlineLesson>,
}

/// A course's outline, chapters ordered by `orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The course.
    pub course_id: CourseId,
    /// Its name.
    pub name: String,
    /// Its chapters.
    pub chapters: Vec<OutlineChapter>,
}

/// Where a learner is: a chapter and a lesson of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The chapter.
    pub chapter_id: i64,
    /// Its position.
    pub chapter_orders: i32,
    /// Its title.
    pub chapter_name: String,
    /// The lesson.
    pub lesson_id: i64,
    /// Its position in the chapter.
    pub lesson_orders: i32,
    /// Its title.
    pub lesson_name: String,
}

impl Outline {
    /// The visible chapters, with only their visible lessons.
    pub fn visible(&self) -> Vec<OutlineChapter> {
        self.chapters
            .iter()
            .filter(|c| c.visible)
            .map(|c| OutlineChapter {
                lessons: c.lessons.iter().filter(|l| l.visible).cloned().collect(),
                ..c.clone()
            })
            .collect()
    }

    /// A lesson with its chapter.
    pub fn lesson(&self, lesson_id: i64) -> Option<(&OutlineChapter, &OutlineLesson)> {
        self.chapters
            .iter()
            .find_map(|c| c.lessons.iter().find(|l| l.id == lesson_id).map(|l| (c, l)))
    }

    /// The place of a lesson.
    pub fn place(&self, lesson_id: i64) -> Option<Place> {
        self.lesson(lesson_id).map(|(c, l)| Place {
            chapter_id: c.id,
            chapter_orders: c.orders,
            chapter_name: c.name.clone(),
            lesson_id: l.id,
            lesson_orders: l.orders,
            lesson_name: l.name.clone(),
        })
    }

    /// Where a first-time learner starts: the first visible lesson of the first visible
    /// chapter that has one.
    pub fn first_place(&self) -> Option<Place> {
        self.visible()
            .iter()
            .flat_map(|c| c.lessons.first())
            .next()
            .and_then(|l| self.place(l.id))
    }
}
