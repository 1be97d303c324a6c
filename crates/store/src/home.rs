//! The home page's navigation and banners on PostgreSQL; every operator's write is audited in
//! its own transaction.

use diesel::sql_types::{BigInt, Bool, Integer, Nullable, SmallInt, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use luffy_account::audit::{actions, entities};
use luffy_catalog::home::{Banner, HomeError, HomeStore, Nav, NavPosition};
use luffy_common::{StorageError, UserId};

use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::errors::{diesel_error, TxError};
use crate::postgres::{connection, PgPool};

/// The home page store.
#[derive(Clone)]
pub struct PgHome {
    pool: PgPool,
}

impl PgHome {
    /// The store over a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[derive(QueryableByName)]
struct NavRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    link: String,
    #[diesel(sql_type = Bool)]
    is_http: bool,
    #[diesel(sql_type = SmallInt)]
    position: i16,
    #[diesel(sql_type = Integer)]
    orders: i32,
    #[diesel(sql_type = Bool)]
    is_show: bool,
}

impl NavRow {
    fn into_nav(self) -> Nav {
        Nav {
            id: self.id,
            name: self.name,
            link: self.link,
            is_http: self.is_http,
            position: NavPosition::from_code(self.position).unwrap_or(NavPosition::Header),
            orders: self.orders,
            is_show: self.is_show,
        }
    }
}

#[derive(QueryableByName)]
struct BannerRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    image: String,
    #[diesel(sql_type = Text)]
    link: String,
    #[diesel(sql_type = Bool)]
    is_http: bool,
    #[diesel(sql_type = Text)]
    note: String,
    #[diesel(sql_type = Integer)]
    orders: i32,
    #[diesel(sql_type = Bool)]
    is_show: bool,
}

impl BannerRow {
    fn into_banner(self) -> Banner {
        Banner {
            id: self.id,
            name: self.name,
            image: self.image,
            link: self.link,
            is_http: self.is_http,
            note: self.note,
            orders: self.orders,
            is_show: self.is_show,
        }
    }
}

const NAV_COLUMNS: &str = "id, name, link, is_http, position, orders, is_show";
const BANNER_COLUMNS: &str = "id, name, image, link, is_http, note, orders, is_show";

