//! The cart item shape: `{id, name, course_cover, price, credit, discount, course_type, selected}`.

use luffy_cart::CartLine;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::media::media_url;
use crate::dto::money;
use crate::routes::courses::view::DiscountView;

/// One cart item as the client shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CartItem)]
pub struct CartItemView {
    /// Course id.
    id: i64,
    /// Name.
    name: String,
    /// Absolute URL.
    course_cover: String,
    /// List price.
    #[schema(value_type = f64)]
    #[serde(with = "money::number")]
    price: Decimal,
    /// Most points.
    credit: i32,
    /// Promotion.
    discount: DiscountView,
    /// Course type name.
    course_type: &'static str,
    /// Selected for checkout.
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CartList)]
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
