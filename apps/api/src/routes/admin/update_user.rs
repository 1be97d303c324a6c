//! `PATCH /admin/users/{id}/` `{is_active?, is_staff?}`: deactivate or reactivate an account,
//! grant or revoke staff. The change holds from the account's next request, whatever tokens
//! it already has.

use actix_web::{web, HttpResponse};
use luffy_common::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// The flags to change; absent ones are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountForm {
    /// Activate or deactivate.
    #[serde(default)]
    is_active: Option<bool>,
    /// Grant or revoke staff.
    #[serde(default)]
    is_staff: Option<bool>,
}

/// The account's state after the change.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Account)]
pub struct AccountView {
    /// User id.
    id: i64,
    /// Active.
    is_active: bool,
    /// Staff.
    is_staff: bool,
}

/// Changes an account's flags. An operator cannot deactivate or demote themself (the store
/// would be left without the operator who could undo it).
pub async fn update_user(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<i64>,
    form: Json<AccountForm>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId(path.into_inner());
    let form = form.into_inner();
    luffy_account::check_state_change(staff.0.id, user, form.is_active, form.is_staff)
        .map_err(|refused| ApiError::bad_request(refused.to_string()))?;
    let account = state
        .users
        .change_state(staff.0.id, user, form.is_active, form.is_staff)
        .await?
        .ok_or_else(|| ApiError::NotFound("用户不存在!".into()))?;
    tracing::info!(
        operator = staff.0.id.get(),
        user = user.get(),
        is_active = account.is_active,
        is_staff = account.is_staff,
        "account state changed"
    );
    Ok(HttpResponse::Ok().json(AccountView {
        id: user.get(),
        is_active: account.is_active,
        is_staff: account.is_staff,
    }))
}
