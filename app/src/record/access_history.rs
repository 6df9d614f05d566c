//! "Historique des accès": every access to the record and every change, newest first, in plain
//! words; an emergency access stands out; filtered and paged by the server.

use leptos::prelude::*;

use crate::api::history::{AccessEvent, HistoryFilter, HistoryPage, history_uri};
use crate::audit::AuditAction;
use crate::client;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::ui::MoreButton;
use crate::ui::form::FormAlert;
use leptos_i18n::I18nContext;

/// The plain words for what an entry says was done. Every action this build writes has its
/// words (the match has no catch-all); a text it does not know, from a newer server, is shown
/// as it is.
fn action_label(i18n: I18nContext<Locale>, action: &str) -> String {
    use AuditAction::*;
    let Ok(known) = action.parse::<AuditAction>() else { return action.to_owned() };
    match known {
        DocumentRead => t_string!(i18n, history.document_read),
        DocumentInfo => t_string!(i18n, history.document_info),
        DocumentDeposit => t_string!(i18n, history.document_deposit),
        DocumentAnnounce | UploadStart | UploadChunk | UploadStatus => {
            t_string!(i18n, history.upload)
        }
        DocumentMask | DocumentUnmask => t_string!(i18n, history.document_mask),
        DocumentWithdraw => t_string!(i18n, history.document_withdraw),
        DocumentsList | TimelineList | DocumentsCount => t_string!(i18n, history.documents_list),
        RecordPreview => t_string!(i18n, history.preview),
        RecordAbilities => t_string!(i18n, history.abilities),
        RecordExport => t_string!(i18n, history.export),
        SummaryExport => t_string!(i18n, history.summary),
        FhirRead | FhirSearch => t_string!(i18n, history.fhir),
        EpisodesList => t_string!(i18n, history.episodes_read),
        EpisodeCreate | EpisodeTag | EpisodeUntag => t_string!(i18n, history.episodes_write),
        ExamsCheck | InteractionsCheck => t_string!(i18n, history.checks),
        ProfileList | ProfileHistory => t_string!(i18n, history.profile_read),
        ProfileCreate | ProfileEdit | ProfileRemove | ProfileMask | ProfileUnmask => {
            t_string!(i18n, history.profile_write)
        }
        GrantGive | GrantRevoke | GrantBlock | GrantUnblock => t_string!(i18n, history.grant),
        GrantsList => t_string!(i18n, history.grants_read),
        EmergencyLinkCreate | EmergencyLinkRevoke | EmergencyLinkList => {
            t_string!(i18n, history.link)
        }
        EmergencyLinkView => t_string!(i18n, history.link_viewed),
        NotificationsList | NotificationsRead | NotificationsChannelsRead => {
            t_string!(i18n, history.notifications)
        }
        NotificationsChannels => t_string!(i18n, history.channels),
        BreakGlassRefuse | BreakGlassAccept | RegularDoctorSet => t_string!(i18n, history.settings),
        HistoryList | HistoryProof => t_string!(i18n, history.history_read),
        IdentityRead => t_string!(i18n, history.identity_read),
        IdentitySet => t_string!(i18n, history.identity_write),
        CareHistoryRead => t_string!(i18n, history.care_read),
        CareHistoryFeed => t_string!(i18n, history.care_fed),
        CareHistoryMask | CareHistoryUnmask => t_string!(i18n, history.care_mask),
        CareHistoryPrune => t_string!(i18n, history.care_prune),
        FeedAdd | FeedRevoke => t_string!(i18n, history.feed),
        BreakGlassStart | AccountBreakGlassAccess => t_string!(i18n, history.break_glass_start),
        BreakGlassEnd | ProfessionalBreakGlassEnded => t_string!(i18n, history.break_glass_end),
        BreakGlassList | BreakGlassLive | BreakGlassRefusalRead => {
            t_string!(i18n, history.break_glass_read)
        }
        RecordOpen
        | RecordOpenRepresented
        | AccountOpenedByProfessional
        | ProfessionalRecordOpened => t_string!(i18n, history.opened),
        DirectorySearch => t_string!(i18n, history.directory),
        AccountLogin => t_string!(i18n, history.login),
        AccountLoginFailed | AccountCodeFailed | AccountPasswordConfirmFailed => {
            t_string!(i18n, history.login_failed)
        }
        AccountActivated => t_string!(i18n, history.activated),
        AccountSignup
        | AccountSignupExisting
        | AccountLoginBlocked
        | AccountLoginLocked
        | AccountCodeSent
        | AccountTotpAsked
        | AccountTotpSetup
        | AccountTotpEnabled
        | AccountTotpDisabled
        | AccountSecondFactorBlocked
        | AccountSecondFactorLocked
        | AccountPasswordChanged
        | AccountPasswordReset
        | AccountRecoveryRequested
        | AccountContactChangeRequested
        | AccountContactChanged
        | AccountLogout
        | AccountMe
        | AccountRepresented
        | AccountActingForStarted
        | AccountActingForEnded
        | AccountActingForLapsed
        | AccountRepresentationWithdrawn
        | AccountClosed
        | AccountErasureRequested
        | AccountReopened => t_string!(i18n, history.account),
        ProfessionalCardLogin
        | ProfessionalCardLoginFailed
        | ProfessionalCardLoginBlocked
        | ProfessionalCardLocked
        | ProfessionalCardUnlocked
        | ProfessionalLogout
        | ProfessionalMe
        | ProfessionalPatients
        | ProfessionalPatient
        | ProfessionalGrantCode
        | ProfessionalRecordOpenRefused => t_string!(i18n, history.professional),
    }
    .to_string()
}

