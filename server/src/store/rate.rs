//! The rate limiter: its rule, a pure function of what one more try does to a key's count and
//! block, and the storage it needs ([`RateStore`]), which keeps a [`RateState`] per key and
//! applies [`RatePolicy::try_at`] to it in one transaction, so parallel tries are counted one
//! after the other.

use async_trait::async_trait;

use super::StoreError;

/// Escalating delays after failures: `free` tries, then `base_delay` seconds doubling up to
/// `max_delay`, and locked for good once `lock_after` failures follow each other. A day with no
/// counted try ([`FORGOTTEN_AFTER`]) starts the count again, unless the key is locked: a shared
/// address (a clinic, a mobile carrier's) is not slowed down for ever by what its users did
/// weeks ago.
#[derive(Clone, Copy, Debug)]
pub struct RatePolicy {
    pub free: u32,
    pub base_delay: u32,
    pub max_delay: u32,
    pub lock_after: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateDecision {
    /// The try may proceed; it was already counted as a failure (reset it on success).
    Allowed,
    /// Refused without trying; wait this many seconds (`u32::MAX`: locked).
    Blocked { retry_after: u32 },
}

/// Seconds without a counted try after which a key's tries are forgotten.
pub const FORGOTTEN_AFTER: i64 = 24 * 3600;

/// What the store keeps of a key: tries counted, until when it is blocked (`i64::MAX`: for
/// good) and when the last try was counted. A key never tried is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateState {
    pub failures: u32,
    pub blocked_until: i64,
    pub last_try: i64,
}

impl RateState {
    fn locked(&self) -> bool {
        self.blocked_until == i64::MAX
    }
}

impl RatePolicy {
    /// One more try at `now`: the key's next state when it is counted, or how long to wait (at
    /// least a second; `u32::MAX` when locked) when it is refused, which changes nothing.
    pub fn try_at(self, state: RateState, now: i64) -> Result<RateState, u32> {
        if state.blocked_until > now {
            let wait = state.blocked_until.saturating_sub(now).max(1);
            return Err(if state.locked() {
                u32::MAX
            } else {
                u32::try_from(wait).unwrap_or(u32::MAX)
            });
        }
        let remembered = now.saturating_sub(state.last_try) < FORGOTTEN_AFTER;
        let failures = if remembered { state.failures } else { 0 }.saturating_add(1);
        let blocked_until = if failures >= self.lock_after {
            i64::MAX
        } else if failures >= self.free {
            let doublings = (failures - self.free).min(30);
            let delay = (i64::from(self.base_delay) << doublings).min(i64::from(self.max_delay));
            now.saturating_add(delay)
        } else {
            state.blocked_until
        };
        Ok(RateState { failures, blocked_until, last_try: now })
    }
}

impl From<Result<RateState, u32>> for RateDecision {
    fn from(tried: Result<RateState, u32>) -> Self {
        match tried {
            Ok(_) => Self::Allowed,
            Err(retry_after) => Self::Blocked { retry_after },
        }
    }
}

/// The rate limiter's storage: a [`RateState`] per key.
#[async_trait]
pub trait RateStore: Send + Sync + 'static {
    /// Counts a try against `key` unless it is blocked ([`RatePolicy::try_at`]); reading the
    /// key's state and writing the next one are one transaction, so parallel tries cannot slip
    /// through together.
    async fn rate_limit_try(
        &self,
        key: &str,
        now: i64,
        policy: RatePolicy,
    ) -> Result<RateDecision, StoreError>;
    async fn rate_limit_reset(&self, key: &str) -> Result<(), StoreError>;
    /// Resets every limit whose key starts with `prefix` (a card's, from every address); answers
    /// how many there were.
    async fn rate_limit_reset_prefix(&self, prefix: &str) -> Result<u64, StoreError>;
    /// Takes back one counted try after it succeeded, so only failures add up (a block already
    /// in force stays until it expires).
    async fn rate_limit_forgive(&self, key: &str) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RatePolicy =
        RatePolicy { free: 3, base_delay: 30, max_delay: 100, lock_after: 8 };

    /// Tries `count` times at `now` (each waiting out the previous block), the last state.
    fn tried(
        policy: RatePolicy,
        mut state: RateState,
        count: u32,
        mut now: i64,
    ) -> (RateState, i64) {
        for _ in 0..count {
            now = now.max(state.blocked_until);
            state = policy.try_at(state, now).expect("allowed once the block has passed");
        }
        (state, now)
    }

    #[test]
    fn free_tries_then_delays_that_double_up_to_the_most() {
        let start = 1_000_000;
        let (state, now) = tried(POLICY, RateState::default(), 2, start);
        assert_eq!(state, RateState { failures: 2, blocked_until: 0, last_try: start });
        // The third try is the last free one and sets the first delay.
        let third = POLICY.try_at(state, now).unwrap();
        assert_eq!(third.blocked_until, now + 30);
        assert_eq!(POLICY.try_at(third, now + 29), Err(1));
        assert_eq!(POLICY.try_at(third, now + 10), Err(20));
        let fourth = POLICY.try_at(third, now + 30).unwrap();
        assert_eq!(fourth.blocked_until - fourth.last_try, 60);
        let fifth = POLICY.try_at(fourth, fourth.blocked_until).unwrap();
        assert_eq!(fifth.blocked_until - fifth.last_try, 100, "capped at max_delay");
    }

    #[test]
    fn a_refused_try_changes_nothing() {
        let (state, now) = tried(POLICY, RateState::default(), 3, 5_000);
        assert!(POLICY.try_at(state, now + 1).is_err());
        assert_eq!(POLICY.try_at(state, now + 30).unwrap().failures, 4);
    }

    #[test]
    fn locked_for_good_after_lock_after_tries_and_never_forgotten() {
        let (state, now) = tried(POLICY, RateState::default(), 8, 10_000);
        assert_eq!(state.blocked_until, i64::MAX);
        assert_eq!(POLICY.try_at(state, now + 1), Err(u32::MAX));
        assert_eq!(POLICY.try_at(state, now + 365 * FORGOTTEN_AFTER), Err(u32::MAX));
    }

    #[test]
    fn a_quiet_day_forgets_the_tries() {
        let (state, now) = tried(POLICY, RateState::default(), 5, 20_000);
        let later = now + FORGOTTEN_AFTER;
        assert_eq!(POLICY.try_at(state, later).unwrap().failures, 1);
        // Less than a day: still remembered, and the delay goes on doubling.
        let soon = POLICY.try_at(state, state.blocked_until.max(now + FORGOTTEN_AFTER - 1));
        assert_eq!(soon.unwrap().failures, 6);
    }

    #[test]
    fn no_overflow_at_the_extremes() {
        let wide =
            RatePolicy { free: 0, base_delay: u32::MAX, max_delay: u32::MAX, lock_after: u32::MAX };
        let state = RateState { failures: u32::MAX, blocked_until: 0, last_try: i64::MAX - 1 };
        let next = wide.try_at(state, i64::MAX - 1).unwrap();
        assert_eq!(next.failures, u32::MAX);
        assert_eq!(next.blocked_until, i64::MAX);
        assert_eq!(wide.try_at(next, 0), Err(u32::MAX));
        let ancient = RateState { failures: 3, blocked_until: i64::MIN, last_try: i64::MIN };
        assert!(POLICY.try_at(ancient, i64::MAX).is_ok());
    }
}
