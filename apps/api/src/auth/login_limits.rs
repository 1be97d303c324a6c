//! How many failed logins the buyers' login allows, and over how long.

/// The window failed attempts are counted in, seconds.
pub const LOGIN_WINDOW_SECS: u64 = 15 * 60;
/// Failed attempts one account may have in a window (a success clears them).
pub const LOGIN_ATTEMPTS_PER_ACCOUNT: i64 = 10;
/// Failed attempts one address may have in a window, over every account.
pub const LOGIN_ATTEMPTS_PER_ADDRESS: i64 = 50;
