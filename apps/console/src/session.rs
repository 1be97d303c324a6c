//! The console's sessions in Redis: actix-session's `SessionStore` over the server's own
//! deadpool-redis pool and key prefix (actix-session's bundled Redis store pins another
//! deadpool-redis major version). A session is one Redis string of JSON with the session's TTL.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use deadpool_redis::redis::AsyncCommands;
use luffy_store::RedisPool;

/// Sessions under `<prefix>console:session:<key>`.
#[derive(Clone)]
pub struct RedisSessions {
    pool: RedisPool,
    prefix: String,
}

impl RedisSessions {
    /// Keeps sessions in this pool under this key prefix.
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}console:session:"),
        }
    }

    fn key(&self, session: &SessionKey) -> String {
        format!("{}{}", self.prefix, session.as_ref())
    }
}

/// A new random session key (256 bits from two v4 UUIDs).
fn new_key() -> Result<SessionKey, anyhow::Error> {
    let text = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    SessionKey::try_from(text).map_err(|e| anyhow::anyhow!("{e}"))
}

fn seconds(ttl: &Duration) -> u64 {
    u64::try_from(ttl.whole_seconds()).unwrap_or(1).max(1)
}

impl RedisSessions {
    async fn write(
        &self,
        key: &SessionKey,
        state: &HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        let body = serde_json::to_string(state)?;
        let mut conn = self.pool.get().await?;
        let _: () = conn.set_ex(self.key(key), body, seconds(ttl)).await?;
        Ok(())
    }
}

impl SessionStore for RedisSessions {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        let body: Option<String> = conn
            .get(self.key(session_key))
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| LoadError::Deserialization(e.into())))
            .transpose()
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = new_key().map_err(SaveError::Other)?;
        self.write(&key, &session_state, ttl)
            .await
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        self.write(&session_key, &session_state, ttl)
            .await
            .map_err(UpdateError::Other)?;
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        let mut conn = self.pool.get().await?;
        let _: () = conn
            .expire(
                self.key(session_key),
                i64::try_from(seconds(ttl)).unwrap_or(1),
            )
            .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let mut conn = self.pool.get().await?;
        let _: () = conn.del(self.key(session_key)).await?;
        Ok(())
    }
}
