//! The professionals' pages as lazily loaded routes: patients never download their code.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::{ProLoginPage, ProPage, ProRecordPage};

pub struct ProLoginRoute;

#[lazy_route]
impl LazyRoute for ProLoginRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ProLoginPage /> }.into_any()
    }
}

pub struct ProRoute;

#[lazy_route]
impl LazyRoute for ProRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ProPage /> }.into_any()
    }
}

pub struct ProRecordRoute;

#[lazy_route]
impl LazyRoute for ProRecordRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ProRecordPage /> }.into_any()
    }
}
