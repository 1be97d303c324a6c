//! The account storage and cache ports.

use std::future::Future;

use luffy_common::{Page, PageRequest, StorageError, UserId};
use rust_decimal::Decimal;

use crate::account::{AccountState, LedgerKind, LedgerLine, NewUser, User, UserError};

/// Account storage. Each method is one transaction in the adapter.
pub trait UserStore: Send + Sync {
    /// Creates an account. Errors: `Duplicate` on a taken username or mobile.
    fn create(&self, new_user: NewUser) -> impl Future<Output = Result<User, UserError>> + Send;

    /// An account by username or mobile (the login form accepts either).
    fn find_by_login(
        &self,
        login: &str,
    ) -> impl Future<Output = Result<Option<User>, StorageError>> + Send;

    /// Accounts whose username or mobile contains `text` (all when empty), newest first.
    fn search(
        &self,
        text: &str,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<User>, StorageError>> + Send;

    /// One page of an account's points or balance ledger, newest first; `None` when the
    /// account does not exist.
    fn ledger(
        &self,
        user: UserId,
        kind: LedgerKind,
        page: PageRequest,
    ) -> impl Future<Output = Result<Option<Page<LedgerLine>>, StorageError>> + Send;

    /// An account by id.
    fn find_by_id(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<User>, StorageError>> + Send;

    /// Sets the points balance with a 系统赠送 ledger row of the signed difference, under the
    /// row lock, audited as `actor`'s; `(old, new)`, or `None` when the user does not exist.
    fn set_credit(
        &self,
        actor: UserId,
        user: UserId,
        balance: i32,
        remark: &str,
    ) -> impl Future<Output = Result<Option<(i32, i32)>, StorageError>> + Send;

    /// Adds a validated amount to the balance with a 充值 ledger row, audited as `actor`'s; the
    /// new balance, or `None` when the user does not exist.
    fn top_up(
        &self,
        actor: UserId,
        user: UserId,
        amount: Decimal,
        remark: &str,
    ) -> impl Future<Output = Result<Option<Decimal>, StorageError>> + Send;

    /// The flags authorisation needs.
    fn account_state(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<AccountState>, StorageError>> + Send;

    /// Changes the flags that are set, audited as `actor`'s; the new state, or `None` when the
    /// user does not exist.
    fn set_account_state(
        &self,
        actor: UserId,
        id: UserId,
        is_active: Option<bool>,
        is_staff: Option<bool>,
    ) -> impl Future<Output = Result<Option<AccountState>, StorageError>> + Send;
}

/// A short-lived cache of account states (one read on every authenticated request).
pub trait AccountCache: Send + Sync {
    /// The cached state, `None` on a miss.
    fn get(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Option<AccountState>, StorageError>> + Send;

    /// Caches a state read from the store.
    fn put(
        &self,
        user: UserId,
        state: AccountState,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Forgets a state, so the next read goes to the store.
    fn forget(&self, user: UserId) -> impl Future<Output = Result<(), StorageError>> + Send;
}
