//! Redis adapter for the cart: one hash per user, `{prefix}cart_{user_id}`, field course id,
//! value `1` (selected) or `0`.

use std::collections::HashMap;

use deadpool_redis::redis::{self, Script};
use luffy_cart::{CartEntry, CartStore};
use luffy_common::{CourseId, StorageError, UserId};

use crate::errors::redis_error;
use crate::redis::{RedisConn, RedisPool};

/// Sets a field only if it exists, so toggling never resurrects a removed item.
const SET_IF_PRESENT: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0";

/// Sets every field of the hash to one value atomically.
const SET_ALL: &str = r"
local fields = redis.call('HKEYS', KEYS[1])
for _, field in ipairs(fields) do
  redis.call('HSET', KEYS[1], field, ARGV[1])
end
return #fields";

/// The Redis cart repository.
#[derive(Clone)]
pub struct RedisCarts {
    pool: RedisPool,
    prefix: String,
}

impl RedisCarts {
    /// `prefix` is prepended to every key so tests and tenants can share one Redis.
    pub fn new(pool: RedisPool, prefix: impl Into<String>) -> Self {
        Self {
            pool,
            prefix: prefix.into(),
        }
    }

    /// The hash key of a user's cart.
    pub fn key(&self, user: UserId) -> String {
        format!("{}cart_{}", self.prefix, user.get())
    }

    async fn conn(&self) -> Result<RedisConn, StorageError> {
        self.pool.connection().await
    }
}

fn flag(selected: bool) -> &'static str {
    if selected {
        "1"
    } else {
        "0"
    }
}

impl CartStore for RedisCarts {
    async fn add(&self, user: UserId, course: CourseId) -> Result<u64, StorageError> {
        let mut conn = self.conn().await?;
        let key = self.key(user);
        let (_, total): (i64, u64) = redis::pipe()
            .atomic()
            .hset(&key, course.get(), "1")
            .hlen(&key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "adding to the cart"))?;
        Ok(total)
    }

    async fn entries(&self, user: UserId) -> Result<Vec<CartEntry>, StorageError> {
        let mut conn = self.conn().await?;
        let raw: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.key(user))
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "reading the cart"))?;
        let mut entries: Vec<CartEntry> = raw
            .into_iter()
            .filter_map(|(field, value)| {
                // Fields we did not write (a hand-edited hash) are ignored, not fatal.
                let course_id = CourseId(field.parse().ok()?);
                Some(CartEntry {
                    course_id,
                    selected: value == "1",
                })
            })
            .collect();
        entries.sort_by_key(|entry| entry.course_id);
        Ok(entries)
    }

    async fn set_selected(
        &self,
        user: UserId,
        course: CourseId,
        selected: bool,
    ) -> Result<bool, StorageError> {
        let mut conn = self.conn().await?;
        let changed: i64 = Script::new(SET_IF_PRESENT)
            .key(self.key(user))
            .arg(course.get())
            .arg(flag(selected))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "toggling a cart item"))?;
        Ok(changed == 1)
    }

    async fn set_all_selected(&self, user: UserId, selected: bool) -> Result<(), StorageError> {
        let mut conn = self.conn().await?;
        let _: i64 = Script::new(SET_ALL)
            .key(self.key(user))
            .arg(flag(selected))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "toggling the whole cart"))?;
        Ok(())
    }

    async fn remove(&self, user: UserId, courses: &[CourseId]) -> Result<u64, StorageError> {
        let mut conn = self.conn().await?;
        let key = self.key(user);
        if courses.is_empty() {
            return self.count(user).await;
        }
        let ids: Vec<i64> = courses.iter().map(|c| c.get()).collect();
        let (_, total): (i64, u64) = redis::pipe()
            .atomic()
            .hdel(&key, ids)
            .hlen(&key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "removing from the cart"))?;
        Ok(total)
    }

    async fn count(&self, user: UserId) -> Result<u64, StorageError> {
        let mut conn = self.conn().await?;
        redis::cmd("HLEN")
            .arg(self.key(user))
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "counting the cart"))
    }
}
