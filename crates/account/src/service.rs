//! The account use cases: registration and lookups, the operator's points and balance
//! changes, and the live account state that authorises every request.

use luffy_common::{Page, PageRequest, StorageError, UserId};
use rust_decimal::Decimal;

use crate::account::{AccountState, LedgerKind, LedgerLine, NewUser, User, UserError};
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

    /// Operators look accounts up by a part of the username or mobile.
    pub async fn search(&self, text: &str, page: PageRequest) -> Result<Page<User>, StorageError> {
        self.store.search(text.trim(), page).await
    }

    /// One page of an account's points or balance ledger; `None` when it does not exist.
    pub async fn ledger(
        &self,
        user: UserId,
        kind: LedgerKind,
        page: PageRequest,
    ) -> Result<Option<Page<LedgerLine>>, StorageError> {
        self.store.ledger(user, kind, page).await
    }

    /// An account by id.
    pub async fn find(&self, id: UserId) -> Result<Option<User>, StorageError> {
        self.store.find_by_id(id).await
    }

    /// An operator sets a points balance; `(old, new)`.
    pub async fn set_credit(
        &self,
        actor: UserId,
        user: UserId,
        balance: i32,
        remark: &str,
    ) -> Result<Option<(i32, i32)>, StorageError> {
        self.store.set_credit(actor, user, balance, remark).await
    }

    /// An operator tops a balance up by a validated amount; the new balance.
    pub async fn top_up(
        &self,
        actor: UserId,
        user: UserId,
        amount: Decimal,
        remark: &str,
    ) -> Result<Option<Decimal>, StorageError> {
        self.store.top_up(actor, user, amount, remark).await
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

    /// An operator (`actor`) activates, deactivates, grants or revokes staff. The cache entry is cleared before the
    /// change (a cache failure then refuses the change, so no stale entry can outlive it) and
    /// again after it (a request that read the old row in between cannot keep it).
    pub async fn change_state(
        &self,
        actor: UserId,
        user: UserId,
        is_active: Option<bool>,
        is_staff: Option<bool>,
    ) -> Result<Option<AccountState>, StorageError> {
        self.cache.forget(user).await?;
        let state = self
            .store
            .set_account_state(actor, user, is_active, is_staff)
            .await?;
        if let Err(error) = self.cache.forget(user).await {
            tracing::warn!(error = ?error, user = user.get(), "could not clear a cached account state after a change; it expires by itself");
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct FakeUsers(Arc<Mutex<HashMap<UserId, AccountState>>>);

    impl UserStore for FakeUsers {
        async fn create(&self, _new_user: NewUser) -> Result<User, UserError> {
            Err(UserError::Duplicate)
        }
        async fn find_by_login(&self, _login: &str) -> Result<Option<User>, StorageError> {
            Ok(None)
        }
        async fn find_by_id(&self, _id: UserId) -> Result<Option<User>, StorageError> {
            Ok(None)
        }
        async fn search(&self, _text: &str, page: PageRequest) -> Result<Page<User>, StorageError> {
            Ok(Page {
                items: Vec::new(),
                total: 0,
                request: page,
            })
        }
        async fn ledger(
            &self,
            _user: UserId,
            _kind: LedgerKind,
            _page: PageRequest,
        ) -> Result<Option<Page<LedgerLine>>, StorageError> {
            Ok(None)
        }
        async fn set_credit(
            &self,
            _actor: UserId,
            _user: UserId,
            _balance: i32,
            _remark: &str,
        ) -> Result<Option<(i32, i32)>, StorageError> {
            Ok(None)
        }
        async fn top_up(
            &self,
            _actor: UserId,
            _user: UserId,
            _amount: Decimal,
            _remark: &str,
        ) -> Result<Option<Decimal>, StorageError> {
            Ok(None)
        }
        async fn account_state(&self, id: UserId) -> Result<Option<AccountState>, StorageError> {
            Ok(self.0.lock().unwrap().get(&id).copied())
        }
        async fn set_account_state(
            &self,
            _actor: UserId,
            id: UserId,
            is_active: Option<bool>,
            is_staff: Option<bool>,
        ) -> Result<Option<AccountState>, StorageError> {
            let mut users = self.0.lock().unwrap();
            let Some(state) = users.get_mut(&id) else {
                return Ok(None);
            };
            state.is_active = is_active.unwrap_or(state.is_active);
            state.is_staff = is_staff.unwrap_or(state.is_staff);
            Ok(Some(*state))
        }
    }

    #[derive(Clone, Default)]
    struct FakeCache {
        entries: Arc<Mutex<HashMap<UserId, AccountState>>>,
        down: Arc<Mutex<bool>>,
    }

    impl FakeCache {
        fn check(&self) -> Result<(), StorageError> {
            if *self.down.lock().unwrap() {
                return Err(StorageError::Unavailable(anyhow::Error::msg("cache down")));
            }
            Ok(())
        }
    }

    impl AccountCache for FakeCache {
        async fn get(&self, user: UserId) -> Result<Option<AccountState>, StorageError> {
            self.check()?;
            Ok(self.entries.lock().unwrap().get(&user).copied())
        }
        async fn put(&self, user: UserId, state: AccountState) -> Result<(), StorageError> {
            self.check()?;
            self.entries.lock().unwrap().insert(user, state);
            Ok(())
        }
        async fn forget(&self, user: UserId) -> Result<(), StorageError> {
            self.check()?;
            self.entries.lock().unwrap().remove(&user);
            Ok(())
        }
    }

    fn service() -> (AccountService<FakeUsers, FakeCache>, FakeUsers, FakeCache) {
        let users = FakeUsers::default();
        users.0.lock().unwrap().insert(
            UserId(1),
            AccountState {
                is_active: true,
                is_staff: true,
            },
        );
        let cache = FakeCache::default();
        (
            AccountService::new(users.clone(), cache.clone()),
            users,
            cache,
        )
    }

    #[tokio::test]
    async fn a_change_is_seen_at_once_despite_the_cache() {
        let (accounts, _, cache) = service();
        let before = accounts.state(UserId(1)).await.unwrap().unwrap();
        assert!(before.may_operate());
        assert!(cache.entries.lock().unwrap().contains_key(&UserId(1)));
        accounts
            .change_state(UserId(9), UserId(1), None, Some(false))
            .await
            .unwrap();
        let after = accounts.state(UserId(1)).await.unwrap().unwrap();
        assert!(after.may_act() && !after.may_operate());
    }

    #[tokio::test]
    async fn a_cache_outage_falls_back_to_the_store_but_refuses_changes() {
        let (accounts, users, cache) = service();
        *cache.down.lock().unwrap() = true;
        assert!(accounts.state(UserId(1)).await.unwrap().is_some());
        assert!(accounts
            .change_state(UserId(9), UserId(1), Some(false), None)
            .await
            .is_err());
        assert!(
            users.0.lock().unwrap()[&UserId(1)].is_active,
            "refused: no stale cache entry can outlive a change"
        );
    }
}
