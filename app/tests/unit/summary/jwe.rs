use app::summary::jwe::*;

#[test]
fn what_is_encrypted_opens_with_its_key_only() {
    let key = new_key();
    let jwe = encrypt(&key, b"{\"allergies\":[\"penicilline\"]}");
    assert_eq!(jwe.split('.').count(), 5);
    assert!(jwe.starts_with("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."));
    assert!(!jwe.contains("penicilline"));
    assert_eq!(&decrypt(&key, &jwe).unwrap()[..], b"{\"allergies\":[\"penicilline\"]}");
    assert_eq!(decrypt(&new_key(), &jwe), Err(JweError::Unreadable));
    assert_ne!(encrypt(&key, b"x"), encrypt(&key, b"x"), "a fresh IV each time");
}

#[test]
fn any_changed_byte_or_shape_is_refused() {
    let key = new_key();
    let jwe = encrypt(&key, b"groupe sanguin O+");
    for at in 0..jwe.len() {
        let mut bytes = jwe.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).unwrap();
        if changed != jwe {
            assert!(decrypt(&key, &changed).is_err(), "byte {at}");
        }
    }
    for bad in ["", "a.b.c", "....", &jwe.replacen("..", ".AAAA.", 1)] {
        assert_eq!(decrypt(&key, bad), Err(JweError::Unreadable), "{bad}");
    }
}

#[test]
fn a_key_travels_as_43_characters() {
    let key = new_key();
    let text = encode_key(&key);
    assert_eq!(text.len(), 43);
    assert_eq!(*decode_key(&text).unwrap(), *key);
    assert!(decode_key("trop-court").is_none());
    assert!(decode_key(&format!("{text}AA")).is_none());
}
