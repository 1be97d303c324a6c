//! Registration codes in Redis, and the development SMS outbox.
//!
//! A mobile's keys share the hash tag `{<prefix>sms:<mobile>}` (its code hash, wrong tries,
//! cool-down and today's count), so one script checks and writes them atomically, on a Redis
//! Cluster too; an address's daily count is its own key, counted after the mobile's script.

use chrono::Utc;
use deadpool_redis::redis::{self, Script};
use luffy_account::sms::{
    CodeCheck, Mobile, SendRefusal, SmsCodes, SmsLimits, SmsSender, CODE_TTL_SECS, COOLDOWN_SECS,
    MAX_WRONG_TRIES,
};
use luffy_common::StorageError;
use serde::{Deserialize, Serialize};

use crate::errors::redis_error;
use crate::redis::RedisPool;

/// KEYS: code, tries, cool-down, today's count. ARGV: hash, code ttl, cool-down, daily cap,
/// day ttl. Answers {0, 0} issued, {1, wait} cooling down, {2, wait} over today's cap.
const ISSUE: &str = r"
local wait = redis.call('TTL', KEYS[3])
if wait > 0 then return {1, wait} end
local sent = tonumber(redis.call('GET', KEYS[4]) or '0')
if sent >= tonumber(ARGV[4]) then return {2, redis.call('TTL', KEYS[4])} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
redis.call('INCR', KEYS[4])
if redis.call('TTL', KEYS[4]) < 0 then redis.call('EXPIRE', KEYS[4], ARGV[5]) end
return {0, 0}";

/// KEYS: code, tries. ARGV: hash, max tries. Answers 0 right (used up), 1 wrong, 2 expired,
/// 3 too many tries (voided).
const CHECK: &str = r"
local stored = redis.call('GET', KEYS[1])
if not stored then return 2 end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
local tries = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], math.max(redis.call('TTL', KEYS[1]), 1))
if tries >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 3
end
return 1";

/// Seconds until the next midnight (UTC+8), when daily counts reset.
fn until_tomorrow() -> i64 {
    let now = Utc::now() + chrono::Duration::hours(8);
    let midnight =
        now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::days(1);
    (midnight - now.naive_utc()).num_seconds().max(1)
}

fn today() -> String {
    (Utc::now() + chrono::Duration::hours(8))
        .format("%Y%m%d")
        .to_string()
}

/// Codes in Redis.
#[derive(Clone)]
pub struct RedisSmsCodes {
    pool: RedisPool,
    prefix: String,
}

impl RedisSmsCodes {
    /// Keys under `prefix`.
    pub fn new(pool: RedisPool, prefix: impl Into<String>) -> Self {
        Self {
            pool,
            prefix: prefix.into(),
        }
    }

    fn key(&self, mobile: &Mobile, part: &str) -> String {
        format!("{{{}sms:{}}}:{part}", self.prefix, mobile.as_str())
    }

    fn address_key(&self, address: &str) -> String {
        format!("{}sms:address:{address}:{}", self.prefix, today())
    }
}

