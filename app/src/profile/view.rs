//! The health profile on the record pages: entries by section, who wrote them and when,
//! masking (patient side), trend charts of measurements, and the form to add an entry.

use crate::policy::Action;
use leptos::prelude::*;

use super::{
    chart::{self, BOTTOM, HEIGHT, LEFT, WIDTH},
    form::EntryFormOnDemand,
};
use crate::api::profile::{AllergySeverity, DonationWish, Entry, EntryInfo, MeasurementKind};
use crate::client;
use crate::date::Date;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::ui::form::FormAlert;
use crate::{api::record::MaskRequest, vocabulary::Section};
use leptos_i18n::I18nContext;

pub fn section_label(i18n: I18nContext<Locale>, section: Section) -> String {
    match section {
        Section::BloodGroup => t_string!(i18n, profile.blood_group),
        Section::Allergies => t_string!(i18n, profile.allergies),
        Section::Conditions => t_string!(i18n, profile.conditions),
        Section::Implants => t_string!(i18n, profile.implants),
        Section::Treatments => t_string!(i18n, profile.treatments),
        Section::Vaccinations => t_string!(i18n, profile.vaccinations),
        Section::Measurements => t_string!(i18n, profile.measurements),
        Section::AdvanceDirectives => t_string!(i18n, profile.advance_directives),
        Section::OrganDonation => t_string!(i18n, profile.organ_donation),
        Section::EmergencyContacts => t_string!(i18n, profile.emergency_contacts),
        Section::RegularDoctor => t_string!(i18n, profile.regular_doctor),
    }
    .to_string()
}

pub fn kind_label(i18n: I18nContext<Locale>, kind: MeasurementKind) -> String {
    match kind {
        MeasurementKind::Weight => t_string!(i18n, profile.weight),
        MeasurementKind::Height => t_string!(i18n, profile.height),
        MeasurementKind::BloodPressure => t_string!(i18n, profile.blood_pressure),
        MeasurementKind::HeartRate => t_string!(i18n, profile.heart_rate),
        MeasurementKind::Glucose => t_string!(i18n, profile.glucose),
        MeasurementKind::Hba1c => t_string!(i18n, profile.hba1c),
        MeasurementKind::Temperature => t_string!(i18n, profile.temperature),
    }
    .to_string()
}

pub(super) fn severity_label(i18n: I18nContext<Locale>, severity: AllergySeverity) -> String {
    match severity {
        AllergySeverity::Mild => t_string!(i18n, profile.mild),
        AllergySeverity::Moderate => t_string!(i18n, profile.moderate),
        AllergySeverity::Severe => t_string!(i18n, profile.severe),
        AllergySeverity::LifeThreatening => t_string!(i18n, profile.life_threatening),
    }
    .to_string()
}

/// One line saying what the entry is.
pub fn summary(i18n: I18nContext<Locale>, entry: &Entry) -> String {
    let period = |since: &Option<String>, until: &Option<String>| match (since, until) {
        (Some(since), Some(until)) => format!(" ({since} → {until})"),
        (Some(since), None) => t_string!(i18n, profile.since, date = since.clone()).to_string(),
        (None, Some(until)) => format!(" (→ {until})"),
        (None, None) => String::new(),
    };
    match entry {
        Entry::BloodGroup { group, rhesus } => {
            let group = match group {
                crate::api::profile::AboGroup::A => "A",
                crate::api::profile::AboGroup::B => "B",
                crate::api::profile::AboGroup::Ab => "AB",
                crate::api::profile::AboGroup::O => "O",
            };
            let sign = if *rhesus == crate::api::profile::Rhesus::Positive { "+" } else { "−" };
            format!("{group} {sign}")
        }
        Entry::Allergy { substance, reaction, severity } => {
            let reaction =
                if reaction.is_empty() { String::new() } else { format!(", {reaction}") };
            format!("{substance}{reaction} — {}", severity_label(i18n, *severity))
        }
        Entry::Condition { name, since, until } => format!("{name}{}", period(since, until)),
        Entry::Implant { device, since, note } => {
            let note = if note.is_empty() { String::new() } else { format!(", {note}") };
            format!("{device}{note}{}", period(since, &None))
        }
        Entry::Treatment { substance, dose, prescriber, since, until } => {
            let by = if prescriber.is_empty() { String::new() } else { format!(", {prescriber}") };
            format!("{substance}, {dose}{by}{}", period(since, until))
        }
        Entry::Vaccination { vaccine, date, lot } => {
            let lot = if lot.is_empty() { String::new() } else { format!(" ({lot})") };
            format!("{vaccine}, {date}{lot}")
        }
        Entry::Measurement { kind, value, second, date } => {
            let value = match second {
                Some(second) => format!("{value}/{second}"),
                None => value.to_string(),
            };
            format!("{} : {value} {} — {date}", kind_label(i18n, *kind), kind.unit())
        }
        Entry::AdvanceDirectives { text, date } => format!("{date} : {text}"),
        Entry::OrganDonation { wish, note } => {
            let wish = match wish {
                DonationWish::Yes => t_string!(i18n, profile.donation_yes),
                DonationWish::No => t_string!(i18n, profile.donation_no),
                DonationWish::Some => t_string!(i18n, profile.donation_some),
            };
            if note.is_empty() { wish.to_string() } else { format!("{wish} : {note}") }
        }
        Entry::EmergencyContact { name, relation, phone } => {
            let relation =
                if relation.is_empty() { String::new() } else { format!(" ({relation})") };
            format!("{name}{relation}, {phone}")
        }
    }
}

