//! The API's routes as each feature declares them, with their paths kept beside the router: the
//! route table test (`server/tests/http/routes.rs`) walks every path the router serves, so a
//! new route cannot escape the checks every route must pass (CSRF, another record's session).

use axum::{Router, routing::MethodRouter};

use crate::AppState;

/// A part of the API: its router and the paths it serves.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path.to_owned());
        self.router = self.router.route(path, methods);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.paths.extend(other.paths.into_iter().map(|path| format!("{prefix}{path}")));
        self.router = self.router.nest(prefix, other.router);
        self
    }

    /// The paths served, as declared (`/records/{record}/documents`…).
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
