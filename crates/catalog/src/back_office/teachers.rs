//! Teachers: who teaches a course, shown with an avatar; hidden rather than deleted.

use std::future::Future;

use luffy_common::{StorageError, UserId};

use super::{at_least_one, code, media, text, CatalogAdminError, CatalogAdminService};

/// A teacher as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherRecord {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Title (职位).
    pub title: String,
    /// 0 讲师, 1 导师, 2 班主任.
    pub role: i16,
    /// Introduction.
    pub brief: String,
    /// Avatar path or URL.
    pub avatar: String,
    /// Shown to buyers.
    pub is_show: bool,
}

/// A teacher to create, or the fields of one to change (absent: kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeacherInput {
    /// Name, 1-50 characters (required to create).
    pub name: Option<String>,
    /// Title, at most 64 characters.
    pub title: Option<String>,
    /// 0-2.
    pub role: Option<i16>,
    /// At most 5000 characters.
    pub brief: Option<String>,
    /// A site path or an http(s) URL.
    pub avatar: Option<String>,
    /// Shown to buyers (hide instead of delete).
    pub is_show: Option<bool>,
}

impl TeacherInput {
    /// Checks the fields; `creating` requires a name, a change requires at least one field.
    pub fn validated(self, creating: bool) -> Result<Self, CatalogAdminError> {
        let changed = self != Self::default();
        if !creating {
            at_least_one(changed)?;
        }
        Ok(Self {
            name: text(self.name, "name", "讲师名称", 50, creating)?,
            title: text(self.title, "title", "职位", 64, false)?,
            role: code(self.role, "role", "讲师身份", 2)?,
            brief: text(self.brief, "brief", "讲师简介", 5000, false)?,
            avatar: media(self.avatar, "avatar", "头像")?,
            is_show: self.is_show,
        })
    }
}

/// Storage of the operators' teachers; every write is audited for `actor` in its own
/// transaction, and refers only to rows that exist (else `BadReference`).
pub trait TeacherAdminStore: Send + Sync {
    /// Every teacher, in id order.
    fn teachers(&self) -> impl Future<Output = Result<Vec<TeacherRecord>, StorageError>> + Send;
    /// Creates a teacher.
    fn create_teacher(
        &self,
        actor: UserId,
        input: &TeacherInput,
    ) -> impl Future<Output = Result<TeacherRecord, CatalogAdminError>> + Send;
    /// Changes a teacher.
    fn update_teacher(
        &self,
        actor: UserId,
        id: i64,
        input: &TeacherInput,
    ) -> impl Future<Output = Result<TeacherRecord, CatalogAdminError>> + Send;
}

impl<S: TeacherAdminStore> CatalogAdminService<S> {
    /// Every teacher.
    pub async fn teachers(&self) -> Result<Vec<TeacherRecord>, StorageError> {
        self.store.teachers().await
    }

    /// Creates a teacher.
    pub async fn create_teacher(
        &self,
        actor: UserId,
        input: TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let input = input.validated(true)?;
        self.store.create_teacher(actor, &input).await
    }

    /// Changes a teacher.
    pub async fn update_teacher(
        &self,
        actor: UserId,
        id: i64,
        input: TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let input = input.validated(false)?;
        self.store.update_teacher(actor, id, &input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teachers_need_a_name_to_be_created_and_a_field_to_be_changed() {
        assert_eq!(
            TeacherInput::default()
                .validated(true)
                .unwrap_err()
                .to_string(),
            "讲师名称不能为空!"
        );
        assert_eq!(
            TeacherInput::default()
                .validated(false)
                .unwrap_err()
                .to_string(),
            "请至少修改一项!"
        );
        let ok = TeacherInput {
            name: Some("  Alex ".into()),
            role: Some(1),
            avatar: Some("/uploads/avatar/a.png".into()),
            ..TeacherInput::default()
        }
        .validated(true)
        .unwrap();
        assert_eq!(ok.name.as_deref(), Some("Alex"));
        for bad in [
            TeacherInput {
                role: Some(3),
                ..TeacherInput::default()
            },
            TeacherInput {
                avatar: Some("javascript:alert(1)".into()),
                ..TeacherInput::default()
            },
            TeacherInput {
                avatar: Some("../../etc/passwd".into()),
                ..TeacherInput::default()
            },
            TeacherInput {
                name: Some("名".repeat(51)),
                ..TeacherInput::default()
            },
        ] {
            assert!(bad.validated(false).is_err());
        }
    }
}
