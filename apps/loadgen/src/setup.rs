//! Bench users, coupon grants and tokens, written straight into the bench database (the API
//! path for users is login, which is argon2 work we do not want in the setup).

use anyhow::Context;
use diesel::sql_types::BigInt;
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use luffy_api::auth::TokenKeys;
use luffy_common::UserId;
use luffy_order::OrderStatus;
use secrecy::SecretString;

use crate::Args;

/// One prepared user.
#[derive(Debug, Clone)]
pub struct BenchUser {
    /// Its id.
    pub id: i64,
    /// Token for `Authorization: jwt`.
    pub token: String,
    /// A coupon grant (30元通用优惠券) for the order.
    pub grant: i64,
}

/// Everything the runs need.
pub struct Bench {
    /// Prepared users.
    pub users: Vec<BenchUser>,
    /// First bench user id.
    pub first_id: i64,
    /// Last bench user id.
    pub last_id: i64,
}

#[derive(QueryableByName)]
struct UserGrant {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = BigInt)]
    grant_id: i64,
}

/// Creates `args.users` users (same password hash as the demo user), each with three grants
/// of the 30元 coupon (one for the API run, spares for pgbench), and mints their tokens.
pub async fn prepare(args: &Args) -> anyhow::Result<Bench> {
    prepare_users(&args.database_url, &args.jwt_secret, args.users).await
}

/// [`prepare`] for any database, secret and count (the census uses its own database).
pub async fn prepare_users(
    database_url: &str,
    jwt_secret: &str,
    count: usize,
) -> anyhow::Result<Bench> {
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .context("connecting to the bench database")?;
    let (paid, unpaid) = (OrderStatus::Paid.code(), OrderStatus::Unpaid.code());
    conn.batch_execute(&format!(
        "INSERT INTO users (username, mobile, password_hash)
         SELECT 'bench' || g, '17' || lpad(g::text, 9, '0'), (SELECT password_hash FROM users WHERE username = 'luffy')
         FROM generate_series(1, {n}) g
         ON CONFLICT DO NOTHING;
         INSERT INTO coupon_logs (user_id, coupon_id, name)
         SELECT u.id, 1, '30元通用优惠券' FROM users u CROSS JOIN generate_series(1, 3)
         WHERE u.username LIKE 'bench%';
         -- A store's history: each bench user already bought courses 4 and 6 (a paid order,
         -- its lines, the ownership rows and the settled timeout job), so the tables the
         -- runs grow are not empty when PostgreSQL plans (and caches plans for) them.
         INSERT INTO orders (user_id, order_number, order_status, pay_type, total_price, real_price,
                             pay_time, trade_no, expires_at, created_time)
         SELECT u.id, 'hist' || u.id, {paid}, 1, 498.00, 498.00, now() - interval '1 day',
                'hist' || u.id, now() - interval '1 day', now() - interval '1 day'
         FROM users u WHERE u.username LIKE 'bench%';
         INSERT INTO order_details (order_id, course_id, name, price, real_price)
         SELECT o.id, c.id, c.name, c.price, c.price
         FROM orders o CROSS JOIN courses c WHERE o.order_number LIKE 'hist%' AND c.id IN (4, 6);
         INSERT INTO user_courses (user_id, course_id)
         SELECT o.user_id, c FROM orders o CROSS JOIN (VALUES (4), (6)) v(c)
         WHERE o.order_number LIKE 'hist%';
         INSERT INTO jobs (kind, payload, run_at, status, order_id, attempts)
         SELECT 'order_timeout', '{{}}', o.expires_at, 'done', o.id, 1
         FROM orders o WHERE o.order_number LIKE 'hist%';
         -- ... and has an unpaid order for course 8 that is not due yet (a store always has
         -- unpaid orders waiting for their payment or their timeout).
         INSERT INTO orders (user_id, order_number, order_status, pay_type, total_price, real_price, expires_at)
         SELECT u.id, 'open' || u.id, {unpaid}, 1, 199.00, 199.00, now() + interval '1 day'
         FROM users u WHERE u.username LIKE 'bench%';
         INSERT INTO order_details (order_id, course_id, name, price, real_price)
         SELECT o.id, c.id, c.name, c.price, c.price
         FROM orders o CROSS JOIN courses c WHERE o.order_number LIKE 'open%' AND c.id = 8;
         INSERT INTO jobs (kind, payload, run_at, order_id)
         SELECT 'order_timeout', json_build_object('order_id', o.id)::text, o.expires_at, o.id
         FROM orders o WHERE o.order_number LIKE 'open%';
         ANALYZE;",
        n = count
    ))
    .await
    .context("inserting bench users")?;
    let rows: Vec<UserGrant> = diesel::sql_query(
        "SELECT u.id AS user_id, min(l.id) AS grant_id FROM users u JOIN coupon_logs l ON l.user_id = u.id
         WHERE u.username LIKE 'bench%' GROUP BY u.id ORDER BY u.id",
    )
    .load(&mut conn)
    .await
    .context("reading bench users")?;
    let keys = TokenKeys::new(&SecretString::from(jwt_secret.to_owned()), 24 * 3600);
    let users = rows
        .iter()
        .map(|row| {
            Ok(BenchUser {
                id: row.user_id,
                token: keys.issue(UserId(row.user_id), &format!("bench{}", row.user_id), false)?,
                grant: row.grant_id,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Bench {
        first_id: <[UserGrant]>::first(&rows)
            .map(|r| r.user_id)
            .unwrap_or_default(),
        last_id: rows.last().map(|r| r.user_id).unwrap_or_default(),
        users,
    })
}
