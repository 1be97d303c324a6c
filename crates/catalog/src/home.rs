//! The home page's navigation (header and footer menus) and banner carousel, which operators
//! keep: ordered (`orders`, then newest), switchable (`is_show`), never deleted. A link is
//! either a full `http(s)://` URL (`is_http`) or a route of the web app (`/project`); a banner's
//! image is a picture uploaded as a banner (checked by content like covers).

use std::future::Future;

use luffy_common::{StorageError, UserId};

/// The most header or footer items shown (the tutorial's 7).
pub const NAV_LIMIT: i64 = 7;
/// The most banners shown (the tutorial's 10).
pub const BANNER_LIMIT: i64 = 10;

/// Where a navigation item appears: 0 header, 1 footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavPosition {
    /// The header menu.
    Header,
    /// The footer links.
    Footer,
}

impl NavPosition {
    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Header => 0,
            Self::Footer => 1,
        }
    }

    /// The position of a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Header),
            1 => Some(Self::Footer),
            _ => None,
        }
    }
}

/// A navigation item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nav {
    /// Id.
    pub id: i64,
    /// The link text.
    pub name: String,
    /// A full URL, or a route of the web app.
    pub link: String,
    /// Whether `link` is a full URL.
    pub is_http: bool,
    /// Header or footer.
    pub position: NavPosition,
    /// Sort key, smallest first.
    pub orders: i32,
    /// Shown.
    pub is_show: bool,
}

/// A banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// Id.
    pub id: i64,
    /// Its name (alt text).
    pub name: String,
    /// The picture's site path (`/uploads/banner/...`).
    pub image: String,
    /// Where a click goes.
    pub link: String,
    /// Whether `link` is a full URL.
    pub is_http: bool,
    /// The operators' note.
    pub note: String,
    /// Sort key, smallest first.
    pub orders: i32,
    /// Shown.
    pub is_show: bool,
}

/// What a navigation item or banner change sets; `None` keeps the stored value (for a new row,
/// the fields the kind needs must be given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HomeChange {
    /// The name.
    pub name: Option<String>,
    /// The link.
    pub link: Option<String>,
    /// Whether the link is a full URL.
    pub is_http: Option<bool>,
    /// Navigation only: header or footer.
    pub position: Option<NavPosition>,
    /// Banners only: the picture.
    pub image: Option<String>,
    /// Banners only: the note.
    pub note: Option<String>,
    /// The sort key.
    pub orders: Option<i32>,
    /// Shown.
    pub is_show: Option<bool>,
}

/// Why a change was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// An empty or over-long name (400).
    #[error("名称长度应为1到100个字符!")]
    InvalidName,
    /// A link that is not what `is_http` says (400).
    #[error("链接无效:站外链接须以 http:// 或 https:// 开头,站内链接须以 / 开头,不超过255个字符!")]
    InvalidLink,
    /// A picture that was not uploaded as a banner (400).
    #[error("请先上传轮播图图片!")]
    InvalidImage,
    /// A note over 150 characters (400).
    #[error("备注不能超过150个字符!")]
    InvalidNote,
    /// A field the new row needs is missing (400).
    #[error("缺少参数 {0}!")]
    Missing(&'static str),
    /// No such row (404).
    #[error("记录不存在!")]
    NotFound,
    /// Nothing to change (400).
    #[error("请至少修改一项!")]
    NothingToChange,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl HomeError {
    /// The body field a refusal is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidName => Some("name"),
            Self::InvalidLink => Some("link"),
            Self::InvalidImage => Some("image"),
            Self::InvalidNote => Some("note"),
            Self::Missing(field) => Some(field),
            _ => None,
        }
    }
}

