//! Sealing, opening, wrapping and rotating keys, and what tampering does to each.

use super::*;

#[test]
fn sealed_values_open_only_in_their_context_and_untouched() {
    let vault = Vault::from_values(&STANDARD.encode([7u8; 32]), &[]).unwrap();
    let sealed = vault.seal(b"compte rendu", "k1", "record-a", "doc-1/v1").unwrap();
    assert_eq!(vault.open(&sealed, "k1", "doc-1/v1").unwrap().as_slice(), b"compte rendu");
    assert!(!sealed.content.windows(12).any(|w| w == b"compte rendu"));
    assert!(matches!(vault.open(&sealed, "k1", "doc-2/v1"), Err(VaultError::Tampered)));
    assert!(matches!(vault.open(&sealed, "k2", "doc-1/v1"), Err(VaultError::Tampered)));
    let mut flipped = sealed.clone();
    flipped.content[20] ^= 1;
    assert!(matches!(vault.open(&flipped, "k1", "doc-1/v1"), Err(VaultError::Tampered)));
    let mut wrapped = sealed.clone();
    wrapped.key.wrapped[15] ^= 1;
    assert!(matches!(vault.open(&wrapped, "k1", "doc-1/v1"), Err(VaultError::Tampered)));
    let other = Vault::from_values(&STANDARD.encode([8u8; 32]), &[]).unwrap();
    assert!(matches!(other.open(&sealed, "k1", "doc-1/v1"), Err(VaultError::UnknownKey(_))));
}

#[test]
fn a_key_directory_is_created_then_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let mut vault = Vault::open_dir(&keys).unwrap();
    let first = vault.current_key_id().to_owned();
    let sealed = vault.seal(b"x", "k", "r", "c").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(keys.join(format!("{first}.key"))).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Reopening finds the same key.
    assert_eq!(Vault::open_dir(&keys).unwrap().current_key_id(), first);

    let second = vault.add_current_key().unwrap();
    assert_ne!(first, second);
    // Half-way through, both keys open: an interrupted rotation loses nothing.
    let reopened = Vault::open_dir(&keys).unwrap();
    assert_eq!(reopened.open(&sealed, "k", "c").unwrap().as_slice(), b"x");
    let rewrapped = vault.rewrap(&sealed.key, "k").unwrap().expect("an old key is rewrapped");
    assert_eq!(rewrapped.key_id, second);
    assert_eq!(vault.rewrap(&rewrapped, "k").unwrap(), None, "a current key is left alone");
    let moved = Sealed { key: rewrapped, ..sealed };
    assert_eq!(vault.forget_other_keys().unwrap(), 1);
    let after = Vault::open_dir(&keys).unwrap();
    assert_eq!(after.current_key_id(), second);
    assert_eq!(after.open(&moved, "k", "c").unwrap().as_slice(), b"x");
}

#[test]
fn keys_from_the_environment_must_be_32_bytes() {
    assert!(matches!(Vault::from_values("c2hvcnQ=", &[]), Err(VaultError::BadKey)));
    let current = STANDARD.encode([1u8; 32]);
    let previous = STANDARD.encode([2u8; 32]);
    let old = Vault::from_values(&previous, &[]).unwrap();
    let sealed = old.seal(b"y", "k", "r", "c").unwrap();
    let rotating = Vault::from_values(&current, &[&previous]).unwrap();
    assert_eq!(rotating.open(&sealed, "k", "c").unwrap().as_slice(), b"y");
}

#[test]
fn a_data_key_opens_only_for_its_record() {
    let vault = Vault::from_values(&STANDARD.encode([7u8; 32]), &[]).unwrap();
    let sealed = vault.seal(b"allergie", "k1", "record-a", "entry-1/v1").unwrap();
    assert_eq!(sealed.key.owner, "record-a");
    assert_eq!(vault.open(&sealed, "k1", "entry-1/v1").unwrap().as_slice(), b"allergie");
    // The same row, said by the database to be in another record, does not open.
    let mut moved = sealed.clone();
    moved.key.owner = "record-b".into();
    assert!(matches!(vault.open(&moved, "k1", "entry-1/v1"), Err(VaultError::Tampered)));

    // A key wrapped the old way (no record) opens only once bound, and then in its record.
    let data_key = new_key();
    let master = vault.keys.get(&vault.current).unwrap();
    let old = WrappedKey {
        key_id: vault.current.clone(),
        wrapped: seal_with(master, data_key.as_slice(), &legacy_wrapping("k2")).unwrap(),
        owner: "record-a".into(),
    };
    let content = seal_with(&data_key, b"ancien", b"entry-2/v1").unwrap();
    let legacy = Sealed { key: old.clone(), content };
    assert!(matches!(vault.open(&legacy, "k2", "entry-2/v1"), Err(VaultError::Tampered)));
    let bound = Sealed { key: vault.bind_owner(&old, "k2").unwrap(), ..legacy };
    assert_eq!(vault.open(&bound, "k2", "entry-2/v1").unwrap().as_slice(), b"ancien");
    assert!(matches!(vault.bind_owner(&bound.key, "k2"), Err(VaultError::Tampered)));
}
