//! Closing a record: the patient may close it at any time (archived, readable by them alone,
//! for the configured retention period), reopen it, or ask for its erasure, carried out once
//! the configured delay has passed. A periodic purge (and `carnet purge`) does the erasing.

use crate::audit::AuditAction;
use std::time::Duration;

use app::account::messages::Kind;
use app::api::account::CloseRequest;
use app::api::validate::Date;
use axum::{extract::State, http::StatusCode};

use super::password::confirm_password;
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiJson, ClientAddr},
    store::{AccountStatus, PurgeReport, Store, StoreError},
};
use crate::{notices::notify, session::Session};

const DAY: i64 = 86_400;

/// The configurable rules around accounts' lives.
#[derive(Clone, Copy, Debug)]
pub struct AccountRules {
    /// A minor's representatives lose their role on this birthday (18 in the reference).
    pub majority_age: u32,
    /// How long a closed record is kept archived (10 years in the reference).
    pub retention_days: u32,
    /// How long after the request an erasure is carried out (room to change one's mind).
    pub erasure_delay_days: u32,
}

impl Default for AccountRules {
    fn default() -> Self {
        Self { majority_age: 18, retention_days: 3653, erasure_delay_days: 30 }
    }
}

/// Closes the signed-in person's own record (and, with `erase`, plans its erasure). The
/// password is asked again: this is not something a borrowed, unlocked phone should do.
pub async fn close(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<CloseRequest>,
) -> Result<StatusCode, ApiError> {
    let account = confirm_password(&state, &session, &request.password, &addr).await?;
    let now = state.clock.now();
    let closed_at = account.closed_at.unwrap_or(now);
    let retained_until = closed_at + i64::from(state.rules.retention_days) * DAY;
    let erasure_due_at = if request.erase {
        // Asked again later, the first date stands: asking twice does not postpone it.
        Some(
            account.erasure_due_at.unwrap_or(now + i64::from(state.rules.erasure_delay_days) * DAY),
        )
    } else {
        account.erasure_due_at
    };
    let event = if erasure_due_at.is_some() {
        AuditAction::AccountErasureRequested
    } else {
        AuditAction::AccountClosed
    };
    crate::audit::account_change(&state, event, &account.id, &addr, now, async |event| {
        state.store.close_account(&account.id, now, retained_until, erasure_due_at, event).await
    })
    .await?;
    let day = |seconds: i64| Date::from_unix_seconds(seconds).to_string();
    match erasure_due_at {
        Some(due) => notify(&state, &account, Kind::ErasureScheduled { on: &day(due) }).await?,
        None => notify(&state, &account, Kind::Closed { until: &day(retained_until) }).await?,
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Opens a closed record again; a planned erasure is cancelled. The password is asked again, as
/// for closing it.
pub async fn reopen(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<app::api::account::ReopenRequest>,
) -> Result<StatusCode, ApiError> {
    let account = confirm_password(&state, &session, &request.password, &addr).await?;
    if account.status != AccountStatus::Closed {
        return Ok(StatusCode::NO_CONTENT);
    }
    let now = state.clock.now();
    let event = AuditAction::AccountReopened;
    crate::audit::account_change(&state, event, &account.id, &addr, now, async |event| {
        state.store.reopen_account(&account.id, event).await
    })
    .await?;
    notify(&state, &account, Kind::Reopened).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Erases what is due and forgets expired codes and sessions; logs the counts only.
pub async fn purge(store: &dyn Store, now: i64) -> Result<PurgeReport, StoreError> {
    let report = store.purge(now, crate::session::ABSOLUTE_TIMEOUT_SECONDS).await?;
    store.purge_uploads(now - crate::record::UPLOAD_LIFETIME_SECONDS).await?;
    if report != PurgeReport::default() {
        tracing::info!(erased = report.erased, expired = report.expired, "records purged");
    }
    Ok(report)
}

/// Runs [`purge`] every `every` until the process stops.
pub async fn purge_periodically(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if !crate::schedule::leased(&state, "purge", every).await {
            continue;
        }
        if let Err(error) = purge(state.store.as_ref(), state.clock.now()).await {
            tracing::warn!(
                error = &error as &dyn std::error::Error,
                "purge failed; retrying later"
            );
        }
    }
}
