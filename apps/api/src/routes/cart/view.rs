//! The cart item shape: `{id, name, course_cover, price, credit, discount, course_type, selected}`.

use luffy_cart::CartLine;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dto::media::media_url;
use crate::dto::money;
use crate::routes::courses::view::DiscountView;

/// One cart item as the client shows it.
#[derive(Debug, Serialize)]
pub struct CartItemView {
    id: i64,
    name: String,
    course_cover: String,
    #[serde(with = "money::number")]
    price: Decimal,
    credit: i32,
    discount: DiscountView,
    course_type: &'static str,
    selected: bool,
}

impl CartItemView {
    /// One line, with its cover as an absolute URL under `public_base`.
    pub fn new(line: &CartLine, public_base: &str) -> Self {
        Self {
            id: line.course.id.get(),
            name: line.course.name.clone(),
            course_cover: media_url(public_base, &line.course.course_cover),
            price: line.course.price,
            credit: line.course.credit,
            discount: DiscountView::from(&line.discount),
            course_type: line.course.course_type.display_name(),
            selected: line.selected,
        }
    }
}

/// `{errmsg, cart: [...]}`.
#[derive(Debug, Serialize)]
pub struct CartListResponse {
    /// Always "ok!" on success, as the tutorial.
    pub errmsg: &'static str,
    /// The items.
    pub cart: Vec<CartItemView>,
}

impl CartListResponse {
    /// Renders lines, covers under `public_base`.
    pub fn new(lines: &[CartLine], public_base: &str) -> Self {
        Self {
            errmsg: "ok!",
            cart: lines
                .iter()
                .map(|line| CartItemView::new(line, public_base))
                .collect(),
        }
    }
}
