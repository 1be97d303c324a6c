//! The account use cases: registration and lookups, the operator's points and balance
//! changes, and the live account state that authorises every request.

use luffy_common::{StorageError, UserId};
use rust_decimal::Decimal;

use crate::account::{AccountState, NewUser, User, UserError};
use crate::ports::{AccountCache, UserStore};

/// Account use cases over the store and the state cache.
#[derive(Clone)]
pub struct AccountService<S, C> {
    store: S,
    cache: C,
}

impl<S: UserStore, C: AccountCache> AccountService<S, C> {
    /// Wires the store and the cache.
    pub fn new(store: S, cache: C) -> Self {
        Self { store, cache }
    }

    /// Registers an account.
    pub async fn register(&self, new_user: NewUser) -> Result<User, UserError> {
        self.store.create(new_user).await
    }

    /// An account by username or mobile.
    pub async fn find_by_login(&self, login: &str) -> Result<Option<User>, StorageError> {
        self.store.find_by_login(login).await
    }

    /// An account by id.
    pub async fn find(&self, id: UserId) -> Result<Option<User>, StorageError> {
        self.store.find_by_id(id).await
    }

    /// An operator sets a points balance; `(old, new)`.
    pub async fn set_credit(
        &self,
        user: UserId,
        balance: i32,
        remark: &str,
    ) -> Result<Option<(i32, i32)>, StorageError> {
        self.store.set_credit(user, balance, remark).await
    }

    /// An operator tops a balance up by a validated amount; the new balance.
    pub async fn top_up(
        &self,
        user: UserId,
        amount: Decimal,
        remark: &str,
    ) -> Result<Option<Decimal>, StorageError> {
        self.store.top_up(user, amount, remark).await
    }

    /// The account's current state, `None` when it no longer exists. A cache failure falls
    /// back to the store (authorisation must not depend on the cache being up).
    pub async fn state(&self, user: UserId) -> Result<Option<AccountState>, StorageError> {
        match self.cache.get(user).await {
            Ok(Some(state)) => return Ok(Some(state)),
            Ok(None) => {}
            Err(error) => tracing::debug!(error = ?error, "account cache unavailable"),
        }
        let state = self.store.account_state(user).await?;
        if let Some(state) = state {
            if let Err(error) = self.cache.put(user, state).await {
                tracing::debug!(error = ?error, "could not cache an account state");
            }
        }
        Ok(state)
    }

    /// Activates, deactivates, grants or revokes staff. The cache entry is cleared before the
    /// change (a cache failure then refuses the change, so no stale entry can outlive it) and
    /// again after it (a request that read the old row in between cannot keep it).
    pub async fn change_state(
        &self,
        user: UserId,
        is_active: Option<bool>,
        is_staff: Option<bool>,
    ) -> Result<Option<AccountState>, StorageError> {
        self.cache.forget(user).await?;
        let state = self
            .store
            .set_account_state(user, is_active, is_staff)
            .await?;
        if let Err(error) = self.cache.forget(user).await {
            tracing::warn!(error = ?error, user = user.get(), "could not clear a cached account state after a change; it expires by itself");
        }
        Ok(state)
    }
}
