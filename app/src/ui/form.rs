//! Pieces shared by every form: a labelled field that shows its hint and its error
//! (linked with `aria-describedby`, flagged with `aria-invalid`), and the translation of API
//! refusals into sentences.

use leptos::prelude::*;

use crate::api::{ErrorCode, InputError, Refusal};
use crate::client::ApiFailure;
use crate::i18n::{Locale, t_string, use_i18n};
use crate::policy::Deny;
use leptos_i18n::I18nContext;

/// A text input with its label, optional hint and error message.
#[component]
pub fn Field(
    /// Unique id of the input; hint and error ids derive from it.
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    #[prop(into, default = Signal::stored("text"))] kind: Signal<&'static str>,
    autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// The field may be left empty.
    #[prop(optional)]
    optional: bool,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                list=list
                required=!optional
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
                bind:value=value
            />
            {move || {
                error.get().map(|text| view! { <p class="field__error" id=error_id.clone()>{text}</p> })
            }}
        </div>
    }
}

/// The refusal shown above a form, announced by screen readers. When it concerns one field,
/// the field shows it too.
#[component]
pub fn FormAlert(#[prop(into)] failure: Signal<Option<ApiFailure>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        failure.get().map(|failure| {
            let prefix = failure_field(&failure)
                .map(|_| format!("{} ", t_string!(i18n, form.error_summary)));
            view! {
                <p class="form__alert" role="alert">
                    {prefix}
                    {failure_text(i18n, &failure)}
                </p>
            }
        })
    }
}

/// The form's submit button: disabled and saying so while the request is on its way.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button
            type="submit"
            class="button"
            disabled=pending
            aria-busy=move || pending.get().then_some("true")
        >
            {move || {
                if pending.get() { t_string!(i18n, form.sending).to_string() } else { label.get() }
            }}
        </button>
    }
}

/// The error to show on `field`, when the last refusal was about it.
pub fn field_error(
    i18n: I18nContext<Locale>,
    failure: impl Into<Signal<Option<ApiFailure>>>,
    field: &'static str,
) -> Signal<Option<String>> {
    let failure = failure.into();
    Signal::derive(move || {
        failure.with(|failure| {
            failure
                .as_ref()
                .filter(|failure| failure_field(failure) == Some(field))
                .map(|failure| failure_text(i18n, failure))
        })
    })
}

/// The sentence for a field error.
pub fn input_error_text(i18n: I18nContext<Locale>, error: InputError) -> String {
    match error {
        InputError::ContactInvalid => t_string!(i18n, errors.contact_invalid).to_string(),
        InputError::NameMissing => t_string!(i18n, errors.name_missing).to_string(),
        InputError::NameTooLong => t_string!(i18n, errors.name_too_long).to_string(),
        InputError::NameInvalid => t_string!(i18n, errors.name_invalid).to_string(),
        InputError::BirthDateInvalid => t_string!(i18n, errors.birth_date_invalid).to_string(),
        InputError::BirthDateInFuture => t_string!(i18n, errors.birth_date_in_future).to_string(),
        InputError::Minor => t_string!(i18n, errors.minor).to_string(),
        InputError::PasswordTooShort => t_string!(i18n, errors.password_too_short).to_string(),
        InputError::PasswordTooLong => t_string!(i18n, errors.password_too_long).to_string(),
        InputError::PasswordTooCommon => t_string!(i18n, errors.password_too_common).to_string(),
        InputError::CodeInvalid => t_string!(i18n, errors.code_invalid).to_string(),
        InputError::NotAMinor => t_string!(i18n, errors.not_a_minor).to_string(),
        InputError::NotAnAdult => t_string!(i18n, errors.not_an_adult).to_string(),
        InputError::CardFileInvalid => t_string!(i18n, errors.card_file_invalid).to_string(),
        InputError::PinInvalid => t_string!(i18n, errors.pin_invalid).to_string(),
        InputError::PinWrong => t_string!(i18n, errors.pin_wrong).to_string(),
        InputError::MediaType => t_string!(i18n, errors.media_type).to_string(),
        InputError::TooLarge => t_string!(i18n, errors.too_large).to_string(),
        InputError::TitleInvalid => t_string!(i18n, errors.title_invalid).to_string(),
        InputError::TypeCodeInvalid => t_string!(i18n, errors.type_code_invalid).to_string(),
        InputError::DateInFuture => t_string!(i18n, errors.date_in_future).to_string(),
        InputError::NotForProfession => t_string!(i18n, errors.not_a_physician).to_string(),
        InputError::ReasonInvalid => t_string!(i18n, errors.reason_invalid).to_string(),
        InputError::DateInvalid => t_string!(i18n, errors.date_invalid).to_string(),
        InputError::PeriodInvalid => t_string!(i18n, errors.period_invalid).to_string(),
        InputError::QueryInvalid => t_string!(i18n, errors.query_invalid).to_string(),
        InputError::ValueImplausible => t_string!(i18n, errors.value_implausible).to_string(),
        InputError::TextInvalid => t_string!(i18n, errors.text_invalid).to_string(),
        InputError::PhoneInvalid => t_string!(i18n, errors.phone_invalid).to_string(),
        InputError::SectionChanged => t_string!(i18n, errors.section_changed).to_string(),
        InputError::InsInvalid => t_string!(i18n, errors.ins_invalid).to_string(),
    }
}

