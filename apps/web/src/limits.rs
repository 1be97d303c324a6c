//! The HTTP edge's limits and the messages they answer with, shared by the server, the edge
//! middleware, the JSON extractor, the errors and the console's multipart reader. A leaf: it
//! imports nothing of this crate, so no module reaches another through it.

/// The largest JSON, form or plain body a route accepts (pictures have their own limit).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The text a console multipart form may carry beside its picture.
pub const MAX_FORM_TEXT_BYTES: usize = 512 * 1024;

/// The answer to any text that carries a control character.
pub const CONTROL_CHARACTER_MESSAGE: &str = "请求参数包含非法字符!";
