//! Page requests and pages, validated once so every list endpoint pages the same way.

use serde::Serialize;

/// A validated page request: `page` starts at 1 and `size` is capped by the caller's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    size: u32,
}

/// Why a page request was refused; shown to the client as a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageRequestError {
    /// `page` was 0 or negative.
    #[error("page must be 1 or more")]
    PageOutOfRange,
    /// `size` was 0 or above the endpoint's maximum.
    #[error("size must be between 1 and {max}")]
    SizeOutOfRange {
        /// The endpoint's maximum page size.
        max: u32,
    },
}

impl PageRequest {
    /// Validates `page >= 1` and `1 <= size <= max_size`.
    pub fn new(page: i64, size: i64, max_size: u32) -> Result<Self, PageRequestError> {
        let page = u32::try_from(page)
            .ok()
            .filter(|p| *p >= 1)
            .ok_or(PageRequestError::PageOutOfRange)?;
        let size = u32::try_from(size)
            .ok()
            .filter(|s| (1..=max_size).contains(s))
            .ok_or(PageRequestError::SizeOutOfRange { max: max_size })?;
        Ok(Self { page, size })
    }

    /// The 1-based page number.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Rows to skip, for SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.size)
    }

    /// Rows to return, for SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }
}

/// One page of results plus the total count, enough to render "next" and "previous" links.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// Items on this page.
    pub items: Vec<T>,
    /// Items over all pages.
    pub total: u64,
    /// The request that produced this page.
    #[serde(skip)]
    pub request: PageRequest,
}

impl<T> Page<T> {
    /// Whether a page after this one has items.
    pub fn has_next(&self) -> bool {
        u64::from(self.request.page()) * u64::from(self.request.size()) < self.total
    }

    /// Whether a page before this one exists.
    pub fn has_previous(&self) -> bool {
        self.request.page() > 1
    }

    /// Converts the items while keeping count and request.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            request: self.request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_bounds() {
        assert!(PageRequest::new(1, 5, 20).is_ok());
        assert_eq!(
            PageRequest::new(0, 5, 20),
            Err(PageRequestError::PageOutOfRange)
        );
        assert_eq!(
            PageRequest::new(1, 21, 20),
            Err(PageRequestError::SizeOutOfRange { max: 20 })
        );
        assert_eq!(
            PageRequest::new(1, 0, 20),
            Err(PageRequestError::SizeOutOfRange { max: 20 })
        );
        assert_eq!(
            PageRequest::new(-3, 5, 20),
            Err(PageRequestError::PageOutOfRange)
        );
    }

    #[test]
    fn offsets_and_links() {
        let request = PageRequest::new(3, 5, 20).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(request.offset(), 10);
        let page = Page {
            items: vec![1, 2],
            total: 12,
            request,
        };
        assert!(!page.has_next());
        assert!(page.has_previous());
        let page = Page {
            items: vec![1],
            total: 16,
            request,
        };
        assert!(page.has_next());
    }
}
