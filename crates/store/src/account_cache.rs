//! Redis cache of account states (`{prefix}account_{user_id}` = `"<active><staff>"` as two
//! `0`/`1` digits), so checking on every authenticated request that an account is still
//! active (and still staff) costs one Redis GET instead of a PostgreSQL round trip.

use std::time::Duration;

use deadpool_redis::redis::AsyncCommands;
use luffy_common::{StorageError, UserId};

use crate::errors::redis_error;
use crate::redis::{RedisConn, RedisPool};
use luffy_account::{AccountCache, AccountState};

/// Account states cached in Redis for a bounded time.
#[derive(Clone)]
pub struct RedisAccountCache {
    pool: RedisPool,
    prefix: String,
    ttl: Duration,
}

fn encode(state: AccountState) -> String {
    format!("{}{}", u8::from(state.is_active), u8::from(state.is_staff))
}

fn decode(value: &str) -> Option<AccountState> {
    let mut flags = value.chars().map(|c| match c {
        '0' => Some(false),
        '1' => Some(true),
        _ => None,
    });
    let (Some(Some(is_active)), Some(Some(is_staff)), None) =
        (flags.next(), flags.next(), flags.next())
    else {
        return None;
    };
    Some(AccountState {
        is_active,
        is_staff,
    })
}

impl RedisAccountCache {
    /// `prefix` is prepended to every key; entries expire after `ttl` even if nobody
    /// invalidates them.
    pub fn new(pool: RedisPool, prefix: impl Into<String>, ttl: Duration) -> Self {
        Self {
            pool,
            prefix: prefix.into(),
            ttl,
        }
    }

    fn key(&self, user: UserId) -> String {
        format!("{}account_{}", self.prefix, user.get())
    }

    async fn conn(&self) -> Result<RedisConn, StorageError> {
        self.pool.connection().await
    }
}

impl AccountCache for RedisAccountCache {
    /// The cached state, or `None` on a miss (or an unreadable entry).
    async fn get(&self, user: UserId) -> Result<Option<AccountState>, StorageError> {
        let mut conn = self.conn().await?;
        let value: Option<String> = conn
            .get(self.key(user))
            .await
            .map_err(|e| redis_error(e, "reading a cached account state"))?;
        Ok(value.as_deref().and_then(decode))
    }

    /// Caches a state read from PostgreSQL.
    async fn put(&self, user: UserId, state: AccountState) -> Result<(), StorageError> {
        let mut conn = self.conn().await?;
        let seconds = self.ttl.as_secs().max(1);
        conn.set_ex::<_, _, ()>(self.key(user), encode(state), seconds)
            .await
            .map_err(|e| redis_error(e, "caching an account state"))
    }

    /// Forgets a state, so the next request reads PostgreSQL.
    async fn forget(&self, user: UserId) -> Result<(), StorageError> {
        let mut conn = self.conn().await?;
        conn.del::<_, ()>(self.key(user))
            .await
            .map_err(|e| redis_error(e, "forgetting a cached account state"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_garbage_is_a_miss() {
        for (is_active, is_staff) in [(true, true), (true, false), (false, true), (false, false)] {
            let state = AccountState {
                is_active,
                is_staff,
            };
            assert_eq!(decode(&encode(state)), Some(state));
        }
        assert_eq!(decode(""), None);
        assert_eq!(decode("1"), None);
        assert_eq!(decode("101"), None);
        assert_eq!(decode("x1"), None);
    }
}
