//! Absolute URLs for stored media paths: the client renders `course_cover`, `avatar` and
//! `course_video` as they come, from its own origin, so a bare `/uploads/...` path would point
//! at the client's server instead of ours.

/// `path` under `public_base` (`LUFFY_PUBLIC_URL`); absolute URLs and empty paths are kept.
pub fn media_url(public_base: &str, path: &str) -> String {
    if path.is_empty() || path.starts_with("http://") || path.starts_with("https://") {
        return path.to_owned();
    }
    format!(
        "{}/{}",
        public_base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::media_url;

    #[test]
    fn paths_become_absolute_and_urls_stay() {
        assert_eq!(
            media_url("http://api.example.com/", "/uploads/a.png"),
            "http://api.example.com/uploads/a.png"
        );
        assert_eq!(
            media_url("http://127.0.0.1:8000", "uploads/a.png"),
            "http://127.0.0.1:8000/uploads/a.png"
        );
        assert_eq!(
            media_url("http://x", "https://cdn.example.com/a.png"),
            "https://cdn.example.com/a.png"
        );
        assert_eq!(media_url("http://x", ""), "");
    }
}
