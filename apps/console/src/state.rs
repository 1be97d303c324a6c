//! What the console's pages need, handed over by the binary that mounts it: the services
//! (the same instances the API uses), the store timezone, the adapters its sessions and login
//! limits live in, and a few settings.

use luffy_store::{RedisLoginAttempts, RedisSessionData};
use luffy_web::services::{
    Accounts, Audit, Catalog, CatalogAdmin, Coupons, Home, Jobs, Orders, Reconciliations, Refunds,
    Taxonomy, Uploads,
};
use secrecy::SecretString;

/// The settings the console reads.
#[derive(Clone)]
pub struct ConsoleSettings {
    /// The secret the session cookie's signing key is derived from.
    pub jwt_secret: SecretString,
    /// Session cookies only over HTTPS (production).
    pub secure_cookies: bool,
    /// The store timezone's IANA name (the dashboard's days).
    pub timezone: String,
}

/// The console's shared state; cloning is cheap (services hold pools).
#[derive(Clone)]
pub struct ConsoleState {
    /// The console's settings.
    pub settings: ConsoleSettings,
    /// The store timezone, for times shown and typed.
    pub timezone: chrono_tz::Tz,
    /// Operators' sessions.
    pub sessions: RedisSessionData,
    /// Login attempt counts (see `guard::LOGIN_WINDOW_SECS`).
    pub login_attempts: RedisLoginAttempts,
    /// Course reads.
    pub catalog: Catalog,
    /// Directions and categories.
    pub taxonomy: Taxonomy,
    /// Teachers, courses, outlines and promotions.
    pub catalog_admin: CatalogAdmin,
    /// Covers and avatars.
    pub uploads: Uploads,
    /// Accounts, points and balances.
    pub users: Accounts,
    /// The audit trail.
    pub audit: Audit,
    /// Coupons and grants.
    pub coupons: Coupons,
    /// Orders, their search and figures.
    pub orders: Orders,
    /// Refunds and their review.
    pub refunds: Refunds,
    /// Jobs and dead jobs.
    pub jobs: Jobs,
    /// The channels' reconciled days.
    pub reconciliations: Reconciliations,
    /// The home page's menus and banners.
    pub home: Home,
}
