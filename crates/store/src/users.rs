//! PostgreSQL adapter for user accounts (registration, login lookup, profile).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use luffy_account::audit::{actions, entities};
use luffy_account::{AccountState, LedgerKind, LedgerLine, NewUser, User, UserError, UserStore};
use luffy_common::{Page, PageRequest, StorageError, UserId};
use luffy_credit::LedgerEntry;
use rust_decimal::Decimal;

use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::errors::diesel_error;
use crate::ledger::append_ledger;
use crate::postgres::{connection, PgPool};
use crate::rows::UserRow;
use crate::schema::{credit_ledger, money_ledger, users};
use crate::statement::contains_pattern;

/// The insertable form of a new account.
#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    username: &'a str,
    mobile: &'a str,
    password_hash: &'a str,
    is_staff: bool,
}

fn to_user(row: UserRow) -> User {
    User {
        id: UserId(row.id),
        username: row.username,
        mobile: row.mobile,
        password_hash: row.password_hash,
        money: row.money,
        credit: row.credit,
        is_staff: row.is_staff,
        is_active: row.is_active,
    }
}

/// The `UserStore` on PostgreSQL.
#[derive(Clone)]
pub struct PgUsers {
    pool: PgPool,
}

impl PgUsers {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl UserStore for PgUsers {
    /// Creates an account. Errors: `Duplicate` on a taken username or mobile.
    async fn create(&self, new_user: NewUser) -> Result<User, UserError> {
        let mut conn = connection(&self.pool).await?;
        let row: UserRow = diesel::insert_into(users::table)
            .values(&NewUserRow {
                username: &new_user.username,
                mobile: &new_user.mobile,
                password_hash: &new_user.password_hash,
                is_staff: new_user.is_staff,
            })
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(|e| match e {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    UserError::Duplicate
                }
                other => UserError::Storage(diesel_error(other, "creating a user")),
            })?;
        Ok(to_user(row))
    }

