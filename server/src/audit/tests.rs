//! The verifier against a log and its mutations: 10,000 random flips, deletions, reorderings and
//! rewrites of a copy, every one of them caught.

use base64::{Engine, engine::general_purpose::STANDARD};

use super::merkle::{Frontier, leaf_hash};
use super::*;

fn key() -> SigningKey {
    signing_key(&[7u8; 32])
}

fn entry(i: u64) -> AuditEntry {
    AuditEntry {
        at: 1_795_564_800 + i as i64,
        actor: AuditActor {
            kind: "professional".into(),
            id: Some("10000000009".into()),
            role: Some("physician".into()),
        },
        action: if i.is_multiple_of(3) {
            "document.read".into()
        } else {
            "document.deposit".into()
        },
        item: Some(format!("document-{i}")),
        record: Some("record-1".into()),
        client: "192.0.2.1".into(),
        device: Some("Firefox".into()),
        outcome: "allowed".into(),
        reason: None,
        purpose: None,
        origin: None,
    }
}

/// A log of `n` entries as the store writes it, with its checkpoints and its latest head.
fn log(n: u64) -> (Vec<StoredEntry>, Vec<Checkpoint>, Checkpoint) {
    let key = key();
    let (mut entries, mut checkpoints) = (Vec::new(), Vec::new());
    let (mut previous, mut frontier) = ([0u8; 32], Frontier::default());
    for seq in 1..=n {
        // Odd entries as written before addresses left the entry; even ones as written now.
        let (bytes, origin) = if seq.is_multiple_of(2) {
            let (logged, origin) = entry(seq).logged();
            (logged.canonical(), Some(origin))
        } else {
            (entry(seq).canonical(), None)
        };
        let leaf = leaf_hash(&bytes);
        let chain = chain_hash(&previous, &leaf);
        previous = chain;
        frontier.push(leaf);
        entries.push(StoredEntry { seq, entry: bytes, leaf, chain, origin });
        if seq.is_multiple_of(16) {
            checkpoints.push(sign_checkpoint(&key, seq, frontier.root(), 0));
        }
    }
    let head = sign_checkpoint(&key, n, frontier.root(), 1);
    (entries, checkpoints, head)
}

/// Rewrites the leaves and the chain from `from` on, as a forger who knows the scheme would.
fn rechain(entries: &mut [StoredEntry], from: usize) {
    let mut previous = if from == 0 { [0u8; 32] } else { entries[from - 1].chain };
    for (index, stored) in entries.iter_mut().enumerate().skip(from) {
        stored.seq = index as u64 + 1;
        stored.leaf = leaf_hash(&stored.entry);
        stored.chain = chain_hash(&previous, &stored.leaf);
        previous = stored.chain;
    }
}

