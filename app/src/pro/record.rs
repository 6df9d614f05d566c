//! A patient's record as a professional sees it: what the policy lets them read, and a
//! deposit form offering the categories their profession may deposit (from the same access
//! matrix the server enforces). Three pages, each its own route and chunk, as the patient's
//! are: the documents with the deposit form (`/pro/dossier/:id`), the health profile with the
//! timeline and the accesses (`/pro/dossier/:id/sante`), and the INS with the care history
//! (`/pro/dossier/:id/soins`). None loads another's code.

use leptos::{either::Either, prelude::*};
use leptos_router::{components::A, hooks::use_params_map};

use super::emergency_banner::EmergencyBanner;
use crate::api::ErrorCode;
use crate::api::filter::DocumentFilter;
use crate::api::pro::{PatientSummary, ProMe};
use crate::chunk::{OnDemand, PartLoad};
use crate::client;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::profile::ProfileSection;
use crate::record::{
    AccessHistory, DocumentBrowse, DocumentSplit, TimelineSection, deposit_forms, with_abilities,
};
use crate::ui::PageTitle;

/// Which of the record's two pages a frame shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Documents,
    Health,
    Care,
}

impl Part {
    fn href(self, record: &str) -> String {
        match self {
            Part::Documents => super::record_href(record),
            Part::Health => format!("/pro/dossier/{record}/sante"),
            Part::Care => format!("/pro/dossier/{record}/soins"),
        }
    }

    /// Its name, in the page's title and in the link to it.
    fn label(self, i18n: leptos_i18n::I18nContext<Locale>) -> &'static str {
        match self {
            Part::Documents => t_string!(i18n, tabs.documents),
            Part::Health => t_string!(i18n, tabs.health),
            Part::Care => t_string!(i18n, care.heading),
        }
    }
}

#[component]
pub fn ProRecordPage() -> impl IntoView {
    view! { <ProRecordFrame part=Part::Documents content=documents /> }
}

#[component]
pub fn ProRecordHealthPage() -> impl IntoView {
    view! { <ProRecordFrame part=Part::Health content=health /> }
}

#[component]
pub fn ProRecordCarePage() -> impl IntoView {
    view! { <ProRecordFrame part=Part::Care content=care /> }
}

/// What both pages share: the patient this professional may open (a `Resource` the server
/// renders through the same policy and audit log as the API, and the browser hydrates), the
/// emergency banner, the patient's name and the way between the two pages.
#[component]
fn ProRecordFrame(part: Part, content: fn(String) -> AnyView) -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let data = Resource::new(
        move || id.get(),
        |id| async move {
            let me = client::get::<ProMe>("/api/pro/me").await?;
            // A record this professional may not open answers as a missing one.
            // An identifier is letters and digits: nothing else from the address reaches a path.
            let patient = if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                None
            } else {
                match client::get::<PatientSummary>(&format!("/api/pro/patients/{id}")).await {
                    Ok(patient) => Some(patient),
                    Err(failure) if failure.code() == Some(ErrorCode::NotFound) => None,
                    Err(failure) => return Err(failure),
                }
            };
            Ok::<_, client::ApiFailure>((me, patient))
        },
    );
    view! {
        <PageTitle text=Signal::derive(move || {
            format!("{} · {}", part.label(i18n), t_string!(i18n, pro.record_title))
        }) />
        // A Transition: a search in the documents, or a deposit, never puts the whole page back
        // to its loading state.
        <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {client::built_from(data, move |result| match result {
                Ok((me, Some(patient))) => Either::Left(view! {
                    <PatientHeader me patient part content />
                }),
                _ => Either::Right(view! {
                    <h1>{t!(i18n, pro.record_title)}</h1>
                    <p>{t!(i18n, pro.no_access)}</p>
                    <p><A href="/pro">{t!(i18n, pro.back)}</A></p>
                }),
            })}
        </Transition>
    }
}