/// Why the access policy said no, in words (the same reasons the policy gives).
pub fn deny_text(i18n: I18nContext<Locale>, reason: Deny) -> String {
    match reason {
        Deny::RecordClosed => t_string!(i18n, deny.record_closed),
        Deny::Blocked => t_string!(i18n, deny.blocked),
        Deny::NotForProfession => t_string!(i18n, deny.not_for_profession),
        Deny::DomainExcluded => t_string!(i18n, deny.domain_excluded),
        Deny::NoGrant => t_string!(i18n, deny.no_grant),
        Deny::GrantRevoked => t_string!(i18n, deny.grant_revoked),
        Deny::GrantExpired => t_string!(i18n, deny.grant_expired),
        Deny::OutsideGrant => t_string!(i18n, deny.outside_grant),
        Deny::Masked => t_string!(i18n, deny.masked),
        Deny::HiddenFromRepresentatives => t_string!(i18n, deny.hidden_from_representatives),
        Deny::AwaitingAnnouncement => t_string!(i18n, deny.awaiting_announcement),
        Deny::Withdrawn => t_string!(i18n, deny.withdrawn),
        Deny::BreakGlassRefused => t_string!(i18n, deny.break_glass_refused),
        Deny::BreakGlassExpired => t_string!(i18n, deny.break_glass_expired),
        Deny::SummaryOnly => t_string!(i18n, deny.summary_only),
        Deny::FeedDepositsOnly => t_string!(i18n, deny.feed_deposits_only),
        Deny::NotYours => t_string!(i18n, deny.not_yours),
        Deny::ProfessionalsOnly => t_string!(i18n, deny.professionals_only),
        Deny::Unsupported => t_string!(i18n, deny.unsupported),
    }
    .to_string()
}

/// The sentence for a refusal that is not about one field.
pub fn failure_text(i18n: I18nContext<Locale>, failure: &ApiFailure) -> String {
    let ApiFailure::Refused(body) = failure else {
        return t_string!(i18n, errors.network).to_string();
    };
    match body.error {
        ErrorCode::Input => body
            .input
            .map(|input| input_error_text(i18n, input))
            .unwrap_or_else(|| t_string!(i18n, errors.bad_request).to_string()),
        ErrorCode::NotFound => t_string!(i18n, errors.not_found).to_string(),
        ErrorCode::BadRequest => t_string!(i18n, errors.bad_request).to_string(),
        ErrorCode::BadCredentials => t_string!(i18n, errors.bad_credentials).to_string(),
        ErrorCode::BadCode => match body.attempts_left {
            Some(left) => t_string!(i18n, errors.bad_code, left = left).to_string(),
            None => t_string!(i18n, errors.bad_code_plain).to_string(),
        },
        ErrorCode::CodeExpired => t_string!(i18n, errors.code_expired).to_string(),
        ErrorCode::TooManyAttempts => {
            let seconds = body.retry_after.unwrap_or(30);
            t_string!(i18n, errors.too_many_attempts, seconds = seconds).to_string()
        }
        ErrorCode::Unauthenticated => t_string!(i18n, errors.unauthenticated).to_string(),
        ErrorCode::Forbidden => t_string!(i18n, errors.forbidden).to_string(),
        ErrorCode::Refused => match body.reason {
            Some(Refusal::NotRepresented) => t_string!(i18n, errors.not_represented).to_string(),
            Some(Refusal::RecordExists) => t_string!(i18n, errors.record_exists).to_string(),
            Some(Refusal::RepresentativeUnknown) => {
                t_string!(i18n, errors.representative_unknown).to_string()
            }
            Some(Refusal::RecordClosed) => t_string!(i18n, errors.record_closed).to_string(),
            Some(Refusal::NotAllowed) => match body.denied {
                Some(reason) => deny_text(i18n, reason),
                None => t_string!(i18n, errors.not_allowed).to_string(),
            },
            Some(Refusal::UploadIncomplete) => {
                t_string!(i18n, errors.upload_incomplete).to_string()
            }
            Some(Refusal::Withdrawn) => t_string!(i18n, errors.withdrawn).to_string(),
            Some(Refusal::Conflict) => t_string!(i18n, errors.conflict).to_string(),
            Some(Refusal::TooManyLinks) => t_string!(i18n, errors.too_many_links).to_string(),
            Some(Refusal::InsTaken) => t_string!(i18n, errors.ins_taken).to_string(),
            Some(Refusal::IdentityAmbiguous) => {
                t_string!(i18n, errors.identity_ambiguous).to_string()
            }
            None => t_string!(i18n, errors.refused).to_string(),
        },
        ErrorCode::Unavailable => t_string!(i18n, errors.unavailable).to_string(),
        ErrorCode::Internal => t_string!(i18n, errors.internal).to_string(),
    }
}

/// The field a refusal points at, if any.
pub fn failure_field(failure: &ApiFailure) -> Option<&str> {
    match failure {
        ApiFailure::Refused(body) if body.error == ErrorCode::Input => body.field.as_deref(),
        _ => None,
    }
}
