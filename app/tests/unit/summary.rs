mod jwe;
mod link;

use std::collections::BTreeSet;

use app::api::care::CareLine;
use app::api::profile::{
    AboGroup, AllergySeverity, DonationWish, Entry, EntryInfo, MeasurementKind, Rhesus,
};
use app::api::record::AuthorInfo;
use app::date::Date;
use app::safety::medicines::{Medicines, SUBSTANCE_SYSTEM};
use app::summary::*;
use app::vocabulary::CareKind;
use serde_json::Value;

fn info(id: &str, entry: Entry, written_at: i64) -> EntryInfo {
    EntryInfo {
        id: id.into(),
        entry,
        version: 1,
        author: AuthorInfo::Patient,
        written_at,
        created_at: written_at,
        masked: false,
        removed: false,
        allowed: Vec::new(),
    }
}

fn jeanne() -> PatientLine {
    PatientLine {
        given_name: "Jeanne".into(),
        family_name: "Martin".into(),
        birth_date: "1980-05-17".into(),
    }
}

fn today() -> Date {
    Date::parse("2026-12-02").unwrap()
}

fn profile() -> Vec<EntryInfo> {
    vec![
        info("old-blood", Entry::BloodGroup { group: AboGroup::A, rhesus: Rhesus::Positive }, 1),
        info("blood", Entry::BloodGroup { group: AboGroup::O, rhesus: Rhesus::Negative }, 2),
        info(
            "peanut",
            Entry::Allergy {
                substance: "arachide".into(),
                reaction: "urticaire".into(),
                severity: AllergySeverity::Mild,
            },
            3,
        ),
        info(
            "penicillin",
            Entry::Allergy {
                substance: "pénicilline".into(),
                reaction: "œdème de Quincke".into(),
                severity: AllergySeverity::LifeThreatening,
            },
            4,
        ),
        info(
            "bisoprolol",
            Entry::Treatment {
                substance: "bisoprolol".into(),
                dose: "5 mg le matin".into(),
                prescriber: String::new(),
                since: Some("2024-01-10".into()),
                until: None,
            },
            5,
        ),
        info(
            "stopped",
            Entry::Treatment {
                substance: "amoxicilline".into(),
                dose: "1 g".into(),
                prescriber: String::new(),
                since: Some("2026-01-01".into()),
                until: Some("2026-01-08".into()),
            },
            6,
        ),
        info(
            "old-weight",
            Entry::Measurement {
                kind: MeasurementKind::Weight,
                value: 70.0,
                second: None,
                date: "2025-01-01".into(),
            },
            7,
        ),
        info(
            "weight",
            Entry::Measurement {
                kind: MeasurementKind::Weight,
                value: 68.5,
                second: None,
                date: "2026-11-01".into(),
            },
            8,
        ),
        info("donation", Entry::OrganDonation { wish: DonationWish::Yes, note: String::new() }, 9),
        info(
            "pacemaker",
            Entry::Implant {
                device: "stimulateur cardiaque".into(),
                since: Some("2021-04-02".into()),
                note: "non compatible IRM".into(),
            },
            12,
        ),
        info(
            "sister",
            Entry::EmergencyContact {
                name: "Claire Martin".into(),
                relation: "sœur".into(),
                phone: "+33612345678".into(),
            },
            10,
        ),
    ]
}

#[test]
fn the_summary_keeps_what_is_current_critical_parts_first() {
    let summary = summarize(jeanne(), &profile(), None, &BTreeSet::new(), today());
    let parts: Vec<Part> = summary.parts.iter().map(|p| p.part).collect();
    assert_eq!(
        parts,
        [
            Part::BloodGroup,
            Part::Allergies,
            Part::Medications,
            Part::Problems,
            Part::Devices,
            Part::OrganDonation,
            Part::EmergencyContacts,
            Part::Results
        ]
    );
    let ids = |part: Part| -> Vec<String> {
        summary.part(part).unwrap().items.iter().map(|item| item.id.clone()).collect()
    };
    assert_eq!(ids(Part::BloodGroup), ["blood"], "the latest blood group only");
    assert_eq!(ids(Part::Allergies), ["penicillin", "peanut"], "the most severe first");
    assert_eq!(ids(Part::Medications), ["bisoprolol"], "a stopped treatment is not current");
    assert_eq!(ids(Part::Results), ["weight"], "the latest measurement of each kind");
    // A required part with nothing says why.
    let problems = summary.part(Part::Problems).unwrap();
    assert!(problems.items.is_empty());
    assert_eq!(problems.empty, Some(EmptyReason::NothingRecorded));
    assert_eq!(summary.as_of, "2026-12-02");
}

