//! Adding an entry to the health profile: choose the section, fill in its fields. A new
//! treatment comes back with what the ANSM thesaurus says of it against the current treatments,
//! shown at once, with the source.

pub mod fields;

use leptos::{ev::SubmitEvent, prelude::*};

use fields::{code, decode};

use super::view::{kind_label, section_label};
use crate::api::profile::{
    AllergySeverity, Entry, EntryInfo, EntryRequest, EntryWritten, MeasurementKind,
};
use crate::chunk::{OnDemand, PartLoad};
use crate::client::{self, ApiFailure};
use crate::i18n::{t, t_string, use_i18n};
use crate::safety::interactions::{Duplicate, Finding, SOURCE};
use crate::safety::view::findings_list;
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};
use crate::vocabulary::Section;

/// The form, fetched with its code (and the interactions thesaurus's) the first time the person
/// opens it, or edits an entry: reading the profile never pays for writing in it.
#[component]
pub fn EntryFormOnDemand(
    record: String,
    writable: Vec<Section>,
    refresh: Callback<()>,
    current: Signal<Vec<String>>,
    editing: RwSignal<Option<EntryInfo>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let wanted = RwSignal::new(false);
    // "Modifier" on an entry opens the form with it.
    Effect::new(move |_| {
        if editing.with(Option::is_some) {
            wanted.set(true);
        }
    });
    let props = StoredValue::new((record, writable));
    let load = move || -> PartLoad {
        let (record, writable) = props.get_value();
        Box::pin(entry_form(EntryFormProps { record, writable, refresh, current, editing }))
    };
    view! {
        <OnDemand wanted load focus="entry-section" placeholder=move || view! {
            <p>
                <button type="button" class="button button--secondary" on:click=move |_| wanted.set(true)>
                    {t!(i18n, profile.add_heading)}
                </button>
            </p>
        } />
    }
}

crate::split_fn!(profile_entry_form =>
    async fn entry_form(props: EntryFormProps) -> AnyView {
        EntryForm(props).into_any()
    }
);