/// The patient's name and birth date, the emergency notice when the record was opened by
/// break-glass, the two pages' links, then the page itself.
#[component]
fn PatientHeader(
    me: ProMe,
    patient: PatientSummary,
    part: Part,
    content: fn(String) -> AnyView,
) -> impl IntoView {
    let i18n = use_i18n();
    // The forms below read the session's token from here.
    client::provide_csrf(me.csrf_token.clone());
    let record = patient.id.clone();
    let name = format!("{} {}", patient.given_name, patient.family_name);
    let emergency = patient.emergency_until.is_some();
    let link = |to: Part| {
        let current = (to == part).then_some("page");
        view! {
            <li>
                <a href=to.href(&record) class="section-chip" aria-current=current>
                    {move || to.label(i18n)}
                </a>
            </li>
        }
    };
    view! {
        <EmergencyBanner />
        <h1>{name}</h1>
        {emergency.then(|| view! { <p class="notice notice--alert">{t!(i18n, emergency.mode_intro)}</p> })}
        <p>{t_string!(i18n, pro.born, date = patient.birth_date.clone()).to_string()}</p>
        <nav class="section-chips" aria-label=move || t_string!(i18n, pro.record_parts).to_string()>
            <ul>{link(Part::Documents)}{link(Part::Health)}{link(Part::Care)}</ul>
        </nav>
        {content(record.clone())}
        <p><A href="/pro">{t!(i18n, pro.back)}</A></p>
    }
}

/// The documents this professional may read, a page at a time, each on a page of its own (beside
/// the list on a tablet), and the deposit form.
fn documents(record: String) -> AnyView {
    let i18n = use_i18n();
    let browse = DocumentBrowse::new(&record, &Part::Documents.href(&record));
    // After a deposit: the list read again alone, so the form (and its confirmation) stays.
    let refresh = browse.refresh;
    // The form comes with its code when the professional opens it.
    let depositing = RwSignal::new(false);
    // What this professional may do on this record, as the server's policy decides with the
    // server's matrix and the patient's grant.
    let deposit = with_abilities(&record, {
        let record = record.clone();
        move |abilities| {
            (!abilities.deposit.is_empty()).then(|| {
                let record = record.clone();
                let load = move || -> PartLoad {
                    Box::pin(deposit_forms(record.clone(), abilities.clone(), refresh, false))
                };
                view! {
                    <section class="panel">
                        <OnDemand wanted=depositing load focus="file" placeholder=move || view! {
                            <button type="button" class="button" on:click=move |_| depositing.set(true)>
                                {t!(i18n, record.deposit_heading)}
                            </button>
                        } />
                    </section>
                }
            })
        }
    });
    view! {
        <DocumentSplit record browse patient_side=false>
            <Suspense>{deposit}</Suspense>
        </DocumentSplit>
    }
    .into_any()
}

/// The health profile (with the sections this professional may add to), the timeline and the
/// accesses to the record; on a tablet, the profile beside the other two.
fn health(record: String) -> AnyView {
    crate::client::RecordChanged::provide();
    let (episodes, episodes_changed) = crate::record::use_episodes(&record);
    let filter = RwSignal::new(DocumentFilter::default());
    let profile = with_abilities(&record, {
        let record = record.clone();
        move |abilities| {
            view! { <ProfileSection record=record.clone() writable=abilities.write_sections /> }
        }
    });
    view! {
        <div class="columns">
            <div class="columns__main">
                <Suspense>{profile}</Suspense>
            </div>
            <div class="columns__side">
                <TimelineSection record=record.clone() filter episodes episodes_changed />
                <AccessHistory record professional=true />
            </div>
        </div>
    }
    .into_any()
}

/// The patient's INS, which this professional verifies with the patient in front of them, and
/// the care history the access matrix lets their profession read.
fn care(record: String) -> AnyView {
    view! {
        <crate::record::IdentityPanel record=record.clone() professional=true />
        <crate::record::CareHistorySection record />
    }
    .into_any()
}
