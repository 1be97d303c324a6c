//! The console's catalog page: directions and categories (create, rename, move a category),
//! and teachers (create with an uploaded avatar, hide or show). Every change goes through
//! `TaxonomyService` or `CatalogAdminService`, audited like the admin API; a refusal is shown
//! beside the field it is about.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_catalog::back_office::{CatalogAdminError, TeacherInput};
use luffy_catalog::{TaxonomyError, UploadError, UploadKind};
use serde::Deserialize;

use super::guard::csrf_token;
use super::multipart::{read_form, MultipartForm};
use super::pages::{form_staff, operator, render, see_other};
use super::table::FieldError;
use crate::state::ConsoleState;
use luffy_web::error::ApiError;

/// The three teacher roles, as the tutorial names them.
pub(crate) const TEACHER_ROLES: [&str; 3] = ["讲师", "导师", "班主任"];

/// A direction row.
struct DirectionRow {
    id: i64,
    name: String,
    errmsg: String,
}

/// A category row.
struct CategoryRow {
    id: i64,
    name: String,
    direction_id: i64,
    direction: String,
    errmsg: String,
}

/// A teacher row.
struct TeacherRow {
    id: i64,
    name: String,
    title: String,
    role: &'static str,
    avatar: String,
    is_show: bool,
}

/// A `<select>` option.
pub(crate) struct Choice {
    /// The value posted.
    pub id: i64,
    /// The label shown.
    pub name: String,
}

/// The catalog page.
#[derive(Template)]
#[template(path = "console/catalog.html")]
struct CatalogPage {
    csrf: String,
    err: FieldError,
    notice: String,
    directions: Vec<DirectionRow>,
    categories: Vec<CategoryRow>,
    teachers: Vec<TeacherRow>,
    t: TeacherFields,
}

/// The teacher form's values: empty for a new teacher, the teacher's own when changing one.
#[derive(Default)]
struct TeacherFields {
    /// 0 for a new teacher.
    id: i64,
    name: String,
    title: String,
    role: i16,
    brief: String,
}

/// A picture path as the console's pages load it (same origin); remote URLs are not shown
/// (the console's CSP loads images from itself only).
pub(crate) fn local_picture(path: &str) -> String {
    if path.is_empty() || path.contains("://") {
        String::new()
    } else {
        format!("/{}", path.trim_start_matches('/'))
    }
}

