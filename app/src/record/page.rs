//! The record's pages, one per destination of the tab bar (see `layout::TabBar`): *Accueil*
//! (what matters now), *Documents* (a page at a time, each document on a page of its own; list
//! and document side by side on a tablet), *Santé* (the health profile, a section at a time) and
//! *Partage* (who sees what, the emergency summary, emergency access, the access history). Each
//! is its own lazily loaded route, so it loads only its own code. Each first reads whose record
//! this session manages (the person's own, or that of someone they represent): [`RecordFrame`].

use leptos::{either::Either, prelude::*};
use leptos_i18n::I18nContext;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};

use crate::api::account::Me;
use crate::chunk::{OnDemand, PartLoad};
use crate::client::{self, ApiFailure};
use crate::emergency::{EmergencySection, NotificationsSection};
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::profile::ProfileSection;
use crate::ui::PageTitle;
use crate::ui::form::FormAlert;
use crate::{
    api::filter::DocumentFilter,
    api::record::{DocumentInfo, RecordAbilities, recent_documents_path},
    record::{AccessHistory, TimelineSection, access::AccessSection, deposit::DepositForm},
    vocabulary::Section,
};

use super::browse::{DocumentBrowse, DocumentRow, DocumentSplit};

/// Whose record the pages show, as the session says (its CSRF token is in context:
/// [`client::csrf`]).
#[derive(Clone)]
pub struct RecordSession {
    pub record: String,
    /// Given and family name of the record's person.
    pub whose: String,
}

impl RecordSession {
    fn of(me: &Me) -> Self {
        let (record, whose) = match &me.acting_for {
            Some(person) => {
                (person.id.clone(), format!("{} {}", person.given_name, person.family_name))
            }
            None => (me.id.clone(), format!("{} {}", me.given_name, me.family_name)),
        };
        Self { record, whose }
    }
}

/// What every record page does first: its title, the session read (again once the device's copy
/// is unlocked or the outbox has reached the server), nothing behind the unlock screen, and a
/// way to log in when signed out. `page` renders the destination itself.
#[component]
fn RecordFrame(
    title: fn(I18nContext<Locale>) -> String,
    page: fn(RecordSession) -> AnyView,
) -> impl IntoView {
    let i18n = use_i18n();
    let offline = crate::cache::use_offline();
    // A memo: going offline or online alone must not render the record anew.
    let gate_closed = Memo::new(move |_| offline.gate_closed());
    // Read again when the unlock screen goes: a tab pressed while it was up (or while the code
    // was being checked) read the session from a copy still locked.
    // A `Resource`: the server reads it as the person whose page it renders, and the browser
    // hydrates the page with that answer instead of asking again.
    let me = Resource::new(
        move || (offline.synced.get(), gate_closed.get()),
        |_| client::get::<Me>("/api/account/me"),
    );
    view! {
        <PageTitle text=Signal::derive(move || title(i18n)) />
        // A Transition: once the page is there, a read within it that starts again (a filter,
        // a change) never puts the whole page back to its loading state.
        <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {move || Suspend::new(async move {
                if gate_closed.get() {
                    return None;
                }
                let me = me.await;
                client::settled().await;
                Some(match me {
                    Ok(me) => {
                        // The forms below read the session's token from here.
                        client::provide_csrf(me.csrf_token.clone());
                        Either::Left(page(RecordSession::of(&me)))
                    }
                    Err(_) => Either::Right(view! {
                        <h1>{move || title(i18n)}</h1>
                        <p>{t!(i18n, account.signed_out)}</p>
                        <p><A href="/connexion">{t!(i18n, nav.login)}</A></p>
                    }),
                })
            })}
        </Transition>
    }
}

/// What the server's policy lets this person do in the record (also kept in the offline copy),
/// and the part of the page `build` makes of it, for a `Suspense`. A read that failed shows why,
/// instead of a page quietly missing its forms; and the browser asks once more after hydration,
/// so an answer missed while the server rendered the page is not kept for the page's life.
pub fn with_abilities<V: IntoView + 'static>(
    record: &str,
    build: impl Fn(RecordAbilities) -> V + Send + Sync + 'static,
) -> impl Fn() -> Suspend<Either<V, AnyView>> + Send + Sync + 'static {
    let path = format!("/api/records/{record}/abilities");
    let abilities =
        Resource::new(move || path.clone(), |path| async move { client::get(&path).await });
    // Effects run in the browser only, after hydration.
    let asked_again = StoredValue::new(false);
    Effect::new(move |_| {
        if matches!(abilities.get(), Some(Err(_))) && !asked_again.get_value() {
            asked_again.set_value(true);
            abilities.refetch();
        }
    });
    client::built_from(abilities, move |answer: Result<RecordAbilities, ApiFailure>| match answer {
        Ok(abilities) => Either::Left(build(abilities)),
        Err(failure) => Either::Right(view! { <FormAlert failure=Some(failure) /> }.into_any()),
    })
}