#[component]
fn EntryForm(
    /// Whose profile: entries go to `/api/records/{record}/profile`.
    record: String,
    writable: Vec<Section>,
    refresh: Callback<()>,
    /// The current treatments shown on the page: what a new one is checked against on the
    /// device, before it is sent.
    current: Signal<Vec<String>>,
    /// The entry being edited, if any: the form then sends a new version of it, made from the
    /// version shown.
    editing: RwSignal<Option<EntryInfo>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/profile");
    let first = writable.first().copied().unwrap_or(Section::Allergies);
    let section = RwSignal::new(code(first));
    // One signal per field of any section; the chosen section decides which are shown and read.
    let [a, b, c, d, e] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let choice = RwSignal::new(String::new());
    let form = crate::client::Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let written = RwSignal::new(None::<EntryWritten>);
    // What the thesaurus on the device found for this substance; once shown, the next send goes.
    let on_device = RwSignal::new(None::<(String, Vec<Finding>, Vec<Duplicate>)>);
    // The medicines database is here: names are suggested while typing a treatment.
    let medicines_ready = RwSignal::new(false);
    // The care history's lines (the medicines dispensed), read once treatments are offered: the
    // check before sending counts them, offline too.
    #[cfg(feature = "hydrate")]
    let care_lines = StoredValue::new(None::<Vec<crate::api::care::CareLine>>);
    #[cfg(feature = "hydrate")]
    Effect::new({
        let care = format!("/api/records/{record}/care-history");
        move |_| {
            // Loaded as soon as a treatment may be entered, so the check is there offline too.
            if section.get() == code(Section::Treatments) {
                let care = care.clone();
                leptos::task::spawn_local(async move {
                    // Once per form: an asker whose profession reads no reimbursement data is
                    // refused once (and traced once), not at every choice of the section.
                    if care_lines.with_value(Option::is_none) {
                        care_lines.set_value(Some(Vec::new()));
                        let read = client::get::<crate::api::care::CareHistory>(&care).await;
                        if let Ok(history) = read {
                            care_lines.set_value(Some(history.lines));
                        }
                    }
                    crate::safety::on_device::thesaurus().await;
                    crate::safety::on_device::medicines().await;
                    medicines_ready.set(true);
                });
            }
        }
    });
    // Editing an entry: its section and fields in the form.
    Effect::new(move |_| {
        if let Some(info) = editing.get() {
            let [fa, fb, fc, fd, fe, fchoice] = fields::fill(&info.entry);
            section.set(code(info.entry.section()));
            for (signal, value) in [(a, fa), (b, fb), (c, fc), (d, fd), (e, fe), (choice, fchoice)]
            {
                signal.set(value);
            }
            form.clear();
            written.set(None);
        }
    });
    let queued = RwSignal::new(false);
    let error_of = move |field| field_error(i18n, failure, field);
    let build = move || {
        let fields = [a, b, c, d, e, choice].map(|field| field.get_untracked());
        fields::build(&section.get_untracked(), fields)
    };
    // Sends the entry (a new one, or the one being edited); kept on the device without network.
    let send = move |entry: Entry| {
        let (path, record) = (path.clone(), record.clone());
        written.set(None);
        on_device.set(None);
        queued.set(false);
        let (edited, csrf) = (editing.get_untracked(), form.csrf());
        async move {
            let sent = match &edited {
                Some(info) => {
                    let request =
                        EntryRequest { entry: entry.clone(), base_version: Some(info.version) };
                    client::put::<_, EntryWritten>(&format!("{path}/{}", info.id), &request, &csrf)
                        .await
                }
                None => {
                    let request = EntryRequest { entry: entry.clone(), base_version: None };
                    client::post::<_, EntryWritten>(&path, &request, Some(&csrf)).await
                }
            };
            let clear = move || {
                for field in [a, b, c, d, e, choice] {
                    field.set(String::new());
                }
                editing.set(None);
            };
            match sent {
                Ok(answer) => {
                    clear();
                    written.set(answer);
                    refresh.run(());
                }
                Err(ApiFailure::Network) if keep_for_later(&record, edited, entry).await => {
                    clear();
                    queued.set(true);
                }
                Err(error) => return Err(error),
            }
            Ok(())
        }
    };
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let Some(entry) = build() else {
            form.refuse(ApiFailure::Refused(crate::api::ErrorBody {
                field: Some("choice".into()),
                input: Some(crate::api::InputError::TextInvalid),
                ..crate::api::ErrorBody::new(crate::api::ErrorCode::Input)
            }));
            return;
        };
        #[cfg(feature = "hydrate")]
        if let Entry::Treatment { substance, .. } = &entry {
            let substance = substance.trim().to_owned();
            let seen = on_device.with_untracked(|found| {
                found.as_ref().is_some_and(|(checked, ..)| *checked == substance)
            });
            if !seen {
                let current = current.get_untracked();
                let send = send.clone();
                let lines = care_lines.with_value(|lines| lines.clone().unwrap_or_default());
                form.run(async move {
                    let found = check_on_device(&substance, &current, &lines)
                        .await
                        .map(|found| (found.interactions, found.duplicates));
                    match found {
                        Some((interactions, duplicates))
                            if !interactions.is_empty() || !duplicates.is_empty() =>
                        {
                            written.set(None);
                            on_device.set(Some((substance, interactions, duplicates)));
                            Ok(())
                        }
                        // Nothing found, or no thesaurus here: the server checks again anyway.
                        _ => send(entry).await,
                    }
                });
                return;
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = current;
        form.run(send(entry));
    };

    let options = writable
        .iter()
        .filter(|s| **s != Section::RegularDoctor)
        .map(|s| {
            let s = *s;
            view! { <option value=code(s)>{move || section_label(i18n, s)}</option> }
        })
        .collect_view();
    let label = move |text: String| Signal::derive(move || text.clone());
    let select = move |id: &'static str,
                       label_text: String,
                       value: RwSignal<String>,
                       choices: Vec<(String, String)>| {
        let error = error_of(id);
        view! {
            <div class="field">
                <label for=format!("entry-{id}")>{label_text}</label>
                <select id=format!("entry-{id}") bind:value=value aria-invalid=move || error.get().is_some().then_some("true")>
                    <option value="">{t!(i18n, profile.choose)}</option>
                    {choices.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
                {move || error.get().map(|text| view! { <p class="field__error">{text}</p> })}
            </div>
        }
    };
    // Medicines and substances whose name starts with what is typed, once the medicines
    // database is here (the thesaurus's names as well): the browser offers them under the field.
    let suggestions = move || {
        let typed = a.get();
        if !medicines_ready.get() || typed.trim().chars().count() < 2 {
            return Vec::new();
        }
        suggest(&typed)
            .into_iter()
            .map(|name| view! { <option value=name.clone()></option> })
            .collect::<Vec<_>>()
    };
    let fields = move || {
        let chosen = decode::<Section>(section.get()).unwrap_or(Section::Allergies);
        let text = |id: &'static str, name: String, signal| view! { <Field id=id label=label(name) value=signal autocomplete="off" error=error_of(field_name(id)) /> };
        let optional_text = |id: &'static str, name: String, signal| view! { <Field id=id label=label(name) value=signal autocomplete="off" optional=true error=error_of(field_name(id)) /> };
        let date = |id: &'static str, name: String, signal, optional: bool| view! { <Field id=id label=label(name) value=signal kind=Signal::stored("date") autocomplete="off" optional error=error_of(field_name(id)) /> };
        match chosen {
            Section::BloodGroup => view! {
                {select("group", t_string!(i18n, profile.group).to_string(), a, vec![("a".into(), "A".into()), ("b".into(), "B".into()), ("ab".into(), "AB".into()), ("o".into(), "O".into())])}
                {select("rhesus", t_string!(i18n, profile.rhesus).to_string(), b, vec![("positive".into(), "+".into()), ("negative".into(), "−".into())])}
            }.into_any(),
            Section::Allergies => view! {
                {text("entry-substance", t_string!(i18n, profile.substance).to_string(), a)}
                {optional_text("entry-reaction", t_string!(i18n, profile.reaction).to_string(), b)}
                {select("choice", t_string!(i18n, profile.severity).to_string(), choice, [AllergySeverity::Mild, AllergySeverity::Moderate, AllergySeverity::Severe, AllergySeverity::LifeThreatening].into_iter().map(|s| (code(s), super::view::severity_label(i18n, s))).collect())}
            }.into_any(),
            Section::Conditions => view! {
                {text("entry-name", t_string!(i18n, profile.condition).to_string(), a)}
                {date("entry-since", t_string!(i18n, profile.since_field).to_string(), b, true)}
                {date("entry-until", t_string!(i18n, profile.until_field).to_string(), c, true)}
            }.into_any(),
            Section::Implants => view! {
                {text("entry-device", t_string!(i18n, profile.device).to_string(), a)}
                {date("entry-since", t_string!(i18n, profile.implanted_on).to_string(), b, true)}
                {optional_text("entry-note", t_string!(i18n, profile.device_note).to_string(), c)}
            }.into_any(),
            Section::Treatments => view! {
                <Field id="entry-substance" label=label(t_string!(i18n, profile.substance).to_string()) value=a autocomplete="off" list="substance-suggestions" error=error_of(field_name("entry-substance")) />
                <datalist id="substance-suggestions">{suggestions}</datalist>
                {text("entry-dose", t_string!(i18n, profile.dose).to_string(), b)}
                {optional_text("entry-prescriber", t_string!(i18n, profile.prescriber).to_string(), c)}
                {date("entry-since", t_string!(i18n, profile.since_field).to_string(), d, true)}
                {date("entry-until", t_string!(i18n, profile.until_field).to_string(), e, true)}
            }.into_any(),
            Section::Vaccinations => view! {
                {text("entry-vaccine", t_string!(i18n, profile.vaccine).to_string(), a)}
                {date("entry-date", t_string!(i18n, profile.date).to_string(), b, false)}
                {optional_text("entry-lot", t_string!(i18n, profile.lot).to_string(), c)}
            }.into_any(),
            Section::Measurements => view! {
                {select("choice", t_string!(i18n, profile.kind).to_string(), choice, MeasurementKind::ALL.into_iter().map(|k| (code(k), format!("{} ({})", kind_label(i18n, k), k.unit()))).collect())}
                {text("entry-value", t_string!(i18n, profile.value).to_string(), a)}
                {optional_text("entry-second", t_string!(i18n, profile.second).to_string(), b)}
                {date("entry-date", t_string!(i18n, profile.date).to_string(), c, false)}
            }.into_any(),
            Section::AdvanceDirectives => view! {
                {text("entry-text", t_string!(i18n, profile.directives).to_string(), a)}
                {date("entry-date", t_string!(i18n, profile.date).to_string(), b, false)}
            }.into_any(),
            Section::OrganDonation => view! {
                {select("choice", t_string!(i18n, profile.wish).to_string(), choice, vec![("yes".into(), t_string!(i18n, profile.donation_yes).to_string()), ("no".into(), t_string!(i18n, profile.donation_no).to_string()), ("some".into(), t_string!(i18n, profile.donation_some).to_string())])}
                {optional_text("entry-note", t_string!(i18n, profile.note).to_string(), a)}
            }.into_any(),
            Section::EmergencyContacts | Section::RegularDoctor => view! {
                {text("entry-name", t_string!(i18n, profile.contact_name).to_string(), a)}
                {optional_text("entry-relation", t_string!(i18n, profile.relation).to_string(), b)}
                {text("entry-phone", t_string!(i18n, profile.phone).to_string(), c)}
            }.into_any(),
        }
    };
    let warnings = move || {
        written.get().map(|answer| {
            view! {
                <p class="notice" role="status">{t!(i18n, profile.added)}</p>
                {findings_list(i18n, answer.interactions, answer.duplicates)}
            }
        })
    };
    let before_sending = move || {
        on_device.get().map(|(substance, interactions, duplicates)| {
            view! {
                <div class="safety__before">
                    <p><strong>{t_string!(i18n, safety.before_sending, substance = substance).to_string()}</strong></p>
                    {findings_list(i18n, interactions, duplicates)}
                    <p class="safety__source">{t!(i18n, safety.source)}" "{SOURCE}</p>
                </div>
            }
        })
    };
    let has_warnings = move || {
        written.with(|w| {
            w.as_ref().is_some_and(|w| !w.interactions.is_empty() || !w.duplicates.is_empty())
        })
    };
    let is_editing = move || editing.with(Option::is_some);
    let cancel = move |_| {
        editing.set(None);
        for field in [a, b, c, d, e, choice] {
            field.set(String::new());
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate aria-labelledby="entry-heading">
            <h3 id="entry-heading">{move || if is_editing() { t_string!(i18n, profile.edit_heading) } else { t_string!(i18n, profile.add_heading) }}</h3>
            <FormAlert failure />
            <div class="field">
                <label for="entry-section">{t!(i18n, profile.section)}</label>
                <select id="entry-section" bind:value=section disabled=is_editing on:change=move |_| { form.clear(); choice.set(String::new()); }>{options}</select>
            </div>
            {fields}
            {before_sending}
            <SubmitButton pending label=Signal::derive(move || if on_device.with(Option::is_some) {
                t_string!(i18n, record.deposit_anyway).to_string()
            } else if is_editing() {
                t_string!(i18n, profile.save).to_string()
            } else {
                t_string!(i18n, profile.add).to_string()
            }) />
            {move || is_editing().then(|| view! {
                <p><button type="button" class="button button--secondary" on:click=cancel>{t!(i18n, profile.cancel)}</button></p>
            })}
        </form>
        {move || queued.get().then(|| view! { <p class="notice" role="status">{t!(i18n, offline.queued)}</p> })}
        {move || if has_warnings() {
            view! { <div>{warnings()}<p class="safety__source">{t!(i18n, safety.source)}" "{SOURCE}</p></div> }.into_any()
        } else {
            written.get().map(|_| view! { <p class="notice" role="status">{t!(i18n, profile.added)}</p> }).into_any()
        }}
    }
}

/// What the thesaurus says of the treatment named `new` against the current ones: those of the
/// profile shown (`typed`) and the medicines dispensed whose course runs, from the care-history
/// `lines` the asker may read (read when the form offered treatments). The same code as the
/// server's check. `None` when the thesaurus cannot be had here.
#[cfg(feature = "hydrate")]
async fn check_on_device(
    new: &str,
    typed: &[String],
    lines: &[crate::api::care::CareLine],
) -> Option<crate::safety::interactions::Prescribed> {
    use crate::safety::{on_device, treatments};
    let thesaurus = on_device::thesaurus().await?;
    // The medicines database only when a name is not a substance the thesaurus knows.
    let needed = !thesaurus.knows(new) || typed.iter().any(|name| !thesaurus.knows(name));
    let medicines = if needed { on_device::medicines().await } else { None };
    let dispensed = crate::api::care::dispensed_now(lines, crate::client::today());
    let current =
        treatments::current_treatments(&thesaurus, medicines.as_deref(), typed, &dispensed);
    Some(treatments::check_treatment(&thesaurus, medicines.as_deref(), new, &current))
}

/// Up to eight names for a treatment starting with `typed`: medicines first, then substances.
#[cfg(feature = "hydrate")]
fn suggest(typed: &str) -> Vec<String> {
    const SHOWN: usize = 8;
    let mut names: Vec<String> = crate::safety::on_device::medicines_loaded()
        .map(|medicines| medicines.suggest(typed, SHOWN).into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(thesaurus) = crate::safety::on_device::thesaurus_loaded() {
        for name in thesaurus.suggest(typed, SHOWN) {
            if names.len() < SHOWN && !names.iter().any(|known| known.eq_ignore_ascii_case(name)) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[cfg(not(feature = "hydrate"))]
fn suggest(_: &str) -> Vec<String> {
    Vec::new()
}

/// No network: the change goes to the device's outbox when the offline copy is unlocked.
/// `false` when it cannot (no copy, locked): the user then sees the network failure.
async fn keep_for_later(record: &str, edited: Option<EntryInfo>, entry: Entry) -> bool {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        use crate::cache::outbox::{Change, What, new_id};
        let mut random = [0u8; 8];
        if getrandom::getrandom(&mut random).is_err() {
            return false;
        }
        let what = match edited {
            Some(info) => What::EditEntry { entry_id: info.id, base_version: info.version, entry },
            None => What::NewEntry { entry },
        };
        let change = Change::new(new_id(js_sys::Date::now(), random), record.to_owned(), what);
        crate::cache::offline::queue(change).await.is_ok()
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        let _ = (record, edited, entry);
        false
    }
}

/// The server's name of a field whose input has the id `entry-<name>`.
fn field_name(id: &'static str) -> &'static str {
    id.strip_prefix("entry-").unwrap_or(id)
}
