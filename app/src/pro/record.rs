//! A patient's record as a professional sees it: what the policy lets them read, and a
//! deposit form offering the categories their profession may deposit (from the same access
//! matrix the server enforces).

use leptos::{either::Either, prelude::*};
use leptos_router::{components::A, hooks::use_params_map};

use super::{PatientSummary, ProMe};
use crate::client;
use crate::emergency::EmergencyBanner;
use crate::i18n::{t, t_string, use_i18n};
use crate::layout::PageTitle;
use crate::profile::ProfileSection;
use crate::record::{
    AccessHistory, DocumentFinder, DocumentInfo, Pager, TimelineSection, abilities,
    documents::{DepositForm, DocumentList},
    filter::DocumentFilter,
    page_of, use_list_page,
};

#[component]
pub fn ProRecordPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // `Resource`s: the server renders the record as this professional may read it (through the
    // same policy and audit log as the API), and the browser hydrates the page with it.
    let data = Resource::new(
        move || id.get(),
        |id| async move {
            let me = client::get::<ProMe>("/api/pro/me").await?;
            let patients = client::get::<Vec<PatientSummary>>("/api/pro/patients").await?;
            Ok::<_, client::ApiFailure>((me, patients.into_iter().find(|p| p.id == id)))
        },
    );
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, pro.record_title).to_string()) />
        // A Transition: a search in the documents, or a deposit, never puts the whole page back
        // to its loading state.
        <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {client::built_from(data, move |result| match result {
                Ok((me, Some(patient))) => Either::Left(view! { <PatientRecord me patient /> }),
                _ => Either::Right(view! {
                    <h1>{t!(i18n, pro.record_title)}</h1>
                    <p>{t!(i18n, pro.no_access)}</p>
                    <p><A href="/pro">{t!(i18n, pro.back)}</A></p>
                }),
            })}
        </Transition>
    }
}

/// The record of a patient who gave this professional access, as the policy lets them see it.
#[component]
fn PatientRecord(me: ProMe, patient: PatientSummary) -> impl IntoView {
    let i18n = use_i18n();
    // The forms below read the session's token from here.
    client::provide_csrf(me.csrf_token.clone());
    let record = patient.id.clone();
    let name = format!("{} {}", patient.given_name, patient.family_name);
    let emergency = patient.emergency_until.is_some();
    // Refreshed alone after a deposit, so the form (and its confirmation) stays.
    let filter = RwSignal::new(DocumentFilter::default());
    let documents = {
        let base = format!("/api/records/{record}/documents");
        Resource::new(
            move || format!("{base}{}", filter.get().query_string()),
            |path| client::get::<Vec<DocumentInfo>>(&path),
        )
    };
    let shown = Signal::derive(move || documents.get().and_then(Result::ok).unwrap_or_default());
    // What this professional may do on this record, as the server's policy decides with the
    // server's matrix and the patient's grant.
    let abilities = abilities(&record);
    let changed = crate::record::RecordChanged::provide();
    let refresh = Callback::new(move |()| {
        documents.refetch();
        changed.mark();
    });
    let (episodes, episodes_changed) = crate::record::use_episodes(&record);
    // A page at a time (`?page=N`), newest care first as the server sends them.
    let here = format!("/pro/dossier/{record}");
    let page = use_list_page(filter, here.clone());
    let list = {
        let record = record.clone();
        move || {
            documents.get().map(|result| {
                let all = result.unwrap_or_default();
                let filtered = filter.with_untracked(|f| *f != DocumentFilter::default());
                let (documents, page, pages) = page_of(all, page.get());
                view! {
                    <DocumentList record=record.clone() documents patient_side=false refresh filtered />
                    <Pager base=here.clone() page pages />
                }
            })
        }
    };
    let profile = {
        let record = record.clone();
        client::built_from(abilities, move |abilities| {
            view! { <ProfileSection record=record.clone() writable=abilities.write_sections /> }
        })
    };
    let deposit = {
        let record = record.clone();
        client::built_from(abilities, move |abilities| {
            (!abilities.deposit.is_empty()).then(|| {
                view! {
                    <section class="panel">
                        <DepositForm record=record.clone() abilities refresh />
                    </section>
                }
            })
        })
    };
    view! {
        <EmergencyBanner />
        <h1>{name}</h1>
        {emergency.then(|| view! { <p class="notice notice--alert">{t!(i18n, emergency.mode_intro)}</p> })}
        <p>{t_string!(i18n, pro.born, date = patient.birth_date.clone()).to_string()}</p>
        // On a tablet, the documents beside the profile and the timeline.
        <div class="columns">
            <div class="columns__main">
                <section class="panel" aria-labelledby="documents-heading">
                    <h2 id="documents-heading">{t!(i18n, record.documents)}</h2>
                    <DocumentFinder record=record.clone() filter shown episodes />
                    <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                        {list}
                    </Transition>
                </section>
                <Suspense>{deposit}</Suspense>
            </div>
            <div class="columns__side">
                <Suspense>{profile}</Suspense>
                <TimelineSection record=record.clone() filter episodes episodes_changed />
                <AccessHistory record=record.clone() professional=true />
            </div>
        </div>
        <p><A href="/pro">{t!(i18n, pro.back)}</A></p>
    }
}
