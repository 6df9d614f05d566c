//! Patient accounts over HTTP: sign-up with a code sent to the contact, login with password and
//! code, the current account, logout. Every input is checked here with the same pure rules the
//! interface uses (`app::account::validate`); nothing the browser says is trusted.

pub mod codes;
pub mod contact;
pub mod devices;
pub mod lifecycle;
pub mod password;
pub mod representation;
pub mod session;
pub mod totp;

use crate::audit::AuditAction;
use app::account::{
    Closed, CodeMethod, CodeRequest, CodeSent, LoginRequest, Me, PasswordChange, RecoverFinish,
    RecoverRequest, Secret, SignupRequest, TotpConfirm, TotpSetup,
    messages::Kind,
    validate::{self, Contact, Date},
};
use axum::{
    Json,
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
        AccountRecord, AccountStatus, Channel, CodeAttempt, CodePurpose, CodeTry, DeviceSeen,
        Event, EventOwner, NewCode as StoredCode, RateDecision, RatePolicy, SessionOwner,
    },
    web::{ApiJson, ClientAddr, Origin},
};
use codes::{CODE_TTL_SECONDS, MAX_CODE_ATTEMPTS, NewCode};
use session::{AnySession, Session};

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
    format!("contact:{}", hex(&digest[..16]))
}

/// Wrong second-factor codes of one account, whatever the challenge and the address.
fn second_factor_key(account_id: &str) -> String {
    format!("second-factor:{account_id}")
}

/// A notice that must not repeat at every try (a lock): at most once a day.
async fn notify_now_and_then(
    state: &AppState,
    account: &AccountRecord,
    kind: Kind<'_>,
) -> Result<(), ApiError> {
    const ONCE_A_DAY: RatePolicy =
        RatePolicy { free: 1, base_delay: 24 * 3600, max_delay: 24 * 3600, lock_after: u32::MAX };
    let key = format!("notice:{}:{}", kind_code(kind), account.id);
    match state.store.rate_limit_try(&key, state.clock.now(), ONCE_A_DAY).await? {
        RateDecision::Allowed => notify(state, account, kind).await,
        RateDecision::Blocked { .. } => Ok(()),
    }
}