#[test]
fn the_patient_leaves_out_any_item_and_masked_ones_start_out() {
    let mut entries = profile();
    entries[3].masked = true;
    let left_out = left_out_at_first(&entries);
    assert_eq!(left_out, BTreeSet::from(["penicillin".to_owned()]));
    let mut left_out = left_out;
    left_out.insert("peanut".into());
    left_out.insert("bisoprolol".into());
    left_out.insert(REGULAR_DOCTOR.into());
    let doctor = app::directory::Professional {
        rpps: app::directory::Rpps::parse("10000000009").unwrap(),
        given_name: "Anne".into(),
        family_name: "Martin".into(),
        profession: app::directory::Profession::Physician,
        specialty: None,
        place: "Le Havre".into(),
    };
    let summary = summarize(jeanne(), &entries, Some(doctor), &left_out, today());
    let allergies = summary.part(Part::Allergies).unwrap();
    assert!(allergies.items.is_empty());
    assert_eq!(allergies.empty, Some(EmptyReason::Withheld), "recorded, not shared");
    assert_eq!(summary.part(Part::Medications).unwrap().empty, Some(EmptyReason::Withheld));
    assert!(summary.regular_doctor.is_none());
    let text = serde_json::to_string(&summary).unwrap();
    for secret in ["pénicilline", "arachide", "bisoprolol"] {
        assert!(!text.contains(secret), "{secret} is left out");
    }
}

#[test]
fn the_summary_round_trips_as_json_and_fits_a_link() {
    let summary = summarize(jeanne(), &profile(), None, &BTreeSet::new(), today());
    let json = serde_json::to_vec(&summary).unwrap();
    let back: Summary = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, summary);
    let key = app::summary::jwe::new_key();
    let sealed = app::summary::jwe::encrypt(&key, &json);
    assert!(sealed.len() < 8 * 1024, "{} bytes", sealed.len());
    assert_eq!(&app::summary::jwe::decrypt(&key, &sealed).unwrap()[..], &json[..]);
}

#[test]
fn the_ips_bundle_is_a_document_with_its_composition_first() {
    let summary = summarize(jeanne(), &profile(), None, &BTreeSet::new(), today());
    let bundle = fhir::bundle(
        &summary,
        "3f1c8f0e-5b6a-4c2d-9e7f-0a1b2c3d4e5f",
        "2026-12-02T10:00:00Z",
        false,
        Some(Medicines::embedded()),
    );
    assert_eq!(bundle["type"], "document");
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(entries[0]["resource"]["resourceType"], "Composition");
    assert_eq!(entries[0]["resource"]["type"]["coding"][0]["code"], "60591-5");
    let sections = entries[0]["resource"]["section"].as_array().unwrap();
    let codes: Vec<&str> =
        sections.iter().map(|s| s["code"]["coding"][0]["code"].as_str().unwrap()).collect();
    for required in ["48765-2", "10160-0", "11450-4"] {
        assert!(codes.contains(&required), "{required} in {codes:?}");
    }
    let problems = sections.iter().find(|s| s["code"]["coding"][0]["code"] == "11450-4").unwrap();
    assert_eq!(problems["emptyReason"]["coding"][0]["code"], "unavailable");
    // Every reference points at an entry of the bundle.
    let urls: BTreeSet<&str> = entries.iter().map(|e| e["fullUrl"].as_str().unwrap()).collect();
    assert_eq!(urls.len(), entries.len(), "unique full URLs");
    for section in sections {
        for reference in section["entry"].as_array().into_iter().flatten() {
            assert!(urls.contains(reference["reference"].as_str().unwrap()));
        }
    }
    // An implant: the device and the statement that the patient carries it.
    let devices = sections.iter().find(|s| s["code"]["coding"][0]["code"] == "46264-8").unwrap();
    let statement = devices["entry"][0]["reference"].as_str().unwrap();
    let find =
        |url: &str| entries.iter().find(|e| e["fullUrl"] == url).unwrap()["resource"].clone();
    let used = find(statement);
    assert_eq!(used["resourceType"], "DeviceUseStatement");
    let device = find(used["device"]["reference"].as_str().unwrap());
    assert_eq!(
        (device["resourceType"].as_str(), device["type"]["text"].as_str()),
        (Some("Device"), Some("stimulateur cardiaque"))
    );
    let patient = &entries[1]["resource"];
    assert_eq!(patient["contact"][0]["telecom"][0]["value"], "+33612345678");
    let allergy = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "AllergyIntolerance" && r["criticality"] == "high")
        .unwrap();
    assert_eq!(allergy["code"]["text"], "pénicilline");
    // One Results section (LOINC 30954-2, as the IPS allows one): the blood group, then the
    // measurements.
    let results: Vec<&Value> =
        sections.iter().filter(|s| s["code"]["coding"][0]["code"] == "30954-2").collect();
    assert_eq!(results.len(), 1, "{results:?}");
    let observations: Vec<Value> = results[0]["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reference| find(reference["reference"].as_str().unwrap()))
        .collect();
    assert_eq!(observations[0]["code"]["coding"][0]["code"], "882-1");
    assert!(observations.len() > 1, "the measurements follow the blood group");
    assert!(observations.iter().all(|o| o["resourceType"] == "Observation"));
    // A treatment the medicines database resolves: a Medication whose ingredient is the
    // substance with its ANSM code, the patient's text kept.
    let medications =
        sections.iter().find(|s| s["code"]["coding"][0]["code"] == "10160-0").unwrap();
    let statement = find(medications["entry"][0]["reference"].as_str().unwrap());
    assert_eq!(statement["resourceType"], "MedicationStatement");
    let medication = find(statement["medicationReference"]["reference"].as_str().unwrap());
    assert_eq!(medication["code"]["text"], "bisoprolol");
    let ingredient = &medication["ingredient"][0]["itemCodeableConcept"];
    assert_eq!(ingredient["coding"][0]["system"], SUBSTANCE_SYSTEM);
    assert!(
        ingredient["coding"][0]["code"]
            .as_str()
            .is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit())),
        "{ingredient}"
    );
    // An allergy to a class the database does not hold stays text.
    assert!(allergy["code"].get("coding").is_none());
    // Narrative is escaped.
    let mut odd = profile();
    odd.push(info(
        "odd",
        Entry::Condition { name: "<b>x</b> & y".into(), since: None, until: None },
        11,
    ));
    let summary = summarize(jeanne(), &odd, None, &BTreeSet::new(), today());
    let bundle = fhir::bundle(
        &summary,
        "3f1c8f0e-5b6a-4c2d-9e7f-0a1b2c3d4e5f",
        "2026-12-02T10:00:00Z",
        true,
        None,
    );
    let sections = bundle["entry"][0]["resource"]["section"].as_array().unwrap();
    let problems = sections.iter().find(|s| s["code"]["coding"][0]["code"] == "11450-4").unwrap();
    let div = problems["text"]["div"].as_str().unwrap();
    assert!(div.contains("&lt;b&gt;x&lt;/b&gt; &amp; y") && !div.contains("<b>x</b>"), "{div}");
    assert_eq!(problems["title"], "Problem list");
}