impl SmsCodes for RedisSmsCodes {
    async fn issue(
        &self,
        mobile: &Mobile,
        code_hash: &str,
        address: &str,
        limits: SmsLimits,
    ) -> Result<Result<(), SendRefusal>, StorageError> {
        let mut conn = self.pool.connection().await?;
        let address_key = self.address_key(address);
        let asked: Option<i64> = redis::cmd("GET")
            .arg(&address_key)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "reading an address's code count"))?;
        if asked.unwrap_or(0) >= limits.per_address {
            return Ok(Err(SendRefusal::AddressCap(until_tomorrow())));
        }
        let (outcome, wait): (i64, i64) = Script::new(ISSUE)
            .key(self.key(mobile, "code"))
            .key(self.key(mobile, "tries"))
            .key(self.key(mobile, "cooldown"))
            .key(self.key(mobile, &format!("day:{}", today())))
            .arg(code_hash)
            .arg(CODE_TTL_SECS)
            .arg(COOLDOWN_SECS)
            .arg(limits.per_mobile)
            .arg(until_tomorrow())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "keeping a code"))?;
        match outcome {
            1 => return Ok(Err(SendRefusal::CoolingDown(wait.max(1)))),
            2 => return Ok(Err(SendRefusal::MobileCap(wait.max(1)))),
            _ => {}
        }
        let _: () = redis::pipe()
            .cmd("INCR")
            .arg(&address_key)
            .ignore()
            .cmd("EXPIRE")
            .arg(&address_key)
            .arg(until_tomorrow())
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "counting an address's code"))?;
        Ok(Ok(()))
    }

    async fn check(&self, mobile: &Mobile, code_hash: &str) -> Result<CodeCheck, StorageError> {
        let mut conn = self.pool.connection().await?;
        let outcome: i64 = Script::new(CHECK)
            .key(self.key(mobile, "code"))
            .key(self.key(mobile, "tries"))
            .arg(code_hash)
            .arg(MAX_WRONG_TRIES)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "checking a code"))?;
        Ok(match outcome {
            0 => CodeCheck::Right,
            1 => CodeCheck::Wrong,
            3 => CodeCheck::TooManyTries,
            _ => CodeCheck::Expired,
        })
    }

    async fn revoke(&self, mobile: &Mobile) -> Result<(), StorageError> {
        let mut conn = self.pool.connection().await?;
        // The code and the minute's wait go (the buyer may ask again at once); the day's
        // count stays, so a failing provider cannot be hammered past the cap.
        redis::cmd("DEL")
            .arg(self.key(mobile, "code"))
            .arg(self.key(mobile, "cooldown"))
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| redis_error(e, "voiding a code"))
    }
}

/// A message the development outbox kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// To whom.
    pub mobile: String,
    /// The code (the development outbox's whole point: browser tests read it).
    pub code: String,
    /// The text as a provider would send it.
    pub text: String,
    /// When (RFC 3339).
    pub sent_at: String,
}

/// The development SMS adapter: logs each message and keeps the last 200 in a Redis list, the
/// sandbox outbox (`GET /sandbox/sms/`), so every instance and every test can read them.
#[derive(Clone)]
pub struct RedisSmsOutbox {
    pool: RedisPool,
    key: String,
}

/// Messages the outbox keeps.
const OUTBOX_SIZE: isize = 200;

impl RedisSmsOutbox {
    /// The outbox under `prefix`.
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            key: format!("{prefix}sandbox:sms"),
        }
    }

    /// The kept messages, newest first.
    pub async fn messages(&self) -> Result<Vec<OutboxMessage>, StorageError> {
        let mut conn = self.pool.connection().await?;
        let raw: Vec<String> = redis::cmd("LRANGE")
            .arg(&self.key)
            .arg(0)
            .arg(OUTBOX_SIZE - 1)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "reading the SMS outbox"))?;
        Ok(raw
            .iter()
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect())
    }
}

impl SmsSender for RedisSmsOutbox {
    async fn send_code(
        &self,
        mobile: &Mobile,
        code: &str,
        minutes: i64,
    ) -> Result<(), StorageError> {
        let message = OutboxMessage {
            mobile: mobile.as_str().to_owned(),
            code: code.to_owned(),
            text: format!("【路飞学城】您的验证码是{code},{minutes}分钟内有效,请勿泄露给他人。"),
            sent_at: Utc::now().to_rfc3339(),
        };
        tracing::info!(mobile = %message.mobile, text = %message.text, "SMS (development outbox)");
        let body = serde_json::to_string(&message)
            .map_err(|e| StorageError::Unexpected(anyhow::anyhow!("encoding a message: {e}")))?;
        let mut conn = self.pool.connection().await?;
        let _: () = redis::pipe()
            .cmd("LPUSH")
            .arg(&self.key)
            .arg(body)
            .ignore()
            .cmd("LTRIM")
            .arg(&self.key)
            .arg(0)
            .arg(OUTBOX_SIZE - 1)
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(e, "writing the SMS outbox"))?;
        Ok(())
    }
}
