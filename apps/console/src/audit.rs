//! The console's audit page: every audited change, newest first, filtered by operator, kind of
//! row and day range, paged, with the row before and after as JSON.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use luffy_account::audit::{actions, entities};
use luffy_account::AuditQuery;
use luffy_common::{PageRequest, UserId};
use serde::Deserialize;

use super::guard::csrf_token;
use super::pages::{operator, render};
use super::table::{page_number, FieldError, Pager};
use crate::state::ConsoleState;
use luffy_web::dto::time::{parse_day_bound, store_time};
use luffy_web::error::ApiError;

/// Entries per page.
const PAGE_SIZE: u32 = 30;

/// The kinds of rows the trail records, with their Chinese names, for the filter.
const ENTITIES: [(&str, &str); 12] = [
    (entities::COUPON, "优惠券"),
    (entities::COUPON_GRANT, "优惠券发放"),
    (entities::USER, "用户"),
    (entities::DIRECTION, "课程方向"),
    (entities::CATEGORY, "课程分类"),
    (entities::TEACHER, "讲师"),
    (entities::COURSE, "课程"),
    (entities::CHAPTER, "章节"),
    (entities::LESSON, "课时"),
    (entities::PROMOTION, "促销活动"),
    (entities::REFUND, "退款"),
    (entities::JOB, "任务"),
];

/// The audited actions' Chinese names (the code is shown too, for searching the API's answers).
const ACTIONS: [(&str, &str); 23] = [
    (actions::COUPON_CREATE, "新建优惠券"),
    (actions::COUPON_UPDATE, "修改优惠券"),
    (actions::COUPON_GRANT, "发放优惠券"),
    (actions::GRANT_REVOKE, "撤回优惠券"),
    (actions::USER_STATE, "修改账号状态"),
    (actions::USER_CREDIT, "调整积分"),
    (actions::USER_BALANCE, "余额充值"),
    (actions::DIRECTION_CREATE, "新建方向"),
    (actions::DIRECTION_UPDATE, "修改方向"),
    (actions::CATEGORY_CREATE, "新建分类"),
    (actions::CATEGORY_UPDATE, "修改分类"),
    (actions::JOB_RETRY, "重试任务"),
    (actions::TEACHER_CREATE, "新建讲师"),
    (actions::TEACHER_UPDATE, "修改讲师"),
    (actions::COURSE_CREATE, "新建课程"),
    (actions::COURSE_UPDATE, "修改课程"),
    (actions::CHAPTER_CREATE, "新建章节"),
    (actions::LESSON_CREATE, "新建课时"),
    (actions::PROMOTION_CREATE, "新建活动"),
    (actions::PROMOTION_UPDATE, "修改活动"),
    (actions::REFUND_CREATE, "发起退款"),
    (actions::REFUND_APPROVE, "同意退款"),
    (actions::REFUND_REJECT, "拒绝退款"),
];

/// The Chinese name of a code in a `(code, name)` table, else the code.
fn named(table: &[(&str, &'static str)], code: &str) -> String {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned())
}

/// A filter option.
struct EntityChoice {
    value: &'static str,
    name: &'static str,
}

/// An entry row.
struct AuditRow {
    at: String,
    actor: i64,
    action: String,
    action_code: String,
    entity: String,
    entity_id: i64,
    before: String,
    after: String,
}

/// The audit page.
#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    csrf: String,
    err: FieldError,
    actor: String,
    entity: String,
    from: String,
    to: String,
    entities: Vec<EntityChoice>,
    rows: Vec<AuditRow>,
    pager: Pager,
}

/// `?actor=&entity=&from=&to=&page=` (days as `YYYY-MM-DD`).
#[derive(Debug, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

/// JSON text pretty-printed for reading (kept as it is when it does not parse).
fn pretty(text: Option<&str>) -> String {
    text.map(|t| {
        serde_json::from_str::<serde_json::Value>(t)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| t.to_owned())
    })
    .unwrap_or_default()
}

/// The filter as a query, or the refusal beside the field that does not read.
fn query(
    filter: &AuditFilter,
    timezone: chrono_tz::Tz,
    page: PageRequest,
) -> Result<AuditQuery, FieldError> {
    let actor = match filter.actor.trim() {
        "" => None,
        text => Some(UserId(
            text.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| FieldError::at("actor", "操作人应为用户编号!"))?,
        )),
    };
    let bound = |text: &str, field: &str, next_day: bool| match text.trim() {
        "" => Ok(None),
        text => parse_day_bound(text, timezone, next_day)
            .map(Some)
            .ok_or_else(|| FieldError::at(field, "日期的格式应为 YYYY-MM-DD!")),
    };
    let entity = filter.entity.trim();
    if !entity.is_empty() && !ENTITIES.iter().any(|(value, _)| *value == entity) {
        return Err(FieldError::at("entity", "对象类型无效!"));
    }
    Ok(AuditQuery {
        actor,
        entity: (!entity.is_empty()).then(|| entity.to_owned()),
        from: bound(&filter.from, "from", false)?,
        to: bound(&filter.to, "to", true)?,
        page,
    })
}

/// `GET /console/audit?actor=&entity=&from=&to=&page=`.
pub async fn audit(
    state: web::Data<ConsoleState>,
    session: Session,
    filter: web::Query<AuditFilter>,
) -> Result<HttpResponse, ApiError> {
    if let Err(answer) = operator(&state, &session).await? {
        return Ok(answer);
    }
    let number = page_number(&filter.page);
    let request = PageRequest::new(number.into(), PAGE_SIZE.into(), PAGE_SIZE)?;
    let timezone = state.timezone;
    let (err, rows, total, status) = match query(&filter, timezone, request) {
        Err(err) => (err, Vec::new(), 0, StatusCode::BAD_REQUEST),
        Ok(query) => {
            let page = state.audit.list(&query).await?;
            let rows = page
                .items
                .iter()
                .map(|e| AuditRow {
                    at: store_time(e.at, timezone),
                    actor: e.actor.get(),
                    action: named(&ACTIONS, &e.action),
                    action_code: e.action.clone(),
                    entity: named(&ENTITIES, &e.entity),
                    entity_id: e.entity_id,
                    before: pretty(e.before.as_deref()),
                    after: pretty(e.after.as_deref()),
                })
                .collect();
            (FieldError::default(), rows, page.total, StatusCode::OK)
        }
    };
    let params = [
        ("actor", filter.actor.trim()),
        ("entity", filter.entity.trim()),
        ("from", filter.from.trim()),
        ("to", filter.to.trim()),
    ];
    Ok(render(
        &AuditPage {
            csrf: csrf_token(&session),
            err,
            pager: Pager::new("/console/audit", &params, number, PAGE_SIZE, total),
            actor: filter.actor.trim().to_owned(),
            entity: filter.entity.trim().to_owned(),
            from: filter.from.trim().to_owned(),
            to: filter.to.trim().to_owned(),
            entities: ENTITIES
                .iter()
                .map(|(value, name)| EntityChoice { value, name })
                .collect(),
            rows,
        },
        status,
    ))
}