/// The measurements of one kind as a trend chart, with the values as text for everyone.
#[component]
fn TrendChart(kind: MeasurementKind, entries: Vec<EntryInfo>) -> Option<impl IntoView> {
    let i18n = use_i18n();
    let points: Vec<(Date, f64, Option<f64>)> = entries
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Measurement { value, second, date, .. } => {
                Date::parse(date).map(|d| (d, *value, *second))
            }
            _ => None,
        })
        .collect();
    let geometry = chart::geometry(&points)?;
    let title = format!("{} ({})", kind_label(i18n, kind), kind.unit());
    let label = t_string!(
        i18n,
        profile.chart_label,
        what = title.clone(),
        from = geometry.first_day.to_string(),
        to = geometry.last_day.to_string()
    )
    .to_string();
    let main = chart::points_attribute(&geometry.points);
    let second = chart::points_attribute(&geometry.second);
    let dots = geometry
        .points
        .iter()
        .chain(&geometry.second)
        .map(|(x, y)| view! { <circle cx=x.to_string() cy=y.to_string() r="3" /> })
        .collect_view();
    let axis_y = (HEIGHT - BOTTOM).to_string();
    Some(view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label class="chart__svg">
                <line x1=LEFT.to_string() y1="10" x2=LEFT.to_string() y2=axis_y.clone() class="chart__axis" />
                <line x1=LEFT.to_string() y1=axis_y.clone() x2=WIDTH.to_string() y2=axis_y.clone() class="chart__axis" />
                <text x="2" y="16" class="chart__label">{format!("{:.1}", geometry.high)}</text>
                <text x="2" y=axis_y.clone() class="chart__label">{format!("{:.1}", geometry.low)}</text>
                <text x=LEFT.to_string() y=(HEIGHT - 6.0).to_string() class="chart__label">{geometry.first_day.to_string()}</text>
                <text x=(WIDTH - 80.0).to_string() y=(HEIGHT - 6.0).to_string() class="chart__label">{geometry.last_day.to_string()}</text>
                <polyline points=main class="chart__line" />
                {(!geometry.second.is_empty()).then(|| view! { <polyline points=second class="chart__line chart__line--second" /> })}
                {dots}
            </svg>
        </figure>
    })
}

