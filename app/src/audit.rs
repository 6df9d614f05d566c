//! The audit log's vocabulary: every action an entry can name, shared by the server that writes
//! the entries and the pages that show them. The log stores an action as its text (`document.read`,
//! `account.login_failed`, …), which its hash chain covers; a text this build does not know (from
//! a newer server) is shown as it is.

/// What an audit entry says was done. Its text is [`AuditAction::as_str`]; read back with
/// `str::parse`. An account's and a professional's own events (`account.*`, `professional.*`) are
/// also the account's list of events, by the name after the dot ([`AuditAction::event_name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
pub enum AuditAction {
    // The record's documents and their upload.
    #[strum(serialize = "document.read")]
    DocumentRead,
    #[strum(serialize = "document.info")]
    DocumentInfo,
    #[strum(serialize = "document.deposit")]
    DocumentDeposit,
    #[strum(serialize = "document.announce")]
    DocumentAnnounce,
    #[strum(serialize = "document.mask")]
    DocumentMask,
    #[strum(serialize = "document.unmask")]
    DocumentUnmask,
    #[strum(serialize = "document.withdraw")]
    DocumentWithdraw,
    #[strum(serialize = "documents.list")]
    DocumentsList,
    #[strum(serialize = "documents.count")]
    DocumentsCount,
    #[strum(serialize = "upload.start")]
    UploadStart,
    #[strum(serialize = "upload.chunk")]
    UploadChunk,
    #[strum(serialize = "upload.status")]
    UploadStatus,
    #[strum(serialize = "record.preview")]
    RecordPreview,
    #[strum(serialize = "record.abilities")]
    RecordAbilities,
    #[strum(serialize = "record.export")]
    RecordExport,
    #[strum(serialize = "summary.export")]
    SummaryExport,
    // Other software reading the record through the FHIR endpoint.
    #[strum(serialize = "fhir.read")]
    FhirRead,
    #[strum(serialize = "fhir.search")]
    FhirSearch,
    #[strum(serialize = "timeline.list")]
    TimelineList,
    // Care episodes and the checks made before a deposit or a new treatment.
    #[strum(serialize = "episode.create")]
    EpisodeCreate,
    #[strum(serialize = "episode.tag")]
    EpisodeTag,
    #[strum(serialize = "episode.untag")]
    EpisodeUntag,
    #[strum(serialize = "episodes.list")]
    EpisodesList,
    #[strum(serialize = "exams.check")]
    ExamsCheck,
    #[strum(serialize = "interactions.check")]
    InteractionsCheck,
    // The health profile.
    #[strum(serialize = "profile.list")]
    ProfileList,
    #[strum(serialize = "profile.history")]
    ProfileHistory,
    #[strum(serialize = "profile.create")]
    ProfileCreate,
    #[strum(serialize = "profile.edit")]
    ProfileEdit,
    #[strum(serialize = "profile.remove")]
    ProfileRemove,
    #[strum(serialize = "profile.mask")]
    ProfileMask,
    #[strum(serialize = "profile.unmask")]
    ProfileUnmask,
    // Sharing: grants, emergency links, notices, the regular doctor, the access history.
    #[strum(serialize = "grant.give")]
    GrantGive,
    #[strum(serialize = "grant.revoke")]
    GrantRevoke,
    #[strum(serialize = "grant.block")]
    GrantBlock,
    #[strum(serialize = "grant.unblock")]
    GrantUnblock,
    #[strum(serialize = "grants.list")]
    GrantsList,
    #[strum(serialize = "emergency_link.create")]
    EmergencyLinkCreate,
    #[strum(serialize = "emergency_link.revoke")]
    EmergencyLinkRevoke,
    #[strum(serialize = "emergency_link.list")]
    EmergencyLinkList,
    #[strum(serialize = "emergency_link.view")]
    EmergencyLinkView,
    #[strum(serialize = "notifications.list")]
    NotificationsList,
    #[strum(serialize = "notifications.read")]
    NotificationsRead,
    #[strum(serialize = "notifications.channels")]
    NotificationsChannels,
    #[strum(serialize = "notifications.channels_read")]
    NotificationsChannelsRead,
    #[strum(serialize = "regular_doctor.set")]
    RegularDoctorSet,
    #[strum(serialize = "identity.read")]
    IdentityRead,
    #[strum(serialize = "identity.set")]
    IdentitySet,
    // The care history the insurer's feed writes, and the feeds themselves.
    #[strum(serialize = "care_history.feed")]
    CareHistoryFeed,
    #[strum(serialize = "care_history.read")]
    CareHistoryRead,
    #[strum(serialize = "care_history.mask")]
    CareHistoryMask,
    #[strum(serialize = "care_history.unmask")]
    CareHistoryUnmask,
    #[strum(serialize = "care_history.prune")]
    CareHistoryPrune,
    #[strum(serialize = "feed.add")]
    FeedAdd,
    #[strum(serialize = "feed.revoke")]
    FeedRevoke,
    #[strum(serialize = "history.list")]
    HistoryList,
    #[strum(serialize = "history.proof")]
    HistoryProof,
    // Emergency (break-glass) access.
    #[strum(serialize = "break_glass.start")]
    BreakGlassStart,
    #[strum(serialize = "break_glass.end")]
    BreakGlassEnd,
    #[strum(serialize = "break_glass.list")]
    BreakGlassList,
    #[strum(serialize = "break_glass.live")]
    BreakGlassLive,
    #[strum(serialize = "break_glass.refuse")]
    BreakGlassRefuse,
    #[strum(serialize = "break_glass.accept")]
    BreakGlassAccept,
    #[strum(serialize = "break_glass.refusal_read")]
    BreakGlassRefusalRead,
    // A professional opening a record, and the directory.
    #[strum(serialize = "record.open")]
    RecordOpen,
    #[strum(serialize = "record.open_represented")]
    RecordOpenRepresented,
    #[strum(serialize = "directory.search")]
    DirectorySearch,
    // An account's own events (sign-up, login, its settings), which the account is told of.
    #[strum(serialize = "account.signup")]
    AccountSignup,
    #[strum(serialize = "account.signup_existing")]
    AccountSignupExisting,
    #[strum(serialize = "account.activated")]
    AccountActivated,
    #[strum(serialize = "account.login")]
    AccountLogin,
    #[strum(serialize = "account.login_failed")]
    AccountLoginFailed,
    #[strum(serialize = "account.login_blocked")]
    AccountLoginBlocked,
    #[strum(serialize = "account.login_locked")]
    AccountLoginLocked,
    #[strum(serialize = "account.code_sent")]
    AccountCodeSent,
    #[strum(serialize = "account.code_failed")]
    AccountCodeFailed,
    #[strum(serialize = "account.totp_asked")]
    AccountTotpAsked,
    #[strum(serialize = "account.totp_setup")]
    AccountTotpSetup,
    #[strum(serialize = "account.totp_enabled")]
    AccountTotpEnabled,
    #[strum(serialize = "account.totp_disabled")]
    AccountTotpDisabled,
    #[strum(serialize = "account.second_factor_blocked")]
    AccountSecondFactorBlocked,
    #[strum(serialize = "account.second_factor_locked")]
    AccountSecondFactorLocked,
    #[strum(serialize = "account.password_confirm_failed")]
    AccountPasswordConfirmFailed,
    #[strum(serialize = "account.password_changed")]
    AccountPasswordChanged,
    #[strum(serialize = "account.password_reset")]
    AccountPasswordReset,
    #[strum(serialize = "account.recovery_requested")]
    AccountRecoveryRequested,
    #[strum(serialize = "account.contact_change_requested")]
    AccountContactChangeRequested,
    #[strum(serialize = "account.contact_changed")]
    AccountContactChanged,
    #[strum(serialize = "account.logout")]
    AccountLogout,
    #[strum(serialize = "account.me")]
    AccountMe,
    #[strum(serialize = "account.represented")]
    AccountRepresented,
    #[strum(serialize = "account.acting_for_started")]
    AccountActingForStarted,
    #[strum(serialize = "account.acting_for_ended")]
    AccountActingForEnded,
    #[strum(serialize = "account.acting_for_lapsed")]
    AccountActingForLapsed,
    #[strum(serialize = "account.representation_withdrawn")]
    AccountRepresentationWithdrawn,
    #[strum(serialize = "account.closed")]
    AccountClosed,
    #[strum(serialize = "account.erasure_requested")]
    AccountErasureRequested,
    #[strum(serialize = "account.reopened")]
    AccountReopened,
    // A professional's card and session, and what they read outside a record.
    #[strum(serialize = "professional.card_login")]
    ProfessionalCardLogin,
    #[strum(serialize = "professional.card_login_failed")]
    ProfessionalCardLoginFailed,
    #[strum(serialize = "professional.card_login_blocked")]
    ProfessionalCardLoginBlocked,
    #[strum(serialize = "professional.card_locked")]
    ProfessionalCardLocked,
    #[strum(serialize = "professional.card_unlocked")]
    ProfessionalCardUnlocked,
    #[strum(serialize = "professional.logout")]
    ProfessionalLogout,
    #[strum(serialize = "professional.me")]
    ProfessionalMe,
    #[strum(serialize = "professional.patients")]
    ProfessionalPatients,
    #[strum(serialize = "professional.patient")]
    ProfessionalPatient,
    #[strum(serialize = "professional.grant_code")]
    ProfessionalGrantCode,
    #[strum(serialize = "professional.record_open_refused")]
    ProfessionalRecordOpenRefused,
    // Written by earlier versions, still in older logs.
    #[strum(serialize = "account.break_glass_access")]
    AccountBreakGlassAccess,
    #[strum(serialize = "account.opened_by_professional")]
    AccountOpenedByProfessional,
    #[strum(serialize = "professional.break_glass_ended")]
    ProfessionalBreakGlassEnded,
    #[strum(serialize = "professional.record_opened")]
    ProfessionalRecordOpened,
}

impl AuditAction {
    /// The text the log stores.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The name of an account's or a professional's event (`login_failed` for
    /// `account.login_failed`): the text after its namespace.
    pub fn event_name(self) -> &'static str {
        let text = self.as_str();
        text.split_once('.').map_or(text, |(_, name)| name)
    }

    /// An account's or a professional's own event (`account.*`, `professional.*`): a login, a
    /// setting, what they read outside a record.
    pub fn is_own_event(self) -> bool {
        matches!(self.as_str().split_once('.'), Some(("account" | "professional", _)))
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
