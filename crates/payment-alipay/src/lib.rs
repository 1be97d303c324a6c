//! Alipay OpenAPI v1 client (SPEC 2.7): RSA2 signing and verification, page-pay links,
//! return/notify verification and trade query/close/refund. No database.
//!
//! Filled by the Alipay issue.
