//! One look at the data's version for many requests at once, where a look
//! is a round trip to the database server (PostgreSQL).
//!
//! A request may only be answered from the cache after a look that began
//! after the request arrived: anything committed before the request is then
//! seen. Asking once per request would make every kept page wait for the
//! server in turn. Instead, requests that arrive while a look is under way
//! wait together for the next one, which a thread of its own starts as soon
//! as the current one ends: one round trip answers them all, and none is
//! answered by a look that began before it arrived.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
}

#[derive(Default)]
struct Pending {
    /// Requests waiting for a look that has not begun yet.
    waiting: Vec<oneshot::Sender<()>>,
    closed: bool,
}

fn lock(shared: &Shared) -> MutexGuard<'_, Pending> {
    shared.pending.lock().unwrap_or_else(|e| e.into_inner())
}

/// The thread taking the looks, stopped when this is dropped.
pub struct GroupedLooks {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl GroupedLooks {
    /// Starts the thread; `look` takes one look (and records what it saw).
    pub fn start(mut look: impl FnMut() + Send + 'static) -> GroupedLooks {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
        });
        let mine = shared.clone();
        let thread = std::thread::Builder::new()
            .name("data-version".into())
            .spawn(move || loop {
                let waiting = {
                    let mut pending = lock(&mine);
                    while pending.waiting.is_empty() && !pending.closed {
                        pending = mine.wake.wait(pending).unwrap_or_else(|e| e.into_inner());
                    }
                    if pending.closed {
                        return;
                    }
                    std::mem::take(&mut pending.waiting)
                };
                look();
                for waiter in waiting {
                    let _ = waiter.send(());
                }
            })
            .ok();
        GroupedLooks { shared, thread }
    }

    /// Returns once a look that began after this call has ended; `false`
    /// if no look could be taken (then nothing kept may be trusted).
    pub async fn fresh(&self) -> bool {
        if self.thread.is_none() {
            return false;
        }
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = lock(&self.shared);
            pending.waiting.push(tx);
        }
        self.shared.wake.notify_one();
        rx.await.is_ok()
    }
}

impl Drop for GroupedLooks {
    fn drop(&mut self) {
        lock(&self.shared).closed = true;
        self.shared.wake.notify_one();
        // Not joined: a look under way ends on its own.
        drop(self.thread.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Every waiter is answered by a look that began after it asked: a
    /// value set before `fresh` is called is seen by the look that answers.
    #[actix_web::test]
    async fn each_request_is_answered_by_a_look_begun_after_it_arrived() {
        let source = Arc::new(AtomicU64::new(0));
        let seen = Arc::new(AtomicU64::new(0));
        let looks = Arc::new(AtomicU64::new(0));
        let (s, v, n) = (source.clone(), seen.clone(), looks.clone());
        let grouped = Arc::new(GroupedLooks::start(move || {
            std::thread::sleep(std::time::Duration::from_millis(2));
            v.store(s.load(Ordering::SeqCst), Ordering::SeqCst);
            n.fetch_add(1, Ordering::SeqCst);
        }));
        let mut tasks = Vec::new();
        for i in 1..=200u64 {
            let (grouped, source, seen) = (grouped.clone(), source.clone(), seen.clone());
            tasks.push(actix_web::rt::spawn(async move {
                source.fetch_max(i, Ordering::SeqCst);
                assert!(grouped.fresh().await);
                assert!(seen.load(Ordering::SeqCst) >= i);
            }));
            if i % 20 == 0 {
                actix_web::rt::task::yield_now().await;
            }
        }
        for t in tasks {
            t.await.unwrap();
        }
        let taken = looks.load(Ordering::SeqCst);
        assert!((1..200).contains(&taken), "{taken} looks for 200 requests");
    }
}
