//! The page cache keeps within its budget, dropping the oldest first.

use super::*;

/// Room for eight pages of 1,000 bytes (and for none over an eighth).
fn cache(dir: &tempfile::TempDir) -> ResponseCache {
    let url = dir.path().join("evict.db").display().to_string();
    ResponseCache::new(&url, 8 * 1300, Clock::system())
}

fn page(now: NaiveDateTime) -> Arc<Entry> {
    let body = actix_web::web::Bytes::from(vec![b'x'; 1000]);
    Arc::new(Entry::new(HeaderMap::new(), body, now, now, false))
}

fn kept(cache: &ResponseCache) -> Vec<String> {
    lock(&cache.stored).pages.keys_and_balance().0
}

#[test]
fn a_page_kept_again_is_evicted_as_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache(&dir);
    let now = Clock::system().now();
    let put = |key: &str| {
        lock(&cache.stored).pages.put(key.to_owned(), page(now));
    };
    for key in ["/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h"] {
        put(key);
    }
    assert_eq!(kept(&cache).len(), 8);
    // "/a" again: now the newest, so the next page pushes "/b" out.
    put("/a");
    put("/i");
    let keys = kept(&cache);
    assert!(keys.contains(&"/a".to_owned()), "{keys:?}");
    assert!(!keys.contains(&"/b".to_owned()), "{keys:?}");
    assert!(lock(&cache.stored).pages.keys_and_balance().1);
}
