//! Patient accounts over HTTP: sign-up with a code sent to the contact, login with password and
//! code, the current account, logout. Every input is checked here with the same pure rules the
//! interface uses (`app::account::validate`); nothing the browser says is trusted.

pub mod codes;
pub mod password;
pub mod session;
pub mod totp;

use app::account::{
    CodeMethod, CodeRequest, CodeSent, LoginRequest, Me, PasswordChange, RecoverFinish,
    RecoverRequest, Secret, SignupRequest, TotpConfirm, TotpSetup,
    validate::{self, Contact, Date},
};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;

use crate::{
    AppState,
    error::ApiError,
    messages::Message,
    store::{
        AccountRecord, AccountStatus, Channel, CodePurpose, ContactKind, NewCode as StoredCode,
        RateDecision, RatePolicy,
    },
    web::{ApiJson, ClientAddr},
};
use codes::{CODE_TTL_SECONDS, MAX_CODE_ATTEMPTS, NewCode};
use session::Session;

/// Per contact: 5 free tries, then 30 s doubling up to 1 h; locked after 100 in a row.
pub const ACCOUNT_POLICY: RatePolicy =
    RatePolicy { free: 5, base_delay: 30, max_delay: 3600, lock_after: 100 };
/// Per client address: more room (many people share an address), never locked for good. A
/// success forgives its own try, so only failures add up.
pub const ADDRESS_POLICY: RatePolicy =
    RatePolicy { free: 30, base_delay: 30, max_delay: 3600, lock_after: u32::MAX };
/// Recovery requests per contact: they send messages, so they slow down, but a person must
/// never be locked out of recovering their own account.
pub const RECOVERY_POLICY: RatePolicy =
    RatePolicy { free: 5, base_delay: 30, max_delay: 3600, lock_after: u32::MAX };

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/verify", post(verify))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/recover", post(recover))
        .route("/recover/finish", post(recover_finish))
        .route("/password", post(change_password))
        .route("/totp/setup", post(totp_setup))
        .route("/totp/enable", post(totp_enable))
}

async fn limit(state: &AppState, key: &str, policy: RatePolicy) -> Result<(), ApiError> {
    match state.store.rate_limit_try(key, state.clock.now(), policy).await? {
        RateDecision::Allowed => Ok(()),
        RateDecision::Blocked { retry_after } => Err(ApiError::TooManyAttempts { retry_after }),
    }
}

fn contact_key(contact: &str) -> String {
    // Hashed so the table of limits does not list people's addresses.
    let digest = codes::challenge_digest(contact);
    format!("contact:{}", hex(&digest[..16]))
}

