//! Orders (SPEC 2.3, 2.6): checkout pricing as one pure function, the order aggregate with its
//! compare-and-set state machine (0 unpaid -> 1 paid | 2 cancelled | 3 timed out), and the
//! checkout and fulfilment services over a one-transaction `CheckoutStore` port.
//!
//! Filled by the checkout issue.
