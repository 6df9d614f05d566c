//! Code the browser fetches the first time it is needed: the lazily loaded pages and the offline
//! copy's entry points, cut out of the first download by `wasm-split` (`scripts/build-site.sh`).
//!
//! A chunk can fail to arrive: the network went away before the service worker kept every file,
//! or a new build replaced the files the open page expects. That is an ordinary event on a phone,
//! so here it is a value, [`ChunkMissing`], never a panic (a panic aborts the whole app). Every
//! split function is declared with [`split_fn!`] and returns `Result<_, ChunkMissing>`; every
//! lazily loaded page with [`split_route!`], which shows [`PageUnavailable`] instead of the page
//! and tries again when the network returns. A failed load is not remembered: the next call
//! fetches the chunk anew.
//!
//! This module must never decide what a failure means for the user's data: callers do (a
//! document not opened, an answer not kept); it only reports that code is missing.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;

/// The code of a split function could not be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkMissing;

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        // The page says so (the header's notice), whichever caller meets it first.
        if let Some(network) = crate::network::Network::current() {
            network.chunk_missing.set(true);
        }
        Self
    }
}

/// Declares an `async fn` whose code lives in the chunk named first, fetched at its first call.
/// It returns `Result<T, ChunkMissing>` where the body gives `T`. Functions that name the same
/// chunk share it. `preload = name` also declares `async fn name() -> Result<(), ChunkMissing>`
/// that fetches the chunk without calling anything (in the browser bundle only).
///
/// In a test build and on the server there is no loader: the function is plain.
#[macro_export]
macro_rules! split_fn {
    ($chunk:ident $(, preload = $preload:ident)? =>
        $(#[$meta:meta])* $vis:vis async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block
    ) => {
        $crate::split_fn!($chunk $(, preload = $preload)? =>
            $(#[$meta])* $vis async fn $name($($arg: $ty),*) -> () $body);
    };
    ($chunk:ident $(, preload = $preload:ident)? =>
        $(#[$meta:meta])* $vis:vis async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    ) => {
        $(#[$meta])*
        #[cfg(all(feature = "hydrate", target_arch = "wasm32", not(test)))]
        #[::leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            $(preload($preload),)?
            return_wrapper(
                let future = _;
                { future.await } -> ::core::result::Result<$ret, $crate::chunk::ChunkMissing>
            )
        )]
        $vis fn $name($($arg: $ty),*) -> ::core::pin::Pin<::std::boxed::Box<
            dyn ::core::future::Future<Output = ::core::result::Result<$ret, $crate::chunk::ChunkMissing>>
        >> {
            ::std::boxed::Box::pin(async move { ::core::result::Result::Ok(async move $body.await) })
        }

        $(#[$meta])*
        #[cfg(not(all(feature = "hydrate", target_arch = "wasm32", not(test))))]
        $vis async fn $name($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::chunk::ChunkMissing> {
            ::core::result::Result::Ok(async move $body.await)
        }
    };
}

/// Declares a lazily loaded route `$route` showing the component `$page`, whose code lives in
/// the chunk `$chunk` (also the name of a private module holding its loader). While the chunk
/// cannot be fetched the route shows [`PageUnavailable`], never a panic.
#[macro_export]
macro_rules! split_route {
    ($(#[$meta:meta])* $route:ident => $chunk:ident, $page:ident) => {
        $(#[$meta])*
        pub struct $route;

        #[allow(non_snake_case)]
        mod $chunk {
            use super::$page;
            $crate::split_fn!($chunk, preload = preload =>
                pub async fn view() -> ::leptos::prelude::AnyView {
                    ::leptos::prelude::IntoAny::into_any(::leptos::prelude::view! { <$page /> })
                }
            );

            /// The page, from its chunk.
            pub fn page() -> ::core::pin::Pin<::std::boxed::Box<
                dyn ::core::future::Future<Output = ::core::result::Result<::leptos::prelude::AnyView, $crate::chunk::ChunkMissing>>
            >> {
                ::std::boxed::Box::pin(view())
            }

            /// The chunk, fetched without rendering the page.
            pub fn fetch() -> ::core::pin::Pin<::std::boxed::Box<
                dyn ::core::future::Future<Output = ::core::result::Result<(), $crate::chunk::ChunkMissing>>
            >> {
                #[cfg(all(feature = "hydrate", target_arch = "wasm32", not(test)))]
                return ::std::boxed::Box::pin(async { preload().await.map_err(::core::convert::Into::into) });
                #[cfg(not(all(feature = "hydrate", target_arch = "wasm32", not(test))))]
                return ::std::boxed::Box::pin(async { ::core::result::Result::Ok(()) });
            }
        }

        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> ::leptos::prelude::AnyView {
                $crate::chunk::page_or_unavailable($chunk::page, $chunk::fetch).await
            }

            async fn preload() {
                $crate::chunk::prefetch($chunk::fetch).await
            }
        }
    };
}

/// A page's code, fetched and run: the page. One type for every page, so that what waits for it
/// is in the first download once, not once per page.
pub type PageLoad = fn() -> Pin<Box<dyn Future<Output = Result<AnyView, ChunkMissing>>>>;

/// Fetches a page's chunk without rendering it.
pub type ChunkFetch = fn() -> Pin<Box<dyn Future<Output = Result<(), ChunkMissing>>>>;

/// The page the chunk renders, or [`PageUnavailable`] when it cannot be fetched.
pub async fn page_or_unavailable(page: PageLoad, fetch: ChunkFetch) -> AnyView {
    // Counted before the fetch: a return while it fails is one to try again at.
    let seen =
        use_context::<crate::network::Network>().map(|network| network.returns.get_untracked());
    match page().await {
        Ok(page) => page,
        Err(ChunkMissing) => view! { <PageUnavailable fetch seen /> }.into_any(),
    }
}

/// Fetches a page's chunk ahead of its use; a failure is the page's to report, when it is opened.
pub async fn prefetch(fetch: ChunkFetch) {
    let _ = fetch().await;
}

/// Instead of a page whose code is not on this device: what is missing, and why. It fetches the
/// code again when the network returns (any return after `seen`, the count of returns when the
/// code was asked for), or when asked, and once it has arrived opens the page anew (a reload: the
/// page was never shown, so nothing typed is lost).
#[component]
pub fn PageUnavailable(fetch: ChunkFetch, seen: Option<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let returns = crate::network::use_network().returns;
    let seen = seen.unwrap_or_else(|| returns.get_untracked());
    let retry = move || {
        let _ = fetch;
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        leptos::task::spawn_local(async move {
            if fetch().await.is_ok()
                && let Some(window) = web_sys::window()
            {
                let _ = window.location().reload();
            }
        });
    };
    // Back online: once more, at each return of the network since its code was asked for.
    Effect::new(move || {
        if returns.get() != seen {
            retry();
        }
    });
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, offline.page_missing_heading).to_string()) />
        <section class="panel" aria-labelledby="unavailable-heading">
            <h1 id="unavailable-heading">{t!(i18n, offline.page_missing_heading)}</h1>
            <p role="alert">{t!(i18n, offline.page_missing)}</p>
            <p>
                <button type="button" class="button button--secondary" on:click=move |_| retry()>
                    {t!(i18n, offline.retry)}
                </button>
            </p>
        </section>
    }
}

/// What an [`OnDemand`] part is made by: its code fetched, then the part made.
pub type PartLoad = Pin<Box<dyn Future<Output = Result<AnyView, ChunkMissing>>>>;

/// A part of a page whose code is fetched the first time it is wanted (a form the person opens),
/// so that a visit never pays, in bytes or in hydration, for what it seldom uses. Until then the
/// `placeholder`; while the code arrives, a status; if it cannot arrive (no network, and the copy
/// on the device lacks it), the placeholder again, and the header says why. The part is made in
/// this component's owner, whichever event asked for it: it reads the page's contexts (the
/// language, the session's token) and goes with the page.
#[component]
pub fn OnDemand(
    /// The part is fetched at its first `true` (again after a failure).
    #[prop(into)]
    wanted: Signal<bool>,
    /// Fetches the part's code and makes it.
    load: impl Fn() -> PartLoad + Send + Sync + 'static,
    /// Shown until the part is wanted.
    #[prop(optional, into)]
    placeholder: ViewFn,
    /// The id of the element that gets the focus once the part is shown.
    #[prop(optional)]
    focus: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(PartState::Placeholder);
    // Handed over once from the task that made it to the view below. (Not a local value: the
    // server renders pages on several threads, and drops this with the page, on any of them.)
    let part = StoredValue::new(std::sync::Mutex::new(None::<AnyView>));
    let owner = StoredValue::new(Owner::current());
    let load = StoredValue::new(load);
    // An effect: only ever in the browser.
    Effect::new(move |_| {
        if !wanted.get() || state.get_untracked() != PartState::Placeholder {
            return;
        }
        state.set(PartState::Fetching);
        let made = load.with_value(|load| load());
        let fetch = async move {
            match made.await {
                Ok(view) => {
                    part.with_value(|part| part.lock().map(|mut part| *part = Some(view)).ok());
                    state.set(PartState::Shown);
                    if let Some(id) = focus {
                        focus_on(id);
                    }
                }
                Err(ChunkMissing) => state.set(PartState::Placeholder),
            }
        };
        match owner.get_value() {
            Some(owner) => owner.with(|| leptos::task::spawn_local_scoped_with_cancellation(fetch)),
            None => leptos::task::spawn_local(fetch),
        }
    });
    move || match state.get() {
        PartState::Shown => {
            part.with_value(|part| part.lock().ok().and_then(|mut part| part.take())).into_any()
        }
        PartState::Fetching => {
            view! { <p role="status">{t!(i18n, account.loading)}</p> }.into_any()
        }
        PartState::Placeholder => placeholder.run(),
    }
}

/// Where an [`OnDemand`] part is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PartState {
    /// Not wanted yet, or its code could not arrive.
    Placeholder,
    Fetching,
    Shown,
}

/// Gives the focus to the element `id` once it is on the page.
fn focus_on(id: &'static str) {
    let _ = id;
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}