#[test]
fn a_whole_log_holds_and_its_entries_carry_no_content() {
    let (entries, checkpoints, head) = log(100);
    let public = key().verifying_key();
    assert_eq!(verify(&entries, &checkpoints, Some(&head), &public), Ok(()));
    assert_eq!(verify(&[], &[], None, &public), Ok(()));
    let text = String::from_utf8(entries[0].entry.clone()).unwrap();
    assert!(text.starts_with(r#"{"at":1795564801,"actor":{"kind":"professional""#), "{text}");
    // Another key's checkpoints are refused.
    let other = signing_key(&[8u8; 32]).verifying_key();
    assert_eq!(verify(&entries, &checkpoints, Some(&head), &other), Err(Broken::Signature(16)));
}

#[test]
fn every_one_of_ten_thousand_random_mutations_is_caught() {
    let (original, checkpoints, head) = log(100);
    let public = key().verifying_key();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: usize| {
        // xorshift64*: reproducible, no dependency.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound as u64) as usize
    };
    let mut caught = [0u32; 6];
    for round in 0..10_000 {
        let mut entries = original.clone();
        let kind = round % 6;
        let at = next(entries.len());
        match kind {
            // A flipped bit in an entry's content.
            0 => {
                let byte = next(entries[at].entry.len());
                entries[at].entry[byte] ^= 1 << next(8);
            }
            // A flipped bit in a stored hash.
            1 => {
                let byte = next(32);
                if next(2) == 0 {
                    entries[at].leaf[byte] ^= 1 << next(8);
                } else {
                    entries[at].chain[byte] ^= 1 << next(8);
                }
            }
            // An entry deleted, the rest renumbered.
            2 => {
                entries.remove(at);
                for (index, stored) in entries.iter_mut().enumerate() {
                    stored.seq = index as u64 + 1;
                }
            }
            // Two entries swapped, with their numbers.
            3 => {
                let mut other = next(entries.len());
                if other == at {
                    other = (at + 1) % entries.len();
                }
                entries.swap(at, other);
                let (a, b) = (entries[at].seq, entries[other].seq);
                entries[at].seq = b;
                entries[other].seq = a;
            }
            // Content changed and every hash after it recomputed: only signed heads can tell.
            4 => {
                let mut changed = entry(at as u64 + 1);
                changed.outcome = "denied".into();
                entries[at].entry = changed.canonical();
                rechain(&mut entries, at);
            }
            // The last entries cut off, the chain left consistent.
            _ => {
                let keep = next(entries.len());
                entries.truncate(keep);
            }
        }
        let result = verify(&entries, &checkpoints, Some(&head), &public);
        assert!(result.is_err(), "round {round}, kind {kind}: not caught");
        caught[kind] += 1;
    }
    assert_eq!(caught.iter().sum::<u32>(), 10_000);
}

#[test]
fn the_first_broken_entry_is_named() {
    let (mut entries, checkpoints, head) = log(40);
    let public = key().verifying_key();
    entries[20].entry[5] ^= 1;
    assert_eq!(verify(&entries, &checkpoints, Some(&head), &public), Err(Broken::Leaf(21)));
    let (mut entries, checkpoints, head) = log(40);
    entries[20].entry = entry(99).canonical();
    rechain(&mut entries, 20);
    // Entries 17 to 32 lie between two checkpoints: the stretch is named by its start.
    assert_eq!(verify(&entries, &checkpoints, Some(&head), &public), Err(Broken::Checkpoint(17)));
}

#[tokio::test]
async fn an_abandoned_entry_takes_nothing_and_the_log_goes_on() {
    use crate::store::{AuditStore, SqliteStore};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
    let auditor = Auditor::ephemeral();
    assert_eq!(auditor.append_inline(&store, &entry(1)).await.unwrap(), 1);
    // Prepared, then the action fails: nothing written, the place is not taken.
    let pending = auditor.prepare(&store, &entry(2)).await.unwrap();
    assert_eq!(pending.rows().stored.seq, 2);
    drop(pending);
    assert_eq!(auditor.append_inline(&store, &entry(3)).await.unwrap(), 2);
    for n in 4..=(CHECKPOINT_EVERY + 2) {
        auditor.append_inline(&store, &entry(n)).await.unwrap();
    }
    assert_eq!(store.checkpoints().await.unwrap().len(), 1, "one checkpoint at 64 entries");
    let report = verify_stored(&store, &auditor.public_key()).await.unwrap().unwrap();
    assert_eq!(report.entries, CHECKPOINT_EVERY + 1);
}

#[tokio::test]
async fn a_known_rollback_keeps_the_edge_and_an_unknown_outcome_reloads_it() {
    use crate::store::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
    let auditor = Auditor::ephemeral();
    auditor.append_inline(&store, &entry(1)).await.unwrap();
    // Rolled back for certain (nothing matched): no reload of the whole log for the next writer.
    auditor.prepare(&store, &entry(2)).await.unwrap().abandoned();
    assert!(auditor.edge_loaded().await);
    assert_eq!(auditor.append_inline(&store, &entry(3)).await.unwrap(), 2);
    // An outcome not known: read again.
    drop(auditor.prepare(&store, &entry(4)).await.unwrap());
    assert!(!auditor.edge_loaded().await);
    assert_eq!(auditor.append_inline(&store, &entry(5)).await.unwrap(), 3);
}

#[tokio::test]
async fn a_write_moves_the_edge_exactly_as_far_as_the_database_went() {
    use crate::store::{AuditStore, SqliteStore, StoreError};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
    let auditor = Auditor::ephemeral();
    // Committed with the change: stored, and the next entry follows it.
    let pending = auditor.prepare(&store, &entry(1)).await.unwrap();
    pending.write(async |rows| store.append_audit(std::slice::from_ref(rows)).await).await.unwrap();
    // Rolled back with it (a change that found nothing answers `None`): the edge stays where it
    // was, still loaded. Moving it on here is what broke the chain after a lost totp race.
    let pending = auditor.prepare(&store, &entry(2)).await.unwrap();
    assert_eq!(pending.write(async |_| Ok(None::<()>)).await.unwrap(), None);
    assert!(auditor.edge_loaded().await);
    // An error: the outcome is unknown, so the next writer reads the edge from the database.
    let pending = auditor.prepare(&store, &entry(3)).await.unwrap();
    assert!(pending.write(async |_| Err::<(), _>(StoreError::Corrupt)).await.is_err());
    assert!(!auditor.edge_loaded().await);
    assert_eq!(auditor.append_inline(&store, &entry(4)).await.unwrap(), 2, "no place skipped");
    let report = verify_stored(&store, &auditor.public_key()).await.unwrap().unwrap();
    assert_eq!(report.entries, 2);
}

#[tokio::test]
async fn proofs_from_the_stored_subtrees_match_the_whole_tree_and_a_backfill_restores_them() {
    use crate::store::{AuditStore, SqliteStore};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
    let auditor = Auditor::ephemeral();
    for n in 1..=150 {
        auditor.append_inline(&store, &entry(n)).await.unwrap();
    }
    let leaves: Vec<_> =
        store.audit_leaves().await.unwrap().into_iter().map(|(leaf, _)| leaf).collect();
    for size in [1u64, 2, 63, 64, 65, 128, 150] {
        for seq in [1u64, 2, size / 2 + 1, size].into_iter().filter(|seq| *seq <= size) {
            let from_nodes = super::inclusion_proof(&store, seq, size).await.unwrap().unwrap();
            let from_leaves =
                merkle::inclusion_proof((seq - 1) as usize, &leaves[..size as usize]).unwrap();
            assert_eq!(from_nodes, from_leaves, "seq {seq} of {size}");
        }
    }
    assert_eq!(super::backfill_nodes(&store).await.unwrap(), 0, "nothing missing");
}

#[test]
fn the_address_beside_an_entry_is_the_one_it_commits_to_and_only_there() {
    let (entries, checkpoints, head) = log(40);
    let verifying = key().verifying_key();
    let written = &entries[1];
    let text = String::from_utf8(written.entry.clone()).unwrap();
    assert!(!text.contains("192.0.2.1") && !text.contains("Firefox"), "{text}");
    let kept: AuditEntry = serde_json::from_slice(&written.entry).unwrap();
    let back = kept.with_origin(written.origin.as_deref());
    assert_eq!((back.client.as_str(), back.device.as_deref()), ("192.0.2.1", Some("Firefox")));

    // Another address beside the entry is caught; an origin erased is not a break.
    let mut changed = entries.clone();
    let origin = changed[1].origin.as_mut().unwrap();
    let at = origin.windows(9).position(|w| w == b"192.0.2.1").unwrap();
    origin[at + 8] = b'7';
    assert_eq!(verify(&changed, &checkpoints, Some(&head), &verifying), Err(Broken::Origin(2)));
    let forged: AuditEntry = serde_json::from_slice(&changed[1].entry).unwrap();
    assert_eq!(forged.with_origin(changed[1].origin.as_deref()).client, "", "not believed");
    let mut erased = entries.clone();
    erased[1].origin = None;
    assert_eq!(verify(&erased, &checkpoints, Some(&head), &verifying), Ok(()));
    // Two entries from one address commit differently (a fresh salt each).
    let (a, _) = entry(1).logged();
    let (b, _) = entry(1).logged();
    assert_ne!(a.origin, b.origin);
}

/// Servers sharing one database, each with its own edge in memory and the same key, append at
/// the same time: they take turns (the database's lock), each reads the entries the other
/// wrote since (from the stored subtrees), and the log is one chain, with its checkpoints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_sharing_a_database_append_in_turn_and_read_each_others_entries() {
    let seed = STANDARD.encode(rand::random::<[u8; 32]>());
    let (stores, _dir) = crate::store::scratch_stores().await;
    for store in stores {
        let servers = [Auditor::from_value(&seed).unwrap(), Auditor::from_value(&seed).unwrap()];
        let servers = std::sync::Arc::new(servers);
        let mut appends = tokio::task::JoinSet::new();
        for n in 0..200u64 {
            let (servers, store) = (servers.clone(), store.clone());
            appends.spawn(async move {
                let server = &servers[usize::from(n % 2 == 1)];
                server.append_inline(&*store, &entry(n)).await.unwrap()
            });
        }
        let mut places = appends.join_all().await;
        places.sort_unstable();
        assert_eq!(places, (1..=200).collect::<Vec<u64>>(), "every place taken once");
        assert_eq!(store.checkpoints().await.unwrap().len(), 3, "at 64, 128 and 192");
        let report = verify_stored(&*store, &servers[0].public_key()).await.unwrap().unwrap();
        assert_eq!(report.entries, 200);
    }
}

/// Group commit: reads' entries written many to a transaction, changes' entries in their own,
/// all at once. Each read is answered with its own entry's place, so a caller that asks what
/// came before its entry (a professional's first access) asks about the right one.
#[tokio::test]
async fn each_read_in_a_group_commit_is_answered_with_its_own_place() {
    let (stores, _dir) = crate::store::scratch_stores().await;
    for store in stores {
        let auditor = std::sync::Arc::new(Auditor::ephemeral());
        let mut appends = tokio::task::JoinSet::new();
        for n in 0..300u64 {
            let (auditor, store) = (auditor.clone(), store.clone());
            appends.spawn(async move {
                let place = if n.is_multiple_of(10) {
                    let pending = auditor.prepare(&*store, &entry(n)).await.unwrap();
                    let place = pending.rows().stored.seq;
                    let change =
                        async |rows: &_| store.append_audit(std::slice::from_ref(rows)).await;
                    pending.write(change).await.unwrap();
                    place
                } else {
                    auditor.append(&store, &entry(n)).await.unwrap()
                };
                (n, place)
            });
        }
        for (n, place) in appends.join_all().await {
            let (stored, _) = store.audit_entry(place).await.unwrap().unwrap();
            let written: AuditEntry = serde_json::from_slice(&stored.entry).unwrap();
            assert_eq!(written.item, entry(n).item, "entry {n} is at the place it was told");
        }
        let report = verify_stored(&*store, &auditor.public_key()).await.unwrap().unwrap();
        assert_eq!(report.entries, 300);
    }
}

/// A read whose request goes away while its entry waits (its client gone, a timeout) takes
/// nothing down with it: the other reads of its batch are answered, and its own entry is
/// written all the same (a trace of a read whose answer was never sent, never the reverse).
#[tokio::test]
async fn a_read_dropped_while_its_entry_waits_fails_no_other_and_is_still_written() {
    use std::{future::Future, task::Poll};
    let (stores, _dir) = crate::store::scratch_stores().await;
    for store in stores {
        let auditor = std::sync::Arc::new(Auditor::ephemeral());
        let mut appends = tokio::task::JoinSet::new();
        for n in 0..90u64 {
            let (auditor, store) = (auditor.clone(), store.clone());
            appends.spawn(async move {
                let mut append = Box::pin(async move { auditor.append(&store, &entry(n)).await });
                if n.is_multiple_of(3) {
                    // Polled once (its entry queued, the log asked for), then dropped.
                    std::future::poll_fn(|cx| Poll::Ready(append.as_mut().poll(cx).is_ready()))
                        .await;
                    return None;
                }
                Some(append.await.unwrap())
            });
        }
        let answered: Vec<u64> = appends.join_all().await.into_iter().flatten().collect();
        assert_eq!(answered.len(), 60, "every read still there is answered");
        // The dropped ones' entries were written by the tasks that took the log for them.
        let settled = auditor.checkpoint(&*store, 1_795_600_000).await.unwrap();
        assert_eq!(settled.size, 90);
        let report = verify_stored(&*store, &auditor.public_key()).await.unwrap().unwrap();
        assert_eq!(report.entries, 90);
    }
}
