//! The console's promotions page: every promotion (paged) with its type, rule, window and
//! courses, a form to create one (限时免费 `0`, 折扣 `*0.xx`, 减免 `-N`, a condition, a window
//! and the linked courses' ids) and the same form, filled in, to change one. Changes go
//! through `CatalogAdminService`, audited; a refusal is shown beside its field.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_catalog::back_office::{CatalogAdminError, PromotionInput, PromotionRecord};
use luffy_common::PageRequest;
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{form_staff, operator, render, sale_text, see_other, yuan};
use super::table::{page_number, FieldError, Pager};
use crate::state::ConsoleState;
use luffy_web::dto::time::{parse_store_time, store_time};
use luffy_web::error::ApiError;

/// Promotions per page.
const PAGE_SIZE: u32 = 20;

/// A promotion row.
struct PromotionRow {
    id: i64,
    name: String,
    kind: String,
    sale: String,
    condition: String,
    window: String,
    courses: String,
}

/// The form's values: empty for a new promotion, the promotion's own when changing it.
#[derive(Default)]
struct PromotionFields {
    /// 0 for a new promotion.
    id: i64,
    name: String,
    sale: String,
    condition: String,
    start_time: String,
    end_time: String,
    course_ids: String,
}

/// The promotions page.
#[derive(Template)]
#[template(path = "console/promotions.html")]
struct PromotionsPage {
    csrf: String,
    err: FieldError,
    rows: Vec<PromotionRow>,
    pager: Pager,
    f: PromotionFields,
}

/// `?page=&edit=`.
#[derive(Debug, Deserialize)]
pub struct PromotionsQuery {
    #[serde(default)]
    page: String,
    #[serde(default)]
    edit: String,
}

fn ids_text(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn promotions_page(
    state: &ConsoleState,
    session: &Session,
    page: u32,
    f: PromotionFields,
    err: FieldError,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let list = state
        .catalog_admin
        .promotions(PageRequest::new(page.into(), PAGE_SIZE.into(), PAGE_SIZE)?)
        .await?;
    let timezone = state.timezone;
    let rows = list
        .items
        .iter()
        .map(|p: &PromotionRecord| PromotionRow {
            id: p.id,
            name: p.name.clone(),
            kind: p.discount_type.clone(),
            sale: sale_text(&p.sale),
            condition: yuan(rust_decimal::Decimal::from(p.condition)),
            window: format!(
                "{} ~ {}",
                store_time(p.start_time, timezone),
                store_time(p.end_time, timezone)
            ),
            courses: ids_text(&p.course_ids),
        })
        .collect();
    let pager = Pager::new("/console/promotions", &[], page, PAGE_SIZE, list.total);
    Ok(render(
        &PromotionsPage {
            csrf: csrf_token(session),
            err,
            rows,
            pager,
            f,
        },
        status,
    ))
}

/// `GET /console/promotions?page=&edit=`: `edit` fills the form with that promotion.
pub async fn promotions(
    state: web::Data<ConsoleState>,
    session: Session,
    query: web::Query<PromotionsQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let page = page_number(&query.page);
    let mut fields = PromotionFields::default();
    if let Ok(id) = query.edit.parse::<i64>() {
        let timezone = state.timezone;
        match state.catalog_admin.promotion(id).await {
            Ok(p) => {
                fields = PromotionFields {
                    id: p.id,
                    name: p.name,
                    sale: p.sale,
                    condition: p.condition.to_string(),
                    start_time: store_time(p.start_time, timezone),
                    end_time: store_time(p.end_time, timezone),
                    course_ids: ids_text(&p.course_ids),
                };
            }
            Err(CatalogAdminError::NotFound(_)) => return Ok(HttpResponse::NotFound().finish()),
            Err(error) => return Err(error.into()),
        }
    }
    promotions_page(
        &state,
        &session,
        page,
        fields,
        FieldError::default(),
        StatusCode::OK,
    )
    .await
}

/// The promotion form.
#[derive(Debug, Deserialize)]
pub struct PromotionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sale: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    course_ids: String,
}

impl PromotionForm {
    /// The form as it was typed, to show again after a refusal.
    fn fields(&self, id: i64) -> PromotionFields {
        PromotionFields {
            id,
            name: self.name.clone(),
            sale: self.sale.clone(),
            condition: self.condition.clone(),
            start_time: self.start_time.clone(),
            end_time: self.end_time.clone(),
            course_ids: self.course_ids.clone(),
        }
    }

    /// The typed values; text that is not a number or a time is refused beside its field.
    fn input(&self, timezone: chrono_tz::Tz) -> Result<PromotionInput, FieldError> {
        let time = |text: &str, field: &str, label: &str| {
            parse_store_time(text, timezone).ok_or_else(|| {
                FieldError::at(field, format!("{label}的格式应为 YYYY-MM-DD HH:MM:SS!"))
            })
        };
        let condition = match self.condition.trim() {
            "" => 0,
            text => text
                .parse::<i32>()
                .map_err(|_| FieldError::at("condition", "满足条件应为整数(元)!"))?,
        };
        let course_ids = self
            .course_ids
            .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| FieldError::at("course_ids", format!("课程ID[{t}]无效!")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PromotionInput {
            name: Some(self.name.clone()),
            sale: Some(self.sale.trim().to_owned()),
            condition: Some(condition),
            start_time: Some(time(&self.start_time, "start_time", "开始时间")?),
            end_time: Some(time(&self.end_time, "end_time", "结束时间")?),
            course_ids: Some(course_ids),
        })
    }
}

/// Creates (`id` = 0) or changes a promotion.
async fn save(
    state: &ConsoleState,
    session: &Session,
    id: i64,
    form: &PromotionForm,
) -> Result<HttpResponse, ApiError> {
    let staff = form_staff!(state, session, &form.csrf);
    let refused = |err: FieldError| {
        promotions_page(
            state,
            session,
            1,
            form.fields(id),
            err,
            StatusCode::BAD_REQUEST,
        )
    };
    let input = match form.input(state.timezone) {
        Ok(input) => input,
        Err(err) => return refused(err).await,
    };
    let outcome = if id == 0 {
        state.catalog_admin.create_promotion(staff, input).await
    } else {
        state.catalog_admin.update_promotion(staff, id, input).await
    };
    match outcome {
        Ok(_) => Ok(see_other("/console/promotions")),
        Err(CatalogAdminError::Storage(error)) => Err(error.into()),
        Err(CatalogAdminError::NotFound(_)) => Ok(HttpResponse::NotFound().finish()),
        Err(refusal) => {
            let err = FieldError::at(refusal.field().unwrap_or_default(), refusal.to_string());
            refused(err).await
        }
    }
}

/// `POST /console/promotions`.
pub async fn create(
    state: web::Data<ConsoleState>,
    session: Session,
    form: web::Form<PromotionForm>,
) -> Result<HttpResponse, ApiError> {
    save(&state, &session, 0, &form).await
}

/// `POST /console/promotions/{id}`.
pub async fn update(
    state: web::Data<ConsoleState>,
    session: Session,
    path: web::Path<i64>,
    form: web::Form<PromotionForm>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id <= 0 {
        return Ok(HttpResponse::NotFound().finish());
    }
    save(&state, &session, id, &form).await
}