fn recovery_key(contact: &str) -> String {
    format!("recover-{}", contact_key(contact))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn today(state: &AppState) -> Date {
    Date::from_unix_seconds(state.clock.now())
}

/// The language of the interface that made the request, for the messages we send.
fn request_locale(headers: &HeaderMap) -> &'static str {
    let chosen = headers
        .get(axum::http::header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(app::i18n::language_in_cookie_header);
    if chosen == Some("en") { "en" } else { "fr" }
}

async fn signup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    limit(&state, &format!("signup:{addr}"), ADDRESS_POLICY).await?;
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    let given_name =
        validate::parse_name(&request.given_name).map_err(|e| ApiError::input("given_name", e))?;
    let family_name = validate::parse_name(&request.family_name)
        .map_err(|e| ApiError::input("family_name", e))?;
    let birth_date = validate::parse_birth_date(&request.birth_date, today(&state))
        .map_err(|e| ApiError::input("birth_date", e))?;
    let birth_year = birth_date.year.to_string();
    password::check_strength(
        request.password.expose(),
        &[&given_name, &family_name, contact.as_str(), &birth_year],
    )
    .map_err(|e| ApiError::input("password", e))?;

    let locale = request_locale(&headers);
    let password_hash = state.passwords.hash(request.password.clone()).await?;
    let now = state.clock.now();
    let new = NewCode::draw();

    match state.store.account_by_contact(contact.as_str()).await? {
        Some(existing) if existing.status == AccountStatus::Active => {
            // Same answer as a real sign-up, so the form does not reveal who has an account;
            // the owner of the contact is told instead.
            send(&state, &contact, locale, Notice::AlreadyRegistered).await?;
            state
                .store
                .record_auth_event("signup_existing", Some(&existing.id), &addr, now)
                .await?;
        }
        existing => {
            // A pending sign-up that never proved its contact is replaced: only the person who
            // receives the code can activate an account.
            if let Some(pending) = existing {
                state.store.delete_pending_account(&pending.id).await?;
            }
            let id = new_account_id();
            state
                .store
                .create_account(&AccountRecord {
                    id: id.clone(),
                    contact_kind: contact_kind(&contact),
                    contact: contact.as_str().to_owned(),
                    given_name,
                    family_name,
                    birth_date: birth_date.to_string(),
                    locale: locale.to_owned(),
                    password_hash,
                    status: AccountStatus::Pending,
                    created_at: now,
                })
                .await?;
            store_code(&state, &new, &id, CodePurpose::Activation).await?;
            send(&state, &contact, locale, Notice::Code(CodePurpose::Activation, &new.code))
                .await?;
            state.store.record_auth_event("signup", Some(&id), &addr, now).await?;
        }
    }
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    limit(&state, &format!("login:{addr}"), ADDRESS_POLICY).await?;
    let contact_limit = contact_key(contact.as_str());
    limit(&state, &contact_limit, ACCOUNT_POLICY).await?;

    let account = state.store.account_by_contact(contact.as_str()).await?;
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = state.passwords.verify(request.password.clone(), stored_hash).await?;
    let now = state.clock.now();
    let account_id = account.as_ref().map(|account| account.id.clone());
    let Some(account) = account.filter(|_| password_ok) else {
        state.store.record_auth_event("login_failed", account_id.as_deref(), &addr, now).await?;
        return Err(ApiError::BadCredentials);
    };
    state.store.rate_limit_reset(&contact_limit).await?;
    state.store.rate_limit_forgive(&format!("login:{addr}")).await?;

    // With an authenticator app, its code is the second factor: nothing is sent.
    let totp_enabled = state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled);
    if account.status == AccountStatus::Active && totp_enabled {
        let new = NewCode::draw();
        store_code(&state, &new, &account.id, CodePurpose::Totp).await?;
        state.store.record_auth_event("totp_asked", Some(&account.id), &addr, now).await?;
        let sent = CodeSent {
            sent_to: String::new(),
            method: CodeMethod::Authenticator,
            ..code_sent(&new, &contact)
        };
        return Ok((StatusCode::ACCEPTED, Json(sent)));
    }

    // A pending account proves its contact with this code and is activated on the way.
    let purpose = match account.status {
        AccountStatus::Active => CodePurpose::Login,
        AccountStatus::Pending => CodePurpose::Activation,
    };
    let new = NewCode::draw();
    store_code(&state, &new, &account.id, purpose).await?;
    send(&state, &contact, locale_of(&account), Notice::Code(purpose, &new.code)).await?;
    state.store.record_auth_event("code_sent", Some(&account.id), &addr, now).await?;
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

async fn verify(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    limit(&state, &format!("code:{addr}"), ADDRESS_POLICY).await?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = state
        .store
        .count_code_attempt(&challenge_hash, now, MAX_CODE_ATTEMPTS)
        .await?
        .ok_or(ApiError::CodeExpired)?;
    let right = match attempt.purpose {
        // A recovery code sets a password (`/recover/finish`); it never opens a session.
        CodePurpose::Recovery => return Err(ApiError::CodeExpired),
        CodePurpose::Totp => totp_code_is_right(&state, &attempt.account_id, &code, now).await?,
        CodePurpose::Activation | CodePurpose::Login => {
            codes::digests_match(&attempt.code_hash, &codes::code_digest(&request.challenge, &code))
        }
    };
    if !right {
        state.store.record_auth_event("code_failed", Some(&attempt.account_id), &addr, now).await?;
        return Err(ApiError::BadCode {
            attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempt.attempts)),
        });
    }
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    state.store.rate_limit_forgive(&format!("code:{addr}")).await?;
    if attempt.purpose == CodePurpose::Activation {
        state.store.activate_account(&attempt.account_id, now).await?;
        state.store.record_auth_event("activated", Some(&attempt.account_id), &addr, now).await?;
    }
    let account =
        state.store.account_by_id(&attempt.account_id).await?.ok_or(ApiError::CodeExpired)?;

    // A fresh token at every login: a token planted before login is worth nothing after it.
    if let Some(old) = jar.get(session::COOKIE_NAME) {
        state.store.delete_session(&session::token_digest(old.value())).await?;
    }
    let token = session::new_token();
    let csrf_token = session::new_token();
    state
        .store
        .create_session(&session::token_digest(&token), &account.id, &csrf_token, now)
        .await?;
    state.store.record_auth_event("login", Some(&account.id), &addr, now).await?;
    let jar = jar.add(session::session_cookie(token));
    let me = me_of(&state, &account, csrf_token).await?;
    Ok((jar, Json(me)))
}

async fn logout(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    session.check_csrf(&headers)?;
    state.store.delete_session(&session.token_hash).await?;
    state
        .store
        .record_auth_event("logout", Some(&session.account_id), &addr, state.clock.now())
        .await?;
    Ok((jar.add(session::removal_cookie()), StatusCode::NO_CONTENT))
}

