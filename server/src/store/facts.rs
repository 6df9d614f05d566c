//! The documents' facts of recently listed records, kept in memory between requests: a list
//! page reads one counter instead of every document of the record. Each record's facts are
//! kept with the record's change counter (table `record_changes`, moved on by the database's
//! own triggers whenever a document is added or changed) as read *before* the facts; they are
//! used only while the database's counter is still that one, so a change committed by any
//! server (a mask, a withdrawal, a deposit) is seen by the very next request. Bounded by the
//! number of documents held, least recently used records going first. Facts hold no key and
//! no sealed value: nothing here is more than the database's own columns.

use std::sync::{Arc, Mutex};

use hashlink::LruCache;

use super::{AccountId, DocumentFacts};

/// Most documents' facts held, all records together (some 250 bytes each: about 25 MB).
const MOST_FACTS: usize = 100_000;

#[derive(Default)]
pub struct FactsCache {
    held: Mutex<Held>,
}

struct Held {
    records: LruCache<AccountId, (i64, Arc<Vec<DocumentFacts>>)>,
    facts: usize,
}

impl Default for Held {
    fn default() -> Self {
        Self { records: LruCache::new_unbounded(), facts: 0 }
    }
}

impl FactsCache {
    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The record's facts if they were read at `counter`.
    pub fn get(&self, record: &AccountId, counter: i64) -> Option<Arc<Vec<DocumentFacts>>> {
        let mut held = self.held();
        match held.records.get(record) {
            Some((at, facts)) if *at == counter => Some(facts.clone()),
            _ => None,
        }
    }

    /// Keeps the record's facts, read after the counter was `counter`.
    pub fn put(&self, record: &AccountId, counter: i64, facts: Arc<Vec<DocumentFacts>>) {
        if facts.len() > MOST_FACTS {
            return;
        }
        // A record counts for one at least: records without documents are bounded too.
        let weight = |facts: &Vec<DocumentFacts>| facts.len().max(1);
        let mut held = self.held();
        let added = weight(&facts);
        if let Some((_, replaced)) = held.records.insert(record.clone(), (counter, facts)) {
            held.facts -= weight(&replaced);
        }
        held.facts += added;
        while held.facts > MOST_FACTS {
            match held.records.remove_lru() {
                Some((_, (_, evicted))) => held.facts -= weight(&evicted),
                None => break,
            }
        }
    }
}
