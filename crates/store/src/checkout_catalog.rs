//! The courses a checkout prices from, kept between checkouts while the catalog does not change.
//!
//! Every checkout reads its courses with their direction, category and promotions: a join of
//! seven tables that cost PostgreSQL about a tenth of a millisecond per order, for data an
//! operator changes a few times a day. The catalog carries a version (`catalog_version`,
//! bumped by a trigger in every transaction that changes a table the join reads), and a
//! checkout reads that version inside its own transaction with its other facts. Courses loaded
//! at the same version are exactly what the checkout's snapshot would read, so they are reused;
//! any other version drops them all. Nothing here is state another instance needs: each
//! instance checks its copy against the database on every checkout.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use luffy_catalog::Course;

/// Courses with every promotion they have (ended ones too; [`CheckoutCatalog::courses`]
/// drops those at the checkout's time), as loaded at one catalog version.
#[derive(Debug, Default)]
struct AtVersion {
    version: i64,
    courses: HashMap<i64, Course>,
}

/// One store's copy of the courses it priced, valid at one catalog version.
#[derive(Debug, Default)]
pub struct CheckoutCatalog {
    held: RwLock<AtVersion>,
}

impl CheckoutCatalog {
    /// An empty copy: the first checkout of each course loads it.
    pub fn new() -> Self {
        Self::default()
    }

    /// The courses `ids` as the catalog at `version` has them, in id order and each once (as
    /// the catalog's read answers them), with the promotions that have not ended at `now`;
    /// None when any of them is not held at that version (the caller loads them all).
    pub fn courses(&self, version: i64, ids: &[i64], now: DateTime<Utc>) -> Option<Vec<Course>> {
        let held = self.held.read().ok()?;
        if held.version != version {
            return None;
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .map(|id| held.courses.get(id).map(|course| running_at(course, now)))
            .collect()
    }

    /// Keeps `courses`, loaded at `version` in the same statement (with every promotion, ended
    /// or not). Another version replaces everything held: courses are always right for the
    /// version they are kept with, so a checkout that loaded just before a change costs the
    /// next one a reload, never a wrong price.
    pub fn keep(&self, version: i64, courses: &[Course]) {
        let Ok(mut held) = self.held.write() else {
            return;
        };
        if held.version != version {
            *held = AtVersion {
                version,
                courses: HashMap::new(),
            };
        }
        for course in courses {
            held.courses.insert(course.id.get(), course.clone());
        }
    }
}

/// `course` with only the promotions that have not ended at `now` (what the catalog's
/// `end_time > now` read gives).
pub fn running_at(course: &Course, now: DateTime<Utc>) -> Course {
    let mut course = course.clone();
    course.promotions.retain(|link| link.ends_at > now);
    course
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use luffy_catalog::{Category, CourseType, Direction, PromotionLink};
    use luffy_common::CourseId;
    use rust_decimal::Decimal;

    fn course(id: i64, promotion_ends: &[DateTime<Utc>]) -> Course {
        Course {
            id: CourseId(id),
            name: format!("课程{id}"),
            course_cover: String::new(),
            course_type: CourseType::from_code(0).expect("a course type"),
            price: Decimal::new(9900, 2),
            credit: 0,
            direction: Direction {
                id: 1,
                name: "方向".into(),
            },
            category: Category {
                id: 1,
                name: "分类".into(),
                direction_id: 1,
            },
            is_show: true,
            is_deleted: false,
            promotions: promotion_ends
                .iter()
                .enumerate()
                .map(|(i, ends_at)| PromotionLink {
                    id: i as i64 + 1,
                    activity_name: "活动".into(),
                    starts_at: *ends_at - Duration::days(1),
                    ends_at: *ends_at,
                    discount_type: String::new(),
                    condition: 0,
                    sale: "*0.5".parse().expect("a sale formula"),
                })
                .collect(),
        }
    }

    #[test]
    fn courses_are_answered_only_at_the_version_they_were_loaded_at() {
        let now = Utc::now();
        let catalog = CheckoutCatalog::new();
        assert_eq!(catalog.courses(7, &[1], now), None);
        catalog.keep(7, &[course(1, &[]), course(2, &[])]);
        let both = catalog.courses(7, &[2, 1, 2], now).expect("held");
        assert_eq!(
            both.iter().map(|c| c.id.get()).collect::<Vec<_>>(),
            vec![1, 2],
            "in id order, each once, as the catalog's read answers"
        );
        assert_eq!(catalog.courses(8, &[1], now), None, "another version");
        assert_eq!(catalog.courses(7, &[1, 3], now), None, "one not held");
    }

    #[test]
    fn another_version_drops_everything_held() {
        let now = Utc::now();
        let catalog = CheckoutCatalog::new();
        catalog.keep(7, &[course(1, &[]), course(2, &[])]);
        catalog.keep(9, &[course(1, &[])]);
        assert!(catalog.courses(9, &[1], now).is_some());
        assert_eq!(
            catalog.courses(9, &[2], now),
            None,
            "dropped with version 7"
        );
        assert_eq!(catalog.courses(7, &[2], now), None);
        catalog.keep(8, &[course(2, &[])]);
        assert!(catalog.courses(8, &[2], now).is_some());
        assert_eq!(
            catalog.courses(9, &[1], now),
            None,
            "dropped with version 9"
        );
    }

    #[test]
    fn promotions_that_ended_by_the_checkout_are_left_out() {
        let now = Utc::now();
        let catalog = CheckoutCatalog::new();
        let ended = now - Duration::seconds(1);
        let running = now + Duration::hours(1);
        catalog.keep(1, &[course(1, &[ended, now, running])]);
        let got = catalog.courses(1, &[1], now).expect("held");
        let ends: Vec<DateTime<Utc>> = got[0].promotions.iter().map(|p| p.ends_at).collect();
        assert_eq!(ends, vec![running], "ends_at must be strictly after now");
        let later = catalog
            .courses(1, &[1], running + Duration::seconds(1))
            .expect("held");
        assert!(later[0].promotions.is_empty());
    }
}
