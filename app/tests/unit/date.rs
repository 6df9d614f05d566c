use app::date::{Date, moment};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

#[test]
fn day_numbers_count_from_1970_and_undo_unix_days() {
    assert_eq!(day("1970-01-01").day_number(), 0);
    assert_eq!(day("2026-11-25").day_number(), 1_795_564_800 / 86_400);
    for text in ["1900-03-01", "2000-02-29", "2024-12-31", "2026-01-01"] {
        let number = day(text).day_number();
        assert_eq!(Date::from_unix_seconds(number * 86_400), day(text), "{text}");
    }
    assert_eq!(Date::from_unix_seconds(i64::MAX).to_string(), "9999-12-31");
    assert_eq!(Date::from_unix_seconds(i64::MIN).to_string(), "0000-01-01");
}

#[test]
fn only_a_date_that_exists_written_yyyy_mm_dd_is_read() {
    assert_eq!(day(" 2024-02-29 ").to_string(), "2024-02-29");
    for text in [
        "2023-02-29",
        "2026-13-01",
        "2026-04-31",
        "2026-1-01",
        "26-01-01",
        "+026-01-01",
        "2026-01-0x",
        "",
    ] {
        assert_eq!(Date::parse(text), None, "{text}");
    }
}

#[test]
fn a_date_is_a_string_on_the_wire() {
    assert_eq!(serde_json::to_string(&day("2026-03-04")).unwrap(), "\"2026-03-04\"");
    assert_eq!(serde_json::from_str::<Date>("\"2026-03-04\"").unwrap(), day("2026-03-04"));
    assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
}

#[test]
fn age_counts_full_years() {
    assert_eq!(day("2000-11-26").age_on(day("2026-11-25")), 25);
    assert_eq!(day("2000-11-25").age_on(day("2026-11-25")), 26);
    assert_eq!(day("2027-01-01").age_on(day("2026-11-25")), 0);
}

#[test]
fn moments_are_read_in_utc() {
    assert_eq!(moment(1_795_564_800 + 14 * 3600 + 5 * 60 + 59), "2026-11-25 14:05 UTC");
}
