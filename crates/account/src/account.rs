//! The account as the API sees it.

use luffy_common::{StorageError, UserId};
use rust_decimal::Decimal;

/// A user account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Mobile number.
    pub mobile: String,
    /// Argon2 PHC string; never leaves the server.
    pub password_hash: String,
    /// Balance for balance payments.
    pub money: Decimal,
    /// Points balance.
    pub credit: i32,
    /// May use operator routes.
    pub is_staff: bool,
    /// Inactive accounts cannot log in.
    pub is_active: bool,
}

/// What registration stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Mobile number.
    pub mobile: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Staff flag.
    pub is_staff: bool,
}

/// Account storage failures.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The username or mobile is taken.
    #[error("username or mobile already registered")]
    Duplicate,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Whether an account may act at all, and whether it may act as an operator. Read on every
/// authenticated request (through a cache), so a deactivated or demoted account loses its
/// rights at once instead of when its token expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    /// May log in and act.
    pub is_active: bool,
    /// May use operator routes.
    pub is_staff: bool,
}

impl AccountState {
    /// An active account may act.
    pub fn may_act(self) -> bool {
        self.is_active
    }

    /// An active staff account may use operator routes.
    pub fn may_operate(self) -> bool {
        self.is_active && self.is_staff
    }
}

/// Which of an account's two ledgers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    /// Points (`credit_ledger`).
    Points,
    /// The balance (`money_ledger`).
    Balance,
}

/// One ledger row: a change of the points or the balance, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    /// Id.
    pub id: i64,
    /// The operation code (luffy-credit's `LedgerOperation` or `BalanceOperation`).
    pub operation: i16,
    /// The signed change: points, or yuan.
    pub change: Decimal,
    /// The order involved, if any.
    pub order_id: Option<i64>,
    /// Why.
    pub remark: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}