    /// Finds an account by username or mobile (the login form accepts either).
    async fn find_by_login(&self, login: &str) -> Result<Option<User>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<UserRow> = users::table
            .filter(users::username.eq(login).or(users::mobile.eq(login)))
            .order(users::id.asc())
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "finding a user by login"))?;
        Ok(row.map(to_user))
    }

    async fn search(&self, text: &str, page: PageRequest) -> Result<Page<User>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2) = (&*conn, &*conn);
        let pattern = contains_pattern(text);
        let matching = || {
            users::table
                .filter(
                    users::username
                        .like(pattern.clone())
                        .or(users::mobile.like(pattern.clone())),
                )
                .into_boxed()
        };
        // The count and the page in one pipelined round trip.
        let total = matching().count().get_result::<i64>(&mut c1);
        let rows = matching()
            .order(users::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(UserRow::as_select())
            .load::<UserRow>(&mut c2);
        let (total, rows) =
            futures::try_join!(total, rows).map_err(|e| diesel_error(e, "searching users"))?;
        Ok(Page {
            total: u64::try_from(total).unwrap_or_default(),
            items: rows.into_iter().map(to_user).collect(),
            request: page,
        })
    }

    async fn ledger(
        &self,
        user: UserId,
        kind: LedgerKind,
        page: PageRequest,
    ) -> Result<Option<Page<LedgerLine>>, StorageError> {
        let conn = connection(&self.pool).await?;
        let (mut c1, mut c2, mut c3) = (&*conn, &*conn, &*conn);
        type Row = (i64, i16, Decimal, Option<i64>, String, DateTime<Utc>);
        let exists = diesel::select(diesel::dsl::exists(users::table.find(user.get())))
            .get_result::<bool>(&mut c1);
        // The account, the count and the page in one pipelined round trip.
        let (exists, total, rows) = match kind {
            LedgerKind::Points => {
                let total = credit_ledger::table
                    .filter(credit_ledger::user_id.eq(user.get()))
                    .count()
                    .get_result::<i64>(&mut c2);
                let rows = credit_ledger::table
                    .filter(credit_ledger::user_id.eq(user.get()))
                    .order(credit_ledger::id.desc())
                    .limit(page.limit())
                    .offset(page.offset())
                    .select((
                        credit_ledger::id,
                        credit_ledger::operation,
                        credit_ledger::number,
                        credit_ledger::order_id,
                        credit_ledger::remark,
                        credit_ledger::created_time,
                    ))
                    .load::<(i64, i16, i32, Option<i64>, String, DateTime<Utc>)>(&mut c3);
                let (exists, total, rows) = futures::try_join!(exists, total, rows)
                    .map_err(|e| diesel_error(e, "reading a points ledger"))?;
                let rows: Vec<Row> = rows
                    .into_iter()
                    .map(|(id, op, n, order, remark, at)| {
                        (id, op, Decimal::from(n), order, remark, at)
                    })
                    .collect();
                (exists, total, rows)
            }
            LedgerKind::Balance => {
                let total = money_ledger::table
                    .filter(money_ledger::user_id.eq(user.get()))
                    .count()
                    .get_result::<i64>(&mut c2);
                let rows = money_ledger::table
                    .filter(money_ledger::user_id.eq(user.get()))
                    .order(money_ledger::id.desc())
                    .limit(page.limit())
                    .offset(page.offset())
                    .select((
                        money_ledger::id,
                        money_ledger::operation,
                        money_ledger::amount,
                        money_ledger::order_id,
                        money_ledger::remark,
                        money_ledger::created_time,
                    ))
                    .load::<Row>(&mut c3);
                futures::try_join!(exists, total, rows)
                    .map_err(|e| diesel_error(e, "reading a balance ledger"))?
            }
        };
        if !exists {
            return Ok(None);
        }
        Ok(Some(Page {
            total: u64::try_from(total).unwrap_or_default(),
            items: rows
                .into_iter()
                .map(|(id, operation, change, order_id, remark, at)| LedgerLine {
                    id,
                    operation,
                    change,
                    order_id,
                    remark,
                    at,
                })
                .collect(),
            request: page,
        }))
    }

    /// Finds an account by id.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<UserRow> = users::table
            .find(id.get())
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "finding a user by id"))?;
        Ok(row.map(to_user))
    }

    /// Sets a user's points balance (operator adjustment): locks the row, writes a
    /// 系统赠送 ledger row with the signed difference, all in one transaction. Returns
    /// `(old, new)`, or `None` when the user does not exist.
    async fn set_credit(
        &self,
        actor: UserId,
        user: UserId,
        balance: i32,
        remark: &str,
    ) -> Result<Option<(i32, i32)>, StorageError> {
        let audit = Audit::new(actor, actions::USER_CREDIT, entities::USER);
        let remark = remark.to_owned();
        audited_write(
            &self.pool,
            "setting a points balance",
            audit,
            async move |conn| {
                let old: Option<i32> = users::table
                    .find(user.get())
                    .select(users::credit)
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                let Some(old) = old else {
                    return Ok(Audited::unchanged(None));
                };
                let before = audit.before(conn, user.get()).await?;
                let difference = balance - old;
                if difference != 0 {
                    diesel::update(users::table.find(user.get()))
                        .set(users::credit.eq(balance))
                        .execute(conn)
                        .await?;
                    append_ledger(
                        conn,
                        &LedgerEntry {
                            user,
                            operation: luffy_credit::LedgerOperation::Granted,
                            number: difference,
                            order_id: None,
                            remark: remark.clone(),
                        },
                    )
                    .await?;
                }
                Ok(Audited::changed(user.get(), before, Some((old, balance))))
            },
        )
        .await
    }

    /// Adds money to a balance with a 充值 ledger row, in one transaction. Returns the new
    /// balance, or `None` when the user does not exist. The amount is validated by the caller
    /// (`luffy_credit::validate_top_up`).
    async fn top_up(
        &self,
        actor: UserId,
        user: UserId,
        amount: Decimal,
        remark: &str,
    ) -> Result<Option<Decimal>, StorageError> {
        let audit = Audit::new(actor, actions::USER_BALANCE, entities::USER);
        let remark = remark.to_owned();
        audited_write(
            &self.pool,
            "topping up a balance",
            audit,
            async move |conn| {
                let before = audit.before(conn, user.get()).await?;
                let balance: Option<Decimal> = diesel::update(users::table.find(user.get()))
                    .set(users::money.eq(users::money + amount))
                    .returning(users::money)
                    .get_result(conn)
                    .await
                    .optional()?;
                if balance.is_none() {
                    return Ok(Audited::unchanged(None));
                }
                {
                    crate::ledger::append_balance_ledger(
                        conn,
                        &luffy_credit::BalanceEntry {
                            user,
                            operation: luffy_credit::BalanceOperation::TopUp,
                            amount,
                            order_id: None,
                            remark,
                        },
                    )
                    .await?;
                }
                Ok(Audited::changed(user.get(), before, balance))
            },
        )
        .await
    }

    /// The account flags that authorisation needs, without the rest of the row.
    async fn account_state(&self, id: UserId) -> Result<Option<AccountState>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let row: Option<(bool, bool)> = users::table
            .find(id.get())
            .select((users::is_active, users::is_staff))
            .first(&mut conn)
            .await
            .optional()
            .map_err(|e| diesel_error(e, "reading an account's state"))?;
        Ok(row.map(|(is_active, is_staff)| AccountState {
            is_active,
            is_staff,
        }))
    }

    /// Activates or deactivates an account and grants or revokes staff; unset flags are kept.
    /// Returns the new state, or `None` when the user does not exist.
    async fn set_account_state(
        &self,
        actor: UserId,
        id: UserId,
        is_active: Option<bool>,
        is_staff: Option<bool>,
    ) -> Result<Option<AccountState>, StorageError> {
        use diesel::sql_types::{BigInt, Bool, Nullable};
        let audit = Audit::new(actor, actions::USER_STATE, entities::USER);
        let changing = "changing an account's state";
        let row: Option<AccountRow> =
            audited_write::<_, StorageError, _>(&self.pool, changing, audit, async move |conn| {
                let before = audit.before(conn, id.get()).await?;
                let row: Option<AccountRow> = diesel::sql_query(
                    "UPDATE users SET is_active = COALESCE($1, is_active),
                                      is_staff = COALESCE($2, is_staff),
                                      updated_time = now()
                     WHERE id = $3
                     RETURNING is_active, is_staff",
                )
                .bind::<Nullable<Bool>, _>(is_active)
                .bind::<Nullable<Bool>, _>(is_staff)
                .bind::<BigInt, _>(id.get())
                .get_result(conn)
                .await
                .optional()?;
                Ok(match row {
                    Some(row) => Audited::changed(id.get(), before, Some(row)),
                    None => Audited::unchanged(None),
                })
            })
            .await?;
        Ok(row.map(|row| AccountState {
            is_active: row.is_active,
            is_staff: row.is_staff,
        }))
    }
}

/// The flags `set_account_state` reads back.
#[derive(QueryableByName)]
struct AccountRow {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_active: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_staff: bool,
}
