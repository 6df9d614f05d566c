//! An audit entry in the shape of a FHIR R4 `AuditEvent`, for an external audit repository.
//! Break-glass is coded as in FHIR's emergency-override example: a DICOM "Security Alert" with
//! the subtype "Emergency Override Started" for the start, and the purpose "Emergency Treatment"
//! (v3-ActReason `ETREAT`) on every access made under it.

use serde_json::{Value, json};

use super::{AuditAction, AuditEntry};

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
/// The French national identifier of health professionals (RPPS).
const RPPS_SYSTEM: &str = "urn:oid:1.2.250.1.71.4.2.1";

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

/// FHIR's action code of what an entry says was done: create, read, update, delete or execute.
fn action_code(action: AuditAction) -> &'static str {
    use AuditAction::*;
    match action {
        DocumentRead
        | DocumentsList
        | DocumentsCount
        | UploadStatus
        | RecordPreview
        | RecordExport
        | SummaryExport
        | FhirRead
        | FhirSearch
        | TimelineList
        | EpisodesList
        | ExamsCheck
        | InteractionsCheck
        | ProfileList
        | ProfileHistory
        | GrantsList
        | EmergencyLinkList
        | EmergencyLinkView
        | NotificationsList
        | NotificationsRead
        | NotificationsChannelsRead
        | HistoryList
        | HistoryProof
        | BreakGlassList
        | BreakGlassLive
        | DirectorySearch
        | AccountMe
        | ProfessionalMe
        | ProfessionalPatients
        | DocumentInfo
        | RecordAbilities
        | BreakGlassRefusalRead
        | AccountRepresented
        | ProfessionalPatient
        | ProfessionalGrantCode
        | IdentityRead
        | CareHistoryRead => "R",
        DocumentDeposit | UploadStart | EpisodeCreate | EpisodeTag | ProfileCreate | GrantGive
        | EmergencyLinkCreate | BreakGlassStart | AccountSignup | FeedAdd => "C",
        DocumentWithdraw | EpisodeUntag | ProfileRemove | CareHistoryPrune => "D",
        DocumentAnnounce
        | DocumentMask
        | DocumentUnmask
        | UploadChunk
        | ProfileEdit
        | ProfileMask
        | ProfileUnmask
        | GrantRevoke
        | GrantBlock
        | GrantUnblock
        | EmergencyLinkRevoke
        | RegularDoctorSet
        | IdentitySet
        | CareHistoryFeed
        | CareHistoryMask
        | CareHistoryUnmask
        | FeedRevoke
        | NotificationsChannels
        | BreakGlassRefuse
        | BreakGlassAccept
        | AccountTotpSetup
        | AccountTotpEnabled
        | AccountTotpDisabled
        | AccountPasswordChanged
        | AccountPasswordReset
        | AccountContactChanged
        | AccountActivated
        | AccountClosed
        | AccountReopened
        | AccountErasureRequested
        | AccountRepresentationWithdrawn => "U",
        BreakGlassEnd
        | RecordOpen
        | RecordOpenRepresented
        | AccountSignupExisting
        | AccountLogin
        | AccountLoginFailed
        | AccountLoginBlocked
        | AccountLoginLocked
        | AccountCodeSent
        | AccountCodeFailed
        | AccountTotpAsked
        | AccountSecondFactorBlocked
        | AccountSecondFactorLocked
        | AccountPasswordConfirmFailed
        | AccountRecoveryRequested
        | AccountContactChangeRequested
        | AccountLogout
        | AccountActingForStarted
        | AccountActingForEnded
        | AccountActingForLapsed
        | ProfessionalCardLogin
        | ProfessionalCardLoginFailed
        | ProfessionalCardLoginBlocked
        | ProfessionalCardLocked
        | ProfessionalCardUnlocked
        | ProfessionalLogout
        | ProfessionalRecordOpenRefused
        | AccountBreakGlassAccess
        | AccountOpenedByProfessional
        | ProfessionalBreakGlassEnded
        | ProfessionalRecordOpened => "E",
    }
}

