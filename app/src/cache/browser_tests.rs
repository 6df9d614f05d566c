//! Runs in headless Chromium (wasm-bindgen-test): the real IndexedDB and the real Web Crypto
//! random source, not substitutes.

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::crypto::{self, DataKey, RecordId};
use super::idb::CacheDb;
use super::webcrypto;

wasm_bindgen_test_configure!(run_in_browser);

const ID: RecordId<'static> =
    RecordId { user: "patient-1", store: "records", key: "profile", schema_version: 1 };

#[wasm_bindgen_test]
fn seal_open_round_trip_with_browser_randomness() {
    let key = DataKey::generate();
    let a = crypto::seal(&key, &ID, b"allergy: latex").unwrap();
    let b = crypto::seal(&key, &ID, b"allergy: latex").unwrap();
    assert_ne!(a[..crypto::NONCE_LEN], b[..crypto::NONCE_LEN]);
    assert_eq!(&crypto::open(&key, &ID, &a).unwrap()[..], b"allergy: latex");
    assert!(crypto::open(&DataKey::generate(), &ID, &a).is_err());
}

#[wasm_bindgen_test]
async fn indexeddb_round_trip_stores_only_ciphertext() {
    let name = "carnet-test-round-trip";
    let db = CacheDb::open(name).await.expect("IndexedDB opens");
    let key = DataKey::generate();
    let text = b"blood group: A positive";

    db.put_record(&key, &ID, text).await.expect("record is written");

    let on_disk = db.get_sealed(ID.store, ID.key).await.unwrap().expect("record is there");
    assert!(!on_disk.windows(text.len()).any(|w| w == text), "plaintext reached IndexedDB");

    let back = db.get_record(&key, &ID).await.unwrap().expect("record reads back");
    assert_eq!(&back[..], text);

    let other_user = RecordId { user: "patient-2", ..ID };
    assert!(db.get_record(&key, &other_user).await.is_err(), "record opened for another user");
    assert!(db.get_record(&key, &RecordId { key: "absent", ..ID }).await.unwrap().is_none());

    db.destroy().await.expect("database is deleted");
    let reopened = CacheDb::open(name).await.unwrap();
    assert!(reopened.get_sealed(ID.store, ID.key).await.unwrap().is_none(), "wipe left data");
    reopened.destroy().await.unwrap();
}

#[wasm_bindgen_test]
async fn every_flipped_byte_of_a_stored_record_fails_to_open() {
    let db = CacheDb::open("carnet-test-flip").await.unwrap();
    let key = DataKey::generate();
    db.put_record(&key, &ID, br#"{"substance":"latex"}"#).await.unwrap();
    let sealed = db.get_sealed(ID.store, ID.key).await.unwrap().unwrap();
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        db.put_sealed(ID.store, ID.key, &bad).await.unwrap();
        assert!(db.get_record(&key, &ID).await.is_err(), "byte {i} flipped still opens");
    }
    db.put_sealed(ID.store, ID.key, &sealed).await.unwrap();
    assert!(db.get_record(&key, &ID).await.unwrap().is_some());
    db.destroy().await.unwrap();
}

#[wasm_bindgen_test]
async fn the_durable_write_lands_sealed() {
    let db = CacheDb::open("carnet-test-durable").await.unwrap();
    let key = DataKey::generate();
    let id = RecordId { store: super::idb::OUTBOX, key: "0000000000001-00", ..ID };
    db.put_durable(&key, &id, b"new allergy: peanuts").await.unwrap();
    assert_eq!(db.count(super::idb::OUTBOX).await.unwrap(), 1);
    assert_eq!(db.keys(super::idb::OUTBOX).await.unwrap(), vec![id.key.to_owned()]);
    let sealed = db.get_sealed(id.store, id.key).await.unwrap().unwrap();
    assert!(!sealed.windows(7).any(|w| w == b"peanuts"));
    assert_eq!(&crypto::open(&key, &id, &sealed).unwrap()[..], b"new allergy: peanuts");
    db.destroy().await.unwrap();
}

#[wasm_bindgen_test]
async fn pbkdf2_is_the_standard_one() {
    // RFC 7914 §11 (PBKDF2-HMAC-SHA-256, "passwd"/"salt", 1 round), first 32 bytes.
    let out = webcrypto::pbkdf2("passwd", b"salt", 1).await.unwrap();
    let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
}

