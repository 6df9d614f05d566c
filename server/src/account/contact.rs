//! Changing one's contact: the new address or number receives a code, bound to this attempt;
//! once proven it replaces the old one, the old contact is told, and the other sessions end.

use crate::audit::AuditAction;
use app::account::messages::Kind;
use app::api::account::{CodeRequest, CodeSent, ContactChange, Me};
use app::api::validate;
use axum::{Json, extract::State, http::StatusCode};

use super::{
    codes::{
        self, NewCode, code_kind, code_sent, store_code_with, store_decoy_code, try_message_code,
    },
    me_of,
    password::confirm_password,
    signup::tell_already_registered,
};
use crate::{
    AppState,
    error::{ApiError, Refusal},
    extract::{ApiJson, ClientAddr},
    store::{AccountStatus, CodePurpose, StoreError},
};
use crate::{
    limits::{ADDRESS_POLICY, limit},
    notices::{notify, send},
    session::Session,
};

pub async fn start(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<ContactChange>,
) -> Result<(StatusCode, Json<CodeSent>), ApiError> {
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    let account = confirm_password(&state, &session, &request.password, &addr).await?;
    if account.contact.as_ref() == Some(&contact) {
        return Err(ApiError::input("contact", validate::InputError::ContactInvalid));
    }
    limit(&state, &format!("contact-change:{}", account.id), ADDRESS_POLICY).await?;
    let new = NewCode::draw();
    let taken = state
        .store
        .account_by_contact(contact.as_str())
        .await?
        .is_some_and(|other| other.status != AccountStatus::Pending);
    if taken {
        // The same answer, and a decoy code answered like a real one; the owner of that contact
        // is told, no code goes out.
        store_decoy_code(&state, &new).await?;
        tell_already_registered(&state, &contact, crate::notices::locale_of(&account)).await?;
    } else {
        store_code_with(&state, &new, &account.id, CodePurpose::Contact, Some(contact.as_str()))
            .await?;
        send(
            &state,
            &contact,
            crate::notices::locale_of(&account),
            code_kind(CodePurpose::Contact, &new.code),
        )
        .await?;
    }
    let now = state.clock.now();
    crate::audit::auth_event(
        &state,
        AuditAction::AccountContactChangeRequested,
        Some(&account.id),
        &addr,
        now,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

pub async fn verify(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<Json<Me>, ApiError> {
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = try_message_code(&state, &addr, &request.challenge, &code, |attempt| {
        attempt.purpose == CodePurpose::Contact && attempt.account_id == session.account_id
    })
    .await?;
    let new_contact = attempt
        .payload
        .as_deref()
        .and_then(|text| validate::parse_contact(text).ok())
        .ok_or(ApiError::CodeExpired)?;
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    // A pending sign-up holding the address gives way, as for a new sign-up.
    if let Some(pending) = state.store.account_by_contact(new_contact.as_str()).await?
        && pending.status == AccountStatus::Pending
    {
        state.store.delete_pending_account(&pending.id).await?;
    }
    let event = AuditAction::AccountContactChanged;
    crate::audit::account_change(&state, event, &account.id, &addr, now, async |event| {
        state.store.set_contact(&account.id, &new_contact, event).await
    })
    .await
    .map_err(|error| match error {
        StoreError::Conflict(_) => ApiError::Refused(Refusal::RecordExists),
        other => other.into(),
    })?;
    state.store.delete_sessions_of(&account.id, Some(&session.token_hash)).await?;
    // The old contact is told where codes now go.
    notify(&state, &account, Kind::ContactChanged { to: &new_contact.masked() }).await?;
    let account = state.store.account_by_id(&account.id).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(Json(me_of(&state, &account, session.csrf_token, session.acting_for.as_deref()).await?))
}
