//! The console's sessions: actix-session's `SessionStore` over the store's session adapter
//! (actix-session's bundled Redis store pins another deadpool-redis major version and knows no
//! Redis Cluster). A session is one string of JSON with the session's TTL.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use luffy_store::RedisSessionData;

/// actix-session's store over [`RedisSessionData`].
#[derive(Clone)]
pub struct RedisSessions {
    data: RedisSessionData,
}

impl RedisSessions {
    /// Keeps sessions in the store's session adapter.
    pub fn new(data: RedisSessionData) -> Self {
        Self { data }
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
        self.data.save(key.as_ref(), &body, seconds(ttl)).await?;
        Ok(())
    }
}

impl SessionStore for RedisSessions {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let body = self
            .data
            .load(session_key.as_ref())
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
        self.data.touch(session_key.as_ref(), seconds(ttl)).await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.data.delete(session_key.as_ref()).await?;
        Ok(())
    }
}
