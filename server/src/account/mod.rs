//! Patient accounts over HTTP, one room per thing a person does: sign-up ([`signup`]), login
//! with password and code, and logout ([`login`]), recovery through the contact ([`recovery`]),
//! the password ([`password`]) and the authenticator app ([`totp`]). Here: the routes, the rate
//! policies and what those rooms share (the current account, new accounts, messages to the
//! contact). Every input is checked with the same pure rules the interface uses
//! (`app::account::validate`); nothing the browser says is trusted.

pub mod codes;
pub mod contact;
pub mod devices;
pub mod lifecycle;
pub mod login;
pub mod password;
mod recovery;
pub mod representation;
pub mod session;
mod signup;
pub mod totp;

use crate::audit::AuditAction;
use app::account::{
    Closed, Me,
    messages::Kind,
    validate::{Contact, Date},
};
use axum::{
    Json,
    extract::State,
    http::HeaderMap,
    routing::{get, post},
};

use crate::{
    AppState,
    error::ApiError,
    messages::Message,
    store::{AccountRecord, AccountStatus, Channel, RateDecision, RatePolicy},
    web::Origin,
};
use session::Session;

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

pub fn routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(login::login))
        .route("/verify", post(login::verify))
        .route("/logout", post(login::logout))
        .route("/me", get(me))
        .route("/recover", post(recovery::recover))
        .route("/recover/finish", post(recovery::finish))
        .route("/password", post(password::change))
        .route("/totp/setup", post(totp::setup))
        .route("/totp/enable", post(totp::enable))
        .route("/contact", post(contact::start))
        .route("/contact/verify", post(contact::verify))
        .route("/close", post(lifecycle::close))
        .route("/reopen", post(lifecycle::reopen))
        .route("/represented", get(representation::list))
        .route("/acting-for", post(representation::set_acting_for))
        .route("/representation/withdraw", post(representation::withdraw))
}

pub(crate) async fn limit(state: &AppState, key: &str, policy: RatePolicy) -> Result<(), ApiError> {
    match state.store.rate_limit_try(key, state.clock.now(), policy).await? {
        RateDecision::Allowed => Ok(()),
        RateDecision::Blocked { retry_after } => Err(ApiError::TooManyAttempts { retry_after }),
    }
}

/// The event recording a refusal by a rate limit: slowed down, or locked for good.
pub(crate) fn blocked_event(
    error: &ApiError,
    slowed: AuditAction,
    locked: AuditAction,
) -> AuditAction {
    match error {
        ApiError::TooManyAttempts { retry_after: u32::MAX } => locked,
        _ => slowed,
    }
}

pub(crate) fn contact_key(contact: &str) -> String {
    // Hashed so the table of limits does not list people's addresses.
    let digest = codes::challenge_digest(contact);
    format!("contact:{}", crate::vault::hex(&digest[..16]))
}

pub(crate) fn today(state: &AppState) -> Date {
    Date::from_unix_seconds(state.clock.now())
}

/// The language of the interface that made the request, for the messages we send.
pub(crate) fn request_locale(headers: &HeaderMap) -> &'static str {
    let chosen = headers
        .get(axum::http::header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(app::i18n::language_in_cookie_header);
    if chosen == Some("en") { "en" } else { "fr" }
}

async fn me(
    State(state): State<AppState>,
    origin: Origin,
    session: Session,
) -> Result<Json<Me>, ApiError> {
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    own_read(&state, &session.account_id, &origin, AuditAction::AccountMe).await?;
    Ok(Json(me_of(&state, &account, session.csrf_token, session.acting_for.as_deref()).await?))
}

pub(crate) async fn me_of(
    state: &AppState,
    account: &AccountRecord,
    csrf_token: String,
    acting_for: Option<&str>,
) -> Result<Me, ApiError> {
    let totp_enabled = state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled);
    let represents = representation::represented_by(state, &account.id).await?;
    let acting_for =
        acting_for.and_then(|id| represents.iter().find(|person| person.id == id).cloned());
    let day = |seconds: i64| Date::from_unix_seconds(seconds).to_string();
    Ok(Me {
        id: account.id.clone(),
        given_name: account.given_name.clone(),
        family_name: account.family_name.clone(),
        birth_date: account.birth_date.clone(),
        contact: account.contact.as_ref().map(Contact::masked).unwrap_or_default(),
        totp_enabled,
        csrf_token: session::masked_csrf(&csrf_token),
        closed: account.closed_at.map(|closed_at| Closed {
            closed_on: day(closed_at),
            retained_until: day(account.retained_until.unwrap_or(closed_at)),
            erasure_on: account.erasure_due_at.map(day),
        }),
        represents,
        acting_for,
    })
}

pub(crate) fn locale_of(account: &AccountRecord) -> &'static str {
    if account.locale == "en" { "en" } else { "fr" }
}

/// A new account, not yet active, without password: callers set what differs.
pub(crate) fn new_account(
    contact: Option<Contact>,
    [given_name, family_name]: [String; 2],
    birth_date: Date,
    locale: &str,
    now: i64,
) -> AccountRecord {
    AccountRecord {
        id: crate::vault::new_id(),
        contact,
        given_name,
        family_name,
        birth_date: birth_date.to_string(),
        locale: if locale == "en" { "en" } else { "fr" }.to_owned(),
        password_hash: None,
        status: AccountStatus::Pending,
        created_at: now,
        opened_by: None,
        closed_at: None,
        retained_until: None,
        erasure_due_at: None,
        regular_doctor: None,
        break_glass_refused: false,
    }
}

/// Traces a signed-in account's read of its own account. On no record: the patient's history
/// is not filled with every page's look at who is signed in.
pub(crate) async fn own_read(
    state: &AppState,
    account_id: &str,
    origin: &Origin,
    action: AuditAction,
) -> Result<(), ApiError> {
    use crate::record::trace;
    let actor = trace::account_actor(account_id);
    trace::write(state, &trace::outside_entry(state, actor, origin, action, None, None, None)).await
}

/// Sends a notice to the account's own contact, if it has one.
pub(crate) async fn notify(
    state: &AppState,
    account: &AccountRecord,
    kind: Kind<'_>,
) -> Result<(), ApiError> {
    match &account.contact {
        Some(contact) => send(state, contact, locale_of(account), kind).await,
        None => Ok(()),
    }
}

pub(crate) async fn send(
    state: &AppState,
    contact: &Contact,
    locale: &str,
    kind: Kind<'_>,
) -> Result<(), ApiError> {
    let (subject, body) = app::account::messages::render(locale, kind);
    let (channel, recipient) = match contact {
        Contact::Email(address) => (Channel::Email, address.clone()),
        Contact::Phone(number) => (Channel::Sms, number.clone()),
    };
    state.messages.send(Message { channel, recipient, subject, body }).await?;
    Ok(())
}
