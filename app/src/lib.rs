//! Carnet's shared crate: what the browser and the server both need to know.
//!
//! Built twice: with feature `hydrate` for the browser (WebAssembly) and with `ssr` for the
//! server. It owns the pages, the components, the translations and the client data layer. It must
//! never reach a disk, a socket or a secret of the server: those live in `server/`.

// Deep view types (the account page) need more than the default 128 when built for hydration.
#![recursion_limit = "256"]

// Feature `ui` is the pages (both `ssr` and `hydrate` turn it on). Without it, the crate is the
// sealed on-device store alone: that is what the browser tests (`cargo test --lib --target
// wasm32-unknown-unknown --features store`, in headless Chromium) build to try it against the
// real IndexedDB and Web Crypto, without compiling the framework and the pages for them. The
// pages are built for the browser, linted and held to no warning by the site's build
// (`scripts/build-site.sh`). (`cfg_if!`, whose modules rustfmt still formats.)
cfg_if::cfg_if! {
    if #[cfg(not(feature = "ui"))] {
        /// The sealed store and its tests, from `cache/`.
        #[path = "cache"]
        pub mod cache {
            pub mod crypto;
            #[cfg(all(feature = "store", target_arch = "wasm32"))]
            pub mod idb;
            #[cfg(all(feature = "store", target_arch = "wasm32"))]
            pub mod webcrypto;

            #[cfg(all(test, feature = "store", target_arch = "wasm32"))]
            mod browser_tests;
        }
    } else {
        pub mod account;
        pub mod api;
        pub mod audit;
        pub mod cache;
        pub mod client;
        pub mod date;
        pub mod directory;
        pub mod emergency;
        pub mod i18n;
        pub mod ins;
        pub mod layout;
        pub mod network;
        pub mod pages;
        pub mod policy;
        pub mod pro;
        pub mod profile;
        pub mod record;
        pub mod safety;
        pub mod summary;
        pub mod ui;
        pub mod vocabulary;

        use leptos::prelude::*;
        use leptos_meta::{MetaTags, provide_meta_context};
        use leptos_router::{
            Lazy, SsrMode,
            components::{Route, Router, Routes},
            path,
        };

        use crate::account::routes::{AccountRoute, ActivateRoute, LoginRoute, RecoverRoute, SignupRoute};
        use crate::i18n::I18nContextProvider;
        use crate::layout::Shell;
        use crate::pages::{About, ErrorPage, Home, NotFound};
        use crate::pro::routes::{
            ProLoginRoute, ProRecordCareRoute, ProRecordHealthRoute, ProRecordRoute, ProRoute,
        };
        use crate::record::routes::{
            RecordCareRoute, RecordDocumentsRoute, RecordHealthRoute, RecordRoute, RecordSharingRoute,
        };
    }
}
// Outside the macro: the `macro_export` macros it declares (`split_fn!`, `split_route!`) could
// not be named by path if a macro declared their module.
#[cfg(feature = "ui")]
pub mod chunk;

/// Name of the generated JS glue and wasm files under `/pkg` (`carnet.js`, `carnet_bg.wasm`).
pub const OUTPUT_NAME: &str = "carnet";

/// The HTML document the server streams around the app. Rendered on the server only.
#[cfg(feature = "ui")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <meta name="theme-color" content="#0b5c73" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
                <link rel="stylesheet" href="/pkg/carnet.css" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: translations, then the layout around the routed page.
