use app::api::InputError;
use app::record::note::*;
use app::vocabulary::{Category, MediaType};

#[test]
fn a_note_is_a_text_of_the_patient_s_own() {
    assert_eq!(text_problem("Tension 12/8 ce matin.\nRien d’autre."), None);
    for bad in ["", "   \n", "bip\u{7}", &"é".repeat(NOTE_MAX_CHARS + 1)] {
        assert_eq!(text_problem(bad), Some(InputError::TextInvalid), "{bad:?}");
    }
    assert_eq!(text_problem(&"é".repeat(NOTE_MAX_CHARS)), None);
    let request = deposit("  Tension  ", "é", "2026-12-02".into());
    assert_eq!(request.title, "Tension");
    assert_eq!(request.size, 2, "bytes, not characters");
    assert_eq!((request.category, request.media_type), (Category::PatientOwn, MediaType::Text));
}
