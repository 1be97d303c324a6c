//! `luffy seed`: the demo data the README describes, idempotent (running it twice changes nothing but the
//! promotion window, which is kept running).

use anyhow::Context;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use luffy_common::UserId;
use luffy_credit::{LedgerEntry, LedgerOperation};

use crate::ledger::append_ledger;
use crate::postgres::PgPool;
use crate::schema::users;

/// The demo catalog as SQL with fixed ids.
const CATALOG_SQL: &str = include_str!("seed/catalog.sql");

/// The tutorial's coupons, granted to the demo user; runs after the users exist.
const COUPONS_SQL: &str = include_str!("seed/coupons.sql");

/// A demo account to create if its username is free. The password arrives already hashed so
/// this crate needs no hashing policy.
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// Login name.
    pub username: String,
    /// Mobile number.
    pub mobile: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Staff flag.
    pub is_staff: bool,
    /// Starting points, written with a 系统赠送 ledger row.
    pub credit: i32,
    /// Starting balance in yuan, written with a 充值 balance ledger row.
    pub money: rust_decimal::Decimal,
}

/// What a seed run did, for the command's output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Usernames created by this run (existing ones are left untouched).
    pub created_users: Vec<String>,
}

/// Loads the demo catalog and creates the demo users, all in one transaction.
pub async fn seed_demo(pool: &PgPool, demo_users: &[DemoUser]) -> anyhow::Result<SeedReport> {
    let mut conn = crate::postgres::connection(pool)
        .await
        .context("connecting to PostgreSQL to seed")?;
    let users = demo_users.to_vec();
    conn.transaction::<_, anyhow::Error, _>(async move |conn| {
        conn.batch_execute(CATALOG_SQL)
            .await
            .context("loading the demo catalog")?;
        let mut report = SeedReport::default();
        for user in users {
            let id: Option<i64> = diesel::insert_into(users::table)
                .values((
                    users::username.eq(&user.username),
                    users::mobile.eq(&user.mobile),
                    users::password_hash.eq(&user.password_hash),
                    users::is_staff.eq(user.is_staff),
                    users::credit.eq(user.credit),
                ))
                .on_conflict_do_nothing()
                .returning(users::id)
                .get_result(conn)
                .await
                .optional()
                .context("creating a demo user")?;
            let Some(id) = id else { continue };
            if user.money > rust_decimal::Decimal::ZERO {
                diesel::update(users::table.find(id))
                    .set(users::money.eq(user.money))
                    .execute(conn)
                    .await
                    .context("giving the demo balance")?;
                crate::ledger::append_balance_ledger(
                    conn,
                    &luffy_credit::BalanceEntry {
                        user: UserId(id),
                        operation: luffy_credit::BalanceOperation::TopUp,
                        amount: user.money,
                        order_id: None,
                        remark: "演示账号充值".to_owned(),
                    },
                )
                .await
                .context("writing the demo balance ledger row")?;
            }
            if user.credit != 0 {
                append_ledger(
                    conn,
                    &LedgerEntry {
                        user: UserId(id),
                        operation: LedgerOperation::Granted,
                        number: user.credit,
                        order_id: None,
                        remark: "演示账号赠送积分".to_owned(),
                    },
                )
                .await
                .context("writing the demo points ledger row")?;
            }
            report.created_users.push(user.username);
        }
        conn.batch_execute(COUPONS_SQL)
            .await
            .context("loading the demo coupons")?;
        Ok(report)
    })
    .await
}
