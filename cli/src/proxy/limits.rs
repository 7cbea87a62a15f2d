//! The client-connection cap. A connection is counted from accept to
//! close; at the cap the connection idle the longest (no request in flight)
//! is asked to close so a new client is served, as nginx reuses its
//! keep-alive connections when `worker_connections` run out. Only when every
//! connection is busy do new ones wait in the listen queue.
//!
//! The default cap follows the open-file limit, whose soft value is raised
//! to the hard one at startup (as nginx's `worker_rlimit_nofile` and Go's
//! runtime do).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// File descriptors kept for everything but connections (listeners, the
/// runtime, logs, certificates being read).
const RESERVED_FDS: u64 = 64;

/// Raises the soft open-file limit to the hard one; returns the limit in
/// force (`None` where it cannot be read).
#[must_use = "the limit in force sizes the connection cap"]
pub fn raise_nofile_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => Some(n),
        Err(_) => nofile_limit(),
    }
}

/// The soft open-file limit, when the platform has one.
#[must_use]
pub fn nofile_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rlimit::getrlimit(rlimit::Resource::NOFILE)
            .ok()
            .map(|(soft, _)| soft)
    }
    #[cfg(not(unix))]
    None
}

/// The default `--max-connections`: what the open-file limit leaves once
/// every worker's upstream connections and a reserve are counted; 1024
/// where the limit is unknown.
#[must_use]
pub fn default_max_connections(workers: usize, upstream_per_worker: usize) -> usize {
    let Some(limit) = nofile_limit() else {
        return 1024;
    };
    let upstream = (workers as u64).saturating_mul(upstream_per_worker as u64);
    let left = limit.saturating_sub(RESERVED_FDS).saturating_sub(upstream);
    usize::try_from(left).unwrap_or(usize::MAX).max(16)
}

/// The state of one client connection, shared with its task.
#[derive(Debug)]
pub struct Slot {
    /// Requests in flight (from the service call to the end of its body).
    busy: AtomicUsize,
    /// Milliseconds since the registry started, when it last became idle.
    idle_since: AtomicU64,
    /// Asked to close for a newer connection (at most once).
    evicted: AtomicBool,
    /// Asked to close because the proxy stops.
    stopping: AtomicBool,
    /// The connection's task, woken when it is asked to close. Registered
    /// once: polling the connection costs one load per wake-up, where a
    /// `Notify` and a `watch` polled beside it cost about 1,000
    /// instructions per request.
    waker: Mutex<Option<Waker>>,
}

/// Why a connection is asked to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// Its place is needed for a newer connection (it is idle).
    Evicted,
    /// The proxy stops.
    Stopping,
}

impl Slot {
    fn new(now_ms: u64) -> Self {
        Self {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now_ms),
            evicted: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }

    /// Whether the connection is asked to close, and why.
    #[must_use]
    pub fn close(&self) -> Option<Close> {
        if self.evicted.load(Ordering::SeqCst) {
            Some(Close::Evicted)
        } else if self.stopping.load(Ordering::SeqCst) {
            Some(Close::Stopping)
        } else {
            None
        }
    }

    /// Wakes `waker` when the connection is asked to close. Register before
    /// reading [`Slot::close`], so that no request to close is missed.
    pub fn register(&self, waker: &Waker) {
        let mut slot = self
            .waker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &mut *slot {
            Some(w) if w.will_wake(waker) => {}
            other => *other = Some(waker.clone()),
        }
    }

    fn ask(&self, flag: &AtomicBool) {
        flag.store(true, Ordering::SeqCst);
        let waker = self
            .waker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

#[derive(Debug, Default)]
struct State {
    open: usize,
    evicting: usize,
    next: u64,
    slots: HashMap<u64, Arc<Slot>>,
}

/// Every client connection of the process, against `--max-connections`.
#[derive(Debug)]
pub struct Connections {
    max: usize,
    started: Instant,
    state: Mutex<State>,
    freed: Notify,
    /// Accept loops waiting for a place: only then is `freed` notified.
    waiting: AtomicUsize,
}

impl Connections {
    /// At most `max` connections open at once.
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            max,
            started: Instant::now(),
            state: Mutex::new(State::default()),
            freed: Notify::new(),
            waiting: AtomicUsize::new(0),
        }
    }

    /// The cap.
    #[must_use]
    pub fn max(&self) -> usize {
        self.max
    }

    /// Connections open now (those asked to close included).
    #[must_use]
    pub fn open(&self) -> usize {
        self.lock().open
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the counts half-written: go on.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes the accept loops waiting for a place, if any.
    fn wake(&self) {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.freed.notify_waiters();
        }
    }