#[cfg(feature = "ui")]
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let offline = cache::provide();
    view! {
        <I18nContextProvider ssr_lang_header_getter=i18n::locale_from_request()>
            <Router>
                <Shell>
                    <ErrorBoundary fallback=|_errors| view! { <ErrorPage /> }>
                        // Offline with the copy locked: the unlock screen, and the pages hidden.
                        // (Hidden rather than swapped out, so the pages are hydrated, never
                        // rebuilt: that keeps their rendering code out of the first download.)
                        {move || offline.gate_closed().then(|| view! { <cache::ui::UnlockGate /> })}
                        <div class="routed" hidden=move || offline.gate_closed()>
                        // The pages rendered with the person's data stream in order: each
                        // part arrives where it belongs, never swapped in afterwards.
                        <Routes fallback=NotFound>
                            <Route path=path!("/") view=Home />
                            <Route path=path!("/confidentialite") view=About />
                            // The error page on its own address, for a reverse proxy to show
                            // when Carnet cannot answer at all.
                            <Route path=path!("/erreur") view=ErrorPage />
                            <Route path=path!("/inscription") view={Lazy::<SignupRoute>::new()} />
                            <Route path=path!("/connexion") view={Lazy::<LoginRoute>::new()} />
                            <Route path=path!("/mon-compte") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::InOrder />
                            <Route
                                path=path!("/mot-de-passe-oublie")
                                view={Lazy::<RecoverRoute>::new()}
                            />
                            <Route path=path!("/activer") view={Lazy::<ActivateRoute>::new()} />
                            <Route path=path!("/dossier") view={Lazy::<RecordRoute>::new()} ssr=SsrMode::InOrder />
                            // The list and, from a document's address, the document beside it:
                            // one route, so opening a document keeps the list as it is.
                            <Route
                                path=path!("/dossier/documents/:doc?")
                                view={Lazy::<RecordDocumentsRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/dossier/sante")
                                view={Lazy::<RecordHealthRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/dossier/soins")
                                view={Lazy::<RecordCareRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/dossier/partage")
                                view={Lazy::<RecordSharingRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/dossier/urgence")
                                view={Lazy::<summary::routes::ShareRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route path=path!("/pro") view={Lazy::<ProRoute>::new()} ssr=SsrMode::InOrder />
                            // The documents, and from a document's address the document beside
                            // them: one route, as the patient's. (The server sends the record's
                            // own address, `/pro/dossier/:id`, here.)
                            <Route
                                path=path!("/pro/dossier/:id/documents/:doc?")
                                view={Lazy::<ProRecordRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/pro/dossier/:id/sante")
                                view={Lazy::<ProRecordHealthRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/pro/dossier/:id/soins")
                                view={Lazy::<ProRecordCareRoute>::new()} ssr=SsrMode::InOrder
                            />
                            <Route
                                path=path!("/pro/connexion")
                                view={Lazy::<ProLoginRoute>::new()}
                            />
                        </Routes>
                        </div>
                    </ErrorBoundary>
                </Shell>
            </Router>
        </I18nContextProvider>
    }
}

/// Entry point called by the hydration script once the wasm is loaded. Left out of a test build,
/// which has no split loader for the lazy routes it would pull in.
#[cfg(all(feature = "hydrate", not(test)))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: lazily loaded routes hydrate once their code chunk has arrived.
    leptos::mount::hydrate_lazy(App);
}

/// Entry point of the offline app shell (`/app.html`, served by the service worker when there is
/// no network): the same app, rendered in the browser since no server rendered it.
#[cfg(all(feature = "hydrate", not(test)))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        if mount_in_browser().await.is_err() {
            shell_unavailable();
        }
    });
}

// Rendering every view from nothing (not hydrating it) is a second copy of the views' code:
// split off into its own chunk, loaded only by the offline shell.
#[cfg(all(feature = "hydrate", not(test)))]
crate::split_fn!(offline_shell => async fn mount_in_browser() {
    leptos::mount::mount_to_body(App);
});

/// The offline shell's code is not on this device (the network went before the service worker
/// kept it): say so in both languages, with no app to say it, and start again when the network
/// returns.
#[cfg(all(feature = "hydrate", not(test)))]
fn shell_unavailable() {
    use wasm_bindgen::{JsCast, closure::Closure};
    let Some(window) = web_sys::window() else { return };
    if let Some(body) = window.document().and_then(|document| document.body()) {
        body.set_inner_html(
            "<main class=\"content\"><section class=\"panel\"><h1>Carnet</h1>\
             <p role=\"alert\" lang=\"fr\">Carnet n’est pas encore gardé sur cet appareil : \
             il s’ouvrira au retour du réseau.</p>\
             <p role=\"alert\" lang=\"en\">Carnet is not kept on this device yet: it will \
             open when the network is back.</p></section></main>",
        );
    }
    let reload = Closure::<dyn Fn()>::new(|| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    let _ = window.add_event_listener_with_callback("online", reload.as_ref().unchecked_ref());
    reload.forget();
}
