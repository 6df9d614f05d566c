//! Runs in headless Chromium (wasm-bindgen-test): the real IndexedDB and the real Web Crypto
//! random source, not substitutes.

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::crypto::{self, DataKey, RecordId};
use super::idb::CacheDb;

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