#[test]
fn instants_and_uuids_have_their_shapes() {
    assert_eq!(fhir::instant(1_795_564_800 + 3661), "2026-11-25T01:01:01Z");
    let uuid = fhir::uuid_v4([0xff; 16]);
    assert_eq!(uuid, "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

fn dispensed(id: &str, date: &str, label: &str, substance: &str, masked: bool) -> CareLine {
    CareLine {
        id: id.into(),
        kind: CareKind::Pharmacy,
        date: Date::parse(date).unwrap(),
        code: None,
        label: label.into(),
        quantity: Some(1),
        days_supply: Some(30),
        substances: vec![substance.into()],
        prescriber: Some("Dr Anne Martin".into()),
        performer: None,
        charged_cents: None,
        reimbursed_cents: None,
        version: 1,
        masked,
        allowed: Vec::new(),
    }
}

#[test]
fn medicines_dispensed_lately_may_go_in_marked_so_and_left_out_like_an_entry() {
    let typed = vec![info(
        "t",
        Entry::Treatment {
            substance: "Bisoprolol".into(),
            dose: "2,5 mg".into(),
            prescriber: String::new(),
            since: None,
            until: None,
        },
        1,
    )];
    let lines = [
        // The latest of two refills; the other one, and a course that ended, are not.
        dispensed("w2", "2026-11-25", "COUMADINE 2 mg", "warfarine", false),
        dispensed("w1", "2026-10-28", "COUMADINE 2 mg", "warfarine", false),
        dispensed("old", "2026-09-01", "AUGMENTIN", "amoxicilline", false),
        // Named by the profile already.
        dispensed("b", "2026-11-30", "BISOCE 2,5 mg", "bisoprolol", false),
        // Masked by the patient: offered, but left out at first.
        dispensed("m", "2026-11-20", "SERESTA 10 mg", "oxazepam", true),
    ];
    let extra = dispensed_treatments(&typed, &lines, today(), false);
    let ids: Vec<&str> = extra.iter().map(|info| info.id.as_str()).collect();
    assert_eq!(ids, ["care:w2", "care:m"]);
    assert_eq!(
        extra[0].entry,
        Entry::Treatment {
            substance: "COUMADINE 2 mg".into(),
            dose: "délivré en pharmacie le 2026-11-25".into(),
            prescriber: "Dr Anne Martin".into(),
            since: Some("2026-11-25".into()),
            until: Some("2026-12-25".into()),
        }
    );
    let english = dispensed_treatments(&typed, &lines, today(), true);
    assert!(matches!(&english[0].entry, Entry::Treatment { dose, .. }
        if dose == "dispensed at the pharmacy on 2026-11-25"));

    let mut all = typed.clone();
    all.extend(extra);
    let left_out = left_out_at_first(&all);
    let summary = summarize(jeanne(), &all, None, &left_out, today());
    let shown: Vec<&str> = summary
        .part(Part::Medications)
        .unwrap()
        .items
        .iter()
        .map(|item| item.id.as_str())
        .collect();
    assert_eq!(shown, ["t", "care:w2"]);
}
