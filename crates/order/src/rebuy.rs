//! Buy again: an order's courses that can still be bought go back into the cart, selected, by
//! the cart's own rules (shown, not deleted, not owned); the buyer then checks out at current
//! prices. Nothing about the old order changes.

use luffy_cart::{CartError, CartService, CartStore};
use luffy_catalog::{CatalogStore, CourseOwnership};
use luffy_common::{Clock, CourseId, StorageError, UserId};

use crate::ports::{OrderKey, OrderStore};

/// Why a course of the order did not go back into the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The buyer owns it (bought since, or the order was paid).
    Owned,
    /// It is hidden or deleted now.
    Unavailable,
}

impl SkipReason {
    /// The reason as the buyer reads it.
    pub fn message(self) -> &'static str {
        match self {
            Self::Owned => "您已经购买过该课程!",
            Self::Unavailable => "课程已下架或不存在!",
        }
    }
}

/// What buying again did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuy {
    /// Courses now in the cart, selected.
    pub added: Vec<CourseId>,
    /// Courses left out, with why.
    pub skipped: Vec<(CourseId, SkipReason)>,
    /// The cart's size afterwards.
    pub cart_total: u64,
}

/// Why buying again was refused.
#[derive(Debug, thiserror::Error)]
pub enum RebuyError {
    /// No such order of the caller.
    #[error("订单不存在!")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Buy again, over the order store and the cart service.
#[derive(Clone)]
pub struct RebuyService<S, R, C, O, K> {
    store: S,
    cart: CartService<R, C, O, K>,
}

impl<S, R, C, O, K> RebuyService<S, R, C, O, K>
where
    S: OrderStore,
    R: CartStore,
    C: CatalogStore,
    O: CourseOwnership,
    K: Clock,
{
    /// Wires the order store and the cart service.
    pub fn new(store: S, cart: CartService<R, C, O, K>) -> Self {
        Self { store, cart }
    }

    /// Puts the caller's order's courses that can still be bought back into the cart.
    pub async fn rebuy(&self, user: UserId, order_id: i64) -> Result<Rebuy, RebuyError> {
        let order = self
            .store
            .find(Some(user), &OrderKey::Id(order_id))
            .await?
            .ok_or(RebuyError::NotFound)?;
        let (mut added, mut skipped) = (Vec::new(), Vec::new());
        for line in &order.lines {
            match self.cart.add(user, line.course_id).await {
                Ok(_) => added.push(line.course_id),
                Err(CartError::AlreadyOwned) => skipped.push((line.course_id, SkipReason::Owned)),
                Err(CartError::CourseNotFound | CartError::NotInCart) => {
                    skipped.push((line.course_id, SkipReason::Unavailable));
                }
                Err(CartError::Storage(error)) => return Err(error.into()),
            }
        }
        let cart_total = self.cart.count(user).await.map_err(|e| match e {
            CartError::Storage(error) => RebuyError::Storage(error),
            other => RebuyError::Storage(StorageError::Unexpected(anyhow::anyhow!(
                "counting the cart: {other}"
            ))),
        })?;
        tracing::info!(order = %order.order_number, added = added.len(), skipped = skipped.len(), "order bought again");
        Ok(Rebuy {
            added,
            skipped,
            cart_total,
        })
    }
}
