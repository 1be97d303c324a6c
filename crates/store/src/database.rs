//! Creating and dropping whole databases: `luffy migrate` creates a missing database, and the
//! test harness clones a migrated template per test.

use anyhow::{bail, Context};
use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

/// Splits a PostgreSQL URL into (URL of the `postgres` maintenance database, database name).
pub fn split_database_url(database_url: &str) -> anyhow::Result<(String, String)> {
    let (without_query, query) = match database_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (database_url, None),
    };
    let Some((server, name)) = without_query.rsplit_once('/') else {
        bail!("database URL has no database name");
    };
    if name.is_empty() || server.ends_with('/') {
        bail!("database URL has no database name");
    }
    let mut maintenance = format!("{server}/postgres");
    if let Some(query) = query {
        maintenance.push('?');
        maintenance.push_str(query);
    }
    Ok((maintenance, name.to_owned()))
}

/// Says what was wrong when a connection to `database_url` failed: the host could not be
/// reached, the server refused the user or password, or the database does not exist, naming
/// the host, user and database (never the password).
pub fn explain_connection_failure(database_url: &str, error: &dyn std::fmt::Display) -> String {
    let message = error.to_string();
    let (host, user, database) = match url::Url::parse(database_url) {
        Ok(url) => (
            format!(
                "{}:{}",
                url.host_str().unwrap_or("localhost"),
                url.port().unwrap_or(5432)
            ),
            if url.username().is_empty() {
                "(default user)".to_owned()
            } else {
                url.username().to_owned()
            },
            url.path().trim_start_matches('/').to_owned(),
        ),
        Err(_) => return format!("the database URL is not a valid URL: {message}"),
    };
    let lower = message.to_ascii_lowercase();
    if lower.contains("password") || lower.contains("role") || lower.contains("authentication") {
        format!("PostgreSQL at {host} refused user {user:?} (check the user and password in the URL): {message}")
    } else if lower.contains("database") && lower.contains("does not exist") {
        format!("PostgreSQL at {host} has no database {database:?} (`luffy migrate` creates it): {message}")
    } else if lower.contains("error connecting to server")
        || lower.contains("connection refused")
        || lower.contains("lookup")
        || lower.contains("resolve")
    {
        format!("cannot reach PostgreSQL at {host}: nothing answers there, or the host name does not resolve ({message})")
    } else {
        format!("connecting to PostgreSQL at {host} as {user:?}, database {database:?}: {message}")
    }
}

/// Database names are interpolated into DDL, so only plain identifiers are accepted.
pub fn check_identifier(name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        bail!("unsupported database name {name:?}: use letters, digits and underscores")
    }
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Whether the database exists, asked of the maintenance database.
pub async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> anyhow::Result<bool> {
    let row: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await
            .context("looking up pg_database")?;
    Ok(row.exists)
}

/// Creates the database named in `database_url` if it does not exist yet.
/// Returns whether it was created.
pub async fn create_database_if_missing(database_url: &str) -> anyhow::Result<bool> {
    let (maintenance, name) = split_database_url(database_url)?;
    check_identifier(&name)?;
    let mut conn = AsyncPgConnection::establish(&maintenance)
        .await
        .map_err(|e| anyhow::anyhow!(explain_connection_failure(&maintenance, &e)))
        .with_context(|| format!("connecting to the maintenance database to create {name}"))?;
    if database_exists(&mut conn, &name).await? {
        return Ok(false);
    }
    match conn
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
    {
        Ok(()) => Ok(true),
        // Another process created it between our check and our CREATE.
        Err(_) if database_exists(&mut conn, &name).await? => Ok(false),
        Err(e) => Err(anyhow::Error::new(e).context(format!("creating database {name}"))),
    }
}

/// Makes the statement timeout the database's own setting (`ALTER DATABASE ... SET`), so every
/// new session, direct or through a transaction pooler, starts with it and no connection
/// needs a session `SET`. Zero removes it. Sessions already open keep their old value.
pub async fn apply_statement_timeout(
    database_url: &str,
    timeout: std::time::Duration,
) -> anyhow::Result<()> {
    let (_, name) = split_database_url(database_url)?;
    check_identifier(&name)?;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| anyhow::anyhow!(explain_connection_failure(database_url, &e)))?;
    let sql = match timeout.as_millis() {
        0 => format!("ALTER DATABASE \"{name}\" RESET statement_timeout"),
        ms => format!("ALTER DATABASE \"{name}\" SET statement_timeout = {ms}"),
    };
    conn.batch_execute(&sql)
        .await
        .with_context(|| format!("setting the statement timeout of database {name}"))
}

/// Drops the database named in `database_url`, disconnecting its sessions (PostgreSQL 13+).
pub async fn drop_database(database_url: &str) -> anyhow::Result<()> {
    let (maintenance, name) = split_database_url(database_url)?;
    check_identifier(&name)?;
    let mut conn = AsyncPgConnection::establish(&maintenance)
        .await
        .context("connecting to the maintenance database to drop")?;
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .with_context(|| format!("dropping database {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let (m, n) = split_database_url("postgres://postgres@127.0.0.1:5432/luffy").unwrap();
        assert_eq!(m, "postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(n, "luffy");
        let (m, n) = split_database_url("postgres://u:p@h/db_1?sslmode=disable").unwrap();
        assert_eq!(m, "postgres://u:p@h/postgres?sslmode=disable");
        assert_eq!(n, "db_1");
        assert!(split_database_url("postgres://h/").is_err());
    }

    #[test]
    fn identifiers() {
        assert!(check_identifier("luffy_test_1").is_ok());
        assert!(check_identifier("x\"; DROP").is_err());
        assert!(check_identifier("1abc").is_err());
    }
}

#[cfg(test)]
mod connection_failure_tests {
    use super::explain_connection_failure;

    #[test]
    fn names_host_user_or_database() {
        let url = "postgres://shop:secret@db.example.com:6543/store";
        let host = explain_connection_failure(url, &"error connecting to server");
        assert!(
            host.contains("cannot reach PostgreSQL at db.example.com:6543"),
            "{host}"
        );
        let auth =
            explain_connection_failure(url, &"password authentication failed for user \"shop\"");
        assert!(auth.contains("refused user \"shop\""), "{auth}");
        let missing = explain_connection_failure(url, &"database \"store\" does not exist");
        assert!(missing.contains("no database \"store\""), "{missing}");
        for text in [host, auth, missing] {
            assert!(!text.contains("secret"), "the password never shows: {text}");
        }
    }
}
