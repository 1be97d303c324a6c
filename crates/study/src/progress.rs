//! Study progress: how much time one report may add (the seek limit), how the learner's place
//! moves (only forward, by chapter then lesson), and the course's percentage as the tutorial
//! computes it.

use rust_decimal::Decimal;

use crate::outline::Outline;

/// Why a progress report is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    /// Zero, negative, or more than the seek limit at once.
    #[error("学习时长无效,单次不能超过{limit}秒!")]
    BadTime {
        /// The limit.
        limit: i64,
    },
}

/// Checks the seconds one report adds: at least 1, at most `limit` (the tutorial's 300 s).
pub fn increment(time: i64, limit: i64) -> Result<i64, ProgressError> {
    if (1..=limit).contains(&time) {
        Ok(time)
    } else {
        Err(ProgressError::BadTime { limit })
    }
}

/// A place's position: chapter order, then lesson order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProgressPosition {
    /// The chapter's `orders`.
    pub chapter_orders: i32,
    /// The lesson's `orders`.
    pub lesson_orders: i32,
}

/// Whether studying at `to` moves the learner's place: only forward, never back.
pub fn moves_forward(current: Option<ProgressPosition>, to: ProgressPosition) -> bool {
    current.is_none_or(|current| to > current)
}

/// The course's percentage at a place, as the tutorial computes it: with C visible chapters,
/// the place's chapter c and its L lessons, lesson l:
/// `(c-1)/C*100 + (100/C)*((l-1)/L)`, two decimals; 0 without a place or chapters.
pub fn percent(outline: &Outline, lesson_id: Option<i64>) -> Decimal {
    let chapters = outline.visible();
    let Some(lesson_id) = lesson_id else {
        return Decimal::ZERO;
    };
    let Some((chapter_index, chapter)) = chapters
        .iter()
        .enumerate()
        .find(|(_, c)| c.lessons.iter().any(|l| l.id == lesson_id))
    else {
        return Decimal::ZERO;
    };
    let Some(lesson_index) = chapter.lessons.iter().position(|l| l.id == lesson_id) else {
        return Decimal::ZERO;
    };
    let total = Decimal::from(chapters.len() as u64);
    let lessons = Decimal::from(chapter.lessons.len() as u64);
    let hundred = Decimal::ONE_HUNDRED;
    let done_chapters = Decimal::from(chapter_index as u64) / total * hundred;
    let in_chapter = hundred / total * (Decimal::from(lesson_index as u64) / lessons);
    (done_chapters + in_chapter).round_dp(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outline::{LessonType, OutlineChapter, OutlineLesson};
    use luffy_common::CourseId;
    use proptest::prelude::*;

    fn outline(chapters: &[usize]) -> Outline {
        let mut id = 0;
        Outline {
            course_id: CourseId(1),
            name: "c".into(),
            chapters: chapters
                .iter()
                .enumerate()
                .map(|(ci, lessons)| OutlineChapter {
                    id: ci as i64 + 1,
                    orders: ci as i32 + 1,
                    name: format!("第{}章", ci + 1),
                    visible: true,
                    lessons: (0..*lessons)
                        .map(|li| {
                            id += 1;
                            OutlineLesson {
                                id,
                                chapter_id: ci as i64 + 1,
                                orders: li as i32 + 1,
                                name: format!("{}", li + 1),
                                lesson_type: LessonType::Video,
                                media: String::new(),
                                duration: String::new(),
                                free_trial: false,
                                visible: true,
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn percent_follows_the_tutorial() {
        let o = outline(&[3, 3, 3]);
        assert_eq!(percent(&o, None), Decimal::ZERO);
        assert_eq!(percent(&o, Some(1)), Decimal::ZERO);
        assert_eq!(percent(&o, Some(2)).to_string(), "11.11");
        assert_eq!(percent(&o, Some(4)).to_string(), "33.33");
        assert_eq!(percent(&o, Some(9)).to_string(), "88.89");
        assert_eq!(percent(&o, Some(99)), Decimal::ZERO);
        assert_eq!(percent(&outline(&[]), Some(1)), Decimal::ZERO);
    }

    #[test]
    fn one_report_adds_one_to_the_seek_limit() {
        assert_eq!(increment(5, 300), Ok(5));
        assert_eq!(increment(300, 300), Ok(300));
        for bad in [0, -5, 301] {
            assert_eq!(
                increment(bad, 300),
                Err(ProgressError::BadTime { limit: 300 })
            );
        }
    }

    proptest! {
        /// Whatever order reports arrive in, the place only ever moves forward and ends at the
        /// furthest lesson studied.
        #[test]
        fn the_place_never_moves_back(reports in proptest::collection::vec((1i32..5, 1i32..8), 1..30)) {
            let mut place: Option<ProgressPosition> = None;
            for (chapter_orders, lesson_orders) in &reports {
                let to = ProgressPosition { chapter_orders: *chapter_orders, lesson_orders: *lesson_orders };
                let before = place;
                if moves_forward(place, to) {
                    place = Some(to);
                }
                prop_assert!(before.is_none_or(|b| place.is_some_and(|p| p >= b)));
            }
            let furthest = reports.iter().map(|(c, l)| ProgressPosition { chapter_orders: *c, lesson_orders: *l }).max();
            prop_assert_eq!(place, furthest);
        }

        /// The percentage stays within 0..100 and grows with the place.
        #[test]
        fn percent_is_bounded_and_grows(chapters in proptest::collection::vec(1usize..6, 1..6)) {
            let o = outline(&chapters);
            let ids: Vec<i64> = o.chapters.iter().flat_map(|c| c.lessons.iter().map(|l| l.id)).collect();
            let mut last = Decimal::ZERO;
            for id in ids {
                let p = percent(&o, Some(id));
                prop_assert!(p >= last && p < Decimal::ONE_HUNDRED);
                last = p;
            }
        }
    }
}
