//! Short-lived signed links to lesson media: `/uploads/<path>?expires=&user=&sig=`, where
//! `sig` is HMAC-SHA256 (base64url, no padding) over `path`, `expires` (Unix seconds) and the
//! user id, one per line. The media route checks the link before serving the file, so a link
//! is worth nothing to anyone once it expires, and a changed path, time or user breaks it.
//! In production a CDN's URL authentication can take over with the same three inputs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use luffy_common::UserId;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks media links with one secret.
#[derive(Clone)]
pub struct MediaSigner {
    key: Vec<u8>,
    ttl: Duration,
}

impl std::fmt::Debug for MediaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSigner")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A signed link's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMedia {
    /// The path under the media root.
    pub path: String,
    /// When it stops working (Unix seconds).
    pub expires: i64,
    /// Whom it was given to.
    pub user: UserId,
    /// The signature.
    pub sig: String,
}

impl SignedMedia {
    /// The link: `{base}/uploads/{path}?expires=&user=&sig=`.
    pub fn url(&self, base: &str) -> String {
        format!(
            "{}/uploads/{}?expires={}&user={}&sig={}",
            base.trim_end_matches('/'),
            self.path,
            self.expires,
            self.user.get(),
            self.sig
        )
    }
}

/// Why a media link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MediaRefusal {
    /// No signature, or it does not match.
    #[error("无效的媒体链接!")]
    Forged,
    /// Past its expiry.
    #[error("媒体链接已过期,请重新打开课时!")]
    Expired,
}

impl MediaSigner {
    /// A signer with its secret and how long links live.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            key: secret.to_vec(),
            ttl,
        }
    }

    fn mac(&self, path: &str, expires: i64, user: UserId) -> HmacSha256 {
        // HMAC takes a key of any length.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(format!("{path}\n{expires}\n{}", user.get()).as_bytes());
        mac
    }

    /// A link to `path` for `user`, valid from `now` for the signer's lifetime.
    pub fn sign(&self, path: &str, user: UserId, now: DateTime<Utc>) -> SignedMedia {
        let expires = (now + self.ttl).timestamp();
        let sig = URL_SAFE_NO_PAD.encode(self.mac(path, expires, user).finalize().into_bytes());
        SignedMedia {
            path: path.to_owned(),
            expires,
            user,
            sig,
        }
    }

    /// Checks a link's parts at `now` (the signature in constant time).
    pub fn verify(
        &self,
        path: &str,
        expires: i64,
        user: UserId,
        sig: &str,
        now: DateTime<Utc>,
    ) -> Result<(), MediaRefusal> {
        let given = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| MediaRefusal::Forged)?;
        self.mac(path, expires, user)
            .verify_slice(&given)
            .map_err(|_| MediaRefusal::Forged)?;
        if now.timestamp() > expires {
            return Err(MediaRefusal::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> MediaSigner {
        MediaSigner::new(b"secret", Duration::minutes(10))
    }

    #[test]
    fn a_link_works_for_its_path_user_and_time_only() {
        let now = Utc::now();
        let link = signer().sign("lessons/1.mp4", UserId(7), now);
        let check = |path: &str, expires, user, sig: &str, at| {
            signer().verify(path, expires, UserId(user), sig, at)
        };
        assert_eq!(
            check("lessons/1.mp4", link.expires, 7, &link.sig, now),
            Ok(())
        );
        assert_eq!(
            check("lessons/2.mp4", link.expires, 7, &link.sig, now),
            Err(MediaRefusal::Forged)
        );
        assert_eq!(
            check("lessons/1.mp4", link.expires + 60, 7, &link.sig, now),
            Err(MediaRefusal::Forged)
        );
        assert_eq!(
            check("lessons/1.mp4", link.expires, 8, &link.sig, now),
            Err(MediaRefusal::Forged)
        );
        assert_eq!(
            check("lessons/1.mp4", link.expires, 7, "", now),
            Err(MediaRefusal::Forged)
        );
        assert_eq!(
            check("lessons/1.mp4", link.expires, 7, "!!", now),
            Err(MediaRefusal::Forged)
        );
        assert_eq!(
            check(
                "lessons/1.mp4",
                link.expires,
                7,
                &link.sig,
                now + Duration::minutes(11)
            ),
            Err(MediaRefusal::Expired)
        );
        let other = MediaSigner::new(b"other", Duration::minutes(10));
        assert_eq!(
            other.verify("lessons/1.mp4", link.expires, UserId(7), &link.sig, now),
            Err(MediaRefusal::Forged)
        );
        assert!(link
            .url("http://api/")
            .starts_with("http://api/uploads/lessons/1.mp4?expires="));
    }
}
