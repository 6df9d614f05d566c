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
    AccessHistory, DocumentFinder, DocumentInfo, RecordAbilities, TimelineSection,
    documents::{DepositForm, DocumentList},
    filter::DocumentFilter,
};

#[component]
pub fn ProRecordPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let me = client::get::<ProMe>("/api/pro/me").await?;
            let patients = client::get::<Vec<PatientSummary>>("/api/pro/patients").await?;
            Ok::<_, client::ApiFailure>((me, patients.into_iter().find(|p| p.id == id)))
        }
    });
    // Refreshed alone after a deposit, so the form (and its confirmation) stays.
    let filter = RwSignal::new(DocumentFilter::default());
    let documents = LocalResource::new(move || {
        let path = format!("/api/records/{}/documents{}", id(), filter.get().query_string());
        async move { client::get::<Vec<DocumentInfo>>(&path).await }
    });
    let shown = Signal::derive(move || documents.get().and_then(Result::ok).unwrap_or_default());
    // What this professional may do on this record, as the server's policy decides with the
    // server's matrix and the patient's grant.
    let abilities = LocalResource::new(move || {
        let path = format!("/api/records/{}/abilities", id());
        async move { client::get::<RecordAbilities>(&path).await.unwrap_or_default() }
    });
    let changed = crate::record::RecordChanged::provide();
    let refresh = Callback::new(move |()| {
        documents.refetch();
        changed.mark();
    });
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, pro.record_title).to_string()) />
        <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {move || data.get().map(|result| match result {
                Ok((me, Some(patient))) => {
                    let record = patient.id.clone();
                    let name = format!("{} {}", patient.given_name, patient.family_name);
                    let emergency = patient.emergency_until.is_some();
                    let (episodes, episodes_changed) = crate::record::use_episodes(&record);
                    Either::Left(view! {
                        <EmergencyBanner csrf=me.csrf_token.clone() />
                        <h1>{name}</h1>
                        {emergency.then(|| view! { <p class="notice notice--alert">{t!(i18n, emergency.mode_intro)}</p> })}
                        <p>{t_string!(i18n, pro.born, date = patient.birth_date.clone()).to_string()}</p>
                        <section class="panel" aria-labelledby="documents-heading">
                            <h2 id="documents-heading">{t!(i18n, record.documents)}</h2>
                            <DocumentFinder record=record.clone() filter shown episodes />
                            {
                                let (record, csrf) = (record.clone(), me.csrf_token.clone());
                                move || documents.get().map(|result| {
                                    let documents = result.unwrap_or_default();
                                    let filtered = filter.with(|f| *f != DocumentFilter::default());
                                    view! { <DocumentList record=record.clone() csrf=csrf.clone() documents patient_side=false refresh filtered /> }
                                })
                            }
                        </section>
                        <TimelineSection record=record.clone() csrf=me.csrf_token.clone() filter episodes episodes_changed />
                        {
                            let (record, csrf) = (record.clone(), me.csrf_token.clone());
                            move || abilities.get().map(|abilities| view! {
                                <ProfileSection record=record.clone() csrf=csrf.clone() writable=abilities.write_sections />
                            })
                        }
                        <AccessHistory record=record.clone() professional=true />
                        {
                            let (record, csrf) = (record.clone(), me.csrf_token.clone());
                            move || abilities.get().map(|abilities| (!abilities.deposit.is_empty()).then(|| view! {
                                <section class="panel">
                                    <DepositForm record=record.clone() csrf=csrf.clone() abilities refresh />
                                </section>
                            }))
                        }
                        <p><A href="/pro">{t!(i18n, pro.back)}</A></p>
                    }.into_any())
                }
                _ => Either::Right(view! {
                    <h1>{t!(i18n, pro.record_title)}</h1>
                    <p>{t!(i18n, pro.no_access)}</p>
                    <p><A href="/pro">{t!(i18n, pro.back)}</A></p>
                }),
            })}
        </Suspense>
    }
}
