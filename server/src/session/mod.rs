//! Server-side sessions: a random 256-bit token in an `HttpOnly; Secure; SameSite=Strict`
//! cookie, stored as its SHA-256 digest, with an idle and an absolute timeout. A new token is
//! drawn at every login. The extractors resolve who is asking, once per request: [`Session`]
//! for a patient or representative, [`ProSession`] for a professional, [`AnySession`] for
//! what both may do (log out). A session lives on a device, known by a cookie of its own
//! ([`device`]).

pub mod device;

use crate::audit::AuditAction;
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, request::Parts},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{
    AppState,
    audit::AuditEntry,
    error::ApiError,
    extract::Origin,
    store::{
        AccountId, Device, DeviceSeen, Event, EventOwner, NewSession, Rpps, SessionOwner,
        SessionRecord,
    },
};

/// A proven login, about to open its session.
pub struct Opening<'a> {
    pub owner: SessionOwner,
    pub idle_timeout: i64,
    /// The login also activates the account (its first code).
    pub activate: bool,
    /// Its events, each an `auth_events` row (`account.activated`, `account.login`).
    pub names: &'a [AuditAction],
    /// Its one audit entry.
    pub entry: AuditEntry,
}

/// An open session: the cookies to set, the CSRF token, and what was learnt of the device.
pub struct Opened {
    pub jar: CookieJar,
    pub csrf_token: String,
    pub device: DeviceSeen,
    /// "Firefox, Android"
    pub device_label: String,
}

/// Opens the session of a proven login: a fresh token (one planted before login is worth
/// nothing after it), the session row, the account's device, the events and the audit entry in
/// one transaction.
pub async fn open(
    state: &AppState,
    jar: CookieJar,
    opening: Opening<'_>,
    origin: &Origin,
) -> Result<Opened, ApiError> {
    if let Some(old) = jar.get(COOKIE_NAME) {
        state.store.delete_session(&token_digest(old.value())).await?;
    }
    let token = new_token();
    let csrf_token = new_token();
    let (device_token, fresh) = device::token(&jar);
    let device_hash = device::digest(&device_token);
    let device_label = device::label(origin.device.as_deref());
    let (event_owner, device) = match &opening.owner {
        SessionOwner::Account(id) => {
            (EventOwner::Account(id), Some(Device { hash: &device_hash, label: &device_label }))
        }
        SessionOwner::Professional(rpps) => (EventOwner::Professional(rpps), None),
    };
    let remembers = device.is_some();
    let now = opening.entry.at;
    let session = NewSession {
        token_hash: &token_digest(&token),
        owner: &opening.owner,
        csrf_token: &csrf_token,
        now,
        idle_timeout: opening.idle_timeout,
        activate: opening.activate,
        device,
    };
    let seen = state
        .auditor
        .write(&*state.store, &opening.entry, async |audit| {
            let event = Event {
                names: opening.names,
                owner: event_owner,
                client_addr: &origin.client,
                at: now,
                audit,
            };
            state.store.create_session(&session, &event).await
        })
        .await?;
    let mut jar = jar.add(session_cookie(token));
    if remembers && fresh {
        jar = jar.add(device::cookie(device_token));
    }
    Ok(Opened { jar, csrf_token, device: seen, device_label })
}

pub const COOKIE_NAME: &str = "carnet_session";
/// A patient's session ends after 30 minutes without a request…
pub const IDLE_TIMEOUT_SECONDS: i64 = 30 * 60;
/// …a professional's after 15 (shared computers in practices and wards)…
pub const PRO_IDLE_TIMEOUT_SECONDS: i64 = 15 * 60;
/// …and 12 hours after login whatever happens.
pub const ABSOLUTE_TIMEOUT_SECONDS: i64 = 12 * 60 * 60;
/// Header carrying the CSRF token on state-changing requests.
pub use app::api::CSRF_HEADER;

/// A new random token (256 bits, URL-safe base64).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"carnet/session\0").chain_update(token).finalize().into()
}

/// The cookie that carries a session token.
pub fn session_cookie(token: String) -> Cookie<'static> {
    locked_cookie(COOKIE_NAME, token, time::Duration::seconds(ABSOLUTE_TIMEOUT_SECONDS))
}

/// A cookie scripts cannot read, sent over HTTPS only and to this site only.
pub fn locked_cookie(
    name: &'static str,
    value: String,
    max_age: time::Duration,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .build()
}

/// The cookie that tells the browser to forget the session.
pub fn removal_cookie() -> Cookie<'static> {
    let mut cookie = session_cookie(String::new());
    cookie.make_removal();
    cookie
}

/// A live session of any kind, as loaded for this request.
#[derive(Clone)]
pub struct AnySession {
    pub owner: SessionOwner,
    pub acting_for: Option<AccountId>,
    pub csrf_token: String,
    pub token_hash: [u8; 32],
}

/// The signed-in account behind this request (a patient, or a representative). Rejects with 401
/// when there is none, 403 for a professional's session.
pub struct Session {
    pub account_id: AccountId,
    /// The represented person whose record this session manages, checked to still be
    /// represented by this account at this request.
    pub acting_for: Option<AccountId>,
    pub csrf_token: String,
    pub token_hash: [u8; 32],
}

