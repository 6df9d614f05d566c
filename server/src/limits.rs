//! Rate limits: the policies the rooms share and the check every limited entry point makes.
//! The back-off itself is the store's (`RateStore`): a key's failures slow it down, up to a lock.

use crate::audit::AuditAction;
use crate::{
    AppState,
    error::ApiError,
    store::{RateDecision, RatePolicy},
};

/// Per contact: 5 free tries, then 30 s doubling up to 1 h; locked after 100 in a row.
pub const ACCOUNT_POLICY: RatePolicy =
    RatePolicy { free: 5, base_delay: 30, max_delay: 3600, lock_after: 100 };

/// Per client address: more room (many people share an address), never locked for good. A
/// success forgives its own try, so only failures add up.
pub const ADDRESS_POLICY: RatePolicy =
    RatePolicy { free: 30, base_delay: 30, max_delay: 3600, lock_after: u32::MAX };

/// A professional's card from one address: failures slow it down, never for good (card
/// identifiers are public: a lock would let anyone lock anyone out); `carnet card unlock` lifts
/// the delays.
pub const CARD_POLICY: RatePolicy =
    RatePolicy { free: 5, base_delay: 30, max_delay: 3600, lock_after: u32::MAX };

/// Recovery requests per contact: they send messages, so they slow down, but a person must
/// never be locked out of recovering their own account.
pub const RECOVERY_POLICY: RatePolicy =
    RatePolicy { free: 5, base_delay: 30, max_delay: 3600, lock_after: u32::MAX };

/// One try under `key`, counted against `policy`: refused with the time to wait when the key is
/// slowed down or locked.
pub async fn limit(state: &AppState, key: &str, policy: RatePolicy) -> Result<(), ApiError> {
    match state.store.rate_limit_try(key, state.clock.now(), policy).await? {
        RateDecision::Allowed => Ok(()),
        RateDecision::Blocked { retry_after } => Err(ApiError::TooManyAttempts { retry_after }),
    }
}

/// The event recording a refusal by a rate limit: slowed down, or locked for good.
pub fn blocked_event(error: &ApiError, slowed: AuditAction, locked: AuditAction) -> AuditAction {
    match error {
        ApiError::TooManyAttempts { retry_after: u32::MAX } => locked,
        _ => slowed,
    }
}
