//! The operators' orders search and its CSV export, shared by the admin API
//! (`GET /admin/orders/`, `/admin/orders/export.csv`) and the console's orders page: the same
//! filters, validated the same way, and the same file.

use actix_web::HttpResponse;
use luffy_common::UserId;
use luffy_order::back_office::{OrderFilter, OrderOrdering, OrderSearch};
use luffy_order::{OrderStatus, PayType};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::dto::page::PageParams;
use crate::dto::time::{parse_day_bound, store_time};
use crate::error::ApiError;
use crate::services::Orders;

/// The most rows one export holds.
pub const EXPORT_LIMIT: u32 = 10_000;

/// The filters, all optional: `number` (part of it), `user` (id), `status`, `pay_type`, `from`
/// and `to` (creation day `YYYY-MM-DD` in the store timezone, both included, or RFC 3339), `min`
/// and `max` (`real_price`), `ordering` (`-created_time`, `created_time`, `-real_price`,
/// `real_price`).
#[derive(Debug, Default, Deserialize)]
pub struct OrderQuery {
    /// Part of the order number.
    #[serde(default)]
    pub number: Option<String>,
    /// The buyer's id.
    #[serde(default)]
    pub user: Option<String>,
    /// An order status code.
    #[serde(default)]
    pub status: Option<String>,
    /// A pay type code.
    #[serde(default)]
    pub pay_type: Option<String>,
    /// First creation day (`YYYY-MM-DD`, store time) or an RFC 3339 instant.
    #[serde(default)]
    pub from: Option<String>,
    /// Last creation day, included.
    #[serde(default)]
    pub to: Option<String>,
    /// Least `real_price`.
    #[serde(default)]
    pub min: Option<String>,
    /// Greatest `real_price`.
    #[serde(default)]
    pub max: Option<String>,
    /// `-created_time` (default), `created_time`, `-real_price` or `real_price`.
    #[serde(default)]
    pub ordering: Option<String>,
    /// Page and size.
    #[serde(flatten)]
    pub paging: PageParams,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl OrderQuery {
    /// Validates the filters (400 with the field named).
    pub fn filter(&self, timezone: chrono_tz::Tz) -> Result<OrderFilter, ApiError> {
        self.checked_filter(timezone)
            .map_err(|(name, _)| ApiError::bad_request(format!("参数 {name} 无效!")))
    }

    /// Validates the filters; a refusal names the field and says what it should be.
    pub fn checked_filter(
        &self,
        timezone: chrono_tz::Tz,
    ) -> Result<OrderFilter, (&'static str, &'static str)> {
        let bad = |name: &'static str| {
            let hint = match name {
                "user" => "用户编号应为正整数!",
                "status" | "pay_type" => "请选择列表中的一项!",
                "from" | "to" => "日期的格式应为 YYYY-MM-DD!",
                "min" | "max" => "金额应为不小于0的数字!",
                _ => "排序方式无效!",
            };
            (name, hint)
        };
        type Refusal = (&'static str, &'static str);
        let code = |value: &Option<String>, name: &'static str| -> Result<Option<i64>, Refusal> {
            given(value)
                .map(|v| v.parse::<i64>().map_err(|_| bad(name)))
                .transpose()
        };
        let amount =
            |value: &Option<String>, name: &'static str| -> Result<Option<Decimal>, Refusal> {
                given(value)
                    .map(|v| {
                        v.parse::<Decimal>()
                            .ok()
                            .filter(|d| *d >= Decimal::ZERO)
                            .ok_or_else(|| bad(name))
                    })
                    .transpose()
            };
        let day = |value: &Option<String>, name: &'static str, end: bool| {
            given(value)
                .map(|v| parse_day_bound(v, timezone, end).ok_or_else(|| bad(name)))
                .transpose()
        };
        Ok(OrderFilter {
            number: given(&self.number).map(str::to_owned),
            user: code(&self.user, "user")?
                .map(|id| (id > 0).then_some(UserId(id)).ok_or_else(|| bad("user")))
                .transpose()?,
            status: code(&self.status, "status")?
                .map(|c| {
                    i16::try_from(c)
                        .ok()
                        .and_then(OrderStatus::from_code)
                        .ok_or_else(|| bad("status"))
                })
                .transpose()?,
            pay_type: code(&self.pay_type, "pay_type")?
                .map(|c| PayType::from_code(c).ok_or_else(|| bad("pay_type")))
                .transpose()?,
            from: day(&self.from, "from", false)?,
            to: day(&self.to, "to", true)?,
            min: amount(&self.min, "min")?,
            max: amount(&self.max, "max")?,
            ordering: match given(&self.ordering) {
                None => OrderOrdering::default(),
                Some(text) => OrderOrdering::parse(text).ok_or_else(|| bad("ordering"))?,
            },
        })
    }

    /// The filters as a query string, for page links.
    pub fn filters_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("number", &self.number),
            ("user", &self.user),
            ("status", &self.status),
            ("pay_type", &self.pay_type),
            ("from", &self.from),
            ("to", &self.to),
            ("min", &self.min),
            ("max", &self.max),
            ("ordering", &self.ordering),
        ] {
            if let Some(value) = given(value) {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

/// Every order of a search (its page) as a CSV download; the console's export shares it.
pub async fn orders_csv(
    orders: &Orders,
    timezone: chrono_tz::Tz,
    search: &OrderSearch,
) -> Result<HttpResponse, ApiError> {
    let page = orders.search(search).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| ApiError::Unexpected(anyhow::anyhow!("writing CSV: {e}"));
    writer
        .write_record([
            "id",
            "order_number",
            "user_id",
            "order_status",
            "status_display",
            "pay_type",
            "total_price",
            "real_price",
            "credit",
            "created_time",
            "pay_time",
            "courses",
        ])
        .map_err(failed)?;
    for order in &page.items {
        let courses: Vec<&str> = order.lines.iter().map(|l| l.course_name.as_str()).collect();
        writer
            .write_record([
                order.id.to_string(),
                order.order_number.clone(),
                order.user.get().to_string(),
                order.status.code().to_string(),
                order.status.display_name().to_owned(),
                order.pay_type.display_name().to_owned(),
                format!("{:.2}", order.total_price),
                format!("{:.2}", order.real_price),
                order.credit.to_string(),
                store_time(order.created_time, timezone),
                order
                    .pay_time
                    .map(|t| store_time(t, timezone))
                    .unwrap_or_default(),
                courses.join("|"),
            ])
            .map_err(failed)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"orders.csv\""))
        .body(body))
}
