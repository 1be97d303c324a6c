//! The Redis connection pool, single-node or Redis Cluster, behind one type.
//!
//! `LUFFY_REDIS_URL` gives one server; `LUFFY_REDIS_CLUSTER_NODES` a cluster, through
//! deadpool-redis's cluster pool (which follows `MOVED` and `ASK`). Every adapter takes a
//! [`RedisPool`] and a [`RedisConn`], so nothing outside this module knows which it is. In a
//! cluster a command, pipeline or script must keep to one hash slot: every operation here
//! touches one key, or keys that share a hash tag.

use std::time::Duration;

use anyhow::Context;
use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{self, Cmd, Pipeline, RedisFuture, Value};
use deadpool_redis::{PoolConfig, Runtime, Timeouts};
use luffy_common::StorageError;

use crate::errors::redis_pool_error;
use crate::redis_recycle::{SingleConnection, SingleServer};
use crate::thread_pools::ThreadPools;

/// A pool of Redis connections to one server or to a cluster, one per serving thread (see
/// [`crate::thread_pools`]); cheap to clone.
#[derive(Clone)]
pub struct RedisPool {
    pools: ThreadPools<OnePool>,
}

/// One deadpool pool of either kind.
#[derive(Clone)]
enum OnePool {
    /// One server (`LUFFY_REDIS_URL`).
    Single(deadpool::managed::Pool<SingleServer>),
    /// A Redis Cluster (`LUFFY_REDIS_CLUSTER_NODES`).
    Cluster(deadpool_redis::cluster::Pool),
}

/// A connection checked out of a [`RedisPool`]; runs any command (`redis::AsyncCommands`).
pub enum RedisConn {
    /// To the one server.
    Single(SingleConnection),
    /// To the cluster (routes each command by its key's slot).
    Cluster(deadpool_redis::cluster::Connection),
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(conn) => conn.req_packed_command(cmd),
            Self::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(conn) => conn.req_packed_commands(cmd, offset, count),
            Self::Cluster(conn) => conn.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(conn) => conn.get_db(),
            Self::Cluster(conn) => conn.get_db(),
        }
    }
}

impl RedisPool {
    /// Checks out a connection; failure is `StorageError::Unavailable`.
    pub async fn connection(&self) -> Result<RedisConn, StorageError> {
        match self.pools.current() {
            OnePool::Single(pool) => pool.get().await.map(RedisConn::Single),
            OnePool::Cluster(pool) => pool.get().await.map(RedisConn::Cluster),
        }
        .map_err(redis_pool_error)
    }

    /// Whether this is a cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.pools.shared(), OnePool::Cluster(_))
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct RedisPoolSettings {
    /// Maximum open connections.
    pub max_size: usize,
    /// Wait, create and recycle timeout.
    pub timeout: Duration,
    /// How many threads serve requests with connections of their own (see
    /// [`crate::thread_pools`]): each gets `max_size / serving_threads` of them (rounded up),
    /// and the other threads share a pool of `max_size`.
    pub serving_threads: usize,
}

impl Default for RedisPoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            timeout: Duration::from_secs(2),
            serving_threads: 1,
        }
    }
}

/// Where Redis is: one server, or the nodes of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTopology {
    /// One server's URL.
    Single(String),
    /// Some of a cluster's nodes (the rest are discovered).
    Cluster(Vec<String>),
}

impl RedisTopology {
    /// The cluster when `cluster_nodes` (comma-separated URLs) is set, else the one server.
    pub fn from_settings(redis_url: &str, cluster_nodes: &str) -> Self {
        let nodes: Vec<String> = cluster_nodes
            .split(',')
            .map(str::trim)
            .filter(|node| !node.is_empty())
            .map(str::to_owned)
            .collect();
        if nodes.is_empty() {
            Self::Single(redis_url.to_owned())
        } else {
            Self::Cluster(nodes)
        }
    }
}

/// Builds the pool. Connections open lazily and broken ones are dropped on recycle, so the
/// app recovers by itself when Redis comes back.
pub fn build_redis_pool(
    topology: &RedisTopology,
    settings: &RedisPoolSettings,
) -> anyhow::Result<RedisPool> {
    let topology = topology.clone();
    let settings = settings.clone();
    let pools = ThreadPools::build(settings.max_size, settings.serving_threads, move |size| {
        build_one_pool(&topology, &settings, size)
    })?;
    Ok(RedisPool { pools })
}

fn build_one_pool(
    topology: &RedisTopology,
    settings: &RedisPoolSettings,
    max_size: usize,
) -> anyhow::Result<OnePool> {
    let mut pool = PoolConfig::new(max_size);
    pool.timeouts = Timeouts {
        wait: Some(settings.timeout),
        create: Some(settings.timeout),
        recycle: Some(settings.timeout),
    };
    match topology {
        RedisTopology::Single(url) => {
            let manager = SingleServer::new(url).context("reading the Redis URL")?;
            deadpool::managed::Pool::builder(manager)
                .config(pool)
                .runtime(Runtime::Tokio1)
                .build()
                .map(OnePool::Single)
                .context("building the Redis pool")
        }
        RedisTopology::Cluster(nodes) => {
            let mut config = deadpool_redis::cluster::Config::from_urls(nodes.clone());
            config.pool = Some(pool);
            config
                .create_pool(Some(Runtime::Tokio1))
                .map(OnePool::Cluster)
                .context("building the Redis Cluster pool")
        }
    }
}

/// Readiness probe: a connection can be checked out and answers `PING`.
pub async fn ping(pool: &RedisPool) -> bool {
    let Ok(mut conn) = pool.connection().await else {
        return false;
    };
    redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_nodes_replace_the_single_url() {
        assert_eq!(
            RedisTopology::from_settings("redis://a:6379/0", " "),
            RedisTopology::Single("redis://a:6379/0".into())
        );
        assert_eq!(
            RedisTopology::from_settings("redis://a:6379/0", "redis://b:7000, redis://c:7001"),
            RedisTopology::Cluster(vec!["redis://b:7000".into(), "redis://c:7001".into()])
        );
    }
}
