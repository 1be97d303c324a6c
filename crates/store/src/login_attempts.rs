//! Redis adapter for counting login attempts (the console's and the buyers') per account and
//! per address, in fixed windows. Each counter is its own key with its own round trip, so in a Redis Cluster neither
//! pipeline spans two hash slots.

use deadpool_redis::redis::{self, Value};
use luffy_common::StorageError;

use crate::errors::redis_error;
use crate::redis::RedisPool;

/// Login attempt counters under `{prefix}console:login:`.
#[derive(Clone)]
pub struct RedisLoginAttempts {
    pool: RedisPool,
    prefix: String,
    window_secs: u64,
}

/// How many attempts each counter has seen in its current window, this one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCounts {
    /// For the account name.
    pub per_account: i64,
    /// For the client address.
    pub per_address: i64,
    /// Seconds until the later of the two windows ends (a refused client's `Retry-After`).
    pub retry_after_secs: i64,
}

impl RedisLoginAttempts {
    /// The console's counters under this prefix, each window `window_secs` long.
    pub fn new(pool: RedisPool, prefix: &str, window_secs: u64) -> Self {
        Self::for_scope(pool, prefix, "console", window_secs)
    }

    /// Counters of one kind of login (`console`, `buyers`) under `{prefix}{scope}:login:`.
    pub fn for_scope(pool: RedisPool, prefix: &str, scope: &str, window_secs: u64) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}{scope}:login:"),
            window_secs,
        }
    }

    fn account_key(&self, account: &str) -> String {
        format!("{}account:{}", self.prefix, account.to_lowercase())
    }

    /// Counts one attempt for the account and the address.
    pub async fn count(&self, account: &str, address: &str) -> Result<AttemptCounts, StorageError> {
        let (per_account, account_ttl) = self.bump(&self.account_key(account)).await?;
        let (per_address, address_ttl) = self
            .bump(&format!("{}address:{address}", self.prefix))
            .await?;
        Ok(AttemptCounts {
            per_account,
            per_address,
            retry_after_secs: account_ttl.max(address_ttl).max(1),
        })
    }

    /// The counts so far, without counting an attempt (for limits on failures only).
    pub async fn current(
        &self,
        account: &str,
        address: &str,
    ) -> Result<AttemptCounts, StorageError> {
        let (per_account, account_ttl) = self.peek(&self.account_key(account)).await?;
        let (per_address, address_ttl) = self
            .peek(&format!("{}address:{address}", self.prefix))
            .await?;
        Ok(AttemptCounts {
            per_account,
            per_address,
            retry_after_secs: account_ttl.max(address_ttl).max(1),
        })
    }

    async fn peek(&self, key: &str) -> Result<(i64, i64), StorageError> {
        let mut conn = self.pool.connection().await?;
        let (count, ttl): (Option<i64>, i64) = redis::pipe()
            .cmd("GET")
            .arg(key)
            .cmd("TTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "reading login attempts"))?;
        Ok((count.unwrap_or(0), ttl))
    }

    /// Clears the account's count (after a successful login).
    pub async fn clear(&self, account: &str) -> Result<(), StorageError> {
        let mut conn = self.pool.connection().await?;
        redis::cmd("DEL")
            .arg(self.account_key(account))
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| redis_error(e, "clearing login attempts"))
    }

    /// SET NX EX starts a window without touching a running one; INCR counts the attempt;
    /// TTL tells how long the window still runs.
    async fn bump(&self, key: &str) -> Result<(i64, i64), StorageError> {
        let mut conn = self.pool.connection().await?;
        let (_, count, ttl): (Value, i64, i64) = redis::pipe()
            .cmd("SET")
            .arg(key)
            .arg(0)
            .arg("EX")
            .arg(self.window_secs)
            .arg("NX")
            .cmd("INCR")
            .arg(key)
            .cmd("TTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "counting a login attempt"))?;
        Ok((count, ttl))
    }
}
