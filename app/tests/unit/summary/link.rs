use app::summary::link::*;

#[test]
fn only_a_dir_jwe_has_the_shape() {
    let key = app::summary::jwe::new_key();
    assert!(jwe_shaped(&app::summary::jwe::encrypt(&key, b"{}")));
    for bad in ["", "a.b.c.d.e", "a..b.c", "a..b.c.d.e", "a..b.c.<script>", "{\"plain\":1}"] {
        assert!(!jwe_shaped(bad), "{bad}");
    }
    assert!(!jwe_shaped(&format!("a..b.{}.c", "x".repeat(MAX_JWE_CHARS))));
}

#[test]
fn a_payload_round_trips_through_a_link() {
    let payload = Payload {
        url: "https://carnet.example/api/shl/abc".into(),
        key: "k".repeat(43),
        exp: 1_800_000_000,
        flag: Payload::flag_for(true, 365),
        label: "Carnet".into(),
        v: 1,
    };
    assert_eq!(payload.flag, "LP");
    assert_eq!(Payload::flag_for(false, 1), "");
    let link = format!("https://carnet.example/urgence.html#{}", payload.encode());
    assert_eq!(Payload::decode(&link), Some(payload));
    assert_eq!(Payload::decode("shlink:/!!!"), None);
}
