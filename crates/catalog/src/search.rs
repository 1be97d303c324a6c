//! Course search and hot words. A search matches its text in a course's name, description,
//! teacher, category or direction (Chinese included: the store matches substrings through
//! trigram indexes, so there is no word index to rebuild), over shown courses only, and counts
//! the text as a hot word of the day; hot words are the most searched texts of the last seven
//! days.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use luffy_common::{Clock, Page, PageRequest, StorageError};

use crate::browse::{CatalogBrowser, CourseProfile};
use crate::repository::CatalogError;

/// How many hot words `GET /courses/hot_word` gives.
pub const HOT_WORDS: usize = 5;
/// How many days of searches count, today included.
pub const HOT_WORD_DAYS: i64 = 7;
/// The longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 50;

/// Why a search text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// Empty or only spaces.
    #[error("请输入搜索关键字!")]
    Empty,
    /// Control characters.
    #[error("搜索关键字不能包含控制字符!")]
    ControlCharacters,
    /// Longer than [`MAX_SEARCH_CHARS`].
    #[error("搜索关键字不能超过50个字符!")]
    TooLong,
    /// An unknown `ordering`.
    #[error("ordering 只能是 id、students、orders 或加 - 的倒序!")]
    BadOrdering,
}

/// A checked search text: trimmed, inner spaces collapsed, letters lower-cased (so `Python`
/// and `python ` are one hot word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    /// Checks and normalises a text.
    pub fn parse(text: &str) -> Result<Self, SearchError> {
        if text.chars().any(char::is_control) {
            return Err(SearchError::ControlCharacters);
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return Err(SearchError::Empty);
        }
        let normal = words.join(" ").to_lowercase();
        if normal.chars().count() > MAX_SEARCH_CHARS {
            return Err(SearchError::TooLong);
        }
        Ok(Self(normal))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How results are sorted: by relevance (none given), or by `id`, `students` or `orders`
/// (paid purchases), each ascending or descending (`-`); ties newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrdering {
    /// The best match first.
    #[default]
    Relevance,
    /// By id.
    Id {
        /// Highest first.
        descending: bool,
    },
    /// By students.
    Students {
        /// Most first.
        descending: bool,
    },
    /// By paid orders of the course.
    Orders {
        /// Most first.
        descending: bool,
    },
}

impl SearchOrdering {
    /// Parses `ordering`; empty is relevance.
    pub fn parse(value: &str) -> Result<Self, SearchError> {
        let value = value.trim();
        let (descending, field) = match value.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, value),
        };
        match field {
            "" if !descending => Ok(Self::Relevance),
            "id" => Ok(Self::Id { descending }),
            "students" => Ok(Self::Students { descending }),
            "orders" => Ok(Self::Orders { descending }),
            _ => Err(SearchError::BadOrdering),
        }
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The text.
    pub text: SearchText,
    /// The order.
    pub ordering: SearchOrdering,
}

/// Where searches are counted per day (Redis in production).
pub trait HotWords: Send + Sync {
    /// Counts one search of `text` on `day`.
    fn record(
        &self,
        text: &str,
        day: NaiveDate,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The `n` texts searched most over `days`, most first.
    fn top(
        &self,
        days: &[NaiveDate],
        n: usize,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> + Send;
}

/// The store's day of an instant (the store's time zone decides what "today" is).
pub type DayOf = Arc<dyn Fn(DateTime<Utc>) -> NaiveDate + Send + Sync>;

/// Search and hot words.
#[derive(Clone)]
pub struct SearchService<B, H, K> {
    browser: B,
    hot_words: H,
    clock: K,
    day_of: DayOf,
}

impl<B: CatalogBrowser, H: HotWords, K: Clock> SearchService<B, H, K> {
    /// The service over the catalog, the hot-word counter, the clock and the store's days.
    pub fn new(browser: B, hot_words: H, clock: K, day_of: DayOf) -> Self {
        Self {
            browser,
            hot_words,
            clock,
            day_of,
        }
    }

    /// One page of shown courses matching the text; the text counts as a hot word of today
    /// (every page asked counts, as the tutorial's client expects). A counter that is down
    /// does not fail the search.
    pub async fn search(
        &self,
        query: &SearchQuery,
        page: PageRequest,
    ) -> Result<Page<CourseProfile>, CatalogError> {
        let now = self.clock.now();
        let found = self.browser.search_courses(query, page, now).await?;
        if let Err(error) = self
            .hot_words
            .record(query.text.as_str(), (self.day_of)(now))
            .await
        {
            tracing::warn!(%error, "could not count a hot word");
        }
        Ok(found)
    }

    /// The most searched texts of the last [`HOT_WORD_DAYS`] days, at most [`HOT_WORDS`].
    pub async fn hot_words(&self) -> Result<Vec<String>, StorageError> {
        let today = (self.day_of)(self.clock.now());
        let days: Vec<NaiveDate> = (0..HOT_WORD_DAYS)
            .map(|back| today - Duration::days(back))
            .collect();
        self.hot_words.top(&days, HOT_WORDS).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_normalised_and_checked() {
        assert_eq!(
            SearchText::parse("  Python   入门 ").unwrap().as_str(),
            "python 入门"
        );
        assert_eq!(SearchText::parse("数据").unwrap().as_str(), "数据");
        assert_eq!(SearchText::parse(""), Err(SearchError::Empty));
        assert_eq!(SearchText::parse("   "), Err(SearchError::Empty));
        assert_eq!(
            SearchText::parse("a\u{0}b"),
            Err(SearchError::ControlCharacters)
        );
        assert_eq!(
            SearchText::parse("a\nb"),
            Err(SearchError::ControlCharacters)
        );
        assert_eq!(
            SearchText::parse(&"课".repeat(51)),
            Err(SearchError::TooLong)
        );
        assert!(SearchText::parse(&"课".repeat(50)).is_ok());
    }

    #[test]
    fn orderings_are_the_clients() {
        assert_eq!(SearchOrdering::parse(""), Ok(SearchOrdering::Relevance));
        assert_eq!(
            SearchOrdering::parse("-id"),
            Ok(SearchOrdering::Id { descending: true })
        );
        assert_eq!(
            SearchOrdering::parse("students"),
            Ok(SearchOrdering::Students { descending: false })
        );
        assert_eq!(
            SearchOrdering::parse("-orders"),
            Ok(SearchOrdering::Orders { descending: true })
        );
        for bad in ["-", "price", "name", "--id"] {
            assert_eq!(
                SearchOrdering::parse(bad),
                Err(SearchError::BadOrdering),
                "{bad}"
            );
        }
    }
}
