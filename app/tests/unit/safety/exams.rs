use app::date::Date;
use app::safety::exams::*;
use app::vocabulary::Category;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn earlier<'a>(id: &'a str, category: Category, code: &'a str, date: &'a str) -> Earlier<'a> {
    Earlier { id, title: id, category, type_code: Some(code), care_date: date, reimbursed: false }
}

#[test]
fn the_same_type_within_its_window_is_named() {
    let windows = ExamWindows::reference();
    assert_eq!(windows.window(Category::LabResults, "4548-4"), Some(90));
    assert_eq!(windows.window(Category::LabResults, "2093-3"), Some(365));
    assert_eq!(windows.window(Category::LabResults, "11502-2"), Some(90), "the default");
    assert_eq!(windows.window(Category::Reports, "11502-2"), None, "a report is no exam");
    let record = [
        earlier("hba1c-sept", Category::LabResults, "4548-4", "2026-09-01"),
        earlier("hba1c-june", Category::LabResults, "4548-4", "2026-06-01"),
        earlier("lipids", Category::LabResults, "2093-3", "2026-01-10"),
        earlier("xray", Category::Imaging, "36643-5", "2026-11-01"),
    ];
    let found = windows.repeated(Category::LabResults, Some("4548-4"), day("2026-11-20"), &record);
    assert_eq!(found.len(), 1, "June is more than 90 days before: {found:?}");
    assert_eq!(
        (found[0].document_id.as_str(), found[0].days_apart, found[0].window_days),
        ("hba1c-sept", 80, 90)
    );
    let lipids = windows.repeated(Category::LabResults, Some("2093-3"), day("2026-11-20"), &record);
    assert_eq!(lipids[0].document_id, "lipids");
    assert!(
        windows
            .repeated(Category::LabResults, Some("2345-7"), day("2026-11-20"), &record)
            .is_empty()
    );
    assert!(windows.repeated(Category::LabResults, None, day("2026-11-20"), &record).is_empty());
    let xray = windows.repeated(Category::Imaging, Some("36643-5"), day("2026-11-20"), &record);
    assert_eq!(xray[0].days_apart, 19);
}

#[test]
fn bad_files_are_refused() {
    assert_eq!(ExamWindows::parse("{}").unwrap_err(), WindowsError::Format);
    let bad_code = DEFAULT_JSON.replace("\"4548-4\"", "\"4548\"");
    assert_eq!(ExamWindows::parse(&bad_code).unwrap_err(), WindowsError::Code("4548".into()));
    let zero = DEFAULT_JSON.replace("\"2345-7\": 30", "\"2345-7\": 0");
    assert_eq!(ExamWindows::parse(&zero).unwrap_err(), WindowsError::Days);
    assert_eq!(ExamWindows::reference().version(), "2026-12-01");
}
