//! The course catalog: courses, their directions and categories, and the promotion rules that
//! give a course its current sale price.
//!
//! ---
#![doc = include_str!("../README.md")]

pub mod back_office;
pub mod browse;
#[cfg(any(test, feature = "test-util"))]
pub mod builders;
pub mod course;
pub mod home;
pub mod promotion;
pub mod repository;
pub mod sale;
pub mod search;
pub mod service;
pub mod taxonomy;
#[cfg(feature = "uploads")]
pub mod upload;

pub use back_office::{
    CatalogAdminError, CatalogAdminService, ChapterInput, ChapterRecord, CourseAdminStore,
    CourseInput, CourseRecord, LessonInput, LessonRecord, OutlineAdminStore, PromotionAdminStore,
    PromotionInput, PromotionRecord, TeacherAdminStore, TeacherInput, TeacherRecord,
};
pub use browse::{
    CatalogBrowser, Chapter, CourseFilter, CourseLevel, CourseOrdering, CourseProfile, Lesson,
    Teacher, TeacherRole,
};
pub use course::{Category, Course, CourseType, Direction};
pub use home::{Banner, HomeChange, HomeError, HomeService, HomeStore, Nav, NavPosition};
pub use promotion::{current_discount, CourseDiscount, PromotionLink};
pub use repository::{CatalogError, CatalogStore, CourseOwnership};
pub use sale::{InvalidSale, SaleFormula};
pub use search::{HotWords, SearchError, SearchOrdering, SearchQuery, SearchService, SearchText};
pub use service::CatalogService;
pub use taxonomy::{TaxonomyError, TaxonomyService, TaxonomyStore};
#[cfg(feature = "uploads")]
pub use upload::{MediaStore, StoredImage, UploadError, UploadKind, UploadService};

// Foreign types in the public signatures.
pub use chrono;
pub use rust_decimal;
