//! Connection pools kept per serving thread, so a request's database and Redis I/O is driven on
//! the thread that serves it.
//!
//! A tokio-postgres or redis-rs connection is driven by a task spawned on the runtime that
//! opened it. An HTTP worker runs its own single-threaded runtime, so with one pool shared by
//! all workers a request on one worker often uses a connection whose driver lives on the other:
//! every statement then wakes the other thread and back, two context switches per round trip.
//! A thread marked with [`pin_connections_to_this_thread`] (each HTTP worker, when it starts)
//! gets pools of its own, opened and driven there; every other thread (the job worker, tests'
//! multi-threaded runtimes, background probes) shares one pool, as before.

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

thread_local! {
    static PINNED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as one that serves requests on its own single-threaded runtime
/// (an HTTP worker): from now on, pools built by this crate give it connections of its own.
pub fn pin_connections_to_this_thread() {
    PINNED.with(|pinned| pinned.set(true));
}

fn this_thread_is_pinned() -> bool {
    PINNED.with(Cell::get)
}

/// One pool for unpinned threads and one per pinned thread, built on first use there (so its
/// connections open, and their drivers run, on that thread's runtime). Cheap to clone.
pub(crate) struct ThreadPools<P> {
    inner: Arc<Inner<P>>,
}

struct Inner<P> {
    shared: P,
    pinned: Mutex<Vec<(ThreadId, P)>>,
    build_pinned: Box<dyn Fn() -> P + Send + Sync>,
}

impl<P> Clone for ThreadPools<P> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<P: Clone + Send + Sync + 'static> ThreadPools<P> {
    /// Builds the shared pool with `max_size` connections at once, and each pinned thread's
    /// pool on first use, with `max_size` spread over `serving_threads`. `build` makes a pool of
    /// the size it is given; it already succeeded once for the shared pool, so should it fail
    /// for a pinned thread, that thread uses the shared pool rather than panic.
    pub(crate) fn build(
        max_size: usize,
        serving_threads: usize,
        build: impl Fn(usize) -> anyhow::Result<P> + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let shared = build(max_size)?;
        let fallback = shared.clone();
        let size = pinned_size(max_size, serving_threads);
        Ok(Self::new(shared, move || {
            build(size).unwrap_or_else(|_| fallback.clone())
        }))
    }
}

impl<P: Clone> ThreadPools<P> {
    /// `shared` serves unpinned threads; `build_pinned` makes each pinned thread's pool.
    fn new(shared: P, build_pinned: impl Fn() -> P + Send + Sync + 'static) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared,
                pinned: Mutex::new(Vec::new()),
                build_pinned: Box::new(build_pinned),
            }),
        }
    }

    /// The pool of the threads that are not pinned; every pool is built the same way, so it
    /// answers what kind of pool this is without taking the lock.
    pub(crate) fn shared(&self) -> &P {
        &self.inner.shared
    }

    /// The pool for the calling thread.
    pub(crate) fn current(&self) -> P {
        if !this_thread_is_pinned() {
            return self.inner.shared.clone();
        }
        let me = std::thread::current().id();
        let mut pinned = self
            .inner
            .pinned
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, pool)) = pinned.iter().find(|(thread, _)| *thread == me) {
            return pool.clone();
        }
        let pool = (self.inner.build_pinned)();
        pinned.push((me, pool.clone()));
        pool
    }
}

/// The size of each pinned thread's pool: the configured total spread over the serving
/// threads (at least one connection each).
fn pinned_size(max_size: usize, serving_threads: usize) -> usize {
    max_size.div_ceil(serving_threads.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting() -> (ThreadPools<Arc<usize>>, Arc<AtomicUsize>) {
        let built = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&built);
        let pools = ThreadPools::new(Arc::new(0), move || {
            Arc::new(counter.fetch_add(1, Ordering::SeqCst) + 1)
        });
        (pools, built)
    }

    #[test]
    fn unpinned_threads_share_one_pool_and_pinned_ones_get_their_own_once() {
        let (pools, built) = counting();
        assert_eq!(*pools.current(), 0, "this test thread is not pinned");
        let seen: Vec<(usize, usize)> = (0..2)
            .map(|_| {
                let pools = pools.clone();
                std::thread::spawn(move || {
                    pin_connections_to_this_thread();
                    (*pools.current(), *pools.current())
                })
                .join()
                .unwrap()
            })
            .collect();
        assert_eq!(built.load(Ordering::SeqCst), 2);
        assert_ne!(seen[0].0, seen[1].0, "two threads, two pools");
        assert!(seen.iter().all(|(first, again)| first == again));
        assert_eq!(*pools.current(), 0);
    }

    #[test]
    fn the_total_is_spread_over_the_serving_threads() {
        assert_eq!(pinned_size(16, 2), 8);
        assert_eq!(pinned_size(5, 2), 3);
        assert_eq!(pinned_size(1, 4), 1);
        assert_eq!(pinned_size(16, 0), 16);
    }
}
