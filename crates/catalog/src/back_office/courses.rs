//! Courses: name, taxonomy, teacher, price, cover and video; hidden or marked deleted, never removed (orders refer to them).

use std::future::Future;

use luffy_common::{Page, PageRequest, StorageError, UserId};
use rust_decimal::Decimal;

use super::{at_least_one, code, invalid, media, text, CatalogAdminError, CatalogAdminService};

/// A course as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseRecord {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Direction.
    pub direction_id: i64,
    /// Category (of that direction).
    pub category_id: i64,
    /// Teacher, if any.
    pub teacher_id: Option<i64>,
    /// List price.
    pub price: Decimal,
    /// The most points one order may spend on it.
    pub credit: i32,
    /// 0 付费, 1 VIP, 2 学位.
    pub course_type: i16,
    /// 0 初级, 1 中级, 2 高级.
    pub level: i16,
    /// Description (HTML from the tutorial's editor).
    pub description: String,
    /// Cover path or URL.
    pub course_cover: String,
    /// Video path or URL.
    pub course_video: String,
    /// Listed for buyers.
    pub is_show: bool,
    /// Withdrawn for good (still readable by orders).
    pub is_deleted: bool,
    /// Lessons shown.
    pub lessons: i32,
}

/// A course to create, or the fields of one to change (absent: kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CourseInput {
    /// 1-255 characters (required to create).
    pub name: Option<String>,
    /// Required to create.
    pub direction_id: Option<i64>,
    /// Required to create; must belong to the direction.
    pub category_id: Option<i64>,
    /// Optional.
    pub teacher_id: Option<i64>,
    /// 0 to 100000000, two decimals at most (required to create).
    pub price: Option<Decimal>,
    /// Points cap, 0 or more.
    pub credit: Option<i32>,
    /// 0-2.
    pub course_type: Option<i16>,
    /// 0-2.
    pub level: Option<i16>,
    /// At most 100000 characters.
    pub description: Option<String>,
    /// A site path or an http(s) URL.
    pub course_cover: Option<String>,
    /// A site path or an http(s) URL.
    pub course_video: Option<String>,
    /// Listed for buyers.
    pub is_show: Option<bool>,
    /// Withdrawn for good.
    pub is_deleted: Option<bool>,
}

/// The highest list price accepted.
pub const MAX_PRICE: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

impl CourseInput {
    /// Checks the fields; `creating` requires name, direction, category and price.
    pub fn validated(self, creating: bool) -> Result<Self, CatalogAdminError> {
        let changed = self != Self::default();
        if !creating {
            at_least_one(changed)?;
        }
        let id = |value: Option<i64>, field: &'static str, label: &str, required: bool| match value
        {
            None if required => Err(invalid(field, format!("{label}不能为空!"))),
            Some(v) if v <= 0 => Err(invalid(field, format!("{label}无效!"))),
            other => Ok(other),
        };
        let price = match self.price {
            None if creating => return Err(invalid("price", "课程价格不能为空!")),
            Some(p) if p < Decimal::ZERO || p > MAX_PRICE || p.normalize().scale() > 2 => {
                return Err(invalid(
                    "price",
                    "课程价格应为0到100000000之间、最多两位小数的金额!",
                ))
            }
            other => other,
        };
        if self.credit.is_some_and(|c| c < 0) {
            return Err(invalid("credit", "积分抵扣上限不能为负数!"));
        }
        Ok(Self {
            name: text(self.name, "name", "课程名称", 255, creating)?,
            direction_id: id(self.direction_id, "direction_id", "课程方向", creating)?,
            category_id: id(self.category_id, "category_id", "课程分类", creating)?,
            teacher_id: id(self.teacher_id, "teacher_id", "讲师", false)?,
            price,
            credit: self.credit,
            course_type: code(self.course_type, "course_type", "课程类型", 2)?,
            level: code(self.level, "level", "课程难度", 2)?,
            description: text(self.description, "description", "课程描述", 100_000, false)?,
            course_cover: media(self.course_cover, "course_cover", "课程封面")?,
            course_video: media(self.course_video, "course_video", "课程视频")?,
            is_show: self.is_show,
            is_deleted: self.is_deleted,
        })
    }
}

/// Storage of the operators' courses; every write is audited for `actor` in its own
/// transaction, and refers only to rows that exist (else `BadReference`).
pub trait CourseAdminStore: Send + Sync {
    /// Courses, newest first, optionally whose name contains `q` (hidden and deleted included).
    fn courses(
        &self,
        q: Option<&str>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<CourseRecord>, StorageError>> + Send;
    /// One course (hidden and deleted included).
    fn course(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<CourseRecord>, StorageError>> + Send;
    /// Creates a course.
    fn create_course(
        &self,
        actor: UserId,
        input: &CourseInput,
    ) -> impl Future<Output = Result<CourseRecord, CatalogAdminError>> + Send;
    /// Changes a course.
    fn update_course(
        &self,
        actor: UserId,
        id: i64,
        input: &CourseInput,
    ) -> impl Future<Output = Result<CourseRecord, CatalogAdminError>> + Send;
}

impl<S: CourseAdminStore> CatalogAdminService<S> {
    /// Courses for operators.
    pub async fn courses(
        &self,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<CourseRecord>, StorageError> {
        self.store.courses(q, page).await
    }

    /// One course for its edit page (404 when there is none).
    pub async fn course(&self, id: i64) -> Result<CourseRecord, CatalogAdminError> {
        self.store
            .course(id)
            .await?
            .ok_or(CatalogAdminError::NotFound("课程"))
    }

    /// Creates a course.
    pub async fn create_course(
        &self,
        actor: UserId,
        input: CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let input = input.validated(true)?;
        self.store.create_course(actor, &input).await
    }

    /// Changes a course.
    pub async fn update_course(
        &self,
        actor: UserId,
        id: i64,
        input: CourseInput,
    ) -> Result<CourseRecord, CatalogAdminError> {
        let input = input.validated(false)?;
        self.store.update_course(actor, id, &input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_prices_are_bounded_money() {
        let course = |price: &str| CourseInput {
            name: Some("Rust".into()),
            direction_id: Some(1),
            category_id: Some(1),
            price: Some(price.parse().unwrap()),
            ..CourseInput::default()
        };
        assert!(course("99.90").validated(true).is_ok());
        assert!(course("0").validated(true).is_ok());
        for bad in ["-1", "0.001", "100000000.01"] {
            assert!(course(bad).validated(true).is_err(), "{bad}");
        }
        let missing = CourseInput {
            name: Some("Rust".into()),
            ..CourseInput::default()
        };
        assert_eq!(
            missing.validated(true).unwrap_err().to_string(),
            "课程价格不能为空!"
        );
        let bad_level = CourseInput {
            level: Some(5),
            ..CourseInput::default()
        };
        assert_eq!(
            bad_level.validated(false).unwrap_err().to_string(),
            "课程难度无效!"
        );
    }
}
