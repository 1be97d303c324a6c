//! `GET /admin/audit/?actor=&entity=&from=&to=&page=&size=`: the operators' audit trail, newest
//! first: who changed what, when, and the row before and after.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use luffy_account::{AuditEntry, AuditQuery};
use luffy_common::UserId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::page::{DrfPage, PageParams};
use crate::dto::time::{parse_day_bound, store_time};
use crate::error::ApiError;
use crate::state::AppState;

/// Filters and paging; `from` and `to` are store-timezone dates (`YYYY-MM-DD`, both days
/// included) or RFC 3339 instants.
#[derive(Debug, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(flatten)]
    paging: PageParams,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditView {
    /// Id.
    id: i64,
    /// The operator.
    actor_id: i64,
    /// What was done: coupon.create, coupon.grant, coupon_grant.revoke, user.state, user.credit, user.balance.
    action: String,
    /// What kind of row: coupon, coupon_grant, user.
    entity: String,
    /// Which row.
    entity_id: i64,
    /// The row before (null when created).
    before: Value,
    /// The row after (null when deleted).
    after: Value,
    /// When, in the store timezone.
    created_time: String,
}

impl AuditView {
    fn new(entry: &AuditEntry, timezone: chrono_tz::Tz) -> Self {
        let json = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or(Value::Null)
        };
        Self {
            id: entry.id,
            actor_id: entry.actor.get(),
            action: entry.action.clone(),
            entity: entry.entity.clone(),
            entity_id: entry.entity_id,
            before: json(&entry.before),
            after: json(&entry.after),
            created_time: store_time(entry.at, timezone),
        }
    }
}

fn instant(
    value: &str,
    name: &str,
    timezone: chrono_tz::Tz,
    next_day: bool,
) -> Result<DateTime<Utc>, ApiError> {
    parse_day_bound(value, timezone, next_day)
        .ok_or_else(|| ApiError::bad_request(format!("参数 {name} 的格式应为 YYYY-MM-DD!")))
}

/// `{count, next, previous, results: [{id, actor_id, action, entity, entity_id, before, after,
/// created_time}]}`.
pub async fn list_audit(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<AuditFilter>,
) -> Result<HttpResponse, ApiError> {
    let request = query.paging.request()?;
    let actor = match query.actor.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => Some(UserId(
            text.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| ApiError::bad_request("参数 actor 必须是用户 id!"))?,
        )),
    };
    let timezone = state.timezone;
    let bound = |value: &Option<String>, name: &str, next_day: bool| {
        value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| instant(v, name, timezone, next_day))
            .transpose()
    };
    let filter = AuditQuery {
        actor,
        entity: query.entity.clone().filter(|e| !e.is_empty()),
        from: bound(&query.from, "from", false)?,
        to: bound(&query.to, "to", true)?,
        page: request,
    };
    let page = state.audit.list(&filter).await?;
    let link = |n: u32| {
        let mut url = format!(
            "{}/admin/audit/?page={n}&size={}",
            state.settings.public_base(),
            request.size()
        );
        for (name, value) in [
            ("actor", &query.actor),
            ("entity", &query.entity),
            ("from", &query.from),
            ("to", &query.to),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                url.push_str(&format!(
                    "&{name}={}",
                    form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
                ));
            }
        }
        url
    };
    Ok(HttpResponse::Ok().json(DrfPage::new(&page, link, |entry| {
        AuditView::new(entry, timezone)
    })))
}
