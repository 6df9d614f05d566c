use app::account::messages::*;

#[test]
fn codes_are_in_the_body_in_both_languages() {
    let (subject, body) = render("fr", Kind::LoginCode("042917"));
    assert_eq!(subject, "Votre code de connexion Carnet");
    assert!(body.contains("042917") && body.contains("10 minutes"));
    let (subject, body) = render("en", Kind::ActivationCode("123456"));
    assert_eq!(subject, "Your Carnet activation code");
    assert!(body.contains("123456"));
    let (_, body) = render("xx", Kind::AlreadyRegistered);
    assert!(body.starts_with("Bonjour"));
    let (subject, body) = render(
        "en",
        Kind::NewDevice {
            device: "Firefox, Android",
            at: "2026-12-02 10:00 UTC",
            url: "https://c.example/compte",
        },
    );
    assert_eq!(subject, "New sign-in to your Carnet account");
    assert!(body.contains("Firefox, Android") && body.contains("2026-12-02 10:00 UTC"));
    let (_, body) = render(
        "fr",
        Kind::DocumentDeposited { by: "Anne Martin", url: "https://c.example/dossier" },
    );
    assert!(body.contains("Anne Martin a ajouté un document"), "{body}");
}
