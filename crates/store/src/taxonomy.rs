//! Directions and categories on PostgreSQL, for operators: each write is one audited write
//! ([`audited_write`]); unique names and foreign keys refuse what the rules refuse.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use luffy_account::audit::{actions, entities};
use luffy_catalog::{Category, Direction, TaxonomyError, TaxonomyStore};
use luffy_common::UserId;

use crate::audit::Audit;
use crate::audited_write::{audited_write, Audited};
use crate::catalog_admin::PgCatalogAdmin;
use crate::errors::TxError;
use crate::schema::{course_categories, course_directions};

/// A unique-name or foreign-key violation as the refusal it means.
fn refusal(error: DieselError, name: &str) -> TxError<TaxonomyError> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            TxError::Refused(TaxonomyError::DuplicateName(name.to_owned()))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            TxError::Refused(TaxonomyError::DirectionNotFound)
        }
        other => TxError::Db(other),
    }
}

impl TaxonomyStore for PgCatalogAdmin {
    async fn create_direction(
        &self,
        actor: UserId,
        name: &str,
    ) -> Result<Direction, TaxonomyError> {
        let audit = Audit::new(actor, actions::DIRECTION_CREATE, entities::DIRECTION);
        let name = name.to_owned();
        audited_write(
            self.pool(),
            "creating a direction",
            audit,
            async move |conn| {
                let id: i64 = diesel::insert_into(course_directions::table)
                    .values(course_directions::name.eq(&name))
                    .returning(course_directions::id)
                    .get_result(conn)
                    .await
                    .map_err(|e| refusal(e, &name))?;
                Ok(Audited::created(id, Direction { id, name }))
            },
        )
        .await
    }

    async fn rename_direction(
        &self,
        actor: UserId,
        id: i64,
        name: &str,
    ) -> Result<Direction, TaxonomyError> {
        let audit = Audit::new(actor, actions::DIRECTION_UPDATE, entities::DIRECTION);
        let name = name.to_owned();
        audited_write(
            self.pool(),
            "renaming a direction",
            audit,
            async move |conn| {
                let before = audit
                    .before(conn, id)
                    .await?
                    .ok_or(TxError::Refused(TaxonomyError::DirectionNotFound))?;
                diesel::update(course_directions::table.find(id))
                    .set(course_directions::name.eq(&name))
                    .execute(conn)
                    .await
                    .map_err(|e| refusal(e, &name))?;
                Ok(Audited::changed(id, Some(before), Direction { id, name }))
            },
        )
        .await
    }

    async fn create_category(
        &self,
        actor: UserId,
        name: &str,
        direction_id: i64,
    ) -> Result<Category, TaxonomyError> {
        let audit = Audit::new(actor, actions::CATEGORY_CREATE, entities::CATEGORY);
        let name = name.to_owned();
        audited_write(
            self.pool(),
            "creating a category",
            audit,
            async move |conn| {
                let id: i64 = diesel::insert_into(course_categories::table)
                    .values((
                        course_categories::name.eq(&name),
                        course_categories::direction_id.eq(direction_id),
                    ))
                    .returning(course_categories::id)
                    .get_result(conn)
                    .await
                    .map_err(|e| refusal(e, &name))?;
                let category = Category {
                    id,
                    name,
                    direction_id,
                };
                Ok(Audited::created(id, category))
            },
        )
        .await
    }

    async fn update_category(
        &self,
        actor: UserId,
        id: i64,
        name: Option<&str>,
        direction_id: Option<i64>,
    ) -> Result<Category, TaxonomyError> {
        let audit = Audit::new(actor, actions::CATEGORY_UPDATE, entities::CATEGORY);
        let name = name.map(str::to_owned);
        audited_write(
            self.pool(),
            "changing a category",
            audit,
            async move |conn| {
                let current: Option<(String, i64)> = course_categories::table
                    .find(id)
                    .select((course_categories::name, course_categories::direction_id))
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                let (old_name, old_direction) =
                    current.ok_or(TxError::Refused(TaxonomyError::CategoryNotFound))?;
                let before = audit.before(conn, id).await?;
                let name = name.unwrap_or(old_name);
                let direction_id = direction_id.unwrap_or(old_direction);
                diesel::update(course_categories::table.find(id))
                    .set((
                        course_categories::name.eq(&name),
                        course_categories::direction_id.eq(direction_id),
                    ))
                    .execute(conn)
                    .await
                    .map_err(|e| refusal(e, &name))?;
                let category = Category {
                    id,
                    name,
                    direction_id,
                };
                Ok(Audited::changed(id, before, category))
            },
        )
        .await
    }
}