/// A short name for the notices sent now and then.
fn kind_code(kind: Kind<'_>) -> &'static str {
    match kind {
        Kind::SecondFactorLocked => "second-factor-locked",
        _ => "notice",
    }
}

fn recovery_key(contact: &str) -> String {
    format!("recover-{}", contact_key(contact))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

async fn signup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    limit(&state, &format!("signup:{}", crate::web::limit_key(&addr)), ADDRESS_POLICY).await?;
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    let given_name =
        validate::parse_name(&request.given_name).map_err(|e| ApiError::input("given_name", e))?;
    let family_name = validate::parse_name(&request.family_name)
        .map_err(|e| ApiError::input("family_name", e))?;
    let birth_date =
        validate::parse_birth_date(&request.birth_date, today(&state), state.rules.majority_age)
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
        Some(existing) if existing.status != AccountStatus::Pending => {
            // Active, opened by a professional or closed: the owner logs in or recovers it. The
            // answer, and every answer to a code typed for it, is a real sign-up's (a decoy
            // code), so the form does not tell who has an account; the owner is told instead.
            store_decoy_code(&state, &new).await?;
            tell_already_registered(&state, &contact, locale).await?;
            crate::audit::auth_event(
                &state,
                AuditAction::AccountSignupExisting,
                Some(&existing.id),
                &addr,
                now,
            )
            .await?;
        }
        existing => {
            // A pending sign-up that never proved its contact is replaced: only the person who
            // receives the code can activate an account.
            if let Some(pending) = existing {
                state.store.delete_pending_account(&pending.id).await?;
            }
            let account = AccountRecord {
                password_hash: Some(password_hash),
                ..new_account(
                    Some(contact.clone()),
                    [given_name, family_name],
                    birth_date,
                    locale,
                    now,
                )
            };
            let id = account.id.clone();
            let entry = crate::audit::account_entry(
                AuditAction::AccountSignup,
                Some(&id),
                &addr,
                None,
                now,
            );
            let pending = state.auditor.prepare(&*state.store, &entry).await?;
            let event = Event {
                names: &[AuditAction::AccountSignup],
                owner: EventOwner::Account(&id),
                client_addr: &addr,
                at: now,
                audit: pending.rows(),
            };
            state.store.create_account(&account, &event).await?;
            pending.written();
            store_code(&state, &new, &id, CodePurpose::Activation).await?;
            send(&state, &contact, locale, code_kind(CodePurpose::Activation, &new.code)).await?;
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
    limit(&state, &format!("login:{}", crate::web::limit_key(&addr)), ADDRESS_POLICY).await?;
    let contact_limit = contact_key(contact.as_str());
    if let Err(blocked) = limit(&state, &contact_limit, ACCOUNT_POLICY).await {
        // The account's history shows the slow-down and the lock, like any other event.
        if let Some(account) = state.store.account_by_contact(contact.as_str()).await? {
            let event = blocked_event(
                &blocked,
                AuditAction::AccountLoginBlocked,
                AuditAction::AccountLoginLocked,
            );
            crate::audit::auth_event(&state, event, Some(&account.id), &addr, state.clock.now())
                .await?;
        }
        return Err(blocked);
    }

    let account = state.store.account_by_contact(contact.as_str()).await?;
    let stored_hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password_ok = state.passwords.verify(request.password.clone(), stored_hash).await?;
    let now = state.clock.now();
    let account_id = account.as_ref().map(|account| account.id.clone());
    let Some(account) = account.filter(|_| password_ok) else {
        crate::audit::auth_event(
            &state,
            AuditAction::AccountLoginFailed,
            account_id.as_deref(),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    };
    state.store.rate_limit_reset(&contact_limit).await?;
    state.store.rate_limit_forgive(&format!("login:{}", crate::web::limit_key(&addr))).await?;

    // With an authenticator app, its code is the second factor: nothing is sent.
    let totp_enabled = state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled);
    // Closed too: an archived record is still health data behind the same second factor.
    if matches!(account.status, AccountStatus::Active | AccountStatus::Closed) && totp_enabled {
        let new = NewCode::draw();
        store_code(&state, &new, &account.id, CodePurpose::Totp).await?;
        crate::audit::auth_event(
            &state,
            AuditAction::AccountTotpAsked,
            Some(&account.id),
            &addr,
            now,
        )
        .await?;
        let sent = CodeSent {
            sent_to: String::new(),
            method: CodeMethod::Authenticator,
            ..code_sent(&new, &contact)
        };
        return Ok((StatusCode::ACCEPTED, Json(sent)));
    }

    // A pending account proves its contact with this code and is activated on the way. (An
    // account awaiting activation has no password, so it never gets this far.)
    let purpose = match account.status {
        AccountStatus::Pending | AccountStatus::Awaiting => CodePurpose::Activation,
        AccountStatus::Active | AccountStatus::Closed => CodePurpose::Login,
    };
    let new = NewCode::draw();
    store_code(&state, &new, &account.id, purpose).await?;
    send(&state, &contact, locale_of(&account), code_kind(purpose, &new.code)).await?;
    crate::audit::auth_event(&state, AuditAction::AccountCodeSent, Some(&account.id), &addr, now)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

async fn verify(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let addr = origin.client.clone();
    limit(&state, &format!("code:{}", crate::web::limit_key(&addr)), ADDRESS_POLICY).await?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = match state
        .store
        .count_code_attempt(&challenge_hash, now, MAX_CODE_ATTEMPTS)
        .await?
        .ok_or(ApiError::CodeExpired)?
    {
        CodeTry::Real(attempt) => attempt,
        CodeTry::Decoy { attempts } => return Err(decoy_failed(&state, &addr, attempts).await?),
    };
    // Second-factor guesses count per account too: with the password, each login draws a new
    // challenge, so a per-challenge cap alone would allow endless rounds. Slowed down, then
    // locked with a notice; only a completed login or a recovery through the contact resets it.
    let second_factor = second_factor_key(&attempt.account_id);
    if matches!(attempt.purpose, CodePurpose::Login | CodePurpose::Totp)
        && let Err(blocked) = limit(&state, &second_factor, ACCOUNT_POLICY).await
    {
        let event = blocked_event(
            &blocked,
            AuditAction::AccountSecondFactorBlocked,
            AuditAction::AccountSecondFactorLocked,
        );
        crate::audit::auth_event(&state, event, Some(&attempt.account_id), &addr, now).await?;
        if event == AuditAction::AccountSecondFactorLocked
            && let Some(account) = state.store.account_by_id(&attempt.account_id).await?
        {
            notify_now_and_then(&state, &account, Kind::SecondFactorLocked).await?;
        }
        return Err(blocked);
    }
    let right = match attempt.purpose {
        // A recovery code sets a password (`/recover/finish`), a contact code proves a new
        // contact (`/contact/verify`); neither opens a session.
        CodePurpose::Recovery | CodePurpose::Contact => return Err(ApiError::CodeExpired),
        CodePurpose::Totp => totp_code_is_right(&state, &attempt.account_id, &code, now).await?,
        CodePurpose::Activation | CodePurpose::Login => {
            codes::digests_match(&attempt.code_hash, &codes::code_digest(&request.challenge, &code))
        }
    };
    if !right {
        crate::audit::auth_event(
            &state,
            AuditAction::AccountCodeFailed,
            Some(&attempt.account_id),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCode {
            attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempt.attempts)),
        });
    }
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    state.store.rate_limit_forgive(&format!("code:{}", crate::web::limit_key(&addr))).await?;
    state.store.rate_limit_reset(&second_factor).await?;
    // The first code proves the contact: the account is activated as the session opens.
    let activate = attempt.purpose == CodePurpose::Activation;
    let (names, event): (&[AuditAction], _) = if activate {
        (&[AuditAction::AccountActivated, AuditAction::AccountLogin], AuditAction::AccountActivated)
    } else {
        (&[AuditAction::AccountLogin], AuditAction::AccountLogin)
    };
    let id = attempt.account_id.as_str();
    let entry = crate::audit::account_entry(event, Some(id), &addr, origin.device.as_deref(), now);
    let opening = session::Opening {
        owner: SessionOwner::Account(attempt.account_id.clone()),
        idle_timeout: session::IDLE_TIMEOUT_SECONDS,
        activate,
        names,
        entry,
    };
    let opened = session::open(&state, jar, opening, &origin).await?;
    let account =
        state.store.account_by_id(&attempt.account_id).await?.ok_or(ApiError::CodeExpired)?;
    if opened.device == DeviceSeen::New {
        let at = app::emergency::moment(now);
        let url = crate::notices::record_url(&state);
        let device = &opened.device_label;
        crate::notices::tell_patient(
            &state,
            &account.id,
            app::emergency::NotificationKind::NewDevice,
            None,
            Kind::NewDevice { device, at: &at, url: &url },
            None,
        )
        .await?;
    }
    let me = me_of(&state, &account, opened.csrf_token, None).await?;
    Ok((opened.jar, Json(me)))
}

/// Ends the session on the server, whoever owns it (patient, representative, professional).
pub(crate) async fn logout(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: AnySession,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    state.store.delete_session(&session.token_hash).await?;
    let now = state.clock.now();
    match &session.owner {
        SessionOwner::Account(id) => {
            crate::audit::auth_event(&state, AuditAction::AccountLogout, Some(id), &addr, now)
                .await?;
        }
        SessionOwner::Professional(rpps) => {
            crate::audit::professional_event(
                &state,
                AuditAction::ProfessionalLogout,
                Some(rpps),
                &addr,
                now,
            )
            .await?;
        }
    }
    Ok((jar.add(session::removal_cookie()), StatusCode::NO_CONTENT))
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

/// Sends a code to set a new password. The answer is the same whether or not the contact has
/// an account; only a real, active account receives a message.
async fn recover(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RecoverRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    limit(&state, &format!("recover:{}", crate::web::limit_key(&addr)), ADDRESS_POLICY).await?;
    limit(&state, &recovery_key(contact.as_str()), RECOVERY_POLICY).await?;
    let new = NewCode::draw();
    let account = state.store.account_by_contact(contact.as_str()).await?;
    // A record opened by a professional is activated the same way: a code to the contact, then
    // a password. Not while a representative manages it, and never a bare sign-up.
    let recoverable = match &account {
        Some(account) => match account.status {
            AccountStatus::Active | AccountStatus::Closed => true,
            AccountStatus::Awaiting => !representation::is_represented(&state, &account.id).await?,
            AccountStatus::Pending => false,
        },
        None => false,
    };
    let now = state.clock.now();
    match account.filter(|_| recoverable) {
        Some(account) => {
            store_code(&state, &new, &account.id, CodePurpose::Recovery).await?;
            let kind = if account.status == AccountStatus::Awaiting {
                code_kind(CodePurpose::Activation, &new.code)
            } else {
                code_kind(CodePurpose::Recovery, &new.code)
            };
            send(&state, &contact, locale_of(&account), kind).await?;
            crate::audit::auth_event(
                &state,
                AuditAction::AccountRecoveryRequested,
                Some(&account.id),
                &addr,
                now,
            )
            .await?;
        }
        // The same work, the same answer (a decoy code): neither the answer nor its time says
        // whether the contact has an account.
        None => {
            store_decoy_code(&state, &new).await?;
            crate::audit::auth_event(
                &state,
                AuditAction::AccountRecoveryRequested,
                None,
                &addr,
                now,
            )
            .await?;
        }
    }
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

/// Sets a new password with a recovery code; every session of the account ends.
async fn recover_finish(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RecoverFinish>,
) -> Result<StatusCode, ApiError> {
    limit(&state, &format!("code:{}", crate::web::limit_key(&addr)), ADDRESS_POLICY).await?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    // The rules that need no account first, so a weak password does not spend a try.
    password::check_strength(request.new_password.expose(), &[])
        .map_err(|e| ApiError::input("new_password", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = try_message_code(&state, &addr, &request.challenge, &code, |attempt| {
        attempt.purpose == CodePurpose::Recovery
    })
    .await?;
    let account =
        state.store.account_by_id(&attempt.account_id).await?.ok_or(ApiError::CodeExpired)?;
    check_personal_strength(&account, &request.new_password)?;
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    // A record opened for the patient is activated by its first password.
    let activate = account.status == AccountStatus::Awaiting;
    let event =
        if activate { AuditAction::AccountActivated } else { AuditAction::AccountPasswordReset };
    let change = Replacement { event, activate, keep: None, addr: &addr };
    replace_password(&state, &account, &request.new_password, change).await?;
    // Proving the contact also lifts a lock on logging in (the password's and the second
    // factor's) and the slow-down of recovery.
    state.store.rate_limit_reset(&contact_key(account.contact_text())).await?;
    state.store.rate_limit_reset(&recovery_key(account.contact_text())).await?;
    state.store.rate_limit_reset(&second_factor_key(&account.id)).await?;
    // The way back for a person who lost their authenticator: the contact, proven, turns it off.
    if state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled) {
        totp::turn_off(&state, &account, &addr).await?;
    }
    state.store.rate_limit_forgive(&format!("code:{}", crate::web::limit_key(&addr))).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Counts one try at the code sent by message for `challenge` and checks it. `expected`
/// rejects a live code meant for something else (it then answers like an expired one).
pub(crate) async fn try_message_code(
    state: &AppState,
    addr: &str,
    challenge: &str,
    code: &str,
    expected: impl Fn(&CodeAttempt) -> bool,
) -> Result<CodeAttempt, ApiError> {
    let now = state.clock.now();
    let attempt = match state
        .store
        .count_code_attempt(&codes::challenge_digest(challenge), now, MAX_CODE_ATTEMPTS)
        .await?
    {
        Some(CodeTry::Real(attempt)) if expected(&attempt) => attempt,
        Some(CodeTry::Decoy { attempts }) => return Err(decoy_failed(state, addr, attempts).await?),
        _ => return Err(ApiError::CodeExpired),
    };
    if !codes::digests_match(&attempt.code_hash, &codes::code_digest(challenge, code)) {
        crate::audit::auth_event(
            state,
            AuditAction::AccountCodeFailed,
            Some(&attempt.account_id),
            addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCode {
            attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempt.attempts)),
        });
    }
    Ok(attempt)
}

/// The signed-in account, once its password was typed again (before a sensitive change).
/// Wrong guesses are limited per account like logins.
pub(crate) async fn confirm_password(
    state: &AppState,
    session: &Session,
    password: &Secret,
    addr: &str,
) -> Result<AccountRecord, ApiError> {
    let key = format!("password:{}", session.account_id);
    limit(state, &key, ACCOUNT_POLICY).await?;
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    if !state.passwords.verify(password.clone(), account.password_hash.clone()).await? {
        let now = state.clock.now();
        crate::audit::auth_event(
            state,
            AuditAction::AccountPasswordConfirmFailed,
            Some(&account.id),
            addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    }
    state.store.rate_limit_reset(&key).await?;
    Ok(account)
}

/// Changes the password of the signed-in account; its other sessions end.
async fn change_password(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let account = confirm_password(&state, &session, &request.current_password, &addr).await?;
    check_personal_strength(&account, &request.new_password)?;
    let keep = Some(session.token_hash.as_slice());
    let change = Replacement {
        event: AuditAction::AccountPasswordChanged,
        activate: false,
        keep,
        addr: &addr,
    };
    replace_password(&state, &account, &request.new_password, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_personal_strength(account: &AccountRecord, password: &Secret) -> Result<(), ApiError> {
    let birth_year = account.birth_date.get(..4).unwrap_or_default();
    password::check_strength(
        password.expose(),
        &[&account.given_name, &account.family_name, account.contact_text(), birth_year],
    )
    .map_err(|e| ApiError::input("new_password", e))
}

/// How a password is replaced: the event it writes, whether it activates the account (a record
/// opened for the patient), and the session kept.
struct Replacement<'a> {
    event: AuditAction,
    activate: bool,
    keep: Option<&'a [u8]>,
    addr: &'a str,
}

/// Stores the new hash with its event, ends the other sessions and tells the person on their
/// contact.
async fn replace_password(
    state: &AppState,
    account: &AccountRecord,
    password: &Secret,
    change: Replacement<'_>,
) -> Result<(), ApiError> {
    let hash = state.passwords.hash(password.clone()).await?;
    let now = state.clock.now();
    let pending =
        crate::audit::prepare_account(state, change.event, &account.id, change.addr, now).await?;
    let event = crate::audit::account_event(&change.event, &account.id, change.addr, now, &pending);
    state.store.set_password(&account.id, &hash, change.activate, &event).await?;
    pending.written();
    state.store.delete_sessions_of(&account.id, change.keep).await?;
    notify(state, account, Kind::PasswordChanged).await
}

/// Draws a new authenticator secret for the signed-in account. Until it is confirmed with
/// `/totp/enable`, login keeps sending codes by message.
/// Draws a new authenticator secret, pending until confirmed (an authenticator in use keeps
/// working meanwhile). Only the account's owner: the password, and the code of the
/// authenticator in use if there is one; a session alone is not enough.
async fn totp_setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<app::account::TotpSetupRequest>,
) -> Result<Json<TotpSetup>, ApiError> {
    let account = confirm_password(&state, &session, &request.current_password, &addr).await?;
    if state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled) {
        let Some(code) = &request.current_code else {
            return Err(ApiError::input("current_code", validate::InputError::CodeInvalid));
        };
        let code =
            validate::parse_code(code.expose()).map_err(|e| ApiError::input("current_code", e))?;
        limit(&state, &format!("totp:{}", account.id), ACCOUNT_POLICY).await?;
        if !totp_code_is_right(&state, &account.id, &code, state.clock.now()).await? {
            return Err(ApiError::BadCode { attempts_left: None });
        }
        state.store.rate_limit_reset(&format!("totp:{}", account.id)).await?;
    }
    let secret = totp::new_secret();
    let (uri, base32) =
        totp::enrolment(&secret, account.contact_text()).ok_or(ApiError::BadRequest)?;
    totp::store_secret(&state, &account.id, &secret, Some(&addr)).await?;
    Ok(Json(TotpSetup { uri, secret: base32 }))
}

/// Turns the authenticator on once the person typed a code it produced.
async fn totp_enable(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    limit(&state, &format!("totp:{}", session.account_id), ACCOUNT_POLICY).await?;
    let now = state.clock.now();
    // The code of the secret being set up, not of the one in use.
    let Some(pending_secret) = state.store.pending_totp(&session.account_id).await? else {
        return Err(ApiError::CodeExpired);
    };
    let secret = totp::open_secret(&state, &session.account_id, &pending_secret)?;
    let Some(step) = totp::matching_step(&secret, &code, now) else {
        return Err(ApiError::BadCode { attempts_left: None });
    };
    state.store.rate_limit_reset(&format!("totp:{}", session.account_id)).await?;
    let id = session.account_id.as_str();
    let pending =
        crate::audit::prepare_account(&state, AuditAction::AccountTotpEnabled, id, &addr, now)
            .await?;
    let event =
        crate::audit::account_event(&AuditAction::AccountTotpEnabled, id, &addr, now, &pending);
    let enabled = state.store.enable_totp(id, &event).await?;
    pending.written();
    if !enabled {
        return Err(ApiError::CodeExpired);
    }
    // The code just typed cannot log in again.
    state.store.use_totp_step(id, i64::try_from(step).map_err(|_| ApiError::BadRequest)?).await?;
    if let Some(account) = state.store.account_by_id(id).await? {
        notify(&state, &account, Kind::AuthenticatorChanged).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Checks an authenticator code and spends its time step, so it cannot be replayed.
async fn totp_code_is_right(
    state: &AppState,
    account_id: &str,
    code: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let Some(stored) = state.store.totp(account_id).await? else { return Ok(false) };
    let secret = totp::open_secret(state, account_id, &stored.secret)?;
    let Some(step) = totp::matching_step(&secret, code, now) else { return Ok(false) };
    let step = i64::try_from(step).map_err(|_| ApiError::BadRequest)?;
    Ok(state.store.use_totp_step(account_id, step).await?)
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

pub(crate) fn code_sent(new: &NewCode, contact: &Contact) -> CodeSent {
    CodeSent {
        challenge: new.challenge.clone(),
        sent_to: contact.masked(),
        expires_in: CODE_TTL_SECONDS as u32,
        method: CodeMethod::Message,
    }
}

pub(crate) fn locale_of(account: &AccountRecord) -> &'static str {
    if account.locale == "en" { "en" } else { "fr" }
}

/// A new random identifier for a data key.
pub(crate) fn new_key_ref() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

fn new_account_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
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
        id: new_account_id(),
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

async fn store_code(
    state: &AppState,
    new: &NewCode,
    account_id: &str,
    purpose: CodePurpose,
) -> Result<(), ApiError> {
    store_code_with(state, new, account_id, purpose, None).await
}

/// Stores a code with what it unlocks (the new contact of a contact change).
pub(crate) async fn store_code_with(
    state: &AppState,
    new: &NewCode,
    account_id: &str,
    purpose: CodePurpose,
    payload: Option<&str>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    state
        .store
        .insert_code(&StoredCode {
            payload,
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

/// A challenge answered like a real one whose code can never be right (the contact was someone
/// else's, or nobody's): nothing ties it to an account.
pub(crate) async fn store_decoy_code(state: &AppState, new: &NewCode) -> Result<(), ApiError> {
    let expires_at = state.clock.now() + CODE_TTL_SECONDS;
    state.store.insert_decoy_code(&codes::challenge_digest(&new.challenge), expires_at).await?;
    Ok(())
}

/// A try at a decoy code: the answer, the trace and the work of a wrong real code.
async fn decoy_failed(state: &AppState, addr: &str, attempts: u32) -> Result<ApiError, ApiError> {
    crate::audit::auth_event(state, AuditAction::AccountCodeFailed, None, addr, state.clock.now())
        .await?;
    Ok(ApiError::BadCode { attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempts)) })
}

/// Per contact: how many "someone tried to sign up with your contact" notices it receives
/// before they stop (a sign-up with someone else's contact must not flood its owner).
const ALREADY_REGISTERED_POLICY: RatePolicy =
    RatePolicy { free: 3, base_delay: 3600, max_delay: 24 * 3600, lock_after: u32::MAX };

/// Tells the owner of a contact that someone tried to use it, a few times at most.
pub(crate) async fn tell_already_registered(
    state: &AppState,
    contact: &Contact,
    locale: &str,
) -> Result<(), ApiError> {
    let digest = codes::challenge_digest(contact.as_str());
    let key = format!("already-registered:{}", hex(&digest[..16]));
    match state.store.rate_limit_try(&key, state.clock.now(), ALREADY_REGISTERED_POLICY).await? {
        RateDecision::Allowed => send(state, contact, locale, Kind::AlreadyRegistered).await,
        RateDecision::Blocked { .. } => Ok(()),
    }
}

/// The message that carries a code of this purpose.
pub(crate) fn code_kind(purpose: CodePurpose, code: &str) -> Kind<'_> {
    match purpose {
        CodePurpose::Activation => Kind::ActivationCode(code),
        CodePurpose::Login | CodePurpose::Totp => Kind::LoginCode(code),
        CodePurpose::Recovery => Kind::RecoveryCode(code),
        CodePurpose::Contact => Kind::ContactCode(code),
    }
}

/// Sends a notice to the account's own contact, if it has one.
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
