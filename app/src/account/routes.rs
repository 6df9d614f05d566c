//! The account pages as lazily loaded routes: their code is split out of the first download
//! (by `wasm-split` in `scripts/build-site.sh`) and fetched when a person opens one of them, so
//! the home page and the emergency pages stay small on a weak network.

use leptos::prelude::*;

use super::{AccountPage, LoginPage, RecoverPage, SignupPage};

/// Activating a record opened by a professional: the recovery page's second use.
#[component]
fn ActivatePage() -> impl IntoView {
    view! { <RecoverPage activate=true /> }
}

crate::split_route!(SignupRoute => signup_page, SignupPage);
crate::split_route!(LoginRoute => login_page, LoginPage);
crate::split_route!(AccountRoute => account_page, AccountPage);
crate::split_route!(RecoverRoute => recover_page, RecoverPage);
crate::split_route!(ActivateRoute => activate_page, ActivatePage);
