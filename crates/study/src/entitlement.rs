//! Who may open a lesson: the one place this is decided. Its media link, its saved time and
//! its progress are given only for lessons open to the asker.

use luffy_common::UserId;

use crate::outline::{OutlineChapter, OutlineLesson};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Nobody logged in.
    Anonymous,
    /// A logged-in user, who owns the course or not (a refunded course is not owned).
    Learner {
        /// The user.
        user: UserId,
        /// Whether they own the lesson's course.
        owns: bool,
    },
}

/// Whether the lesson is open to the viewer: never when it or its chapter is hidden; always
/// to the course's owners; its free-trial lessons to everyone logged in.
pub fn lesson_open(viewer: &Viewer, chapter: &OutlineChapter, lesson: &OutlineLesson) -> bool {
    if !(chapter.visible && lesson.visible) {
        return false;
    }
    match viewer {
        Viewer::Anonymous => false,
        Viewer::Learner { owns: true, .. } => true,
        Viewer::Learner { owns: false, .. } => lesson.free_trial,
    }
}
