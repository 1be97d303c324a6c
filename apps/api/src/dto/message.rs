//! The tutorial's confirmation bodies: `{"errmsg": "..."}`, with the cart count where the
//! cart changed.

use serde::Serialize;

/// A success message and nothing else.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Message {
    errmsg: &'static str,
}

impl Message {
    /// The body `{"errmsg": text}`.
    pub fn new(errmsg: &'static str) -> Self {
        Self { errmsg }
    }
}

/// A success message with the cart's new item count (the header badge).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CartTotal {
    errmsg: &'static str,
    cart_total: u64,
}

impl CartTotal {
    /// The body `{"errmsg": text, "cart_total": n}`.
    pub fn new(errmsg: &'static str, cart_total: u64) -> Self {
        Self { errmsg, cart_total }
    }
}
