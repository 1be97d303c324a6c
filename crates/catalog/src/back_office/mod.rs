//! The operators' catalog: teachers, courses, a course's outline (chapters and lessons) and
//! promotions, one module and one storage port each. Input is validated here, before anything
//! is written; the store writes each change with its audit entry in one transaction. Nothing an
//! order refers to is deleted: courses and teachers are hidden (`is_show`) or marked deleted
//! (`is_deleted`) instead.

pub mod courses;
pub mod outline;
pub mod promotions;
pub mod teachers;

pub use courses::{CourseAdminStore, CourseInput, CourseRecord, MAX_PRICE};
pub use outline::{ChapterInput, ChapterRecord, LessonInput, LessonRecord, OutlineAdminStore};
pub use promotions::{promotion_type, PromotionAdminStore, PromotionInput, PromotionRecord};
pub use teachers::{TeacherAdminStore, TeacherInput, TeacherRecord};

use luffy_common::StorageError;

/// Why a catalog change was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum CatalogAdminError {
    /// A field is missing or out of range (400); `field` names it as the API body does, so a
    /// form can show the message beside it.
    #[error("{message}")]
    Invalid {
        /// The body field at fault (`""` when the refusal is about the whole input).
        field: &'static str,
        /// The message shown to the operator.
        message: String,
    },
    /// The row changed does not exist (404).
    #[error("{0}不存在!")]
    NotFound(&'static str),
    /// A row the change refers to does not exist, or does not fit (400).
    #[error("{message}")]
    BadReference {
        /// The body field holding the reference.
        field: &'static str,
        /// The message shown to the operator.
        message: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl CatalogAdminError {
    /// The body field a refusal is about, if it is about one field.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } | Self::BadReference { field, .. } if !field.is_empty() => {
                Some(field)
            }
            _ => None,
        }
    }
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> CatalogAdminError {
    CatalogAdminError::Invalid {
        field,
        message: message.into(),
    }
}

/// A text field trimmed and bounded; `required` refuses an empty one.
pub(crate) fn text(
    value: Option<String>,
    field: &'static str,
    label: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, CatalogAdminError> {
    match value.map(|v| v.trim().to_owned()) {
        None if required => Err(invalid(field, format!("{label}不能为空!"))),
        None => Ok(None),
        Some(v) if required && v.is_empty() => Err(invalid(field, format!("{label}不能为空!"))),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("{label}不能超过{max}个字符!")))
        }
        Some(v) => Ok(Some(v)),
    }
}

/// A media path or URL: a site path (`/uploads/...`, `uploads/...`) or an http(s) URL.
pub(crate) fn media(
    value: Option<String>,
    field: &'static str,
    label: &str,
) -> Result<Option<String>, CatalogAdminError> {
    let value = text(value, field, label, 255, false)?;
    if let Some(v) = &value {
        let lower = v.to_ascii_lowercase();
        let allowed = v.is_empty()
            || lower.starts_with("http://")
            || lower.starts_with("https://")
            || (!lower.contains(':') && !v.contains(".."));
        if !allowed {
            return Err(invalid(
                field,
                format!("{label}必须是站内路径或http(s)地址!"),
            ));
        }
    }
    Ok(value)
}

pub(crate) fn code(
    value: Option<i16>,
    field: &'static str,
    label: &str,
    max: i16,
) -> Result<Option<i16>, CatalogAdminError> {
    match value {
        Some(v) if !(0..=max).contains(&v) => Err(invalid(field, format!("{label}无效!"))),
        other => Ok(other),
    }
}

pub(crate) fn at_least_one(changed: bool) -> Result<(), CatalogAdminError> {
    if changed {
        Ok(())
    } else {
        Err(invalid("", "请至少修改一项!"))
    }
}

/// The operators' catalog use cases: validate, then write through the store. Each area's
/// methods need only that area's port (`TeacherAdminStore`, `CourseAdminStore`,
/// `OutlineAdminStore`, `PromotionAdminStore`).
#[derive(Clone)]
pub struct CatalogAdminService<S> {
    store: S,
}

impl<S> CatalogAdminService<S> {
    /// Wires the store.
    pub fn new(store: S) -> Self {
        Self { store }
    }
}