/// The signed-in professional behind this request; 403 for a patient's session.
pub struct ProSession {
    pub rpps: Rpps,
    pub csrf_token: String,
    pub token_hash: [u8; 32],
}

/// The session's CSRF token as an answer carries it: under a fresh random mask each time
/// (`pad ‖ token ⊕ pad`, URL-safe base64), so that no two answers hold the same bytes. Answers are
/// compressed, and a page holds the token beside text that others may have written (a
/// document's title): unmasked, the compressed size could tell a persistent observer of the network
/// how much of the token a guess matched (BREACH). Any mask opens to the same token.
pub fn masked_csrf(token: &str) -> String {
    let mut pad = vec![0u8; token.len()];
    rand::rng().fill_bytes(&mut pad);
    let masked: Vec<u8> = token.bytes().zip(&pad).map(|(byte, key)| byte ^ key).collect();
    pad.extend(masked);
    URL_SAFE_NO_PAD.encode(pad)
}

/// State-changing requests must echo the session's CSRF token in a header, masked as an answer
/// gave it ([`masked_csrf`]) or as it is.
fn check_csrf(expected: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    let sent = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or("");
    let unmasked =
        URL_SAFE_NO_PAD.decode(sent).ok().filter(|bytes| bytes.len() == 2 * expected.len()).map(
            |bytes| {
                let (pad, masked) = bytes.split_at(expected.len());
                masked.iter().zip(pad).map(|(byte, key)| byte ^ key).collect::<Vec<u8>>()
            },
        );
    let matches = |sent: &[u8]| crate::vault::digests_match(sent, expected.as_bytes());
    if unmasked.as_deref().is_some_and(matches) || matches(sent.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

impl Session {
    /// Whose record this request is about: the represented person's, or the account's own.
    pub fn subject(&self) -> &AccountId {
        self.acting_for.as_ref().unwrap_or(&self.account_id)
    }
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token =
            jar.get(COOKIE_NAME).map(|cookie| cookie.value()).ok_or(ApiError::Unauthenticated)?;
        let token_hash = token_digest(token);
        let SessionRecord { owner, acting_for, csrf_token } = state
            .store
            .touch_session(&token_hash, state.clock.now(), ABSOLUTE_TIMEOUT_SECONDS)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        // Every state-changing request made with a session echoes its CSRF token: checked here,
        // once, before any body is read, for every handler that takes a session (Session,
        // ProSession, the record's Asker all come through this one).
        if !parts.method.is_safe() {
            check_csrf(&csrf_token, &parts.headers)?;
        }
        Ok(Self { owner, acting_for, csrf_token, token_hash })
    }
}

impl Session {
    /// A patient's session from the session already loaded for this request (not loaded
    /// twice). A representation can end between two requests (withdrawn, or the minor came of
    /// age): the next request is already back on the representative's own record.
    pub async fn from_any(any: AnySession, state: &AppState) -> Result<Self, ApiError> {
        let SessionOwner::Account(account_id) = any.owner else {
            return Err(ApiError::Forbidden);
        };
        let mut acting_for = any.acting_for;
        if let Some(represented) = &acting_for
            && !crate::representatives::represents(state, &account_id, represented).await?
        {
            // The server ends it, not the person: traced as such.
            let now = state.clock.now();
            let event = AuditAction::AccountActingForLapsed;
            let id = &account_id;
            crate::audit::account_change(state, event, id, "server", now, async |event| {
                state.store.set_acting_for(&any.token_hash, None, event).await
            })
            .await?;
            acting_for = None;
        }
        Ok(Self { account_id, acting_for, csrf_token: any.csrf_token, token_hash: any.token_hash })
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Self::from_any(AnySession::from_request_parts(parts, state).await?, state).await
    }
}

impl FromRequestParts<AppState> for ProSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let any = AnySession::from_request_parts(parts, state).await?;
        let SessionOwner::Professional(rpps) = any.owner else {
            return Err(ApiError::Forbidden);
        };
        Ok(Self { rpps, csrf_token: any.csrf_token, token_hash: any.token_hash })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_csrf_token_differs_every_time_and_opens_only_to_its_token() {
        let token = new_token();
        let (a, b) = (masked_csrf(&token), masked_csrf(&token));
        assert_ne!(a, b);
        assert!(!a.contains(&token));
        let sending = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CSRF_HEADER, value.parse().unwrap());
            check_csrf(&token, &headers).is_ok()
        };
        assert!(sending(&a) && sending(&b) && sending(&token));
        let mut bytes = URL_SAFE_NO_PAD.decode(&a).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        assert!(!sending(&URL_SAFE_NO_PAD.encode(&bytes)), "a changed bit is refused");
        assert!(!sending(&masked_csrf(&new_token())), "another session's token is refused");
        assert!(!sending(&a[..a.len() - 4]) && !sending("") && !sending("not base64!"));
        assert!(check_csrf(&token, &HeaderMap::new()).is_err(), "no header, no change");
    }

    #[test]
    fn tokens_are_long_random_and_digested() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(token_digest(&a), token_digest(&b));
    }

    #[test]
    fn cookie_attributes() {
        let cookie = session_cookie("t".into()).to_string();
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
    }
}
