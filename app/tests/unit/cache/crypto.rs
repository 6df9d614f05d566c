use app::cache::crypto::*;

const ID: RecordId<'static> =
    RecordId { user: "patient-1", store: "profile", key: "allergies", schema_version: 1 };

#[test]
fn round_trip() {
    let key = DataKey::generate();
    let sealed = seal(&key, &ID, b"penicillin: anaphylaxis").unwrap();
    assert_eq!(sealed.len(), NONCE_LEN + 23 + TAG_LEN);
    assert_eq!(&open(&key, &ID, &sealed).unwrap()[..], b"penicillin: anaphylaxis");
}

#[test]
fn empty_plaintext_round_trips() {
    let key = DataKey::generate();
    let sealed = seal(&key, &ID, b"").unwrap();
    assert!(open(&key, &ID, &sealed).unwrap().is_empty());
}

#[test]
fn ciphertext_does_not_contain_plaintext_and_nonces_differ() {
    let key = DataKey::generate();
    let text = b"blood group O negative";
    let a = seal(&key, &ID, text).unwrap();
    let b = seal(&key, &ID, text).unwrap();
    assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN], "a nonce was reused");
    assert_ne!(a, b);
    assert!(!a.windows(text.len()).any(|w| w == text));
}

#[test]
fn wrong_key_fails() {
    let sealed = seal(&DataKey::generate(), &ID, b"x").unwrap();
    assert_eq!(open(&DataKey::generate(), &ID, &sealed), Err(SealError));
}

#[test]
fn every_identity_field_is_bound() {
    let key = DataKey::generate();
    let sealed = seal(&key, &ID, b"x").unwrap();
    let others = [
        RecordId { user: "patient-2", ..ID },
        RecordId { store: "documents", ..ID },
        RecordId { key: "treatments", ..ID },
        RecordId { schema_version: 2, ..ID },
    ];
    for other in others {
        assert_eq!(open(&key, &other, &sealed), Err(SealError), "{other:?} opened");
    }
}

#[test]
fn field_boundaries_are_unambiguous() {
    let a = RecordId { user: "ab", store: "c", ..ID };
    let b = RecordId { user: "a", store: "bc", ..ID };
    assert_ne!(a.associated_data(), b.associated_data());
}

#[test]
fn any_flipped_bit_or_truncation_fails() {
    let key = DataKey::generate();
    let sealed = seal(&key, &ID, b"HbA1c 6.1 %").unwrap();
    for i in 0..sealed.len() {
        for bit in 0..8 {
            let mut bad = sealed.clone();
            bad[i] ^= 1 << bit;
            assert_eq!(open(&key, &ID, &bad), Err(SealError), "byte {i} bit {bit}");
        }
    }
    for len in 0..sealed.len() {
        assert_eq!(open(&key, &ID, &sealed[..len]), Err(SealError), "length {len}");
    }
}

#[test]
fn a_wrapped_key_opens_only_with_its_code_and_user() {
    let data = [9u8; 32];
    let right = DataKey::danger_from_bytes(&[1u8; 32]);
    let wrapped = wrap(&right, "patient-1", &data).unwrap();
    assert_eq!(*unwrap(&right, "patient-1", &wrapped).unwrap(), data);
    assert!(unwrap(&DataKey::danger_from_bytes(&[2u8; 32]), "patient-1", &wrapped).is_err());
    assert!(unwrap(&right, "patient-2", &wrapped).is_err());
    let short = seal(&right, &wrap_id("patient-1"), &[0u8; 31]).unwrap();
    assert!(unwrap(&right, "patient-1", &short).is_err());
}

#[test]
fn key_from_bytes_is_deterministic() {
    let bytes = [7u8; 32];
    let sealed = seal(&DataKey::danger_from_bytes(&bytes), &ID, b"x").unwrap();
    assert_eq!(&open(&DataKey::danger_from_bytes(&bytes), &ID, &sealed).unwrap()[..], b"x");
}
