//! The record pages as lazily loaded routes.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::page::RecordPage;

pub struct RecordRoute;

#[lazy_route]
impl LazyRoute for RecordRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <RecordPage /> }.into_any()
    }
}