async fn catalog_page(
    state: &ConsoleState,
    session: &Session,
    (err, editing): (FieldError, i64),
    notice: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let directions = state.catalog.directions().await?;
    let categories = state.catalog.categories(0).await?;
    let teachers = state.catalog_admin.teachers().await?;
    let t = teachers
        .iter()
        .find(|t| t.id == editing)
        .map(|t| TeacherFields {
            id: t.id,
            name: t.name.clone(),
            title: t.title.clone(),
            role: t.role,
            brief: t.brief.clone(),
        })
        .unwrap_or_default();
    let row_error = |kind: &str, id: i64| err.of(&format!("{kind}-{id}")).to_owned();
    let page = CatalogPage {
        csrf: csrf_token(session),
        notice,
        directions: directions
            .iter()
            .map(|d| DirectionRow {
                id: d.id,
                name: d.name.clone(),
                errmsg: row_error("direction", d.id),
            })
            .collect(),
        categories: categories
            .iter()
            .map(|c| CategoryRow {
                id: c.id,
                name: c.name.clone(),
                direction_id: c.direction_id,
                direction: directions
                    .iter()
                    .find(|d| d.id == c.direction_id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                errmsg: row_error("category", c.id),
            })
            .collect(),
        teachers: teachers
            .iter()
            .map(|t| TeacherRow {
                id: t.id,
                name: t.name.clone(),
                title: t.title.clone(),
                role: TEACHER_ROLES
                    .get(usize::try_from(t.role).unwrap_or(0))
                    .copied()
                    .unwrap_or(""),
                avatar: local_picture(&t.avatar),
                is_show: t.is_show,
            })
            .collect(),
        err,
        t,
    };
    Ok(render(&page, status))
}

/// `?teacher=` (the teacher whose form is filled in).
#[derive(Debug, Deserialize)]
pub struct CatalogQuery {
    #[serde(default)]
    teacher: String,
}

/// `GET /console/catalog?teacher=`.
pub async fn catalog(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<CatalogQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let editing = query.teacher.parse().unwrap_or(0);
    catalog_page(
        &state,
        &session,
        (FieldError::default(), editing),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// The answer to a refused change: the page with the message beside `field`.
async fn refused(
    state: &ConsoleState,
    session: &Session,
    field: String,
    message: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    refused_editing(state, session, (field, message), 0, status).await
}

/// [`refused`], with the form of teacher `editing` filled in again.
async fn refused_editing(
    state: &ConsoleState,
    session: &Session,
    (field, message): (String, String),
    editing: i64,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    catalog_page(
        state,
        session,
        (FieldError::at(&field, message), editing),
        String::new(),
        status,
    )
    .await
}

/// The status of a taxonomy refusal.
fn taxonomy_status(error: &TaxonomyError) -> StatusCode {
    match error {
        TaxonomyError::DuplicateName(_) => StatusCode::CONFLICT,
        TaxonomyError::CategoryNotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The page after a refused new direction or category (`form`), the message beside its field.
async fn taxonomy_refused(
    state: &ConsoleState,
    session: &Session,
    form: &str,
    refusal: TaxonomyError,
) -> Result<HttpResponse, ApiError> {
    if let TaxonomyError::Storage(error) = refusal {
        return Err(error.into());
    }
    let field = format!("{form}.{}", refusal.field().unwrap_or_default());
    let status = taxonomy_status(&refusal);
    refused(state, session, field, refusal.to_string(), status).await
}

/// A direction or category form.
#[derive(Debug, Deserialize)]
pub struct TaxonomyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    direction_id: String,
}

/// `POST /console/directions`.
pub async fn create_direction(
    state: web::Data<ConsoleState>,
    session: Session,
    form: web::Form<TaxonomyForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    match state.taxonomy.create_direction(staff, &form.name).await {
        Ok(_) => Ok(see_other("/console/catalog")),
        Err(refusal) => taxonomy_refused(&state, &session, "direction", refusal).await,
    }
}

/// `POST /console/directions/{id}`: renames a direction.
pub async fn rename_direction(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<TaxonomyForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    match state.taxonomy.rename_direction(staff, id, &form.name).await {
        Ok(_) => Ok(see_other("/console/catalog")),
        Err(TaxonomyError::Storage(error)) => Err(error.into()),
        Err(TaxonomyError::DirectionNotFound) => Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => {
            let status = taxonomy_status(&refusal);
            refused(
                &state,
                &session,
                format!("direction-{id}"),
                refusal.to_string(),
                status,
            )
            .await
        }
    }
}

/// The direction id of a category form (0, which no direction has, when it is not a number).
fn direction_of(form: &TaxonomyForm) -> i64 {
    form.direction_id.trim().parse().unwrap_or(0)
}

/// `POST /console/categories`.
pub async fn create_category(
    state: web::Data<ConsoleState>,
    session: Session,
    form: web::Form<TaxonomyForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let direction = direction_of(&form);
    match state
        .taxonomy
        .create_category(staff, &form.name, direction)
        .await
    {
        Ok(_) => Ok(see_other("/console/catalog")),
        Err(refusal) => taxonomy_refused(&state, &session, "category", refusal).await,
    }
}

/// `POST /console/categories/{id}`: renames a category or moves it to another direction.
pub async fn update_category(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<TaxonomyForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let id = path.into_inner();
    let direction = direction_of(&form);
    match state
        .taxonomy
        .update_category(staff, id, Some(&form.name), Some(direction))
        .await
    {
        Ok(_) => Ok(see_other("/console/catalog")),
        Err(TaxonomyError::Storage(error)) => Err(error.into()),
        Err(refusal) => {
            let status = taxonomy_status(&refusal);
            refused(
                &state,
                &session,
                format!("category-{id}"),
                refusal.to_string(),
                status,
            )
            .await
        }
    }
}

/// Stores a form's picture (when one was chosen) and answers its site path; a refusal names
/// `field`.
pub(crate) async fn store_picture(
    state: &ConsoleState,
    form: &MultipartForm,
    kind: UploadKind,
    field: &str,
) -> Result<Result<Option<String>, FieldError>, ApiError> {
    let Some(bytes) = &form.picture else {
        return Ok(Ok(None));
    };
    match state.uploads.upload(kind, bytes).await {
        Ok(stored) => Ok(Ok(Some(stored.path))),
        Err(UploadError::Storage(error)) => Err(error.into()),
        Err(refusal) => Ok(Err(FieldError::at(field, refusal.to_string()))),
    }
}

/// `POST /console/teachers` (multipart: name, title, role, brief, avatar file).
pub async fn create_teacher(
    state: web::Data<ConsoleState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    save_teacher(&state, &session, payload, 0).await
}

/// `POST /console/teachers/{id}` (multipart; a new avatar file replaces the avatar).
pub async fn update_teacher(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id <= 0 {
        return Ok(HttpResponse::NotFound().finish());
    }
    save_teacher(&state, &session, payload, id).await
}

/// Creates (`id` = 0) or changes a teacher from the form.
async fn save_teacher(
    state: &ConsoleState,
    session: &Session,
    payload: Multipart,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let refuse = |error: FieldError, status| {
        let field = format!("teacher.{}", error.field.trim_start_matches("teacher."));
        refused_editing(state, session, (field, error.errmsg), id, status)
    };
    let form = match read_form(payload, "avatar").await {
        Ok(form) => form,
        Err(error) => {
            if let Err(answer) = operator(state, session).await? {
                return Ok(answer);
            }
            return refuse(error, StatusCode::BAD_REQUEST).await;
        }
    };
    let staff = form_staff!(state, session, &form.text("csrf"));
    let mut input = TeacherInput {
        name: Some(form.text("name")),
        title: Some(form.text("title")),
        role: Some(form.text("role").parse().unwrap_or(-1)),
        brief: Some(form.raw("brief")),
        avatar: None,
        is_show: (id == 0).then_some(true),
    };
    let as_field = |refusal: CatalogAdminError| match refusal {
        CatalogAdminError::Storage(error) => Err(ApiError::from(error)),
        refusal => Ok(FieldError::at(
            refusal.field().unwrap_or_default(),
            refusal.to_string(),
        )),
    };
    // Checked before the picture is stored, so a refused teacher leaves no file behind.
    if let Err(refusal) = input.clone().validated(id == 0) {
        return refuse(as_field(refusal)?, StatusCode::BAD_REQUEST).await;
    }
    match store_picture(state, &form, UploadKind::Avatar, "avatar").await? {
        Ok(path) => input.avatar = path,
        Err(error) => return refuse(error, StatusCode::BAD_REQUEST).await,
    }
    let saved = if id == 0 {
        state.catalog_admin.create_teacher(staff, input).await
    } else {
        state.catalog_admin.update_teacher(staff, id, input).await
    };
    match saved {
        Ok(_) => Ok(see_other("/console/catalog")),
        Err(CatalogAdminError::NotFound(_)) => Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => refuse(as_field(refusal)?, StatusCode::BAD_REQUEST).await,
    }
}

async fn teacher_refused(
    state: &ConsoleState,
    session: &Session,
    refusal: CatalogAdminError,
) -> Result<HttpResponse, ApiError> {
    if let CatalogAdminError::Storage(error) = refusal {
        return Err(error.into());
    }
    let field = format!("teacher.{}", refusal.field().unwrap_or_default());
    refused(
        state,
        session,
        field,
        refusal.to_string(),
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// The show/hide form.
#[derive(Debug, Deserialize)]
pub struct VisibilityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    show: String,
}

/// `POST /console/teachers/{id}/visibility`: hides a teacher from buyers, or shows them again.
pub async fn teacher_visibility(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<VisibilityForm>,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(&state, &session, &form.csrf);
    let input = TeacherInput {
        is_show: Some(form.show == "1"),
        ..TeacherInput::default()
    };
    match state
        .catalog_admin
        .update_teacher(staff, path.into_inner(), input)
        .await
    {
        Ok(_) => Ok(see_other("/console/catalog")),
        Err(CatalogAdminError::NotFound(_)) => Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => teacher_refused(&state, &session, refusal).await,
    }
}