/// *Accueil*: what matters now. Shortcuts to what people look for most (allergies and
/// treatments one tap away), the newest documents, the notices of access, and what this device
/// still has to send.
#[component]
pub fn RecordHomePage() -> impl IntoView {
    view! { <RecordFrame title=|i18n| t_string!(i18n, record.title).to_string() page=home /> }
}

fn home(session: RecordSession) -> AnyView {
    let i18n = use_i18n();
    // A professional's code shown before the record had pages of its own (`/dossier?pro=RPPS`)
    // still leads to giving them access.
    if let Some(rpps) = use_query_map().with_untracked(|query| query.get("pro")) {
        let to = format!("/dossier/partage{}", crate::api::query_string([("pro", rpps.as_str())]));
        use_navigate()(&to, NavigateOptions { replace: true, ..Default::default() });
    }
    // The newest few only: the page costs what it shows (the offline copy keeps this address).
    let path = recent_documents_path(&session.record);
    let documents =
        Resource::new(move || path.clone(), |path| client::get::<Vec<DocumentInfo>>(&path));
    let recent = move || {
        documents.get().map(|result| {
            let list = result.unwrap_or_default();
            if list.is_empty() {
                return view! { <p>{t!(i18n, record.empty)}</p> }.into_any();
            }
            let rows = list
                .into_iter()
                .map(|document| view! { <DocumentRow document base="/dossier/documents".to_owned() href_query=String::new() /> })
                .collect_view();
            view! { <ul class="document-rows">{rows}</ul> }.into_any()
        })
    };
    let shortcut = |href: &'static str, text: fn(I18nContext<Locale>) -> String| {
        view! { <li><A href=href attr:class="shortcut">{move || text(i18n)}</A></li> }
    };
    view! {
        <h1>{t_string!(i18n, record.heading, name = session.whose).to_string()}</h1>
        // What was changed without a network, and what waits for the patient's choice.
        <super::outbox::OutboxPanel />
        <nav class="shortcuts" aria-label=move || t_string!(i18n, dashboard.shortcuts).to_string()>
            <ul>
                {shortcut("/dossier/sante?rubrique=allergies", |i18n| t_string!(i18n, dashboard.allergies).to_string())}
                {shortcut("/dossier/sante?rubrique=treatments", |i18n| t_string!(i18n, dashboard.treatments).to_string())}
                {shortcut("/dossier/urgence", |i18n| t_string!(i18n, dashboard.emergency_card).to_string())}
                {shortcut("/dossier/partage", |i18n| t_string!(i18n, dashboard.who_sees).to_string())}
                {shortcut("/dossier/soins", |i18n| t_string!(i18n, dashboard.care_history).to_string())}
            </ul>
        </nav>
        <section class="panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">{t!(i18n, dashboard.recent)}</h2>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{recent}</Suspense>
            <p><A href="/dossier/documents">{t!(i18n, dashboard.all_documents)}</A></p>
        </section>
        <NotificationsSection />
    }
    .into_any()
}

/// *Documents*, and a document's own page: `/dossier/documents[/ID][?page=N]`.
#[component]
pub fn RecordDocumentsPage() -> impl IntoView {
    view! { <RecordFrame title=|i18n| t_string!(i18n, tabs.documents).to_string() page=documents /> }
}

fn documents(session: RecordSession) -> AnyView {
    let i18n = use_i18n();
    let record = session.record.clone();
    let browse = DocumentBrowse::new(&record, "/dossier/documents");
    // The forms to add a document or a note come with their code when the person opens them.
    let adding = RwSignal::new(false);
    let deposit_forms = with_abilities(&record, {
        let record = record.clone();
        move |abilities| {
            let record = record.clone();
            let load = move || -> PartLoad {
                Box::pin(deposit_forms(record.clone(), abilities.clone(), browse.refresh, true))
            };
            view! { <OnDemand wanted=adding load /> }
        }
    });
    // The import of a FHIR file, the same way.
    let importing = RwSignal::new(false);
    let import_part = {
        let (record, refresh) = (record.clone(), browse.refresh);
        move || {
            let record = record.clone();
            let load = move || -> PartLoad { Box::pin(import_form(record.clone(), refresh)) };
            view! { <OnDemand wanted=importing load /> }
        }
    };
    view! {
        <h1>{t!(i18n, tabs.documents)}</h1>
        <DocumentSplit record browse patient_side=true>
            <details class="panel disclosure" on:toggle=move |_| adding.set(true)>
                <summary>{t!(i18n, record.add_heading)}</summary>
                <Suspense>{deposit_forms}</Suspense>
            </details>
            <details class="panel disclosure" on:toggle=move |_| importing.set(true)>
                <summary>{t!(i18n, record.import_heading)}</summary>
                {import_part}
            </details>
        </DocumentSplit>
    }
    .into_any()
}

