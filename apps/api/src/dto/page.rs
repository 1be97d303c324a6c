//! The DRF page shape every paged list answers.

use serde::Serialize;

/// A DRF-style page: `{count, next, previous, results}`, with links to the neighbouring pages.
#[derive(Debug, Serialize)]
pub struct DrfPage<T> {
    count: u64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<T>,
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