#[component]
pub fn ProfileSection(
    record: String,
    /// The sections the signed-in person may add to (the server's answer, `abilities`).
    writable: Vec<Section>,
    /// Only this section, when one is chosen.
    #[prop(optional, into)]
    only: Option<Signal<Option<Section>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/profile");
    let offline = crate::cache::use_offline();
    let entries = {
        let path = path.clone();
        // Read again when changes made offline have reached the server (the counter is part of
        // the source, which is compared with the last one).
        Resource::new(
            move || (offline.synced.get(), path.clone()),
            |(_, path)| client::get::<Vec<EntryInfo>>(&path),
        )
    };
    let editing = RwSignal::new(None::<EntryInfo>);
    let changed = use_context::<crate::client::RecordChanged>();
    let refresh = Callback::new(move |()| {
        entries.refetch();
        if let Some(changed) = changed {
            changed.mark();
        }
    });
    let form = client::Submission::new();
    let failure = form.failure();
    // The current treatments on the page, for the check on the device.
    let current = Signal::derive(move || {
        let today = client::today();
        entries
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| !e.removed && e.entry.is_current(today))
            .filter_map(|e| match e.entry {
                Entry::Treatment { substance, .. } => Some(substance),
                _ => None,
            })
            .collect::<Vec<_>>()
    });
    let body = {
        let path = path.clone();
        move || {
            entries.get().map(|result| {
                let chosen = only.and_then(|only| only.get());
                let list: Vec<EntryInfo> = result
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|e| !e.removed && chosen.is_none_or(|chosen| e.entry.section() == chosen))
                    .collect();
                if list.is_empty() {
                    return match chosen {
                        Some(section) => {
                            let label = section_label(i18n, section);
                            view! { <p>{t_string!(i18n, profile.section_empty, section = label).to_string()}</p> }.into_any()
                        }
                        None => view! { <p>{t!(i18n, profile.empty)}</p> }.into_any(),
                    };
                }
                let sections = Section::ALL
                    .into_iter()
                    .filter_map(|section| {
                        let of: Vec<EntryInfo> = list.iter().filter(|e| e.entry.section() == section).cloned().collect();
                        if of.is_empty() {
                            return None;
                        }
                        let charts = (section == Section::Measurements).then(|| {
                            MeasurementKind::ALL
                                .into_iter()
                                .filter_map(|kind| {
                                    let series: Vec<EntryInfo> = of
                                        .iter()
                                        .filter(|e| matches!(&e.entry, Entry::Measurement { kind: k, .. } if *k == kind))
                                        .cloned()
                                        .collect();
                                    (!series.is_empty()).then(|| view! { <TrendChart kind entries=series /> })
                                })
                                .collect_view()
                        });
                        let items = of
                            .into_iter()
                            .map(|e| {
                                let author = crate::ui::author_name(i18n, &e.author);
                                let written = crate::date::moment(e.written_at);
                                let meta = t_string!(i18n, profile.written, by = author, at = written, version = e.version).to_string();
                                let may = |action: Action| e.allowed.contains(&action);
                                let mask = may(Action::Mask).then(|| {
                                    let uri = format!("{path}/{}/mask", e.id);
                                    let masked = e.masked;
                                    let click = move |_| {
                                        form.post(uri.clone(), MaskRequest { masked: !masked }, move |_: Option<()>| refresh.run(()));
                                    };
                                    view! {
                                        <button type="button" class="button button--secondary button--small" on:click=click disabled=form.pending()>
                                            {if masked { t_string!(i18n, record.unmask) } else { t_string!(i18n, record.mask) }}
                                        </button>
                                    }
                                });
                                // A new version, where the server says the asker may write one.
                                let edit = may(Action::Write).then(|| {
                                    let info = e.clone();
                                    let label = t_string!(i18n, profile.edit_label, what = summary(i18n, &e.entry)).to_string();
                                    view! {
                                        <button type="button" class="button button--secondary button--small" aria-label=label
                                            on:click=move |_| editing.set(Some(info.clone()))>
                                            {t!(i18n, profile.edit)}
                                        </button>
                                    }
                                });
                                view! {
                                    <li class="entry">
                                        <p class="entry__what">{summary(i18n, &e.entry)}
                                            {e.masked.then(|| view! { " · " <strong>{t!(i18n, record.masked)}</strong> })}
                                        </p>
                                        <p class="entry__meta">{meta}</p>
                                        {mask}
                                        " "
                                        {edit}
                                    </li>
                                }
                            })
                            .collect_view();
                        Some(view! {
                            <h3 id=format!("rubrique-{}", section.slug())>{section_label(i18n, section)}</h3>
                            {charts}
                            <ul class="entries">{items}</ul>
                        })
                    })
                    .collect_view();
                view! { <div>{sections}</div> }.into_any()
            })
        }
    };
    view! {
        <section class="panel" aria-labelledby="profile-heading">
            <h2 id="profile-heading">{t!(i18n, profile.heading)}</h2>
            <FormAlert failure />
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{body}</Suspense>
            {(!writable.is_empty()).then(|| view! { <EntryFormOnDemand record=record.clone() writable refresh current editing /> })}
        </section>
    }
}
