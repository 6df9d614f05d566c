//! "Mon dossier": the documents of the record this session manages (the person's own, or that
//! of someone they represent), depositing one of their own, and who may see it.

use leptos::{either::Either, prelude::*};
use leptos_router::{components::A, hooks::use_query_map};

use crate::account::{Me, client};
use crate::emergency::EmergencySection;
use crate::i18n::{t, t_string, use_i18n};
use crate::layout::PageTitle;
use crate::profile::ProfileSection;
use crate::record::{
    AccessHistory, DocumentFinder, DocumentInfo, RecordAbilities, TimelineSection,
    access::AccessSection,
    documents::{DepositForm, DocumentList},
    filter::DocumentFilter,
};

#[component]
pub fn RecordPage() -> impl IntoView {
    let i18n = use_i18n();
    let offline = crate::cache::use_offline();
    // A memo: going offline or online alone must not render the record anew.
    let gate_closed = Memo::new(move |_| offline.gate_closed());
    // Read again once the device's copy is unlocked or the outbox has reached the server.
    let me = LocalResource::new(move || {
        offline.synced.track();
        client::get::<Me>("/api/account/me")
    });
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, record.title).to_string()) />
        <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {move || {
                // Nothing of the record stays on the page behind the unlock screen.
                (!gate_closed.get()).then_some(())?;
                me.get().map(|result| match result {
                    Ok(me) => Either::Left(view! { <Record me /> }.into_any()),
                    Err(_) => Either::Right(view! {
                        <h1>{t!(i18n, record.title)}</h1>
                        <p>{t!(i18n, account.signed_out)}</p>
                        <p><A href="/connexion">{t!(i18n, nav.login)}</A></p>
                    }),
                })
            }}
        </Suspense>
    }
}

#[component]
fn Record(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    // Arriving from the code a professional showed: `/dossier?pro=RPPS`.
    let suggested = use_query_map().with_untracked(|query| query.get("pro"));
    let (record, whose) = match &me.acting_for {
        Some(person) => {
            (person.id.clone(), format!("{} {}", person.given_name, person.family_name))
        }
        None => (me.id.clone(), format!("{} {}", me.given_name, me.family_name)),
    };
    let filter = RwSignal::new(DocumentFilter::default());
    let (episodes, episodes_changed) = crate::record::use_episodes(&record);
    let path = format!("/api/records/{record}/documents");
    let documents = LocalResource::new(move || {
        let path = format!("{path}{}", filter.get().query_string());
        async move { client::get::<Vec<DocumentInfo>>(&path).await }
    });
    let changed = crate::record::RecordChanged::provide();
    let refresh = Callback::new(move |()| {
        documents.refetch();
        changed.mark();
    });
    let shown = Signal::derive(move || documents.get().and_then(Result::ok).unwrap_or_default());
    // What this person may do here, as the server's policy says (also kept in the offline copy).
    let abilities = {
        let path = format!("/api/records/{record}/abilities");
        LocalResource::new(move || {
            let path = path.clone();
            async move { client::get::<RecordAbilities>(&path).await.unwrap_or_default() }
        })
    };
    let csrf = me.csrf_token.clone();
    let list = {
        let (record, csrf) = (record.clone(), csrf.clone());
        move || {
            documents.get().map(|result| {
                let documents = result.unwrap_or_default();
                let filtered = filter.with(|f| *f != DocumentFilter::default());
                view! { <DocumentList record=record.clone() csrf=csrf.clone() documents patient_side=true refresh filtered /> }
            })
        }
    };
    view! {
        <h1>{t_string!(i18n, record.heading, name = whose).to_string()}</h1>
        // What was changed without a network, and what waits for the patient's choice.
        <crate::cache::ui::OutboxPanel />
        <section class="panel" aria-labelledby="documents-heading">
            <h2 id="documents-heading">{t!(i18n, record.documents)}</h2>
            <DocumentFinder record=record.clone() filter shown episodes />
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{list}</Suspense>
            <p><a class="button button--secondary" href=format!("/api/records/{record}/export") download="carnet-export.json">
                {t!(i18n, record.export)}
            </a></p>
        </section>
        <TimelineSection record=record.clone() csrf=csrf.clone() filter episodes episodes_changed />
        {
            let (record, csrf) = (record.clone(), csrf.clone());
            move || abilities.get().map(|abilities| (!abilities.deposit.is_empty()).then(|| view! {
                <section class="panel">
                    <DepositForm record=record.clone() csrf=csrf.clone() abilities refresh />
                </section>
            }))
        }
        <section class="panel">
            <crate::record::note::NoteForm record=record.clone() csrf=csrf.clone() refresh />
        </section>
        {
            let (record, csrf) = (record.clone(), csrf.clone());
            move || abilities.get().map(|abilities| view! {
                <ProfileSection record=record.clone() csrf=csrf.clone() writable=abilities.write_sections />
            })
        }
        <section class="panel" aria-labelledby="summary-heading">
            <h2 id="summary-heading">{t!(i18n, share.title)}</h2>
            <p>{t!(i18n, share.teaser)}</p>
            <p><A href="/dossier/urgence" attr:class="button">{t!(i18n, share.open)}</A></p>
        </section>
        <crate::cache::ui::OfflineSection />
        <EmergencySection record=record.clone() csrf=csrf.clone() />
        <AccessSection record=record.clone() csrf suggested />
        <AccessHistory record />
    }
}
