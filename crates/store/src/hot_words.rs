//! Hot words in Redis: one sorted set per day, `{prefix}{hot_word}:YYYY:MM:DD` (zero-padded),
//! scored by searches and kept seven days; the top texts are the union of the last seven days'
//! sets. The days share the hash tag `{hot_word}` (with the prefix inside it), so the union
//! reads keys of one slot on a Redis Cluster too.

use chrono::NaiveDate;
use deadpool_redis::redis;
use luffy_catalog::search::{HotWords, HOT_WORD_DAYS};
use luffy_common::StorageError;

use crate::errors::redis_error;
use crate::redis::RedisPool;

/// The hot-word counter.
#[derive(Clone)]
pub struct RedisHotWords {
    pool: RedisPool,
    prefix: String,
}

impl RedisHotWords {
    /// `prefix` is put inside the hash tag, so tests and tenants sharing a Redis are apart.
    pub fn new(pool: RedisPool, prefix: impl Into<String>) -> Self {
        Self {
            pool,
            prefix: prefix.into(),
        }
    }

    /// The day's key.
    pub fn key(&self, day: NaiveDate) -> String {
        format!("{{{}hot_word}}:{}", self.prefix, day.format("%Y:%m:%d"))
    }
}

impl HotWords for RedisHotWords {
    async fn record(&self, text: &str, day: NaiveDate) -> Result<(), StorageError> {
        let mut conn = self.pool.connection().await?;
        let key = self.key(day);
        let _: (bool,) = redis::pipe()
            .atomic()
            .zincr(&key, text, 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(HOT_WORD_DAYS * 24 * 3600)
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "counting a hot word"))?;
        Ok(())
    }

    async fn top(&self, days: &[NaiveDate], n: usize) -> Result<Vec<String>, StorageError> {
        if days.is_empty() || n == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.connection().await?;
        let mut command = redis::cmd("ZUNION");
        command.arg(days.len());
        for day in days {
            command.arg(self.key(*day));
        }
        command.arg("WITHSCORES");
        let mut scored: Vec<(String, f64)> = command
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "reading hot words"))?;
        // Most searched first; ties in text order, so the answer is stable.
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(scored.into_iter().take(n).map(|(text, _)| text).collect())
    }
}
