//! Courses for tests (feature `test-util`): a valid course on sale, to change with struct
//! update syntax (`Course { credit: 0, ..course(1, Decimal::new(99, 0)) }`).

use rust_decimal::Decimal;

use luffy_common::CourseId;

use crate::course::{Category, Course, CourseType, Direction};

/// A shown, not deleted, practical course `课程{id}` at `price`, worth 100 points, in
/// direction 1 (后端) and category 1 (Rust), with no promotion.
pub fn course(id: i64, price: Decimal) -> Course {
    Course {
        id: CourseId(id),
        name: format!("课程{id}"),
        course_cover: String::new(),
        course_type: CourseType::Practical,
        price,
        credit: 100,
        direction: Direction {
            id: 1,
            name: "后端".into(),
        },
        category: Category {
            id: 1,
            name: "Rust".into(),
            direction_id: 1,
        },
        is_show: true,
        is_deleted: false,
        promotions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_course_is_on_sale() {
        let built = course(7, Decimal::new(99, 0));
        assert!(built.is_purchasable());
        assert_eq!(built.id, CourseId(7));
    }
}