crate::split_fn!(record_import_form =>
    /// The form to import a FHIR file into the record.
    pub async fn import_form(record: String, imported: Callback<()>) -> AnyView {
        view! { <crate::record::import::RecordImport record imported /> }.into_any()
    }
);

crate::split_fn!(record_deposit_forms =>
    /// The form to deposit a document, when the asker may deposit one, and on the patient's side
    /// (`patient_side`) the form to write a note.
    pub async fn deposit_forms(
        record: String,
        abilities: RecordAbilities,
        refresh: Callback<()>,
        patient_side: bool,
    ) -> AnyView {
        view! {
            {(!abilities.deposit.is_empty()).then(|| {
                view! { <DepositForm record=record.clone() abilities refresh /> }
            })}
            {patient_side.then(|| view! { <crate::record::note::NoteForm record refresh /> })}
        }
        .into_any()
    }
);

/// *Santé*: the health profile, whole or a section at a time (`?rubrique=allergies`), the
/// trends of the measurements, and the timeline of care (which follows the profile's changes).
#[component]
pub fn RecordHealthPage() -> impl IntoView {
    view! { <RecordFrame title=|i18n| t_string!(i18n, tabs.health).to_string() page=health /> }
}

fn health(session: RecordSession) -> AnyView {
    let i18n = use_i18n();
    let RecordSession { record, .. } = session;
    let query = use_query_map();
    let only =
        Memo::new(move |_| query.with(|q| q.get("rubrique")).and_then(|s| Section::from_slug(&s)));
    crate::client::RecordChanged::provide();
    let (episodes, episodes_changed) = crate::record::use_episodes(&record);
    let filter = RwSignal::new(DocumentFilter::default());
    let chip = move |section: Option<Section>| {
        let href = match section {
            Some(section) => format!("/dossier/sante?rubrique={}", section.slug()),
            None => "/dossier/sante".to_owned(),
        };
        let current = move || (only.get() == section).then_some("page");
        view! {
            <li>
                <a href=href class="section-chip" aria-current=current>
                    {move || match section {
                        Some(section) => crate::profile::view::section_label(i18n, section),
                        None => t_string!(i18n, profile.all_sections).to_string(),
                    }}
                </a>
            </li>
        }
    };
    let profile = with_abilities(&record, {
        let record = record.clone();
        move |abilities| {
            let record = record.clone();
            view! { <ProfileSection record writable=abilities.write_sections only /> }
        }
    });
    view! {
        <h1>{t!(i18n, tabs.health)}</h1>
        <nav class="section-chips" aria-label=move || t_string!(i18n, profile.sections).to_string()>
            <ul>
                {chip(None)}
                {Section::ALL.into_iter().map(|section| chip(Some(section))).collect_view()}
            </ul>
        </nav>
        <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{profile}</Suspense>
        <p><A href="/dossier/soins" attr:class="button button--secondary">{t!(i18n, care.open)}</A></p>
        <TimelineSection record filter episodes episodes_changed />
    }
    .into_any()
}

/// *Historique des soins*: what the health insurer's feed wrote into the record, reached from
/// *Santé* and *Accueil*.
#[component]
pub fn RecordCarePage() -> impl IntoView {
    view! { <RecordFrame title=|i18n| t_string!(i18n, care.heading).to_string() page=care /> }
}

fn care(session: RecordSession) -> AnyView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, care.heading)}</h1>
        <crate::record::CareHistorySection record=session.record.clone() patient_side=true />
        <crate::record::IdentityPanel record=session.record />
    }
    .into_any()
}

/// *Partage*: who may see the record and what, the emergency summary and its links, emergency
/// access, and every access. `?pro=RPPS`: arriving from the code a professional showed.
#[component]
pub fn RecordSharingPage() -> impl IntoView {
    view! { <RecordFrame title=|i18n| t_string!(i18n, tabs.sharing).to_string() page=sharing /> }
}

fn sharing(session: RecordSession) -> AnyView {
    let i18n = use_i18n();
    let RecordSession { record, .. } = session;
    let suggested = use_query_map().with_untracked(|query| query.get("pro"));
    view! {
        <h1>{t!(i18n, tabs.sharing)}</h1>
        <section class="panel" aria-labelledby="summary-heading">
            <h2 id="summary-heading">{t!(i18n, share.title)}</h2>
            <p>{t!(i18n, share.teaser)}</p>
            <p><A href="/dossier/urgence" attr:class="button">{t!(i18n, share.open)}</A></p>
        </section>
        <AccessSection record=record.clone() suggested />
        <EmergencySection record=record.clone() />
        <AccessHistory record />
    }
    .into_any()
}