/// Storage of the home page's rows; every write is audited for `actor` in its own transaction.
pub trait HomeStore: Send + Sync {
    /// Navigation items, of a position or all, shown ones only or all; ordered.
    fn navs(
        &self,
        position: Option<NavPosition>,
        shown_only: bool,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Nav>, StorageError>> + Send;

    /// Banners, shown ones only or all; ordered.
    fn banners(
        &self,
        shown_only: bool,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Banner>, StorageError>> + Send;

    /// Creates a navigation item from a complete, checked change.
    fn create_nav(
        &self,
        actor: UserId,
        nav: &Nav,
    ) -> impl Future<Output = Result<Nav, HomeError>> + Send;

    /// Replaces a navigation item (the service merged and checked it). Errors: `NotFound`.
    fn update_nav(
        &self,
        actor: UserId,
        nav: &Nav,
    ) -> impl Future<Output = Result<Nav, HomeError>> + Send;

    /// Creates a banner from a complete, checked change.
    fn create_banner(
        &self,
        actor: UserId,
        banner: &Banner,
    ) -> impl Future<Output = Result<Banner, HomeError>> + Send;

    /// Replaces a banner. Errors: `NotFound`.
    fn update_banner(
        &self,
        actor: UserId,
        banner: &Banner,
    ) -> impl Future<Output = Result<Banner, HomeError>> + Send;
}

fn valid_name(name: &str) -> Result<String, HomeError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > 100 {
        return Err(HomeError::InvalidName);
    }
    Ok(name.to_owned())
}

/// A link as `is_http` says it is: a full `http(s)://` URL, or an in-app route starting with
/// `/` (never `//`, which a browser would read as another site).
pub fn valid_link(link: &str, is_http: bool) -> Result<String, HomeError> {
    let link = link.trim();
    let length_ok = !link.is_empty() && link.chars().count() <= 255;
    let shape_ok = if is_http {
        (link.starts_with("http://") || link.starts_with("https://"))
            && !link.chars().any(char::is_whitespace)
    } else {
        link.starts_with('/') && !link.starts_with("//") && !link.chars().any(char::is_whitespace)
    };
    if length_ok && shape_ok {
        Ok(link.to_owned())
    } else {
        Err(HomeError::InvalidLink)
    }
}

/// A banner picture: a path the upload endpoint gave for a banner.
pub fn valid_image(image: &str) -> Result<String, HomeError> {
    let image = image.trim();
    let file = image.strip_prefix("/uploads/banner/").unwrap_or_default();
    let ok = !file.is_empty()
        && file.chars().count() <= 200
        && file
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'));
    if ok {
        Ok(image.to_owned())
    } else {
        Err(HomeError::InvalidImage)
    }
}

/// The home page's use cases: what visitors see, and the operators' changes.
#[derive(Clone)]
pub struct HomeService<S> {
    store: S,
}

impl<S: HomeStore> HomeService<S> {
    /// Wires the store.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// The shown items of a menu, at most [`NAV_LIMIT`].
    pub async fn menu(&self, position: NavPosition) -> Result<Vec<Nav>, StorageError> {
        self.store.navs(Some(position), true, NAV_LIMIT).await
    }

    /// The shown banners, at most [`BANNER_LIMIT`].
    pub async fn carousel(&self) -> Result<Vec<Banner>, StorageError> {
        self.store.banners(true, BANNER_LIMIT).await
    }

    /// Every navigation item, hidden ones too (operators).
    pub async fn all_navs(&self) -> Result<Vec<Nav>, StorageError> {
        self.store.navs(None, false, 1000).await
    }

    /// Every banner, hidden ones too (operators).
    pub async fn all_banners(&self) -> Result<Vec<Banner>, StorageError> {
        self.store.banners(false, 1000).await
    }

    fn merged_nav(base: Nav, change: &HomeChange) -> Result<Nav, HomeError> {
        let is_http = change.is_http.unwrap_or(base.is_http);
        Ok(Nav {
            name: valid_name(change.name.as_deref().unwrap_or(&base.name))?,
            link: valid_link(change.link.as_deref().unwrap_or(&base.link), is_http)?,
            is_http,
            position: change.position.unwrap_or(base.position),
            orders: change.orders.unwrap_or(base.orders),
            is_show: change.is_show.unwrap_or(base.is_show),
            ..base
        })
    }

