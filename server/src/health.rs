//! `GET /healthz`: is this process able to serve? Checks the database with a real query.

use axum::{Json, extract::State};
use serde::Serialize;

use crate::{AppState, error::ApiError};

#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.health().await?;
    Ok(Json(Health { status: "ok", database: "ok" }))
}
