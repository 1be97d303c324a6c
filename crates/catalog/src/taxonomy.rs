//! Operators keep the catalog's directions and categories: create, rename, move a category to
//! another direction. Names are unique; nothing here is ever deleted (courses refer to them).

use std::future::Future;

use luffy_common::{StorageError, UserId};

use crate::course::{Category, Direction};

/// Why a direction or category change was refused (nothing is written).
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    /// An empty or over-long name (400).
    #[error("名称长度应为1到100个字符!")]
    InvalidName,
    /// Another direction or category has the name (409).
    #[error("名称[{0}]已存在!")]
    DuplicateName(String),
    /// No such direction (404 for its own route, 400 as a category's direction).
    #[error("课程方向不存在!")]
    DirectionNotFound,
    /// No such category (404).
    #[error("课程分类不存在!")]
    CategoryNotFound,
    /// Nothing to change (400).
    #[error("请至少修改一项!")]
    NothingToChange,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl TaxonomyError {
    /// The body field a refusal is about, so a form can show the message beside it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidName | Self::DuplicateName(_) => Some("name"),
            Self::DirectionNotFound => Some("direction_id"),
            _ => None,
        }
    }
}

/// Storage of directions and categories; every write is audited for `actor` in its own
/// transaction.
pub trait TaxonomyStore: Send + Sync {
    /// Creates a direction. Errors: `DuplicateName`.
    fn create_direction(
        &self,
        actor: UserId,
        name: &str,
    ) -> impl Future<Output = Result<Direction, TaxonomyError>> + Send;

    /// Renames a direction. Errors: `DirectionNotFound`, `DuplicateName`.
    fn rename_direction(
        &self,
        actor: UserId,
        id: i64,
        name: &str,
    ) -> impl Future<Output = Result<Direction, TaxonomyError>> + Send;

    /// Creates a category under a direction. Errors: `DirectionNotFound`, `DuplicateName`.
    fn create_category(
        &self,
        actor: UserId,
        name: &str,
        direction_id: i64,
    ) -> impl Future<Output = Result<Category, TaxonomyError>> + Send;

    /// Renames a category or moves it to another direction (unset fields are kept). Errors:
    /// `CategoryNotFound`, `DirectionNotFound`, `DuplicateName`.
    fn update_category(
        &self,
        actor: UserId,
        id: i64,
        name: Option<&str>,
        direction_id: Option<i64>,
    ) -> impl Future<Output = Result<Category, TaxonomyError>> + Send;
}

/// A name as stored: trimmed, 1 to 100 characters.
pub fn valid_name(name: &str) -> Result<&str, TaxonomyError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > 100 {
        return Err(TaxonomyError::InvalidName);
    }
    Ok(name)
}

/// The operators' direction and category use cases.
#[derive(Clone)]
pub struct TaxonomyService<S> {
    store: S,
}

impl<S: TaxonomyStore> TaxonomyService<S> {
    /// Wires the store.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Creates a direction.
    pub async fn create_direction(
        &self,
        actor: UserId,
        name: &str,
    ) -> Result<Direction, TaxonomyError> {
        self.store.create_direction(actor, valid_name(name)?).await
    }

    /// Renames a direction.
    pub async fn rename_direction(
        &self,
        actor: UserId,
        id: i64,
        name: &str,
    ) -> Result<Direction, TaxonomyError> {
        self.store
            .rename_direction(actor, id, valid_name(name)?)
            .await
    }

    /// Creates a category under a direction.
    pub async fn create_category(
        &self,
        actor: UserId,
        name: &str,
        direction_id: i64,
    ) -> Result<Category, TaxonomyError> {
        self.store
            .create_category(actor, valid_name(name)?, direction_id)
            .await
    }

    /// Renames a category or moves it to another direction.
    pub async fn update_category(
        &self,
        actor: UserId,
        id: i64,
        name: Option<&str>,
        direction_id: Option<i64>,
    ) -> Result<Category, TaxonomyError> {
        if name.is_none() && direction_id.is_none() {
            return Err(TaxonomyError::NothingToChange);
        }
        let name = name.map(valid_name).transpose()?;
        self.store
            .update_category(actor, id, name, direction_id)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(valid_name("  后端开发 ").unwrap(), "后端开发");
        assert!(matches!(valid_name("   "), Err(TaxonomyError::InvalidName)));
        assert!(valid_name(&"名".repeat(100)).is_ok());
        assert!(matches!(
            valid_name(&"名".repeat(101)),
            Err(TaxonomyError::InvalidName)
        ));
    }
}