impl HomeStore for PgHome {
    async fn navs(
        &self,
        position: Option<NavPosition>,
        shown_only: bool,
        limit: i64,
    ) -> Result<Vec<Nav>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<NavRow> = diesel::sql_query(format!(
            "SELECT {NAV_COLUMNS} FROM navs
             WHERE ($1::smallint IS NULL OR position = $1) AND (is_show OR NOT $2)
             ORDER BY position, orders, id DESC LIMIT $3"
        ))
        .bind::<Nullable<SmallInt>, _>(position.map(NavPosition::code))
        .bind::<Bool, _>(shown_only)
        .bind::<BigInt, _>(limit)
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "listing navigation"))?;
        Ok(rows.into_iter().map(NavRow::into_nav).collect())
    }

    async fn banners(&self, shown_only: bool, limit: i64) -> Result<Vec<Banner>, StorageError> {
        let mut conn = connection(&self.pool).await?;
        let rows: Vec<BannerRow> = diesel::sql_query(format!(
            "SELECT {BANNER_COLUMNS} FROM banners WHERE is_show OR NOT $1
             ORDER BY orders, id DESC LIMIT $2"
        ))
        .bind::<Bool, _>(shown_only)
        .bind::<BigInt, _>(limit)
        .load(&mut conn)
        .await
        .map_err(|e| diesel_error(e, "listing banners"))?;
        Ok(rows.into_iter().map(BannerRow::into_banner).collect())
    }

    async fn create_nav(&self, actor: UserId, nav: &Nav) -> Result<Nav, HomeError> {
        let audit = Audit::new(actor, actions::NAV_CREATE, entities::NAV);
        let nav = nav.clone();
        audited_write(
            &self.pool,
            "creating a navigation item",
            audit,
            async move |conn| {
                let row: NavRow = diesel::sql_query(format!(
                    "INSERT INTO navs (name, link, is_http, position, orders, is_show)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {NAV_COLUMNS}"
                ))
                .bind::<Text, _>(&nav.name)
                .bind::<Text, _>(&nav.link)
                .bind::<Bool, _>(nav.is_http)
                .bind::<SmallInt, _>(nav.position.code())
                .bind::<Integer, _>(nav.orders)
                .bind::<Bool, _>(nav.is_show)
                .get_result(conn)
                .await?;
                Ok(Audited::created(row.id, row.into_nav()))
            },
        )
        .await
    }

    async fn update_nav(&self, actor: UserId, nav: &Nav) -> Result<Nav, HomeError> {
        let audit = Audit::new(actor, actions::NAV_UPDATE, entities::NAV);
        let nav = nav.clone();
        audited_write(
            &self.pool,
            "changing a navigation item",
            audit,
            async move |conn| {
                let before = audit
                    .before(conn, nav.id)
                    .await?
                    .ok_or(TxError::Refused(HomeError::NotFound))?;
                let row: NavRow = diesel::sql_query(format!(
                "UPDATE navs SET name = $2, link = $3, is_http = $4, position = $5, orders = $6,
                    is_show = $7, updated_time = now()
                 WHERE id = $1 RETURNING {NAV_COLUMNS}"
            ))
                .bind::<BigInt, _>(nav.id)
                .bind::<Text, _>(&nav.name)
                .bind::<Text, _>(&nav.link)
                .bind::<Bool, _>(nav.is_http)
                .bind::<SmallInt, _>(nav.position.code())
                .bind::<Integer, _>(nav.orders)
                .bind::<Bool, _>(nav.is_show)
                .get_result(conn)
                .await?;
                Ok(Audited::changed(row.id, Some(before), row.into_nav()))
            },
        )
        .await
    }

    async fn create_banner(&self, actor: UserId, banner: &Banner) -> Result<Banner, HomeError> {
        let audit = Audit::new(actor, actions::BANNER_CREATE, entities::BANNER);
        let banner = banner.clone();
        audited_write(&self.pool, "creating a banner", audit, async move |conn| {
            let row: BannerRow = diesel::sql_query(format!(
                "INSERT INTO banners (name, image, link, is_http, note, orders, is_show)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {BANNER_COLUMNS}"
            ))
            .bind::<Text, _>(&banner.name)
            .bind::<Text, _>(&banner.image)
            .bind::<Text, _>(&banner.link)
            .bind::<Bool, _>(banner.is_http)
            .bind::<Text, _>(&banner.note)
            .bind::<Integer, _>(banner.orders)
            .bind::<Bool, _>(banner.is_show)
            .get_result(conn)
            .await?;
            Ok(Audited::created(row.id, row.into_banner()))
        })
        .await
    }

    async fn update_banner(&self, actor: UserId, banner: &Banner) -> Result<Banner, HomeError> {
        let audit = Audit::new(actor, actions::BANNER_UPDATE, entities::BANNER);
        let banner = banner.clone();
        audited_write(&self.pool, "changing a banner", audit, async move |conn| {
            let before = audit
                .before(conn, banner.id)
                .await?
                .ok_or(TxError::Refused(HomeError::NotFound))?;
            let row: BannerRow = diesel::sql_query(format!(
                "UPDATE banners SET name = $2, image = $3, link = $4, is_http = $5, note = $6,
                    orders = $7, is_show = $8, updated_time = now()
                 WHERE id = $1 RETURNING {BANNER_COLUMNS}"
            ))
            .bind::<BigInt, _>(banner.id)
            .bind::<Text, _>(&banner.name)
            .bind::<Text, _>(&banner.image)
            .bind::<Text, _>(&banner.link)
            .bind::<Bool, _>(banner.is_http)
            .bind::<Text, _>(&banner.note)
            .bind::<Integer, _>(banner.orders)
            .bind::<Bool, _>(banner.is_show)
            .get_result(conn)
            .await?;
            Ok(Audited::changed(row.id, Some(before), row.into_banner()))
        })
        .await
    }
}
