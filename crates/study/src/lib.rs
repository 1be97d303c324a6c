//! Studying the courses a buyer owns: the course outline as a learner sees it ([`outline`]),
//! the one rule of who may open a lesson ([`entitlement`]), how study time accumulates and the
//! learner's place moves ([`progress`]), short-lived signed links to lesson media ([`media`]),
//! and the [`service::StudyService`] over the [`ports::StudyStore`] port.
//!
//! A lesson is open to its course's owners and, when it is a free trial, to everyone logged in;
//! a hidden lesson (or one in a hidden chapter) is open to nobody; a refunded course is no longer
//! owned, so it closes at once.
//!
//! ```
//! use luffy_study::entitlement::{lesson_open, Viewer};
//! use luffy_study::outline::{LessonType, OutlineChapter, OutlineLesson};
//! use luffy_common::UserId;
//!
//! let lesson = |free_trial, visible| OutlineLesson {
//!     id: 1, chapter_id: 1, orders: 1, name: "环境搭建".into(), lesson_type: LessonType::Video,
//!     media: "lessons/1.mp4".into(), duration: "10:00".into(), free_trial, visible,
//! };
//! let chapter = OutlineChapter { id: 1, orders: 1, name: "入门".into(), visible: true, lessons: vec![] };
//! let owner = Viewer::Learner { user: UserId(1), owns: true };
//! let other = Viewer::Learner { user: UserId(2), owns: false };
//! assert!(lesson_open(&owner, &chapter, &lesson(false, true)));
//! assert!(!lesson_open(&other, &chapter, &lesson(false, true)));
//! assert!(lesson_open(&other, &chapter, &lesson(true, true)));          // a free trial
//! assert!(!lesson_open(&Viewer::Anonymous, &chapter, &lesson(true, true))); // logged in only
//! assert!(!lesson_open(&owner, &chapter, &lesson(false, false)));       // hidden
//! ```

pub mod entitlement;
pub mod media;
pub mod outline;
pub mod ports;
pub mod progress;
pub mod service;

pub use entitlement::{lesson_open, Viewer};
pub use media::{MediaRefusal, MediaSigner, SignedMedia};
pub use outline::{LessonType, Outline, OutlineChapter, OutlineLesson, Place};
pub use ports::{Enrolment, MyCourse, StudyStore, StudyTx};
pub use progress::{percent, ProgressError, ProgressPosition};
pub use service::{CurrentLesson, StudyError, StudyService};
