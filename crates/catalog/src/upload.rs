//! Cover and avatar uploads: an upload is accepted only when its bytes are a
//! PNG or JPEG image whose header decodes to sane dimensions (the content decides, never the
//! file name or the declared type), within a size limit. It is stored under a name derived
//! from its content (the first 32 hex digits of its SHA-256), so the same picture uploaded twice
//! is one file and a name can never be chosen by the client.

use std::future::Future;
use std::io::Cursor;

use luffy_common::StorageError;
use sha2::{Digest, Sha256};

/// The largest upload accepted, in bytes (2 MiB).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

/// The largest width or height accepted, in pixels.
pub const MAX_DIMENSION: u32 = 8000;

/// What the picture is for; decides its folder under the media directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    /// A course cover (`course/`).
    Cover,
    /// A teacher's avatar (`avatar/`).
    Avatar,
    /// A home-page banner (`banner/`).
    Banner,
}

impl UploadKind {
    /// Parses the route's kind (`cover`, `avatar` or `banner`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cover" => Some(Self::Cover),
            "avatar" => Some(Self::Avatar),
            "banner" => Some(Self::Banner),
            _ => None,
        }
    }

    /// The folder under the media directory.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Cover => "course",
            Self::Avatar => "avatar",
            Self::Banner => "banner",
        }
    }
}

/// Why an upload was refused (nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Empty body (400).
    #[error("请上传图片!")]
    Empty,
    /// Over [`MAX_UPLOAD_BYTES`] (413).
    #[error("图片不能超过2MB!")]
    TooLarge,
    /// Not a PNG or JPEG, or a header that does not decode (400).
    #[error("只能上传PNG或JPEG图片!")]
    NotAnImage,
    /// Zero or over [`MAX_DIMENSION`] pixels wide or high (400).
    #[error("图片尺寸无效(最大8000×8000)!")]
    BadDimensions,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A checked picture, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedImage {
    /// `png` or `jpg`.
    pub extension: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The content-derived file name (`<32 hex digits>.<extension>`).
    pub file_name: String,
}

/// Checks an upload by its content: a PNG or JPEG whose header gives sane dimensions.
pub fn check_image(bytes: &[u8]) -> Result<CheckedImage, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| UploadError::NotAnImage)?;
    let extension = match format {
        image::ImageFormat::Png => "png",
        image::ImageFormat::Jpeg => "jpg",
        _ => return Err(UploadError::NotAnImage),
    };
    let (width, height) = image::io::Reader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| UploadError::NotAnImage)?;
    if width == 0 || height == 0 || width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(UploadError::BadDimensions);
    }
    let digest = Sha256::digest(bytes);
    let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(CheckedImage {
        extension,
        width,
        height,
        file_name: format!("{name}.{extension}"),
    })
}

/// Where uploaded pictures are kept.
pub trait MediaStore: Send + Sync {
    /// Stores the bytes as `folder/file_name` (replacing nothing that differs: the name is the
    /// content's) and answers the site path (`/uploads/folder/file_name`).
    fn save(
        &self,
        folder: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> impl Future<Output = Result<String, StorageError>> + Send;
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The site path to put in `course_cover` or `avatar`.
    pub path: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The upload use case: check, then store.
#[derive(Clone)]
pub struct UploadService<M> {
    media: M,
}

impl<M: MediaStore> UploadService<M> {
    /// Wires the media store.
    pub fn new(media: M) -> Self {
        Self { media }
    }

    /// Checks and stores a picture.
    pub async fn upload(&self, kind: UploadKind, bytes: &[u8]) -> Result<StoredImage, UploadError> {
        let image = check_image(bytes)?;
        let path = self
            .media
            .save(kind.folder(), &image.file_name, bytes)
            .await?;
        Ok(StoredImage {
            path,
            width: image.width,
            height: image.height,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8,
        0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn pngs_pass_by_content_and_are_named_by_it() {
        let image = check_image(PNG).unwrap();
        assert_eq!((image.extension, image.width, image.height), ("png", 1, 1));
        assert_eq!(image.file_name.len(), 32 + 4);
        assert_eq!(check_image(PNG).unwrap().file_name, image.file_name);
    }

    #[test]
    fn anything_else_is_refused() {
        assert!(matches!(check_image(b""), Err(UploadError::Empty)));
        assert!(matches!(
            check_image(b"<svg onload=alert(1)>"),
            Err(UploadError::NotAnImage)
        ));
        assert!(matches!(
            check_image(b"GIF89a\x01\x00\x01\x00"),
            Err(UploadError::NotAnImage)
        ));
        // A PNG signature with a truncated header.
        assert!(matches!(
            check_image(&PNG[..12]),
            Err(UploadError::NotAnImage)
        ));
        let huge = vec![0u8; MAX_UPLOAD_BYTES + 1];
        assert!(matches!(check_image(&huge), Err(UploadError::TooLarge)));
        assert_eq!(UploadKind::parse("cover").unwrap().folder(), "course");
        assert!(UploadKind::parse("../x").is_none());
    }
}
