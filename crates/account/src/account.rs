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

/// Why an operator's change of an account's state was refused (nothing is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateChangeRefused {
    /// Neither flag was given.
    #[error("请指定 is_active 或 is_staff!")]
    NothingToChange,
    /// An operator may not lock themselves out (the store would be left without them).
    #[error("不能停用自己的账号或取消自己的管理员权限!")]
    OwnAccount,
}

/// Checks an operator's (`actor`) change of `user`'s flags before it is written: something must
/// change, and nobody deactivates or demotes their own account.
pub fn check_state_change(
    actor: luffy_common::UserId,
    user: luffy_common::UserId,
    is_active: Option<bool>,
    is_staff: Option<bool>,
) -> Result<(), StateChangeRefused> {
    if is_active.is_none() && is_staff.is_none() {
        return Err(StateChangeRefused::NothingToChange);
    }
    if actor == user && (is_active == Some(false) || is_staff == Some(false)) {
        return Err(StateChangeRefused::OwnAccount);
    }
    Ok(())
}

#[cfg(test)]
mod state_change_tests {
    use super::*;
    use luffy_common::UserId;

    #[test]
    fn operators_cannot_lock_themselves_out() {
        let (me, other) = (UserId(1), UserId(2));
        assert_eq!(
            check_state_change(me, me, Some(false), None),
            Err(StateChangeRefused::OwnAccount)
        );
        assert_eq!(
            check_state_change(me, me, None, Some(false)),
            Err(StateChangeRefused::OwnAccount)
        );
        assert_eq!(
            check_state_change(me, other, None, None),
            Err(StateChangeRefused::NothingToChange)
        );
        assert!(check_state_change(me, me, Some(true), Some(true)).is_ok());
        assert!(check_state_change(me, other, Some(false), Some(false)).is_ok());
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
