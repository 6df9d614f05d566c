//! "My account": who is signed in, where codes go, and logout. Loaded in the browser from
//! `/api/account/me`; the server-rendered page shows a loading line until then.

use leptos::{either::Either, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use crate::account::{
    contact::ContactSection,
    password::ChangePasswordSection,
    records::{ActingForBanner, CloseSection, RepresentedSection},
    totp::AuthenticatorSection,
};
use crate::api::account::Me;
use crate::client;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    // Rendered by the server as the person whose page it is; hydrated, not asked again.
    let me = Resource::new(|| (), |()| client::get::<Me>("/api/account/me"));
    let refresh = Callback::new(move |()| me.refetch());
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, account.title).to_string()) />
        <Suspense fallback=move || {
            view! { <p role="status">{t!(i18n, account.loading)}</p> }
        }>
            {client::built_from(me, move |me| match me {
                Ok(me) => Either::Left(view! { <SignedIn me refresh /> }.into_any()),
                Err(_) => {
                    Either::Right(view! {
                        <h1>{t!(i18n, account.title)}</h1>
                        <p>{t!(i18n, account.signed_out)}</p>
                        <p>
                            <A href="/connexion">{t!(i18n, nav.login)}</A>
                        </p>
                    })
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedIn(me: Me, refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    // The forms below read the session's token from here.
    client::provide_csrf(me.csrf_token.clone());
    let name = me.given_name.clone();
    let contact = me.contact.clone();
    let acting_id = me.acting_for.as_ref().map(|person| person.id.clone());
    view! {
        {me.acting_for.clone().map(|person| view! {
            <ActingForBanner person refresh />
        })}
        <h1>{move || t_string!(i18n, account.heading, name = name.clone()).to_string()}</h1>
        <p>{move || t_string!(i18n, account.contact, contact = contact.clone()).to_string()}</p>
        <RepresentedSection people=me.represents.clone() acting_for=acting_id refresh />
        <AuthenticatorSection enabled=me.totp_enabled />
        <ChangePasswordSection />
        <ContactSection refresh />
        <CloseSection closed=me.closed.clone() refresh />
        // This device: the record kept on it, encrypted, for when there is no network.
        <crate::cache::ui::OfflineSection />
        <LogoutButton path="/api/account/logout" then="/" />
    }
}

/// Ends the session on the server, wipes what the app kept on the device, then goes to `then`
/// whatever the answer: the session is over for this page either way.
#[component]
pub fn LogoutButton(path: &'static str, then: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let form = client::Submission::new();
    let pending = form.pending();
    // Changes made offline and not sent yet go with the device's copy: said first, and a second
    // press is needed.
    let offline = crate::cache::use_offline();
    let warned = RwSignal::new(false);
    let logout = move |_| {
        if pending.get_untracked() {
            return;
        }
        if offline.waiting.get_untracked() > 0 && !warned.get_untracked() {
            warned.set(true);
            return;
        }
        let (navigate, csrf) = (navigate.clone(), form.csrf());
        form.run(async move {
            let told = client::post::<_, ()>(path, &(), Some(&csrf)).await;
            // Everything the app kept on the device goes, network or not; without one, the
            // server is told at the next start.
            #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
            crate::cache::offline::wipe_device(!matches!(told, Err(client::ApiFailure::Network)))
                .await;
            let _ = told;
            navigate(then, Default::default());
            Ok(())
        });
    };
    let warning = move || {
        let count = offline.waiting.get();
        (warned.get() && count > 0).then(|| {
            let text = t_string!(i18n, account.logout_unsent, count = count).to_string();
            view! { <p class="notice notice--error" role="alert">{text}</p> }
        })
    };
    view! {
        {warning}
        <p>
            <button type="button" class="button button--secondary" on:click=logout disabled=pending>
                {move || if warned.get() && offline.waiting.get() > 0 {
                    t_string!(i18n, account.logout_anyway).to_string()
                } else {
                    t_string!(i18n, account.logout).to_string()
                }}
            </button>
        </p>
    }
}
