//! Scheduled tasks (the hourly purge and pruning, the minute's signing of the audit log's head)
//! run by one server at a time of those sharing a database: the one holding the task's lease
//! ([`crate::store::LeaseStore`]). It renews the lease at each run; if it stops, the lease runs
//! out two periods later and the next server to try takes the task over.

use std::{sync::LazyLock, time::Duration};

use crate::AppState;

/// This process, as a lease holder.
static HOLDER: LazyLock<String> = LazyLock::new(crate::vault::new_id);

/// Whether this process runs `task` (of period `period`) now; taking or renewing its lease.
/// A database that does not answer runs nothing: the task is tried again at its next period.
pub async fn leased(state: &AppState, task: &str, period: Duration) -> bool {
    let now = state.clock.now();
    let until = now.saturating_add(2 * i64::try_from(period.as_secs()).unwrap_or(i64::MAX / 4));
    match state.store.take_lease(task, &HOLDER, now, until).await {
        Ok(held) => held,
        Err(error) => {
            tracing::warn!(task, error = &error as &dyn std::error::Error, "lease not taken");
            false
        }
    }
}
