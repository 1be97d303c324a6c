//! `/console/home`: the home page's header and footer menus and banner carousel, each row with
//! its own edit form (order, show or hide), and forms to add a menu item or a banner (its
//! picture uploaded and checked like a cover). The same rules and audit trail as the admin API
//! (`luffy_catalog::home`).

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_catalog::{Banner, HomeChange, HomeError, Nav, NavPosition, UploadKind};
use luffy_web::error::ApiError;
use serde::Deserialize;

use super::catalog::store_picture;
use super::guard::csrf_token;
use super::multipart::read_form;
use super::pages::{form_staff, operator, render, see_other};
use crate::state::ConsoleState;

/// The page.
#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    csrf: String,
    errmsg: String,
    navs: Vec<Nav>,
    banners: Vec<Banner>,
}

async fn page(
    state: &ConsoleState,
    session: &Session,
    errmsg: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    Ok(render(
        &HomePage {
            csrf: csrf_token(session),
            errmsg,
            navs: state.home.all_navs().await?,
            banners: state.home.all_banners().await?,
        },
        status,
    ))
}

/// `GET /console/home`.
pub async fn home(
    state: web::Data<ConsoleState>,
    session: Session,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    page(&state, &session, String::new(), StatusCode::OK).await
}

/// A refusal shown on the page, or the error it is.
async fn refused(
    state: &ConsoleState,
    session: &Session,
    error: HomeError,
) -> Result<HttpResponse, ApiError> {
    match error {
        HomeError::Storage(e) => Err(e.into()),
        HomeError::NotFound => Ok(HttpResponse::NotFound().finish()),
        refusal => page(state, session, refusal.to_string(), StatusCode::BAD_REQUEST).await,
    }
}

fn flag(value: &str) -> bool {
    matches!(value, "on" | "true" | "1")
}

fn number(value: &str) -> Option<i32> {
    value.trim().parse().ok()
}

/// A menu item form (create or change).
#[derive(Debug, Deserialize)]
pub struct NavForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    is_http: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    orders: String,
    #[serde(default)]
    is_show: String,
}

impl NavForm {
    fn change(&self) -> Result<HomeChange, HomeError> {
        Ok(HomeChange {
            name: Some(self.name.clone()),
            link: Some(self.link.clone()),
            is_http: Some(flag(&self.is_http)),
            position: Some(
                self.position
                    .trim()
                    .parse()
                    .ok()
                    .and_then(NavPosition::from_code)
                    .ok_or(HomeError::Missing("position"))?,
            ),
            orders: Some(number(&self.orders).unwrap_or(0)),
            is_show: Some(flag(&self.is_show)),
            ..HomeChange::default()
        })
    }
}

/// `POST /console/navs`: adds a menu item.
pub async fn create_nav(
    state: web::Data<ConsoleState>,
    session: Session,
    form: web::Form<NavForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let result = match form.change() {
        Ok(change) => state.home.create_nav(staff, &change).await,
        Err(refusal) => Err(refusal),
    };
    match result {
        Ok(_) => Ok(see_other("/console/home")),
        Err(error) => refused(&state, &session, error).await,
    }
}

/// `POST /console/navs/{id}`: changes a menu item.
pub async fn update_nav(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<NavForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let result = match form.change() {
        Ok(change) => state
            .home
            .update_nav(staff, path.into_inner(), &change)
            .await
            .map(|_| ()),
        Err(refusal) => Err(refusal),
    };
    match result {
        Ok(()) => Ok(see_other("/console/home")),
        Err(error) => refused(&state, &session, error).await,
    }
}

/// Creates (`id` = 0) or changes a banner from its multipart form; a new picture replaces the
/// old one, and the fields are checked before the picture is stored.
async fn save_banner(
    state: &ConsoleState,
    session: &Session,
    payload: Multipart,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let form = match read_form(payload, "picture").await {
        Ok(form) => form,
        Err(error) => {
            if let Err(answer) = operator(state, session).await? {
                return Ok(answer);
            }
            return page(state, session, error.errmsg, StatusCode::BAD_REQUEST).await;
        }
    };
    let staff = form_staff!(state, session, &form.text("csrf"));
    let mut change = HomeChange {
        name: Some(form.text("name")),
        link: Some(form.text("link")),
        is_http: Some(flag(&form.text("is_http"))),
        note: Some(form.text("note")),
        orders: Some(number(&form.text("orders")).unwrap_or(0)),
        is_show: Some(flag(&form.text("is_show"))),
        ..HomeChange::default()
    };
    if id == 0 && form.picture.is_none() {
        return refused(state, session, HomeError::InvalidImage).await;
    }
    match store_picture(state, &form, UploadKind::Banner, "picture").await? {
        Ok(path) => change.image = path,
        Err(error) => return page(state, session, error.errmsg, StatusCode::BAD_REQUEST).await,
    }
    let saved = if id == 0 {
        state.home.create_banner(staff, &change).await.map(|_| ())
    } else {
        state
            .home
            .update_banner(staff, id, &change)
            .await
            .map(|_| ())
    };
    match saved {
        Ok(()) => Ok(see_other("/console/home")),
        Err(error) => refused(state, session, error).await,
    }
}

/// `POST /console/banners` (multipart: name, link, is_http, note, orders, is_show, picture).
pub async fn create_banner(
    state: web::Data<ConsoleState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    save_banner(&state, &session, payload, 0).await
}

/// `POST /console/banners/{id}` (multipart; a new picture replaces the old one).
pub async fn update_banner(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id <= 0 {
        return Ok(HttpResponse::NotFound().finish());
    }
    save_banner(&state, &session, payload, id).await
}
