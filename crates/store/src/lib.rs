//! Adapters for every luffy port: PostgreSQL through diesel-async and its deadpool pool,
//! Redis through deadpool-redis. Domain crates never see diesel or Redis types;
//! row structs live here and map to domain types.

pub mod account_cache;
pub mod audit;
mod audited_write;
pub mod browse;
pub mod cart;
pub mod catalog;
mod catalog_admin;
pub mod console_sessions;
pub mod coupons;
pub mod database;
pub mod errors;
pub mod jobs;
mod ledger;
pub mod login_attempts;
pub mod media;
pub mod migrations;
pub mod orders;
pub mod postgres;
pub mod redis;
mod refunds;
pub mod replica;
pub mod round_trip_deadline;
pub mod rows;
pub mod schema;
pub mod seed;
mod statement;
pub mod taxonomy;
mod transaction;
pub mod users;

pub use account_cache::RedisAccountCache;
pub use audit::PgAudit;
pub use cart::RedisCarts;
pub use catalog::PgCatalog;
pub use catalog_admin::PgCatalogAdmin;
pub use console_sessions::RedisSessionData;
pub use coupons::{PgCouponTx, PgCoupons};
pub use jobs::PgJobs;
pub use login_attempts::{AttemptCounts, RedisLoginAttempts};
pub use media::FsMedia;
pub use orders::{PgOrderStore, PgOrderTx};
pub use postgres::{PgPool, PgPoolSettings};
pub use redis::{RedisConn, RedisPool, RedisPoolSettings, RedisTopology};
pub use replica::ReplicaReads;
pub use users::PgUsers;
