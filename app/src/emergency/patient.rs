//! The patient's side of emergency access: what they were told (notifications), every
//! break-glass session on their record with its reason, and their advance refusal.

use leptos::{prelude::*, task::spawn_local};

use crate::api::emergency::{
    BreakGlassInfo, BreakGlassRefusal, NotificationInfo, NotificationKind,
};
use crate::client;
use crate::date::moment;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::FormAlert;

/// What the patient was told: every access notice, the unread ones marked, and a way to mark them
/// read. (Which of them also go out by message is chosen on the sharing page.)
#[component]
pub fn NotificationsSection() -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    let notifications =
        Resource::new(|| (), |()| client::get::<Vec<NotificationInfo>>("/api/notifications"));
    let mark_read = move |_| {
        let csrf = csrf.clone();
        spawn_local(async move {
            let _ = client::post::<_, ()>("/api/notifications/read", &(), Some(&csrf)).await;
            notifications.refetch();
        });
    };
    let notification_list = move || {
        notifications.get().map(|result| {
            let list = result.unwrap_or_default();
            if list.is_empty() {
                return view! { <p>{t!(i18n, emergency.no_notifications)}</p> }.into_any();
            }
            let unread = list.iter().filter(|n| !n.read).count();
            let items = list
                .into_iter()
                .map(|n| {
                    let who = n
                        .by
                        .as_ref()
                        .map(|p| format!("{} {}, {}", p.given_name, p.family_name, p.profession.label(i18n)))
                        .unwrap_or_default();
                    let text = match n.kind {
                        NotificationKind::BreakGlass | NotificationKind::BreakGlassOfPatient => {
                            t_string!(i18n, emergency.notified, who = who, at = moment(n.at)).to_string()
                        }
                        NotificationKind::DocumentDeposited => {
                            t_string!(i18n, emergency.notified_document, who = who, at = moment(n.at)).to_string()
                        }
                        NotificationKind::FirstAccess => {
                            t_string!(i18n, emergency.notified_first_access, who = who, at = moment(n.at)).to_string()
                        }
                        NotificationKind::NewDevice => {
                            t_string!(i18n, emergency.notified_new_device, at = moment(n.at)).to_string()
                        }
                        NotificationKind::EmergencyLinkViewed => {
                            t_string!(i18n, emergency.notified_link_viewed, at = moment(n.at)).to_string()
                        }
                        NotificationKind::CareHistoryUpdated => {
                            t_string!(i18n, emergency.notified_care_history, at = moment(n.at)).to_string()
                        }
                    };
                    view! {
                        <li class="notification" class:notification--unread=!n.read>
                            {(!n.read).then(|| view! { <span class="badge">{t!(i18n, emergency.unread)}</span>" " })}
                            {text}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <ul class="notifications">{items}</ul>
                {(unread > 0).then(|| view! {
                    <button type="button" class="button button--secondary" on:click=mark_read.clone()>
                        {t!(i18n, emergency.mark_read)}
                    </button>
                })}
            }
            .into_any()
        })
    };
    view! {
        <section class="panel" aria-labelledby="notifications-heading">
            <h2 id="notifications-heading">{t!(i18n, emergency.notifications)}</h2>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{notification_list}</Suspense>
        </section>
    }
}

/// Emergency access to the record: every break-glass session with its reason, the patient's
/// advance refusal, and which notices also go out by message.
#[component]
pub fn EmergencySection(record: String) -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    let channels_record = record.clone();
    let sessions = {
        let path = format!("/api/records/{record}/break-glass");
        Resource::new(move || path.clone(), |path| client::get::<Vec<BreakGlassInfo>>(&path))
    };
    let refusal_path = format!("/api/records/{record}/break-glass-refusal");
    let refusal = {
        let path = refusal_path.clone();
        Resource::new(move || path.clone(), |path| client::get::<BreakGlassRefusal>(&path))
    };
    let form = client::Submission::new();
    let failure = form.failure();
    let saved = RwSignal::new(false);
    let toggle = move |event: leptos::ev::Event| {
        let refused = event_target_checked(&event);
        let (path, csrf) = (refusal_path.clone(), csrf.clone());
        saved.set(false);
        form.run(async move {
            let put = client::put::<_, ()>(&path, &BreakGlassRefusal { refused }, &csrf).await;
            saved.set(put.is_ok());
            refusal.refetch();
            put.map(|_| ())
        });
    };

    let refused = move || refusal.get().and_then(Result::ok).is_some_and(|r| r.refused);
    let session_list = move || {
        sessions.get().map(|result| {
            let list = result.unwrap_or_default();
            if list.is_empty() {
                return view! { <p>{t!(i18n, emergency.no_sessions)}</p> }.into_any();
            }
            let items = list
                .into_iter()
                .map(|s| {
                    let p = &s.professional;
                    let who = format!(
                        "{} {}, {} ({})",
                        p.given_name,
                        p.family_name,
                        p.profession.label(i18n),
                        p.place
                    );
                    let when = t_string!(i18n, emergency.from_to, from = moment(s.started_at), to = moment(s.until)).to_string();
                    view! {
                        <li class="person">
                            <p><strong>{who}</strong>
                                {s.live.then(|| view! { " " <span class="badge badge--alert">{t!(i18n, emergency.live)}</span> })}
                            </p>
                            <p class="person__detail">{when}</p>
                            <p class="person__detail">{t!(i18n, emergency.reason_label)}" "{s.reason.clone()}</p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="people">{items}</ul> }.into_any()
        })
    };

    view! {
        <section class="panel" aria-labelledby="break-glass-review">
            <h2 id="break-glass-review">{t!(i18n, emergency.review_heading)}</h2>
            <p>{t!(i18n, emergency.review_intro)}</p>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{session_list}</Suspense>
            <FormAlert failure />
            // A Transition, not a Suspense: read again after a change, the box stays where it is.
            // Rendered checked by the server too (the attribute), then kept by the property.
            <Transition>
                <div class="check">
                    <input
                        type="checkbox"
                        id="break-glass-refused"
                        checked=refused
                        prop:checked=refused
                        prop:disabled=form.pending()
                        on:change=toggle
                    />
                    <label for="break-glass-refused">{t!(i18n, emergency.refuse)}</label>
                </div>
            </Transition>
            <p class="field__hint">{t!(i18n, emergency.refuse_hint)}</p>
            {move || saved.get().then(|| view! { <p class="notice" role="status">{t!(i18n, emergency.saved)}</p> })}
        </section>
        <section class="panel">
            <super::channels::ChannelsForm record=channels_record />
        </section>
    }
}
