//! Redis adapter for the operators' console sessions: one string of JSON per session under
//! `{prefix}console:session:{key}`, expiring with the session. The console's session
//! middleware talks to this, never to a Redis pool.

use deadpool_redis::redis::AsyncCommands;
use luffy_common::StorageError;

use crate::errors::redis_error;
use crate::redis::RedisPool;

/// Console session bodies with their time to live.
#[derive(Clone)]
pub struct RedisSessionData {
    pool: RedisPool,
    prefix: String,
}

impl RedisSessionData {
    /// Keeps sessions in this pool under this key prefix.
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}console:session:"),
        }
    }

    fn key(&self, session: &str) -> String {
        format!("{}{session}", self.prefix)
    }

    /// Writes a session's body, expiring after `ttl_secs`.
    pub async fn save(&self, session: &str, body: &str, ttl_secs: u64) -> Result<(), StorageError> {
        let mut conn = self.pool.connection().await?;
        conn.set_ex::<_, _, ()>(self.key(session), body, ttl_secs.max(1))
            .await
            .map_err(|e| redis_error(e, "saving a console session"))
    }

    /// A session's body, if it has not expired.
    pub async fn load(&self, session: &str) -> Result<Option<String>, StorageError> {
        let mut conn = self.pool.connection().await?;
        conn.get(self.key(session))
            .await
            .map_err(|e| redis_error(e, "loading a console session"))
    }

    /// Extends a session's life.
    pub async fn touch(&self, session: &str, ttl_secs: u64) -> Result<(), StorageError> {
        let mut conn = self.pool.connection().await?;
        let seconds = i64::try_from(ttl_secs.max(1)).unwrap_or(i64::MAX);
        conn.expire::<_, ()>(self.key(session), seconds)
            .await
            .map_err(|e| redis_error(e, "extending a console session"))
    }

    /// Ends a session.
    pub async fn delete(&self, session: &str) -> Result<(), StorageError> {
        let mut conn = self.pool.connection().await?;
        conn.del::<_, ()>(self.key(session))
            .await
            .map_err(|e| redis_error(e, "ending a console session"))
    }
}