    /// Waits for `freed` (or 100 ms, as a busy connection may turn idle
    /// without a notification), counted in `waiting`.
    async fn wait_freed(&self, notified: tokio::sync::futures::Notified<'_>) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Waits until a new connection can be admitted: under the cap, or an
    /// idle connection to close for it.
    pub async fn room(&self) {
        loop {
            let notified = self.freed.notified();
            {
                let state = self.lock();
                if state.open - state.evicting < self.max || idle_victim(&state).is_some() {
                    return;
                }
            }
            self.wait_freed(notified).await;
        }
    }

    /// Counts a new connection; at the cap, asks the connection idle the
    /// longest to close, or waits until one is idle or closed. Returns the
    /// connection's ticket (dropping it uncounts the connection).
    pub async fn admit(self: &Arc<Self>) -> Ticket {
        loop {
            let notified = self.freed.notified();
            if let Some(ticket) = self.try_admit() {
                return ticket;
            }
            self.wait_freed(notified).await;
        }
    }

    fn try_admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut state = self.lock();
        if state.open - state.evicting >= self.max {
            let victim = idle_victim(&state)?;
            victim.ask(&victim.evicted);
            state.evicting += 1;
        }
        state.open += 1;
        state.next += 1;
        let id = state.next;
        let slot = Arc::new(Slot::new(self.now_ms()));
        state.slots.insert(id, Arc::clone(&slot));
        Some(Ticket {
            connections: Arc::clone(self),
            id,
            slot,
        })
    }

    /// Asks the connection idle the longest to close (when the process runs
    /// out of file descriptors); true if there was one.
    pub fn evict_one(&self) -> bool {
        let mut state = self.lock();
        let Some(victim) = idle_victim(&state) else {
            return false;
        };
        victim.ask(&victim.evicted);
        state.evicting += 1;
        true
    }

    /// Asks every connection to close once its requests are answered: the
    /// proxy stops.
    pub fn close_all(&self) {
        for slot in self.lock().slots.values() {
            slot.ask(&slot.stopping);
        }
    }
}

/// The idle connection (no request in flight, not already asked) that has
/// been idle the longest.
fn idle_victim(state: &State) -> Option<Arc<Slot>> {
    state
        .slots
        .values()
        .filter(|s| s.busy.load(Ordering::SeqCst) == 0 && !s.evicted.load(Ordering::SeqCst))
        .min_by_key(|s| s.idle_since.load(Ordering::SeqCst))
        .cloned()
}

/// One counted connection.
#[derive(Debug)]
pub struct Ticket {
    connections: Arc<Connections>,
    id: u64,
    slot: Arc<Slot>,
}

impl Ticket {
    /// The connection's shared state.
    #[must_use]
    pub fn slot(&self) -> &Arc<Slot> {
        &self.slot
    }

    /// Marks a request in flight until the returned guard is dropped.
    #[must_use]
    pub fn request(&self) -> InFlight {
        InFlight::new(Arc::clone(&self.slot), Arc::clone(&self.connections))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut state = self.connections.lock();
        state.slots.remove(&self.id);
        state.open = state.open.saturating_sub(1);
        if self.slot.evicted.load(Ordering::SeqCst) {
            state.evicting = state.evicting.saturating_sub(1);
        }
        drop(state);
        self.connections.wake();
    }
}

/// A request in flight on a connection: it is not idle while one exists.
#[derive(Debug)]
pub struct InFlight {
    slot: Arc<Slot>,
    connections: Arc<Connections>,
}

impl InFlight {
    fn new(slot: Arc<Slot>, connections: Arc<Connections>) -> Self {
        slot.busy.fetch_add(1, Ordering::SeqCst);
        Self { slot, connections }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.slot.busy.fetch_sub(1, Ordering::SeqCst) == 1 {
            let now = self.connections.now_ms();
            self.slot.idle_since.store(now, Ordering::SeqCst);
            self.connections.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_longest_idle_connection_is_asked_to_close() {
        let c = Arc::new(Connections::new(2));
        let a = c.try_admit().unwrap();
        let b = c.try_admit().unwrap();
        let busy = b.request();
        let _third = c.try_admit().unwrap();
        assert!(a.slot().evicted.load(Ordering::SeqCst));
        assert!(!b.slot().evicted.load(Ordering::SeqCst));
        assert_eq!(c.open(), 3);
        drop(a);
        assert_eq!(c.open(), 2);
        // Both left are busy or new-and-idle: the new one is the victim now.
        assert!(c.evict_one());
        assert!(!c.evict_one());
        // Two open, one asked to close: room for one more, then none.
        assert!(c.try_admit().is_some_and(|t| {
            drop(t);
            true
        }));
        drop(busy);
        assert!(c.evict_one());
    }

    #[test]
    fn asking_a_connection_to_close_wakes_it_once_registered() {
        use std::sync::atomic::AtomicUsize;
        use std::task::Wake;
        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let c = Arc::new(Connections::new(1));
        let a = c.try_admit().unwrap();
        let woken = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&woken));
        a.slot().register(&waker);
        a.slot().register(&waker);
        assert_eq!(a.slot().close(), None);
        // At the cap, the idle one is asked to close for the new one.
        let b = c.try_admit().unwrap();
        assert_eq!(a.slot().close(), Some(Close::Evicted));
        assert_eq!(woken.0.load(Ordering::SeqCst), 1);
        // Stopping reaches every connection, registered or not yet.
        c.close_all();
        assert_eq!(b.slot().close(), Some(Close::Stopping));
        assert_eq!(a.slot().close(), Some(Close::Evicted));
        assert_eq!(woken.0.load(Ordering::SeqCst), 2);
    }
}
