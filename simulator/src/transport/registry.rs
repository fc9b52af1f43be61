//! The open connections: how many there are, and which has waited longest for a request —
//! the one to close when the cap is reached, since it is the one least likely to be a
//! client that is about to send something.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::connection::Conn;

#[derive(Default)]
pub struct Registry {
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        // A panic elsewhere while holding the lock leaves a map that is still a valid map.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new connection, counted from now until [`Registry::remove`].
    pub fn add(&self) -> Arc<Conn> {
        let conn = Arc::new(Conn::new(self.next_id.fetch_add(1, Ordering::Relaxed)));
        self.lock().insert(conn.id, conn.clone());
        conn
    }

    pub fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Connections open and not already told to close.
    pub fn open(&self) -> usize {
        self.lock().len()
    }

    /// Tells the connection that has waited longest for a request to close, and stops
    /// counting it. `false` if every open connection has a request in flight.
    pub fn close_longest_waiting(&self) -> bool {
        let mut open = self.lock();
        let longest = open
            .values()
            .filter_map(|conn| conn.waiting_since().map(|since| (since, conn.id)))
            .min();
        let Some((_, id)) = longest else {
            return false;
        };
        if let Some(conn) = open.remove(&id) {
            conn.close();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At the cap the connection that has waited longest goes first, and one with a
    /// request in flight never does.
    #[tokio::test]
    async fn the_longest_waiting_connection_makes_room_and_busy_ones_never_do() {
        let registry = Registry::default();
        let oldest = registry.add();
        let busy = registry.add();
        let newest = registry.add();
        let _answering = busy.begin();
        assert_eq!(registry.open(), 3);
        assert!(registry.close_longest_waiting());
        assert_eq!(registry.open(), 2);
        // The oldest was told; it is no longer counted, so it is not picked twice.
        assert!(registry.close_longest_waiting());
        assert_eq!(registry.open(), 1);
        assert!(
            !registry.close_longest_waiting(),
            "only the busy one is left"
        );
        registry.remove(busy.id);
        assert_eq!(registry.open(), 0);
        drop((oldest, newest));
    }
}