pub fn audit_event(seq: u64, entry: &AuditEntry) -> Value {
    // A text this build does not know (a newer server's) is an execution on the record.
    let action = entry.action.parse::<AuditAction>().ok();
    // (The names before each start and end wrote one entry of their own, still in older logs.)
    let break_glass_start =
        matches!(action, Some(AuditAction::BreakGlassStart | AuditAction::AccountBreakGlassAccess));
    let break_glass_end = matches!(
        action,
        Some(AuditAction::BreakGlassEnd | AuditAction::ProfessionalBreakGlassEnded)
    );
    let authentication = action.is_some_and(AuditAction::is_own_event);
    let (kind, subtype) = if break_glass_start {
        (
            coding(DCM, "110113", "Security Alert"),
            Some(coding(DCM, "110127", "Emergency Override Started")),
        )
    } else if break_glass_end {
        (
            coding(DCM, "110113", "Security Alert"),
            Some(coding(DCM, "110138", "Emergency Override Stopped")),
        )
    } else if authentication {
        (coding(DCM, "110114", "User Authentication"), None)
    } else {
        (coding(DCM, "110110", "Patient Record"), None)
    };
    let mut subtypes = vec![coding("urn:carnet:audit-action", &entry.action, &entry.action)];
    subtypes.extend(subtype);
    let allowed = entry.outcome == "allowed";
    let who = match (entry.actor.kind.as_str(), &entry.actor.id) {
        ("professional", Some(rpps)) => {
            json!({ "identifier": { "system": RPPS_SYSTEM, "value": rpps } })
        }
        (_, Some(id)) => json!({ "identifier": { "system": "urn:carnet:account", "value": id } }),
        (kind, None) => json!({ "display": kind }),
    };
    let mut agent = json!({
        "type": { "coding": [coding("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user")] },
        "who": who,
        "requestor": true,
        "network": { "address": entry.client, "type": "2" },
    });
    if let Some(role) = &entry.actor.role {
        agent["role"] = json!([{ "text": role }]);
    }
    if let Some(device) = &entry.device {
        agent["name"] = json!(device);
    }
    let mut entities = Vec::new();
    if let Some(record) = &entry.record {
        entities.push(json!({
            "what": { "identifier": { "system": "urn:carnet:record", "value": record } },
            "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
            "role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
        }));
    }
    if let Some(item) = &entry.item {
        entities.push(json!({
            "what": { "identifier": { "system": "urn:carnet:item", "value": item } },
            "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
        }));
    }
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": seq.to_string(),
        "type": kind,
        "subtype": subtypes,
        "action": action.map_or("E", action_code),
        "recorded": app::summary::fhir::instant(entry.at),
        "outcome": if allowed { "0" } else { "4" },
        "agent": [agent],
        "source": {
            "observer": { "display": "Carnet" },
            "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
        },
    });
    if let Some(reason) = &entry.reason {
        event["outcomeDesc"] = json!(reason);
    }
    if break_glass_start || entry.purpose.as_deref() == Some("break_glass") {
        event["purposeOfEvent"] = json!([{ "coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "ETREAT", "Emergency Treatment")] }]);
    }
    if !entities.is_empty() {
        event["entity"] = json!(entities);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditActor;

    fn entry(action: &str, purpose: Option<&str>, outcome: &str) -> AuditEntry {
        AuditEntry {
            at: 1_795_564_800 + 3_725,
            actor: AuditActor {
                kind: "professional".into(),
                id: Some("10000000009".into()),
                role: Some("physician".into()),
            },
            action: action.into(),
            item: Some("d0c".into()),
            record: Some("rec".into()),
            client: "192.0.2.1".into(),
            device: None,
            outcome: outcome.into(),
            reason: (outcome == "denied").then(|| "no_grant".into()),
            purpose: purpose.map(str::to_owned),
            origin: None,
        }
    }

    #[test]
    fn a_read_under_break_glass_carries_the_emergency_purpose() {
        let event = audit_event(7, &entry("document.read", Some("break_glass"), "allowed"));
        assert_eq!(event["resourceType"], "AuditEvent");
        assert_eq!(event["id"], "7");
        assert_eq!(event["type"]["code"], "110110");
        assert_eq!(event["action"], "R");
        assert_eq!(event["recorded"], "2026-11-25T01:02:05Z");
        assert_eq!(event["outcome"], "0");
        assert_eq!(event["purposeOfEvent"][0]["coding"][0]["code"], "ETREAT");
        assert_eq!(event["agent"][0]["who"]["identifier"]["system"], RPPS_SYSTEM);
        assert_eq!(event["agent"][0]["network"]["address"], "192.0.2.1");
        assert_eq!(event["entity"][0]["what"]["identifier"]["value"], "rec");
    }

    #[test]
    fn the_start_of_break_glass_is_a_security_alert_and_a_refusal_says_why() {
        let start = audit_event(1, &entry("break_glass.start", Some("break_glass"), "allowed"));
        assert_eq!(
            (start["type"]["code"].as_str(), start["subtype"][1]["code"].as_str()),
            (Some("110113"), Some("110127"))
        );
        assert_eq!(start["purposeOfEvent"][0]["coding"][0]["code"], "ETREAT");
        let end = audit_event(2, &entry("break_glass.end", Some("break_glass"), "allowed"));
        assert_eq!(end["subtype"][1]["code"], "110138");
        let older = audit_event(5, &entry("account.break_glass_access", None, "allowed"));
        assert_eq!(older["subtype"][1]["code"], "110127");
        assert_eq!(audit_event(6, &entry("emergency_link.view", None, "allowed"))["action"], "R");
        let refused = audit_event(3, &entry("document.read", None, "denied"));
        assert_eq!(
            (refused["outcome"].as_str(), refused["outcomeDesc"].as_str()),
            (Some("4"), Some("no_grant"))
        );
        assert!(refused.get("purposeOfEvent").is_none());
        assert_eq!(
            audit_event(4, &entry("account.login", None, "allowed"))["type"]["code"],
            "110114"
        );
    }
}
