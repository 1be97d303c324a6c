//! The DRF page shape every paged list answers, and the paging parameters of operator lists.

use luffy_common::paging::PageRequestError;
use luffy_common::PageRequest;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::dto::flexible;

/// The largest page an operator list answers.
pub const MAX_ADMIN_PAGE_SIZE: u32 = 100;

/// `page` (from 1, default 1) and `size` (default 20) of an operator list; flatten it into a
/// route's query.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageParams {
    #[serde(default = "first_page", deserialize_with = "flexible::integer")]
    page: i64,
    #[serde(default = "default_size", deserialize_with = "flexible::integer")]
    size: i64,
}

fn first_page() -> i64 {
    1
}

fn default_size() -> i64 {
    20
}

impl Default for PageParams {
    fn default() -> Self {
        Self {
            page: first_page(),
            size: default_size(),
        }
    }
}

impl PageParams {
    /// The validated page (400 for a page below 1 or a size outside 1..=100).
    pub fn request(&self) -> Result<PageRequest, PageRequestError> {
        PageRequest::new(self.page, self.size, MAX_ADMIN_PAGE_SIZE)
    }
}

/// A DRF-style page: `{count, next, previous, results}`, with links to the neighbouring pages.
#[derive(Debug, Serialize)]
pub struct DrfPage<T> {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<T>,
}

/// The page's schema, one component per item type (`CoursePage` for pages of `Course`):
/// utoipa's derive gives every instance of a generic struct the same component name.
impl<T: ToSchema> PartialSchema for DrfPage<T> {
    fn schema() -> RefOr<Schema> {
        let link = |description: &str| {
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .description(Some(description))
        };
        ObjectBuilder::new()
            .property(
                "count",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .description(Some("All matching.")),
            )
            .required("count")
            .property("next", link("Next page URL."))
            .required("next")
            .property("previous", link("Previous page URL."))
            .required("previous")
            .property(
                "results",
                ArrayBuilder::new()
                    .items(Ref::from_schema_name(T::name()))
                    .description(Some("This page.")),
            )
            .required("results")
            .into()
    }
}

impl<T: ToSchema> ToSchema for DrfPage<T> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Page", T::name()))
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

impl<T> DrfPage<T> {
    /// Renders a page's items with `view`; `link` builds the URL of a page number.
    pub fn new<U>(
        page: &luffy_common::Page<U>,
        link: impl Fn(u32) -> String,
        view: impl FnMut(&U) -> T,
    ) -> Self {
        let number = page.request.page();
        Self {
            count: page.total,
            next: page.has_next().then(|| link(number + 1)),
            previous: page.has_previous().then(|| link(number - 1)),
            results: page.items.iter().map(view).collect(),
        }
    }
}
