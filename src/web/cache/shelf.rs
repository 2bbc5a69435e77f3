//! Kept things by key within a byte budget, the oldest dropped first.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Something kept, and what it costs to keep under its key.
pub(super) trait Footprint {
    fn size(&self, key: &str) -> usize;
}

/// Things kept by key, at most `budget` bytes of them.
pub(super) struct Shelf<T> {
    budget: usize,
    items: HashMap<String, Arc<T>>,
    /// Keys in the order they were kept, to drop the oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

impl<T: Footprint> Shelf<T> {
    pub fn new(budget: usize) -> Self {
        Shelf {
            budget,
            items: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<T>> {
        self.items.get(key).cloned()
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.order.clear();
        self.bytes = 0;
    }

    /// Keeps `item` under `key`, dropping the oldest first to stay within
    /// the budget; one bigger than an eighth of the budget is not kept.
    pub fn put(&mut self, key: String, item: Arc<T>) {
        let size = item.size(&key);
        if size > self.budget / 8 {
            return;
        }
        // Kept again: it replaces its older copy, in the eviction order
        // too (else dropping the older copy's place would drop it).
        if let Some(gone) = self.items.remove(&key) {
            self.bytes -= gone.size(&key);
            if let Some(at) = self.order.iter().position(|k| *k == key) {
                self.order.remove(at);
            }
        }
        while self.bytes + size > self.budget {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(gone) = self.items.remove(&old) {
                self.bytes -= gone.size(&old);
            }
        }
        self.items.insert(key.clone(), item);
        self.bytes += size;
        self.order.push_back(key);
    }

    /// The keys kept, and whether the books balance (for tests).
    #[cfg(test)]
    pub fn keys_and_balance(&self) -> (Vec<String>, bool) {
        let mut keys: Vec<String> = self.items.keys().cloned().collect();
        keys.sort();
        let balanced = self.order.len() == self.items.len()
            && self.bytes == self.items.iter().map(|(k, e)| e.size(k)).sum::<usize>();
        (keys, balanced)
    }
}
