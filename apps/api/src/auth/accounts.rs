//! Whether a token's account may still act: active, and staff for operator routes. A token
//! lives 7 days, so its claims alone would let a deactivated buyer keep buying and a demoted
//! operator keep operating; the live state is read on every authenticated request from a
//! Redis cache (one GET on the hot path, no PostgreSQL round trip), filled from PostgreSQL on
//! a miss and cleared whenever an operator changes the account.

use luffy_common::{StorageError, UserId};
use luffy_store::{AccountState, PgUsers, RedisAccountCache};

/// Reads and changes account states, keeping the cache honest.
#[derive(Clone)]
pub struct AccountGate {
    users: PgUsers,
    cache: RedisAccountCache,
}

impl AccountGate {
    /// Wires the gate to its store and cache.
    pub fn new(users: PgUsers, cache: RedisAccountCache) -> Self {
        Self { users, cache }
    }

    /// The account's current state, `None` when it no longer exists. A Redis failure falls
    /// back to PostgreSQL (authorisation must not depend on the cache being up).
    pub async fn state(&self, user: UserId) -> Result<Option<AccountState>, StorageError> {
        match self.cache.get(user).await {
            Ok(Some(state)) => return Ok(Some(state)),
            Ok(None) => {}
            Err(error) => tracing::debug!(error = ?error, "account cache unavailable"),
        }
        let state = self.users.account_state(user).await?;
        if let Some(state) = state {
            if let Err(error) = self.cache.put(user, state).await {
                tracing::debug!(error = ?error, "could not cache an account state");
            }
        }
        Ok(state)
    }

    /// Activates, deactivates, grants or revokes staff. The cache entry is cleared before the
    /// change (a Redis failure then refuses the change, so no stale entry can outlive it) and
    /// again after it (a request that read the old row in between cannot keep it).
    pub async fn change(
        &self,
        user: UserId,
        is_active: Option<bool>,
        is_staff: Option<bool>,
    ) -> Result<Option<AccountState>, StorageError> {
        self.cache.forget(user).await?;
        let state = self
            .users
            .set_account_state(user, is_active, is_staff)
            .await?;
        if let Err(error) = self.cache.forget(user).await {
            tracing::warn!(error = ?error, user = user.get(), "could not clear a cached account state after a change; it expires by itself");
        }
        Ok(state)
    }
}
