//! Hand-written SQL that diesel keeps as a named prepared statement.
//!
//! diesel never caches `sql_query`, any `UPDATE`, or a multi-row `INSERT` from a `Vec`: each
//! call sends Parse + Bind + Execute and PostgreSQL parses and plans the text again. On the
//! order-creation path that was a large share of the database's CPU (profiled with `perf`,
//! see docs/performance-log.md). A statement declared with [`cached_sql!`] is a type with a
//! static query id, so diesel prepares it once per connection and then only binds and
//! executes it.
//!
//! Binds are named in the SQL as `:name` (a colon followed by a field name; `::type` casts are
//! left alone), and each occurrence becomes a PostgreSQL `$n` placeholder.

/// One piece of a statement's SQL text: literal SQL, or a named bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// SQL copied as is.
    Sql(&'a str),
    /// A `:name` bind.
    Bind(&'a str),
}

/// Splits SQL at its `:name` binds. A colon that is part of `::` (a cast) is SQL.
pub(crate) fn pieces(sql: &str) -> Vec<Piece<'_>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let is_bind = bytes[i] == b':'
            && (i == 0 || bytes[i - 1] != b':')
            && bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_lowercase() || *b == b'_');
        if !is_bind {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if start < i {
            out.push(Piece::Sql(&sql[start..i]));
        }
        out.push(Piece::Bind(&sql[i + 1..end]));
        start = end;
        i = end;
    }
    if start < bytes.len() {
        out.push(Piece::Sql(&sql[start..]));
    }
    out
}

/// Declares a struct whose fields are the binds of a fixed SQL text, cached by diesel as a
/// prepared statement. Rows load into `QueryableByName` structs (like `sql_query`).
///
/// ```ignore
/// cached_sql! {
///     /// Why this statement exists.
///     pub(crate) struct ReserveGrant = "UPDATE coupon_logs SET order_id = :order_id WHERE id = :id";
///     order_id: BigInt => i64,
///     id: BigInt => i64,
/// }
/// ```
macro_rules! cached_sql {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident = $sql:expr;
        $($field:ident : $sql_type:ty => $rust_type:ty),* $(,)?
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                #[allow(missing_docs)]
                pub $field: $rust_type,
            )*
        }

        impl $name {
            /// The statement's SQL with `:name` binds.
            #[allow(dead_code)]
            pub const SQL: &'static str = $sql;
        }

        impl diesel::query_builder::QueryId for $name {
            type QueryId = $name;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::query_builder::Query for $name {
            type SqlType = diesel::sql_types::Untyped;
        }

        impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
            ) -> diesel::QueryResult<()> {
                // Split once per statement: diesel walks a statement on every execution.
                static PIECES: std::sync::OnceLock<Vec<$crate::statement::Piece<'static>>> =
                    std::sync::OnceLock::new();
                for piece in PIECES.get_or_init(|| $crate::statement::pieces(Self::SQL)) {
                    match *piece {
                        $crate::statement::Piece::Sql(sql) => out.push_sql(sql),
                        $(
                            $crate::statement::Piece::Bind(stringify!($field)) => {
                                out.push_bind_param::<$sql_type, _>(&self.$field)?
                            }
                        )*
                        $crate::statement::Piece::Bind(other) => {
                            return Err(diesel::result::Error::QueryBuilderError(
                                format!("{} has no bind named {other}", stringify!($name)).into(),
                            ))
                        }
                    }
                }
                Ok(())
            }
        }

    };
}

pub(crate) use cached_sql;

/// A LIKE pattern matching any text that contains `text`, with LIKE's own wildcards (`%`,
/// `_`) and its escape character in `text` matched literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn contains_patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("ab"), "%ab%");
        assert_eq!(contains_pattern("5%_\\x"), "%5\\%\\_\\\\x%");
    }

    #[test]
    fn splits_named_binds_and_keeps_casts() {
        assert_eq!(
            pieces("SELECT :a::bigint[], x FROM t WHERE y = :b_2 AND z = :a"),
            vec![
                Piece::Sql("SELECT "),
                Piece::Bind("a"),
                Piece::Sql("::bigint[], x FROM t WHERE y = "),
                Piece::Bind("b_2"),
                Piece::Sql(" AND z = "),
                Piece::Bind("a"),
            ]
        );
        assert_eq!(pieces("SELECT 1"), vec![Piece::Sql("SELECT 1")]);
        assert_eq!(pieces(":x"), vec![Piece::Bind("x")]);
    }

    /// Cached statements spell status codes as SQL literals (0 unpaid, 1 paid, 3 timed out;
    /// grant 0 unused, 1 used): they must stay the domain's codes.
    #[test]
    fn status_codes_written_into_sql_match_the_domain() {
        use luffy_coupon::UseStatus;
        use luffy_order::OrderStatus;
        assert_eq!(OrderStatus::Unpaid.code(), 0);
        assert_eq!(OrderStatus::Paid.code(), 1);
        assert_eq!(OrderStatus::TimedOut.code(), 3);
        assert_eq!(UseStatus::Unused.code(), 0);
        assert_eq!(UseStatus::Used.code(), 1);
    }

    #[test]
    fn a_cast_right_after_a_bind_is_sql() {
        assert_eq!(
            pieces("unnest(:ids::bigint[])"),
            vec![
                Piece::Sql("unnest("),
                Piece::Bind("ids"),
                Piece::Sql("::bigint[])"),
            ]
        );
    }
}
