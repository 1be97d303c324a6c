//! Redis adapter for counting console login attempts per account and per address, in fixed
//! windows. Each counter is its own key with its own round trip, so in a Redis Cluster neither
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
}

impl RedisLoginAttempts {
    /// Counters under this prefix, each window `window_secs` long.
    pub fn new(pool: RedisPool, prefix: &str, window_secs: u64) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}console:login:"),
            window_secs,
        }
    }

    fn account_key(&self, account: &str) -> String {
        format!("{}account:{}", self.prefix, account.to_lowercase())
    }

    /// Counts one attempt for the account and the address.
    pub async fn count(&self, account: &str, address: &str) -> Result<AttemptCounts, StorageError> {
        let per_account = self.bump(&self.account_key(account)).await?;
        let per_address = self
            .bump(&format!("{}address:{address}", self.prefix))
            .await?;
        Ok(AttemptCounts {
            per_account,
            per_address,
        })
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

    /// SET NX EX starts a window without touching a running one; INCR counts the attempt.
    async fn bump(&self, key: &str) -> Result<i64, StorageError> {
        let mut conn = self.pool.connection().await?;
        let (_, count): (Value, i64) = redis::pipe()
            .cmd("SET")
            .arg(key)
            .arg(0)
            .arg("EX")
            .arg(self.window_secs)
            .arg("NX")
            .cmd("INCR")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "counting a login attempt"))?;
        Ok(count)
    }
}