    fn merged_banner(base: Banner, change: &HomeChange) -> Result<Banner, HomeError> {
        let is_http = change.is_http.unwrap_or(base.is_http);
        let note = change.note.clone().unwrap_or(base.note.clone());
        if note.chars().count() > 150 {
            return Err(HomeError::InvalidNote);
        }
        Ok(Banner {
            name: valid_name(change.name.as_deref().unwrap_or(&base.name))?,
            image: valid_image(change.image.as_deref().unwrap_or(&base.image))?,
            link: valid_link(change.link.as_deref().unwrap_or(&base.link), is_http)?,
            is_http,
            note,
            orders: change.orders.unwrap_or(base.orders),
            is_show: change.is_show.unwrap_or(base.is_show),
            ..base
        })
    }

    /// Creates a navigation item: `name`, `link` and `position` are needed.
    pub async fn create_nav(&self, actor: UserId, change: &HomeChange) -> Result<Nav, HomeError> {
        let base = Nav {
            id: 0,
            name: change.name.clone().ok_or(HomeError::Missing("name"))?,
            link: change.link.clone().ok_or(HomeError::Missing("link"))?,
            is_http: false,
            position: change.position.ok_or(HomeError::Missing("position"))?,
            orders: 0,
            is_show: true,
        };
        let nav = Self::merged_nav(base, change)?;
        self.store.create_nav(actor, &nav).await
    }

    /// Changes a navigation item.
    pub async fn update_nav(
        &self,
        actor: UserId,
        id: i64,
        change: &HomeChange,
    ) -> Result<Nav, HomeError> {
        if change == &HomeChange::default() {
            return Err(HomeError::NothingToChange);
        }
        let current = self
            .all_navs()
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .ok_or(HomeError::NotFound)?;
        let nav = Self::merged_nav(current, change)?;
        self.store.update_nav(actor, &nav).await
    }

    /// Creates a banner: `name`, `image` and `link` are needed.
    pub async fn create_banner(
        &self,
        actor: UserId,
        change: &HomeChange,
    ) -> Result<Banner, HomeError> {
        let base = Banner {
            id: 0,
            name: change.name.clone().ok_or(HomeError::Missing("name"))?,
            image: change.image.clone().ok_or(HomeError::Missing("image"))?,
            link: change.link.clone().ok_or(HomeError::Missing("link"))?,
            is_http: false,
            note: String::new(),
            orders: 0,
            is_show: true,
        };
        let banner = Self::merged_banner(base, change)?;
        self.store.create_banner(actor, &banner).await
    }

    /// Changes a banner.
    pub async fn update_banner(
        &self,
        actor: UserId,
        id: i64,
        change: &HomeChange,
    ) -> Result<Banner, HomeError> {
        if change == &HomeChange::default() {
            return Err(HomeError::NothingToChange);
        }
        let current = self
            .all_banners()
            .await?
            .into_iter()
            .find(|b| b.id == id)
            .ok_or(HomeError::NotFound)?;
        let banner = Self::merged_banner(current, change)?;
        self.store.update_banner(actor, &banner).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_what_is_http_says() {
        assert_eq!(valid_link(" /project ", false).unwrap(), "/project");
        assert!(valid_link("https://www.example.com/", true).is_ok());
        for (link, is_http) in [
            ("https://x.com", false),
            ("//evil.com", false),
            ("project", false),
            ("/project", true),
            ("javascript:alert(1)", true),
            ("https://x .com", true),
            ("", false),
        ] {
            assert!(valid_link(link, is_http).is_err(), "{link} {is_http}");
        }
        assert!(valid_link(&format!("/{}", "a".repeat(255)), false).is_err());
    }

    #[test]
    fn banner_pictures_are_uploaded_banners() {
        assert!(valid_image("/uploads/banner/ab12.png").is_ok());
        for bad in [
            "/uploads/course/x.png",
            "https://x.com/a.png",
            "/uploads/banner/",
            "/uploads/banner/../x.png",
        ] {
            assert!(valid_image(bad).is_err(), "{bad}");
        }
    }
}
