//! Patient accounts over HTTP, one room per thing a person does: sign-up ([`signup`]), login
//! with password and code, and logout ([`login`]), recovery through the contact ([`recovery`]),
//! the password ([`password`]) and the authenticator app ([`totp`]). Here: the routes, the rate
//! policies and what those rooms share (the current account, new accounts, messages to the
//! contact). Every input is checked with the same pure rules the interface uses
//! (`app::api::validate`); nothing the browser says is trusted.

pub mod codes;
pub mod contact;
pub mod lifecycle;
pub mod login;
pub mod password;
mod recovery;
pub mod representation;
mod signup;
pub mod totp;

use crate::audit::AuditAction;
use app::api::account::{Closed, Me};
use app::api::validate::{Contact, Date};
use axum::{
    Json,
    extract::State,
    routing::{get, post},
};

use crate::session::{self, Session};
use crate::{
    AppState,
    error::ApiError,
    extract::Origin,
    store::{AccountId, AccountRecord, AccountStatus},
};

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

pub(crate) fn contact_key(contact: &str) -> String {
    // Hashed so the table of limits does not list people's addresses.
    let digest = codes::challenge_digest(contact);
    format!("contact:{}", crate::vault::hex(&digest[..16]))
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
        id: account.id.to_string(),
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

/// A new account, not yet active, without password: callers set what differs.
pub fn new_account(
    contact: Option<Contact>,
    [given_name, family_name]: [String; 2],
    birth_date: Date,
    locale: &str,
    now: i64,
) -> AccountRecord {
    AccountRecord {
        id: AccountId::new(crate::vault::new_id()),
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
    account_id: &AccountId,
    origin: &Origin,
    action: AuditAction,
) -> Result<(), ApiError> {
    use crate::asker::trace;
    let actor = trace::account_actor(account_id);
    trace::write(state, &trace::outside_entry(state, actor, origin, action, None, None, None)).await
}
