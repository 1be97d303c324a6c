//! Authentication: argon2 password hashes, HS256 tokens and the extractor that turns an
//! `Authorization: jwt <token>` (or `Bearer <token>`) header into an [`AuthUser`].

pub mod captcha;
pub mod extractor;
pub mod login_limits;
pub use luffy_web::password;
pub mod token;

pub use extractor::{AuthUser, StaffUser, TokenUser};
pub use token::{TokenError, TokenKeys};
