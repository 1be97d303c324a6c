//! Reading the console's `multipart/form-data` forms (a course with its cover, a teacher with
//! an avatar): text fields and at most one picture, with byte limits on both, and the same
//! refusal of control characters that the edge applies to other bodies.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures::StreamExt;
use luffy_catalog::upload::MAX_UPLOAD_BYTES;

use super::table::{clean_text, FieldError};

pub use luffy_web::limits::MAX_FORM_TEXT_BYTES;

/// A read form: its text fields (an unticked checkbox is absent; a repeated name keeps its
/// last value) and the picture, if one was chosen.
#[derive(Debug, Default)]
pub(crate) struct MultipartForm {
    fields: HashMap<String, String>,
    /// The bytes of the picture field (absent when no file was chosen).
    pub picture: Option<Vec<u8>>,
}

impl MultipartForm {
    /// A text field, trimmed (empty when absent).
    pub(crate) fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }

    /// A text field as it was typed (for descriptions).
    pub(crate) fn raw(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Reads every part; `picture_field` names the one file part. Refusals name the field.
pub(crate) async fn read_form(
    mut payload: Multipart,
    picture_field: &str,
) -> Result<MultipartForm, FieldError> {
    let mut form = MultipartForm::default();
    let mut text_bytes = 0usize;
    while let Some(part) = payload.next().await {
        let mut part = part.map_err(|_| FieldError::at("", "表单格式错误!"))?;
        let name = part
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or_default()
            .to_owned();
        let is_picture = name == picture_field;
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| FieldError::at("", "表单格式错误!"))?;
            bytes.extend_from_slice(&chunk);
            if is_picture && bytes.len() > MAX_UPLOAD_BYTES {
                return Err(FieldError::at(picture_field, "图片不能超过2MB!"));
            }
            if !is_picture && text_bytes + bytes.len() > MAX_FORM_TEXT_BYTES {
                return Err(FieldError::at("", "表单内容过长!"));
            }
        }
        if is_picture {
            if !bytes.is_empty() {
                form.picture = Some(bytes);
            }
            continue;
        }
        text_bytes += bytes.len();
        let text = String::from_utf8(bytes)
            .ok()
            .filter(|t| clean_text(t))
            .ok_or_else(|| FieldError::at(&name, "请求参数包含非法字符!"))?;
        form.fields.insert(name, text);
    }
    Ok(form)
}
