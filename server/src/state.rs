//! The one state every handler receives. No globals: tests build their own.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::store::Store;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Arc<dyn Store>,
}

impl AppState {
    /// `site_root` holds the built site (`pkg/carnet.js`, `pkg/carnet_bg.wasm`, `pkg/carnet.css`).
    pub fn new(store: Arc<dyn Store>, site_root: &std::path::Path) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build();
        Self { leptos_options, store }
    }
}
