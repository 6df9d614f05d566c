//! The account pages as lazily loaded routes: their code is split out of the first download
//! (by `wasm-split` in `scripts/build-site.sh`) and fetched when a person opens one of them, so
//! the home page and the emergency pages stay small on a weak network.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::{AccountPage, LoginPage, RecoverPage, SignupPage};

pub struct SignupRoute;

#[lazy_route]
impl LazyRoute for SignupRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <SignupPage /> }.into_any()
    }
}

pub struct LoginRoute;

#[lazy_route]
impl LazyRoute for LoginRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <LoginPage /> }.into_any()
    }
}

pub struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <AccountPage /> }.into_any()
    }
}

pub struct RecoverRoute;

#[lazy_route]
impl LazyRoute for RecoverRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <RecoverPage /> }.into_any()
    }
}

pub struct ActivateRoute;

#[lazy_route]
impl LazyRoute for ActivateRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <RecoverPage activate=true /> }.into_any()
    }
}
