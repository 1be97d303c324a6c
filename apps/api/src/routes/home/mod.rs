//! The home page for visitors — `GET /nav/header/`, `GET /nav/footer/`, `GET /banner/` (bare
//! arrays of what the tutorial's client reads) — and for operators `GET|POST /admin/navs/`,
//! `PATCH /admin/navs/{id}/`, `GET|POST /admin/banners/`, `PATCH /admin/banners/{id}/`
//! (audited).

use actix_web::{web, HttpResponse};
use luffy_catalog::{Banner, HomeChange, Nav, NavPosition};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::json::Json;
use crate::dto::media::media_url;
use crate::error::ApiError;
use crate::state::AppState;

/// A menu item as the client reads it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NavItem)]
pub struct NavView {
    /// Id.
    id: i64,
    /// The link text.
    name: String,
    /// A full URL when `is_http`, else a route of the web app.
    link: String,
    /// Whether `link` is a full URL.
    is_http: bool,
    /// 0 header, 1 footer.
    position: i16,
    /// Sort key.
    orders: i32,
    /// Shown.
    is_show: bool,
}

impl From<&Nav> for NavView {
    fn from(nav: &Nav) -> Self {
        Self {
            id: nav.id,
            name: nav.name.clone(),
            link: nav.link.clone(),
            is_http: nav.is_http,
            position: nav.position.code(),
            orders: nav.orders,
            is_show: nav.is_show,
        }
    }
}

/// A banner as the client reads it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = BannerItem)]
pub struct BannerView {
    /// Id.
    id: i64,
    /// Alt text.
    name: String,
    /// Absolute URL of the picture.
    image: String,
    /// Where a click goes.
    link: String,
    /// Whether `link` is a full URL.
    is_http: bool,
    /// The operators' note.
    note: String,
    /// Sort key.
    orders: i32,
    /// Shown.
    is_show: bool,
}

impl BannerView {
    fn new(banner: &Banner, base: &str) -> Self {
        Self {
            id: banner.id,
            name: banner.name.clone(),
            image: media_url(base, &banner.image),
            link: banner.link.clone(),
            is_http: banner.is_http,
            note: banner.note.clone(),
            orders: banner.orders,
            is_show: banner.is_show,
        }
    }
}

/// Cached by browsers and CDNs for a minute: operators' changes show soon after.
fn cached(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(body)
}

/// `GET /nav/header/`: the shown header items, at most 7, ordered.
pub async fn header(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = state.home.menu(NavPosition::Header).await?;
    Ok(cached(items.iter().map(NavView::from).collect::<Vec<_>>()))
}

/// `GET /nav/footer/`: the shown footer items, at most 7, ordered.
pub async fn footer(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = state.home.menu(NavPosition::Footer).await?;
    Ok(cached(items.iter().map(NavView::from).collect::<Vec<_>>()))
}

/// `GET /banner/`: the shown banners, at most 10, ordered, pictures as absolute URLs.
pub async fn banners(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let base = state.settings.public_base();
    let items = state.home.carousel().await?;
    Ok(cached(
        items
            .iter()
            .map(|b| BannerView::new(b, base))
            .collect::<Vec<_>>(),
    ))
}

/// What an operator sends to create or change a menu item or banner (unset fields kept).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeForm {
    /// Name (1 to 100 characters).
    name: Option<String>,
    /// A full `http(s)://` URL when `is_http`, else a route starting with `/`.
    link: Option<String>,
    /// Whether `link` is a full URL.
    is_http: Option<bool>,
    /// Menu items: 0 header, 1 footer.
    position: Option<i16>,
    /// Banners: the path `POST /admin/uploads/banner/` gave.
    image: Option<String>,
    /// Banners: a note (at most 150 characters).
    note: Option<String>,
    /// Sort key, smallest first.
    orders: Option<i32>,
    /// Shown.
    is_show: Option<bool>,
}

impl HomeForm {
    fn change(&self) -> Result<HomeChange, ApiError> {
        Ok(HomeChange {
            name: self.name.clone(),
            link: self.link.clone(),
            is_http: self.is_http,
            position: self
                .position
                .map(|code| {
                    NavPosition::from_code(code)
                        .ok_or_else(|| ApiError::BadRequest("position 只能是 0 或 1!".into()))
                })
                .transpose()?,
            image: self.image.clone(),
            note: self.note.clone(),
            orders: self.orders,
            is_show: self.is_show,
        })
    }
}

/// `GET /admin/navs/`: every menu item, hidden ones too.
pub async fn list_navs(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<HttpResponse, ApiError> {
    let items = state.home.all_navs().await?;
    Ok(HttpResponse::Ok().json(items.iter().map(NavView::from).collect::<Vec<_>>()))
}

/// `POST /admin/navs/`: a new menu item (`name`, `link`, `position` needed).
pub async fn create_nav(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<HomeForm>,
) -> Result<HttpResponse, ApiError> {
    let nav = state.home.create_nav(staff.0.id, &form.change()?).await?;
    Ok(HttpResponse::Created().json(NavView::from(&nav)))
}

/// `PATCH /admin/navs/{id}/`.
pub async fn update_nav(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<HomeForm>,
) -> Result<HttpResponse, ApiError> {
    let nav = state
        .home
        .update_nav(staff.0.id, path.into_inner(), &form.change()?)
        .await?;
    Ok(HttpResponse::Ok().json(NavView::from(&nav)))
}

/// `GET /admin/banners/`: every banner, hidden ones too.
pub async fn list_banners(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<HttpResponse, ApiError> {
    let base = state.settings.public_base();
    let items = state.home.all_banners().await?;
    Ok(HttpResponse::Ok().json(
        items
            .iter()
            .map(|b| BannerView::new(b, base))
            .collect::<Vec<_>>(),
    ))
}

/// `POST /admin/banners/`: a new banner (`name`, `image`, `link` needed).
pub async fn create_banner(
    state: web::Data<AppState>,
    staff: StaffUser,
    form: Json<HomeForm>,
) -> Result<HttpResponse, ApiError> {
    let banner = state
        .home
        .create_banner(staff.0.id, &form.change()?)
        .await?;
    Ok(HttpResponse::Created().json(BannerView::new(&banner, state.settings.public_base())))
}

/// `PATCH /admin/banners/{id}/`.
pub async fn update_banner(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<HomeForm>,
) -> Result<HttpResponse, ApiError> {
    let banner = state
        .home
        .update_banner(staff.0.id, path.into_inner(), &form.change()?)
        .await?;
    Ok(HttpResponse::Ok().json(BannerView::new(&banner, state.settings.public_base())))
}
