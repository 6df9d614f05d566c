use app::api::InputError;
use app::record::deposit::request::*;
use app::vocabulary::{Category, MediaType};

fn pdf(category: Category) -> DepositFields {
    DepositFields {
        title: "Bilan".into(),
        category,
        care_date: "2026-11-20".into(),
        file_type: "application/pdf".into(),
        size: 1200,
        type_code: String::new(),
        confidential: false,
        held_back: false,
        substances: String::new(),
        exam_kind: String::new(),
        exam_code: String::new(),
    }
}

#[test]
fn a_plain_document_is_announced_as_typed() {
    let Deposit { request, exam } = build(pdf(Category::Reports)).unwrap();
    assert_eq!(request.title, "Bilan");
    assert_eq!(request.media_type, MediaType::Pdf);
    assert_eq!((request.size, request.type_code, exam), (1200, None, None));
    assert!(request.substances.is_empty());
}

#[test]
fn a_bad_type_code_or_file_type_names_its_field() {
    let typed = DepositFields { type_code: "11502".into(), ..pdf(Category::Reports) };
    assert_eq!(build(typed), Err(("type_code", InputError::TypeCodeInvalid)));
    let odd = DepositFields { file_type: "application/zip".into(), ..pdf(Category::Reports) };
    assert_eq!(build(odd), Err(("file", InputError::MediaType)));
    let prescribed = DepositFields {
        exam_kind: "imaging".into(),
        exam_code: "abc".into(),
        ..pdf(Category::Prescriptions)
    };
    assert_eq!(build(prescribed), Err(("exam_code", InputError::TypeCodeInvalid)));
}

#[test]
fn the_exam_checked_is_the_one_deposited_or_the_one_prescribed() {
    let result = DepositFields { type_code: " 2345-7 ".into(), ..pdf(Category::LabResults) };
    let built = build(result).unwrap();
    assert_eq!(built.request.type_code.as_deref(), Some("2345-7"));
    assert_eq!(built.exam, Some((Category::LabResults, "2345-7".into())));
    let untyped = build(pdf(Category::Imaging)).unwrap();
    assert_eq!(untyped.exam, None, "no type, nothing to compare");
    let prescription = DepositFields {
        exam_kind: "imaging".into(),
        exam_code: "24627-2".into(),
        ..pdf(Category::Prescriptions)
    };
    assert_eq!(build(prescription).unwrap().exam, Some((Category::Imaging, "24627-2".into())));
    // An exam kind left over from a prescription means nothing on another category.
    let report = DepositFields { exam_kind: "imaging".into(), ..pdf(Category::Reports) };
    assert_eq!(build(report).unwrap().exam, None);
}

#[test]
fn substances_are_read_only_for_medicines() {
    let listed = "Warfarine, acide acétylsalicylique;\n ; Paracétamol";
    let prescription = DepositFields { substances: listed.into(), ..pdf(Category::Prescriptions) };
    assert_eq!(
        build(prescription).unwrap().request.substances,
        ["Warfarine", "acide acétylsalicylique", "Paracétamol"]
    );
    let report = DepositFields { substances: listed.into(), ..pdf(Category::Reports) };
    assert!(build(report).unwrap().request.substances.is_empty());
}
