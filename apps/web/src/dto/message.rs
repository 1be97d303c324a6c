//! The tutorial's confirmation bodies: `{"errmsg": "..."}`, with the cart count where the
//! cart changed.

use serde::Serialize;
use utoipa::ToSchema;

/// A success message and nothing else.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Message {
    /// e.g. 切换状态成功!
    errmsg: &'static str,
}

impl Message {
    /// The body `{"errmsg": text}`.
    pub fn new(errmsg: &'static str) -> Self {
        Self { errmsg }
    }
}

/// A success message with the cart's new item count (the header badge).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CartTotal {
    /// Message.
    errmsg: &'static str,
    /// Items in the cart.
    cart_total: u64,
}

impl CartTotal {
    /// The body `{"errmsg": text, "cart_total": n}`.
    pub fn new(errmsg: &'static str, cart_total: u64) -> Self {
        Self { errmsg, cart_total }
    }
}
