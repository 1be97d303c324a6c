//! The Redis connection pool with explicit timeouts.

use std::time::Duration;

use anyhow::Context;
use deadpool_redis::{Config, Pool, PoolConfig, Runtime, Timeouts};

/// A pool of Redis connections; cheap to clone.
pub type RedisPool = Pool;

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct RedisPoolSettings {
    /// Maximum open connections.
    pub max_size: usize,
    /// Wait, create and recycle timeout.
    pub timeout: Duration,
}

impl Default for RedisPoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            timeout: Duration::from_secs(2),
        }
    }
}

/// Builds the pool. Connections open lazily and broken ones are dropped on recycle, so the
/// app recovers by itself when Redis comes back.
pub fn build_redis_pool(
    redis_url: &str,
    settings: &RedisPoolSettings,
) -> anyhow::Result<RedisPool> {
    let mut config = Config::from_url(redis_url);
    let mut pool = PoolConfig::new(settings.max_size);
    pool.timeouts = Timeouts {
        wait: Some(settings.timeout),
        create: Some(settings.timeout),
        recycle: Some(settings.timeout),
    };
    config.pool = Some(pool);
    config
        .create_pool(Some(Runtime::Tokio1))
        .context("building the Redis pool")
}

/// Readiness probe: a connection can be checked out and answers `PING`.
pub async fn ping(pool: &RedisPool) -> bool {
    let Ok(mut conn) = pool.get().await else {
        return false;
    };
    deadpool_redis::redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .is_ok()
}