fn who(i18n: I18nContext<Locale>, event: &AccessEvent) -> String {
    match event.actor_kind.as_str() {
        "patient" | "account" => t_string!(i18n, history.you).to_string(),
        "representative" => t_string!(i18n, history.representative).to_string(),
        "insurer" => t_string!(i18n, record.by_insurer).to_string(),
        "responder" => t_string!(i18n, history.responder).to_string(),
        "server" => t_string!(i18n, history.server).to_string(),
        _ => {
            let role = event
                .role
                .as_deref()
                .and_then(|code| {
                    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
                })
                .map(|profession: crate::directory::Profession| profession.label(i18n));
            match role {
                Some(role) => format!("{} ({role})", event.actor_name),
                None => event.actor_name.clone(),
            }
        }
    }
}

/// The record's access history, a page at a time (the server filters and pages it; "older
/// entries" appends the next page). `professional`: shown on a professional's record page (the
/// server sends them their own actions, or all professionals' to the regular doctor).
#[component]
pub fn AccessHistory(record: String, #[prop(optional)] professional: bool) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let chosen = Memo::new(move |_| HistoryFilter::from_code(&filter.get()));
    let first = {
        let record = record.clone();
        Resource::new(
            move || history_uri(&record, chosen.get(), None),
            |uri| client::get::<HistoryPage>(&uri),
        )
    };
    // Pages after the first, appended by "older entries"; forgotten when the filter changes.
    let more = RwSignal::new(Vec::<AccessEvent>::new());
    let more_older = RwSignal::new(None::<Option<u64>>);
    let reading = client::Submission::new();
    let (failure, loading_more) = (reading.failure(), reading.pending());
    Effect::new(move |_| {
        chosen.track();
        more.set(Vec::new());
        more_older.set(None);
        reading.clear();
    });
    let older = move || match more_older.get() {
        Some(older) => older,
        None => first.get().and_then(Result::ok).and_then(|page| page.older),
    };
    let load_more = Callback::new(move |()| {
        let Some(before) = older() else { return };
        let asked = chosen.get_untracked();
        let uri = history_uri(&record, asked, Some(before));
        reading.run(async move {
            let answer = client::get::<HistoryPage>(&uri).await;
            // An answer for another filter than the one now chosen belongs to no list shown.
            if chosen.get_untracked() != asked {
                return Ok(());
            }
            let page = answer?;
            more.update(|events| events.extend(page.events));
            more_older.set(Some(page.older));
            Ok(())
        });
    });
    let list = move || {
        first.get().map(|result| match result {
            Err(_) => view! { <p role="alert">{t!(i18n, errors.network)}</p> }.into_any(),
            // A first page can be empty and the next not (the server looks through so many
            // entries for one answer): what "older entries" brings shows all the same.
            Ok(page) if page.events.is_empty() && more.with(Vec::is_empty) => {
                view! { <p>{t!(i18n, history.empty)}</p> }.into_any()
            }
            Ok(page) => {
                let rows = page
                    .events
                    .into_iter()
                    .chain(more.get())
                    .map(|event| {
                        let when = crate::date::moment(event.at);
                        let what = action_label(i18n, &event.action);
                        let by = who(i18n, &event);
                        let urgent = event.break_glass;
                        let refused = !event.allowed;
                        view! {
                            <li class="history__event" class:history__event--urgent=urgent>
                                <p class="history__when"><time>{when}</time>
                                    {urgent.then(|| view! { " · " <strong>{t!(i18n, history.break_glass)}</strong> })}
                                    {refused.then(|| view! { " · " <strong>{t!(i18n, history.refused)}</strong> })}
                                </p>
                                <p>{by}" — "{what}</p>
                            </li>
                        }
                    })
                    .collect_view();
                // Which filter the list shown was read with (the tests wait for it).
                view! { <ol class="history" data-filter=chosen.get_untracked().code()>{rows}</ol> }.into_any()
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">{t!(i18n, history.heading)}</h2>
            <p class="hint">
                {move || if professional {
                    t_string!(i18n, history.pro_intro).to_string()
                } else {
                    t_string!(i18n, history.intro).to_string()
                }}
            </p>
            <div class="field">
                <label for="history-filter">{t!(i18n, history.filter)}</label>
                <select id="history-filter" bind:value=filter>
                    <option value="">{t!(i18n, history.all)}</option>
                    <option value="professionals">{t!(i18n, history.professionals)}</option>
                    <option value="break_glass">{t!(i18n, history.break_glass)}</option>
                    <option value="refused">{t!(i18n, history.refused_filter)}</option>
                </select>
            </div>
            <FormAlert failure />
            // The button to read further reads the first page too: under the same Suspense, so
            // that the server renders it as the browser hydrates it.
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {list}
                {move || older().map(|_| view! {
                    <MoreButton loading=loading_more label=|i18n| t_string!(i18n, history.more).to_string() on_click=load_more />
                })}
            </Suspense>
        </section>
    }
}