#[wasm_bindgen_test]
async fn native_and_wasm_seals_are_one_format() {
    let bytes = [42u8; 32];
    let wasm = DataKey::danger_from_bytes(&bytes);
    let native = webcrypto::NativeKey::import(&bytes).await.unwrap();
    let text = vec![7u8; 100_000];
    let by_browser = webcrypto::seal(&native, &ID, &text).await.unwrap();
    assert_eq!(&crypto::open(&wasm, &ID, &by_browser).unwrap()[..], &text[..]);
    let by_wasm = crypto::seal(&wasm, &ID, &text).unwrap();
    assert_eq!(&webcrypto::open(&native, &ID, &by_wasm).await.unwrap()[..], &text[..]);
    let other = RecordId { key: "other", ..ID };
    assert!(webcrypto::open(&native, &other, &by_wasm).await.is_err());
}

/// Benchmarks, not tests: `scripts/bench-cache.sh` runs them (release build) and prints the
/// figures; nothing here asserts a time.
mod bench {
    use wasm_bindgen_test::{console_log, wasm_bindgen_test};

    use super::super::crypto::{self, DataKey, RecordId};
    use super::super::idb::{CacheDb, RECORDS};
    use super::super::webcrypto;

    fn now() -> f64 {
        web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
    }

    #[wasm_bindgen_test]
    #[ignore]
    async fn bench_1000_sealed_records_in_one_transaction() {
        let db = CacheDb::open("carnet-bench-1000").await.unwrap();
        let key = DataKey::generate();
        let mut runs = Vec::new();
        for _ in 0..5 {
            let started = now();
            let mut values = Vec::with_capacity(1000);
            for i in 0..1000 {
                let path = format!("/api/records/r1/documents/{i}");
                let id = RecordId { user: "bench", store: RECORDS, key: &path, schema_version: 1 };
                let text = format!(
                    r#"{{"id":"{i}","title":"Compte rendu de consultation {i}","category":"report","author":"Dr Anne Martin","created_at":1764000000,"size":48213}}"#
                );
                values.push((path.clone(), crypto::seal(&key, &id, text.as_bytes()).unwrap()));
            }
            db.put_many(RECORDS, values).await.unwrap();
            runs.push(now() - started);
        }
        runs.sort_by(f64::total_cmp);
        console_log!(
            "BENCH 1000 records sealed + written in one transaction: median {:.1} ms, best {:.1} ms, worst {:.1} ms",
            runs[2],
            runs[0],
            runs[4]
        );
        db.destroy().await.unwrap();
    }

    /// Seal + open with each cipher, from a small profile entry to a 1 MB document: where the
    /// browser's cipher (one promise per call) starts to beat the crate (synchronous).
    #[wasm_bindgen_test]
    #[ignore]
    async fn bench_sealing_by_size() {
        let bytes = [3u8; 32];
        let wasm = DataKey::danger_from_bytes(&bytes);
        let native = webcrypto::NativeKey::import(&bytes).await.unwrap();
        let id = RecordId { user: "bench", store: RECORDS, key: "document", schema_version: 1 };
        for size in [1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20] {
            let data = vec![0x5au8; size];
            let rounds = (4 << 20) / size.max(64 << 10) * 4;
            let started = now();
            for _ in 0..rounds {
                let sealed = crypto::seal(&wasm, &id, &data).unwrap();
                assert_eq!(crypto::open(&wasm, &id, &sealed).unwrap().len(), size);
            }
            let wasm_ms = (now() - started) / rounds as f64;
            let started = now();
            for _ in 0..rounds {
                let sealed = webcrypto::seal(&native, &id, &data).await.unwrap();
                assert_eq!(webcrypto::open(&native, &id, &sealed).await.unwrap().len(), size);
            }
            let native_ms = (now() - started) / rounds as f64;
            let mb = 2.0 * size as f64 / 1e6;
            console_log!(
                "BENCH seal + open {} KiB: aes-gcm crate (wasm) {:.3} ms = {:.0} MB/s; browser AES-GCM {:.3} ms = {:.0} MB/s",
                size >> 10,
                wasm_ms,
                mb / wasm_ms * 1000.0,
                native_ms,
                mb / native_ms * 1000.0
            );
        }
    }

    #[wasm_bindgen_test]
    #[ignore]
    async fn bench_key_derivation() {
        let mut runs = Vec::new();
        for _ in 0..3 {
            let started = now();
            webcrypto::pbkdf2("731 Goélette", &[1u8; 16], webcrypto::PBKDF2_ROUNDS).await.unwrap();
            runs.push(now() - started);
        }
        runs.sort_by(f64::total_cmp);
        console_log!(
            "BENCH PBKDF2-SHA256 {} rounds (browser): median {:.0} ms",
            webcrypto::PBKDF2_ROUNDS,
            runs[1]
        );
    }
}
