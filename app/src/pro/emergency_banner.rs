//! The emergency mode, shown at the top of every professional screen while one of the
//! professional's break-glass sessions is live: whose record, until when, and a way to end it.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;

use crate::api::emergency::LiveBreakGlass;
use crate::client;
use crate::date::moment;
use crate::i18n::{t, t_string, use_i18n};

#[component]
pub fn EmergencyBanner() -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    // Rendered by the server with the page, so it never pushes the page down when it arrives.
    let live =
        Resource::new(|| (), |()| client::get::<Vec<LiveBreakGlass>>("/api/pro/break-glass"));
    let banner = client::built_from(live, move |result| {
        let sessions = result.unwrap_or_default();
        (!sessions.is_empty()).then(|| {
            let items = sessions
                .into_iter()
                .map(|session| {
                    let name = format!("{} {}", session.given_name, session.family_name);
                    let href = super::record_href(&session.record_id);
                    let until = moment(session.expires_at);
                    let (csrf, id) = (csrf.clone(), session.id.clone());
                    let end = move |_| {
                        let (csrf, id) = (csrf.clone(), id.clone());
                        spawn_local(async move {
                            let path = format!("/api/pro/break-glass/{id}/end");
                            let _ = client::post::<_, ()>(&path, &(), Some(&csrf)).await;
                            live.refetch();
                        });
                    };
                    let aria = format!("{} — {name}", t_string!(i18n, emergency.end));
                    view! {
                        <li>
                            <A href=href>{name}</A>
                            " · "
                            {t_string!(i18n, emergency.until, until = until).to_string()}
                            " "
                            <button type="button" class="button button--small" aria-label=aria on:click=end>
                                {t!(i18n, emergency.end)}
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="emergency-banner" role="status" aria-labelledby="emergency-mode">
                    <h2 id="emergency-mode">{t!(i18n, emergency.mode)}</h2>
                    <p>{t!(i18n, emergency.mode_intro)}</p>
                    <ul>{items}</ul>
                </section>
            }
        })
    });
    view! { <Transition>{banner}</Transition> }
}
