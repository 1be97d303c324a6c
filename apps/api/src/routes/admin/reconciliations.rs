//! `GET /admin/reconciliations/?channel=&date=`: the channels' reconciled days with their
//! differences and what was done about them; `POST /admin/reconciliations/run/` runs (or
//! reruns) a day now; `GET /admin/reconciliations/export.csv` gives the differences as CSV
//! (staff).

use actix_web::{web, HttpResponse};
use luffy_web::reconciliation_view::{
    findings_csv, parse_channel, parse_date, reconciliation_page, run_day, ReconciliationQuery,
    ReconciliationView, RunRequest,
};

use crate::auth::StaffUser;
use crate::dto::json::Json;
use crate::dto::page::DrfPage;
use crate::error::ApiError;
use crate::state::AppState;

/// `{count, next, previous, results: [Reconciliation]}`, newest day first; with `date`, that
/// day of each channel (or of `channel`).
pub async fn list_reconciliations(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<ReconciliationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = reconciliation_page(&state.reconciliations, &query).await?;
    let size = page.request.size();
    let channel = query.channel.clone().unwrap_or_default();
    let link = |n: u32| {
        format!(
            "{}/admin/reconciliations/?channel={channel}&page={n}&size={size}",
            state.settings.public_base()
        )
    };
    let timezone = state.timezone;
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |day| {
        ReconciliationView::new(day, timezone)
    })))
}

/// Runs a day of one channel now and answers the stored day.
pub async fn run_reconciliation(
    state: web::Data<AppState>,
    staff: StaffUser,
    body: Json<RunRequest>,
) -> Result<HttpResponse, ApiError> {
    let channel = parse_channel(&body.channel)?;
    let day = parse_date(&body.date)?;
    let (stored, new) = run_day(&state.reconciliations, channel, day).await?;
    state.business.reconciled(&stored, &new);
    tracing::info!(operator = %staff.0.id, %channel, %day, "reconciliation run by hand");
    Ok(HttpResponse::Ok().json(ReconciliationView::new(&stored, state.timezone)))
}

/// The listed days' differences as CSV.
pub async fn export_reconciliations(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<ReconciliationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = reconciliation_page(&state.reconciliations, &query).await?;
    findings_csv(&page.items, state.timezone)
}
