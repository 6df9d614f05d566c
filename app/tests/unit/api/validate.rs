use app::api::validate::*;

fn today() -> Date {
    Date::parse("2026-11-25").unwrap()
}

#[test]
fn contacts_are_canonical() {
    let cases = [
        ("  Jeanne.Martin@Example.FR ", Ok(Contact::Email("jeanne.martin@example.fr".into()))),
        ("06 12 34 56 78", Ok(Contact::Phone("+33612345678".into()))),
        ("06.12.34.56.78", Ok(Contact::Phone("+33612345678".into()))),
        ("+33 6 12 34 56 78", Ok(Contact::Phone("+33612345678".into()))),
        ("0033612345678", Ok(Contact::Phone("+33612345678".into()))),
        ("+1 (415) 555-0100", Ok(Contact::Phone("+14155550100".into()))),
        ("jeanne@", Err(InputError::ContactInvalid)),
        ("@example.fr", Err(InputError::ContactInvalid)),
        ("jeanne@example", Err(InputError::ContactInvalid)),
        ("jeanne..m@example.fr", Err(InputError::ContactInvalid)),
        ("jeanne@exa mple.fr", Err(InputError::ContactInvalid)),
        ("a@b@example.fr", Err(InputError::ContactInvalid)),
        ("12345", Err(InputError::ContactInvalid)),
        ("06 12 34 56 7x", Err(InputError::ContactInvalid)),
        ("+0612345678", Err(InputError::ContactInvalid)),
        ("+1234567890123456", Err(InputError::ContactInvalid)),
        ("", Err(InputError::ContactInvalid)),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_contact(input), expected, "{input:?}");
    }
    let long = format!("{}@example.fr", "a".repeat(250));
    assert_eq!(parse_contact(&long), Err(InputError::ContactInvalid));
}

#[test]
fn contacts_are_masked() {
    assert_eq!(Contact::Email("jeanne@example.fr".into()).masked(), "j•••@example.fr");
    assert_eq!(Contact::Phone("+33612345678".into()).masked(), "•• •• •• 78");
}

#[test]
fn names() {
    assert_eq!(parse_name("  Jean   Pierre "), Ok("Jean Pierre".into()));
    assert_eq!(parse_name("N’Diaye-Lefèvre"), Ok("N’Diaye-Lefèvre".into()));
    assert_eq!(parse_name("   "), Err(InputError::NameMissing));
    assert_eq!(parse_name("<script>"), Err(InputError::NameInvalid));
    assert_eq!(parse_name("Jean\u{0}"), Err(InputError::NameInvalid));
    assert_eq!(parse_name(&"a".repeat(101)), Err(InputError::NameTooLong));
    assert!(parse_name(&"é".repeat(100)).is_ok());
}

#[test]
fn dates() {
    assert_eq!(
        Date::parse("2024-02-29").map(|d| (d.year(), d.to_string())),
        Some((2024, "2024-02-29".into()))
    );
    for bad in ["2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "26-1-1", "x"]
    {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
    assert_eq!(Date::parse("2000-02-29").map(|d| d.to_string()), Some("2000-02-29".into()));
    let day = |seconds| Date::from_unix_seconds(seconds).to_string();
    assert_eq!(day(0), "1970-01-01");
    assert_eq!(day(1_795_564_800), "2026-11-25");
    assert_eq!(day(951_782_400), "2000-02-29");
}

#[test]
fn birth_dates_and_majority() {
    assert!(parse_birth_date("1980-05-17", today(), ADULT_AGE).is_ok());
    assert!(parse_birth_date("2008-11-25", today(), ADULT_AGE).is_ok(), "18 today");
    assert_eq!(parse_birth_date("2008-11-26", today(), ADULT_AGE), Err(InputError::Minor));
    assert_eq!(
        parse_birth_date("2026-11-26", today(), ADULT_AGE),
        Err(InputError::BirthDateInFuture)
    );
    assert_eq!(
        parse_birth_date("1899-12-31", today(), ADULT_AGE),
        Err(InputError::BirthDateInvalid)
    );
    assert_eq!(
        parse_birth_date("17/05/1980", today(), ADULT_AGE),
        Err(InputError::BirthDateInvalid)
    );
}

#[test]
fn password_lengths_count_characters_not_bytes() {
    assert_eq!(check_password_length("short"), Err(InputError::PasswordTooShort));
    assert_eq!(check_password_length("éééééééé"), Ok(()));
    assert_eq!(check_password_length(&"a".repeat(128)), Ok(()));
    assert_eq!(check_password_length(&"a".repeat(129)), Err(InputError::PasswordTooLong));
}

#[test]
fn signup_errors_are_all_reported_in_form_order() {
    assert_eq!(
        signup_errors("x", "", "Martin", "2030-01-01", "short", today()),
        [
            ("contact", InputError::ContactInvalid),
            ("given_name", InputError::NameMissing),
            ("birth_date", InputError::BirthDateInFuture),
            ("password", InputError::PasswordTooShort),
        ]
    );
    assert!(
        signup_errors("a@b.fr", "Jeanne", "Martin", "1980-05-17", "long enough", today())
            .is_empty()
    );
}

#[test]
fn codes() {
    assert_eq!(parse_code(" 123 456 "), Ok("123456".into()));
    assert_eq!(parse_code("12345"), Err(InputError::CodeInvalid));
    assert_eq!(parse_code("12345a"), Err(InputError::CodeInvalid));
    assert_eq!(parse_code("１２３４５６"), Err(InputError::CodeInvalid));
}
