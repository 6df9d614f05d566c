//! The sharing page as a lazily loaded route: its QR encoder and the IPS writer stay out of the
//! bundle every page loads.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::share::SharePage;

pub struct ShareRoute;

#[lazy_route]
impl LazyRoute for ShareRoute {
    fn data() -> Self {
        Self
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <SharePage /> }.into_any()
    }
}