async fn me(State(state): State<AppState>, session: Session) -> Result<Json<Me>, ApiError> {
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(Json(me_of(&state, &account, session.csrf_token).await?))
}

/// Sends a code to set a new password. The answer is the same whether or not the contact has
/// an account; only a real, active account receives a message.
async fn recover(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RecoverRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    limit(&state, &format!("recover:{addr}"), ADDRESS_POLICY).await?;
    limit(&state, &recovery_key(contact.as_str()), RECOVERY_POLICY).await?;
    let new = NewCode::draw();
    let account = state.store.account_by_contact(contact.as_str()).await?;
    if let Some(account) = account.filter(|account| account.status == AccountStatus::Active) {
        store_code(&state, &new, &account.id, CodePurpose::Recovery).await?;
        send(&state, &contact, locale_of(&account), Notice::Code(CodePurpose::Recovery, &new.code))
            .await?;
        let now = state.clock.now();
        state.store.record_auth_event("recovery_requested", Some(&account.id), &addr, now).await?;
    }
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

/// Sets a new password with a recovery code; every session of the account ends.
async fn recover_finish(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RecoverFinish>,
) -> Result<StatusCode, ApiError> {
    limit(&state, &format!("code:{addr}"), ADDRESS_POLICY).await?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    // The rules that need no account first, so a weak password does not spend a try.
    password::check_strength(request.new_password.expose(), &[])
        .map_err(|e| ApiError::input("new_password", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = state
        .store
        .count_code_attempt(&challenge_hash, now, MAX_CODE_ATTEMPTS)
        .await?
        .filter(|attempt| attempt.purpose == CodePurpose::Recovery)
        .ok_or(ApiError::CodeExpired)?;
    if !codes::digests_match(&attempt.code_hash, &codes::code_digest(&request.challenge, &code)) {
        state.store.record_auth_event("code_failed", Some(&attempt.account_id), &addr, now).await?;
        return Err(ApiError::BadCode {
            attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempt.attempts)),
        });
    }
    let account =
        state.store.account_by_id(&attempt.account_id).await?.ok_or(ApiError::CodeExpired)?;
    check_personal_strength(&account, &request.new_password)?;
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    replace_password(&state, &account, &request.new_password, None).await?;
    // Proving the contact also lifts a lock on logging in and the slow-down of recovery.
    state.store.rate_limit_reset(&contact_key(&account.contact)).await?;
    state.store.rate_limit_reset(&recovery_key(&account.contact)).await?;
    state.store.rate_limit_forgive(&format!("code:{addr}")).await?;
    state.store.record_auth_event("password_reset", Some(&account.id), &addr, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password of the signed-in account; its other sessions end.
async fn change_password(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    session.check_csrf(&headers)?;
    let key = format!("password:{}", session.account_id);
    limit(&state, &key, ACCOUNT_POLICY).await?;
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    let current = request.current_password.clone();
    if !state.passwords.verify(current, Some(account.password_hash.clone())).await? {
        let now = state.clock.now();
        state
            .store
            .record_auth_event("password_change_failed", Some(&account.id), &addr, now)
            .await?;
        return Err(ApiError::BadCredentials);
    }
    state.store.rate_limit_reset(&key).await?;
    check_personal_strength(&account, &request.new_password)?;
    replace_password(&state, &account, &request.new_password, Some(&session.token_hash)).await?;
    let now = state.clock.now();
    state.store.record_auth_event("password_changed", Some(&account.id), &addr, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_personal_strength(account: &AccountRecord, password: &Secret) -> Result<(), ApiError> {
    let birth_year = account.birth_date.get(..4).unwrap_or_default();
    password::check_strength(
        password.expose(),
        &[&account.given_name, &account.family_name, &account.contact, birth_year],
    )
    .map_err(|e| ApiError::input("new_password", e))
}

/// Stores the new hash, ends the other sessions and tells the person on their contact.
async fn replace_password(
    state: &AppState,
    account: &AccountRecord,
    password: &Secret,
    keep_session: Option<&[u8]>,
) -> Result<(), ApiError> {
    let hash = state.passwords.hash(password.clone()).await?;
    state.store.set_password(&account.id, &hash).await?;
    state.store.delete_sessions_of(&account.id, keep_session).await?;
    send(state, &contact_of(account), locale_of(account), Notice::PasswordChanged).await
}

/// Draws a new authenticator secret for the signed-in account. Until it is confirmed with
/// `/totp/enable`, login keeps sending codes by message.
async fn totp_setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    headers: HeaderMap,
) -> Result<Json<TotpSetup>, ApiError> {
    session.check_csrf(&headers)?;
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    let secret = totp::new_secret();
    let (uri, base32) = totp::enrolment(&secret, &account.contact).ok_or(ApiError::BadRequest)?;
    state.store.set_totp_secret(&account.id, &secret).await?;
    state
        .store
        .record_auth_event("totp_setup", Some(&account.id), &addr, state.clock.now())
        .await?;
    Ok(Json(TotpSetup { uri, secret: base32 }))
}

/// Turns the authenticator on once the person typed a code it produced.
async fn totp_enable(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    session.check_csrf(&headers)?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    limit(&state, &format!("totp:{}", session.account_id), ACCOUNT_POLICY).await?;
    let now = state.clock.now();
    if !totp_code_is_right(&state, &session.account_id, &code, now).await? {
        return Err(ApiError::BadCode { attempts_left: None });
    }
    state.store.rate_limit_reset(&format!("totp:{}", session.account_id)).await?;
    state.store.enable_totp(&session.account_id).await?;
    state.store.record_auth_event("totp_enabled", Some(&session.account_id), &addr, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks an authenticator code and spends its time step, so it cannot be replayed.
async fn totp_code_is_right(
    state: &AppState,
    account_id: &str,
    code: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let Some(secret) = state.store.totp(account_id).await? else { return Ok(false) };
    let Some(step) = totp::matching_step(&secret.secret, code, now) else { return Ok(false) };
    let step = i64::try_from(step).map_err(|_| ApiError::BadRequest)?;
    Ok(state.store.use_totp_step(account_id, step).await?)
}

async fn me_of(
    state: &AppState,
    account: &AccountRecord,
    csrf_token: String,
) -> Result<Me, ApiError> {
    let totp_enabled = state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled);
    Ok(me_fields(account, totp_enabled, csrf_token))
}

fn contact_of(account: &AccountRecord) -> Contact {
    match account.contact_kind {
        ContactKind::Email => Contact::Email(account.contact.clone()),
        ContactKind::Phone => Contact::Phone(account.contact.clone()),
    }
}

fn me_fields(account: &AccountRecord, totp_enabled: bool, csrf_token: String) -> Me {
    let contact = contact_of(account);
    Me {
        given_name: account.given_name.clone(),
        family_name: account.family_name.clone(),
        contact: contact.masked(),
        totp_enabled,
        csrf_token,
    }
}

fn code_sent(new: &NewCode, contact: &Contact) -> CodeSent {
    CodeSent {
        challenge: new.challenge.clone(),
        sent_to: contact.masked(),
        expires_in: CODE_TTL_SECONDS as u32,
        method: CodeMethod::Message,
    }
}

fn contact_kind(contact: &Contact) -> ContactKind {
    match contact {
        Contact::Email(_) => ContactKind::Email,
        Contact::Phone(_) => ContactKind::Phone,
    }
}

fn locale_of(account: &AccountRecord) -> &'static str {
    if account.locale == "en" { "en" } else { "fr" }
}

fn new_account_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

async fn store_code(
    state: &AppState,
    new: &NewCode,
    account_id: &str,
    purpose: CodePurpose,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    state
        .store
        .insert_code(&StoredCode {
            challenge_hash: &codes::challenge_digest(&new.challenge),
            account_id,
            purpose,
            code_hash: &codes::code_digest(&new.challenge, &new.code),
            created_at: now,
            expires_at: now + CODE_TTL_SECONDS,
        })
        .await?;
    Ok(())
}

enum Notice<'a> {
    Code(CodePurpose, &'a str),
    AlreadyRegistered,
    PasswordChanged,
}

async fn send(
    state: &AppState,
    contact: &Contact,
    locale: &str,
    notice: Notice<'_>,
) -> Result<(), ApiError> {
    let (subject, body) = app::account::messages::render(
        locale,
        match notice {
            Notice::Code(CodePurpose::Activation, code) => {
                app::account::messages::Kind::ActivationCode(code)
            }
            Notice::Code(CodePurpose::Login | CodePurpose::Totp, code) => {
                app::account::messages::Kind::LoginCode(code)
            }
            Notice::Code(CodePurpose::Recovery, code) => {
                app::account::messages::Kind::RecoveryCode(code)
            }
            Notice::AlreadyRegistered => app::account::messages::Kind::AlreadyRegistered,
            Notice::PasswordChanged => app::account::messages::Kind::PasswordChanged,
        },
    );
    let (channel, recipient) = match contact {
        Contact::Email(address) => (Channel::Email, address.clone()),
        Contact::Phone(number) => (Channel::Sms, number.clone()),
    };
    state.messages.send(Message { channel, recipient, subject, body }).await?;
    Ok(())
}
