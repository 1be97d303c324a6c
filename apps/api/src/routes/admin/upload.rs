//! `POST /admin/uploads/{cover|avatar|banner}/`: the raw picture as the body (PNG or JPEG, at most
//! 2 MiB, checked by content); answers the site path to put in `course_cover`, `avatar` or a
//! banner's `image`.

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use luffy_catalog::UploadKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::StaffUser;
use crate::dto::media::media_url;
use crate::error::ApiError;
use crate::state::AppState;

/// A stored picture.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UploadedImage)]
pub struct UploadedView {
    /// The site path to put in `course_cover` or `avatar`.
    path: String,
    /// Its absolute URL.
    url: String,
    /// Width in pixels.
    width: u32,
    /// Height in pixels.
    height: u32,
}

/// 201 `{path, url, width, height}`; 400 for anything but a PNG or JPEG (by content) or an
/// unknown kind; 413 over 2 MiB.
pub async fn upload_image(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let kind = UploadKind::parse(path.as_str())
        .ok_or_else(|| ApiError::BadRequest("上传类型应为 cover、avatar 或 banner!".into()))?;
    let stored = state.uploads.upload(kind, &body).await?;
    tracing::info!(operator = staff.0.id.get(), path = %stored.path, "picture uploaded");
    Ok(HttpResponse::Created().json(UploadedView {
        url: media_url(state.settings.public_base(), &stored.path),
        path: stored.path,
        width: stored.width,
        height: stored.height,
    }))
}
