//! A local Alipay gateway simulator (SPEC 6) so the whole payment flow runs without internet.
//!
//! Filled by the Alipay issue; `luffy serve` will mount it at `/sandbox/alipay/`.
