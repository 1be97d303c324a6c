//! The points ledger: every balance change writes one row, in the transaction that
//! changes the balance, so `credit == sum(ledger)` always holds.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_credit::{BalanceEntry, LedgerEntry};

use crate::schema::{credit_ledger, money_ledger};

/// Appends one ledger row; call it next to the balance update, in the same transaction.
pub(crate) async fn append_ledger(
    mut conn: &AsyncPgConnection,
    entry: &LedgerEntry,
) -> Result<(), DieselError> {
    diesel::insert_into(credit_ledger::table)
        .values((
            credit_ledger::user_id.eq(entry.user.get()),
            credit_ledger::operation.eq(entry.operation.code()),
            credit_ledger::number.eq(entry.number),
            credit_ledger::order_id.eq(entry.order_id),
            credit_ledger::remark.eq(&entry.remark),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Appends one balance ledger row; call it next to the `users.money` update, in the same
/// transaction, so `money == sum(money_ledger.amount)` always holds.
pub(crate) async fn append_balance_ledger(
    mut conn: &AsyncPgConnection,
    entry: &BalanceEntry,
) -> Result<(), DieselError> {
    diesel::insert_into(money_ledger::table)
        .values((
            money_ledger::user_id.eq(entry.user.get()),
            money_ledger::operation.eq(entry.operation.code()),
            money_ledger::amount.eq(entry.amount),
            money_ledger::order_id.eq(entry.order_id),
            money_ledger::remark.eq(&entry.remark),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}
