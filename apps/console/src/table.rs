//! What every console table and form shares: paging links that keep the filters, the page
//! number read from the query, and the refusal shown beside the field it is about.

/// One page of a table and the links to its neighbours (the filters are kept in the links).
pub(crate) struct Pager {
    /// This page (from 1).
    pub page: u32,
    /// Pages in all (at least 1).
    pub pages: u32,
    /// Rows in all.
    pub total: u64,
    /// The previous page's link, empty on the first.
    pub prev: String,
    /// The next page's link, empty on the last.
    pub next: String,
}

impl Pager {
    /// The pager of `page` for a table at `path` filtered by `params` (empty values are left
    /// out of the links).
    pub(crate) fn new(
        path: &str,
        params: &[(&str, &str)],
        page: u32,
        size: u32,
        total: u64,
    ) -> Self {
        let pages = u32::try_from(total.div_ceil(u64::from(size.max(1))))
            .unwrap_or(u32::MAX)
            .max(1);
        let link = |n: u32| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (name, value) in params.iter().filter(|(_, v)| !v.is_empty()) {
                query.append_pair(name, value);
            }
            query.append_pair("page", &n.to_string());
            format!("{path}?{}", query.finish())
        };
        Self {
            page,
            pages,
            total,
            prev: if page > 1 {
                link(page - 1)
            } else {
                String::new()
            },
            next: if page < pages {
                link(page + 1)
            } else {
                String::new()
            },
        }
    }
}

/// The page asked for in a query: a number from 1, anything else is the first page.
pub(crate) fn page_number(text: &str) -> u32 {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// A form's refusal: the message and the field it is about (empty: the whole form), so the
/// template prints it beside that field.
#[derive(Default)]
pub(crate) struct FieldError {
    /// The form field's name (as the admin API's body names it).
    pub field: String,
    /// The `errmsg`.
    pub errmsg: String,
}

impl FieldError {
    /// A refusal about `field`.
    pub(crate) fn at(field: &str, errmsg: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            errmsg: errmsg.into(),
        }
    }

    /// The message to print beside `field` (empty when the refusal is about another one).
    pub(crate) fn of(&self, field: &str) -> &str {
        if self.field == field {
            &self.errmsg
        } else {
            ""
        }
    }

    /// The message about the whole form (one that names no field).
    pub(crate) fn general(&self) -> &str {
        self.of("")
    }
}

/// Whether text from a multipart form is free of control characters (tab and line breaks
/// allowed), as the edge checks JSON and urlencoded bodies.
pub(crate) fn clean_text(text: &str) -> bool {
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_links_keep_filters_and_stop_at_the_ends() {
        let pager = Pager::new(
            "/console/orders",
            &[("number", "2026"), ("status", "")],
            2,
            20,
            45,
        );
        assert_eq!(pager.pages, 3);
        assert_eq!(pager.prev, "/console/orders?number=2026&page=1");
        assert_eq!(pager.next, "/console/orders?number=2026&page=3");
        let last = Pager::new("/console/orders", &[], 3, 20, 45);
        assert!(last.next.is_empty());
        let empty = Pager::new("/console/orders", &[], 1, 20, 0);
        assert_eq!(
            (empty.pages, empty.prev.as_str(), empty.next.as_str()),
            (1, "", "")
        );
    }

    #[test]
    fn page_numbers_fall_back_to_the_first() {
        assert_eq!(page_number("3"), 3);
        for bad in ["", "0", "-1", "x", "99999999999"] {
            assert_eq!(page_number(bad), 1, "{bad}");
        }
    }

    #[test]
    fn field_errors_show_only_beside_their_field() {
        let error = FieldError::at("price", "课程价格不能为空!");
        assert_eq!(error.of("price"), "课程价格不能为空!");
        assert_eq!(error.of("name"), "");
        assert_eq!(error.general(), "");
        assert_eq!(FieldError::at("", "x").general(), "x");
    }
}
