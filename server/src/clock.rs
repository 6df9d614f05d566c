//! Time, injected: handlers ask the state's clock, so tests can move time forward to expire a
//! code or a session without waiting.

use app::date::Date;
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

pub trait Clock: Send + Sync + 'static {
    /// Unix time in seconds (UTC).
    fn now(&self) -> i64;

    /// Today's date (UTC).
    fn today(&self) -> Date {
        Date::from_unix_seconds(self.now())
    }
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to. For tests.
#[derive(Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn starting_at(now: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now)))
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
