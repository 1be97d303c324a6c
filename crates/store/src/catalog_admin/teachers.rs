//! Teachers on PostgreSQL, for operators: each write one audited write.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use luffy_account::audit::{actions, entities};
use luffy_common::{StorageError, UserId};

use super::PgCatalogAdmin;
use super::{refused, Tx};
use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::errors::diesel_error;
use crate::postgres::connection;
use crate::schema::teachers;
use luffy_catalog::{CatalogAdminError, TeacherAdminStore, TeacherInput, TeacherRecord};

#[derive(Queryable, Selectable)]
#[diesel(table_name = teachers, check_for_backend(diesel::pg::Pg))]
struct TeacherRow {
    id: i64,
    name: String,
    title: String,
    role: i16,
    brief: String,
    avatar: String,
    is_show: bool,
}

impl From<TeacherRow> for TeacherRecord {
    fn from(r: TeacherRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            title: r.title,
            role: r.role,
            brief: r.brief,
            avatar: r.avatar,
            is_show: r.is_show,
        }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = teachers)]
struct TeacherChanges<'a> {
    name: Option<&'a str>,
    title: Option<&'a str>,
    role: Option<i16>,
    brief: Option<&'a str>,
    avatar: Option<&'a str>,
    is_show: Option<bool>,
}

impl<'a> From<&'a TeacherInput> for TeacherChanges<'a> {
    fn from(i: &'a TeacherInput) -> Self {
        Self {
            name: i.name.as_deref(),
            title: i.title.as_deref(),
            role: i.role,
            brief: i.brief.as_deref(),
            avatar: i.avatar.as_deref(),
            is_show: i.is_show,
        }
    }
}

async fn read_teacher(conn: &mut AsyncPgConnection, id: i64) -> Tx<TeacherRecord> {
    Ok(teachers::table
        .find(id)
        .select(TeacherRow::as_select())
        .first(conn)
        .await?
        .into())
}

impl TeacherAdminStore for PgCatalogAdmin {
    async fn teachers(&self) -> Result<Vec<TeacherRecord>, StorageError> {
        let mut conn = connection(self.pool()).await?;
        let rows: Vec<TeacherRow> = teachers::table
            .filter(teachers::is_deleted.eq(false))
            .order(teachers::id.asc())
            .select(TeacherRow::as_select())
            .load(&mut conn)
            .await
            .map_err(|e| diesel_error(e, "listing teachers"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn create_teacher(
        &self,
        actor: UserId,
        input: &TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::TEACHER_CREATE, entities::TEACHER);
        audited_write(self.pool(), "creating a teacher", audit, async |conn| {
            let id: i64 = diesel::insert_into(teachers::table)
                .values(TeacherChanges::from(input))
                .returning(teachers::id)
                .get_result(conn)
                .await?;
            Ok(Audited::created(id, read_teacher(conn, id).await?))
        })
        .await
    }

    async fn update_teacher(
        &self,
        actor: UserId,
        id: i64,
        input: &TeacherInput,
    ) -> Result<TeacherRecord, CatalogAdminError> {
        let audit = Audit::new(actor, actions::TEACHER_UPDATE, entities::TEACHER);
        audited_write(self.pool(), "changing a teacher", audit, async |conn| {
            let before = audit.before(conn, id).await?;
            let changed = diesel::update(teachers::table.find(id))
                .set(TeacherChanges::from(input))
                .execute(conn)
                .await?;
            if changed == 0 {
                return refused(CatalogAdminError::NotFound("讲师"));
            }
            Ok(Audited::changed(id, before, read_teacher(conn, id).await?))
        })
        .await
    }
}
