//! A batch's lines into the records they are about, shared by the API and `carnet feed
//! import`. Each line is checked on its own (its form, its date against the 24-month window, its
//! patient, the policy for that record); the good ones are written record by record, each
//! record's with one audit entry; a line sent again is unchanged, or becomes the line's next
//! version when the insurer corrected it.

use std::collections::{HashMap, HashSet};

use app::{
    date::Date,
    ins::Ins,
    policy::{Action, Actor, Decision, Item},
    vocabulary::{Category, Subject},
};

use super::fhir::{Content, Line, Outcome, Reason, Refusal, Resource};
use crate::{
    AppState,
    audit::{AuditAction, AuditActor, AuditEntry},
    error::ApiError,
    store::{AccountId, CareLineId, CareLineRecord, CareWrite, CareWritten, SourceId},
    vault::new_id,
};

/// Held while a batch is written (see [`ingest`]).
static FEEDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How far back the care history goes: older care is never stored, and is pruned as it ages.
pub const MONTHS_KEPT: u32 = 24;

/// The first day of care still kept on `today`: the same day 24 months earlier.
pub fn oldest_kept(today: Date) -> Date {
    today.months_before(MONTHS_KEPT)
}

/// Where a line's content is sealed: its version is bound to it.
pub fn sealing_context(id: &CareLineId, version: u32) -> String {
    format!("care/{id}/{version}")
}

/// The insurer's feed as the audit log names it.
pub fn actor(feed: &str) -> AuditActor {
    AuditActor { kind: "insurer".into(), id: Some(feed.to_owned()), role: None }
}

/// One entry's answer, with the resource it was when it could be read.
pub type Answer = (Option<Resource>, Outcome);

/// A line that passed every check, bound for a record.
struct Bound {
    index: usize,
    line: Line,
    plain: Vec<u8>,
}

/// Writes the batch's good lines and answers every entry, in order. `progress` is told how many
/// entries are answered so far, and of how many.
pub async fn ingest(
    state: &AppState,
    feed: &str,
    client: &str,
    entries: Vec<Result<Line, Refusal>>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Vec<Answer>, ApiError> {
    // One batch at a time: two at once would only race for the same lines.
    let _alone = FEEDING.lock().await;
    let total = entries.len();
    let today = state.clock.today();
    // A care dated tomorrow may be today where it happened (the server counts days in UTC).
    let latest = Date::from_unix_seconds((today.day_number() + 1) * 86_400);
    let oldest = oldest_kept(today);
    let mut answers: Vec<Option<Answer>> = vec![None; total];
    let mut seen = HashSet::new();
    let mut owners: HashMap<Ins, Result<AccountId, Reason>> = HashMap::new();
    let mut by_record: HashMap<AccountId, (Ins, Vec<Bound>)> = HashMap::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let line = match entry {
            Ok(line) => line,
            Err(refusal) => {
                answers[index] = Some((None, Outcome::Refused(refusal)));
                continue;
            }
        };
        let resource = Some(line.content.resource);
        let refused = |reason, field| Some((resource, Outcome::Refused(Refusal { reason, field })));
        if line.content.date > latest {
            answers[index] = refused(Reason::FutureDate, Some("date"));
            continue;
        }
        if line.content.date < oldest {
            answers[index] = refused(Reason::TooOld, Some("date"));
            continue;
        }
        if !seen.insert(line.source.clone()) {
            answers[index] = refused(Reason::Duplicate, Some("identifier"));
            continue;
        }
        let owner = match owners.get(&line.patient) {
            Some(owner) => owner.clone(),
            None => {
                let owner = owner_of(state, feed, client, &line.patient).await?;
                owners.insert(line.patient.clone(), owner.clone());
                owner
            }
        };
        let mut line = line;
        // A pack the pharmacy dispensed, without its substances: the medicines database's.
        if line.content.substances.is_empty()
            && let Some(code) =
                line.content.code.as_ref().filter(|code| code.system == super::fhir::CIP)
        {
            line.content.substances =
                app::safety::medicines::Medicines::embedded().pack(&code.code).unwrap_or_default();
        }
        match owner {
            Ok(account) => {
                let plain = serde_json::to_vec(&line.content).map_err(|_| ApiError::BadRequest)?;
                let ins = line.patient.clone();
                let record = by_record.entry(account).or_insert_with(|| (ins, Vec::new()));
                record.1.push(Bound { index, line, plain });
            }
            Err(reason) => answers[index] = refused(reason, Some("patient")),
        }
    }
    let mut done = answers.iter().filter(|answer| answer.is_some()).count();
    progress(done, total);

    let sources: Vec<&SourceId> =
        by_record.values().flat_map(|(_, lines)| lines).map(|bound| &bound.line.source).collect();
    let stored: HashMap<SourceId, CareLineRecord> = state
        .store
        .care_lines_by_source(&sources)
        .await?
        .into_iter()
        .map(|line| (line.source.clone(), line))
        .collect();
    // Records in a fixed order: a batch sent twice writes in the same order.
    let mut records: Vec<_> = by_record.into_iter().collect();
    records.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    for (account, (ins, lines)) in records {
        let count = lines.len();
        let record = Record { feed, client, account: &account, ins: &ins };
        write_record(state, &record, lines, &stored, &mut answers).await?;
        done += count;
        progress(done, total);
    }
    Ok(answers
        .into_iter()
        .map(|answer| {
            answer
                .unwrap_or((None, Outcome::Refused(Refusal { reason: Reason::Raced, field: None })))
        })
        .collect())
}

/// The record that holds this INS verified, if the feed may write to it. A refusal by the policy
/// (a closed record) is traced once per batch and record, and answered as no record at all: the
/// feed need not learn that the person has a closed record.
async fn owner_of(
    state: &AppState,
    feed: &str,
    client: &str,
    ins: &Ins,
) -> Result<Result<AccountId, Reason>, ApiError> {
    let Some(account) = state.store.verified_owner(ins).await? else {
        return Ok(Err(Reason::UnknownPatient));
    };
    let Some(record) = state.store.account_by_id(&account).await? else {
        return Ok(Err(Reason::UnknownPatient));
    };
    let deposit = Item::about(Subject::Document(Category::Reimbursement));
    let context = state.policy_context(&record);
    match app::policy::decide(&context, &Actor::InsurerFeed, Action::Write, &deposit) {
        Decision::Allow(_) => Ok(Ok(account)),
        Decision::Deny(why) => {
            let mut entry = entry(state, feed, client, &account);
            entry.outcome = "denied".to_owned();
            entry.reason = Some(crate::asker::trace::reason(why));
            state.auditor.append(&state.store, &entry).await?;
            Ok(Err(Reason::UnknownPatient))
        }
    }
}

fn entry(state: &AppState, feed: &str, client: &str, account: &AccountId) -> AuditEntry {
    let action = AuditAction::CareHistoryFeed;
    let record = Some(account.as_str());
    crate::audit::event_entry(actor(feed), action, record, client, None, state.clock.now())
}

/// What to do with one line of a record, before anything is written.
enum Plan {
    New { id: CareLineId, data_key: String, key: crate::vault::WrappedKey, sealed: Vec<u8> },
    Version { id: CareLineId, after: u32, sealed: Vec<u8> },
}

/// A record a batch writes to: by which feed, from where, matched on which INS.
struct Record<'a> {
    feed: &'a str,
    client: &'a str,
    account: &'a AccountId,
    ins: &'a Ins,
}

/// Seals and writes one record's lines in one transaction, with the record's audit entry.
async fn write_record(
    state: &AppState,
    record: &Record<'_>,
    lines: Vec<Bound>,
    stored: &HashMap<SourceId, CareLineRecord>,
    answers: &mut [Option<Answer>],
) -> Result<(), ApiError> {
    let (feed, account) = (record.feed, record.account);
    let mut plans = Vec::new();
    for bound in &lines {
        let resource = Some(bound.line.content.resource);
        let answer = &mut answers[bound.index];
        let refused = |reason| {
            Some((resource, Outcome::Refused(Refusal { reason, field: Some("identifier") })))
        };
        let plan = match stored.get(&bound.line.source) {
            Some(existing) if existing.account_id != *account => {
                *answer = refused(Reason::OtherPatient);
                continue;
            }
            // A feed corrects its own lines only.
            Some(existing) if existing.feed != feed => {
                *answer = refused(Reason::OtherFeed);
                continue;
            }
            Some(existing) => {
                let context = sealing_context(&existing.id, existing.version);
                let sealed = crate::vault::Sealed {
                    key: existing.key.clone(),
                    content: existing.sealed.clone(),
                };
                let plain = state.vault.open(&sealed, &existing.data_key, &context)?;
                let before: Option<Content> = serde_json::from_slice(&plain).ok();
                if before.as_ref() == Some(&bound.line.content) {
                    let (id, version) = (existing.id.to_string(), existing.version);
                    *answer = Some((resource, Outcome::Unchanged { id, version }));
                    continue;
                }
                let Some(version) = existing.version.checked_add(1) else {
                    *answer = refused(Reason::Raced);
                    continue;
                };
                let next = sealing_context(&existing.id, version);
                let sealed =
                    state.vault.seal_in(&existing.key, &existing.data_key, &bound.plain, &next)?;
                Plan::Version { id: existing.id.clone(), after: existing.version, sealed }
            }
            None => {
                let id = CareLineId::new(new_id());
                let data_key = new_id();
                let sealed = state.vault.seal(
                    &bound.plain,
                    &data_key,
                    account.as_str(),
                    &sealing_context(&id, 1),
                )?;
                Plan::New { id, data_key, key: sealed.key, sealed: sealed.content }
            }
        };
        plans.push((bound, plan));
    }
    if plans.is_empty() {
        return Ok(());
    }
    let writes: Vec<CareWrite<'_>> = plans
        .iter()
        .map(|(bound, plan)| {
            let (kind, care_date) = (bound.line.content.kind, bound.line.content.date);
            match plan {
                Plan::New { id, data_key, key, sealed } => CareWrite::New {
                    id,
                    source: &bound.line.source,
                    data_key,
                    key,
                    kind,
                    care_date,
                    sealed,
                },
                Plan::Version { id, after, sealed } => {
                    CareWrite::Version { id, after: *after, kind, care_date, sealed }
                }
            }
        })
        .collect();
    let now = state.clock.now();
    let entry = entry(state, feed, record.client, account);
    let written = state
        .auditor
        .write(&*state.store, &entry, async |rows| {
            state.store.write_care_lines(account, record.ins, feed, &writes, now, rows).await
        })
        .await?;
    // The record was closed, or its INS changed, while the batch ran: it takes nothing.
    let Some(written) = written else {
        for (bound, _) in &plans {
            let refusal = Refusal { reason: Reason::UnknownPatient, field: Some("patient") };
            answers[bound.index] =
                Some((Some(bound.line.content.resource), Outcome::Refused(refusal)));
        }
        return Ok(());
    };
    // Told only when a line was stored or corrected (a line raced away changes nothing).
    let mut changed = false;
    for ((bound, plan), written) in plans.iter().zip(written) {
        let resource = Some(bound.line.content.resource);
        let id = match plan {
            Plan::New { id, .. } | Plan::Version { id, .. } => id.to_string(),
        };
        let outcome = match written {
            CareWritten::Stored => {
                changed = true;
                Outcome::Stored { id }
            }
            CareWritten::Updated { version } => {
                changed = true;
                Outcome::Updated { id, version }
            }
            CareWritten::Raced => {
                Outcome::Refused(Refusal { reason: Reason::Raced, field: Some("identifier") })
            }
        };
        answers[bound.index] = Some((resource, outcome));
    }
    if changed {
        tell_patient(state, account).await;
    }
    Ok(())
}

/// Tells the patient their care history changed: in the app, and by message if they chose to
/// (off by default), each as the policy lets them be told of reimbursement data. The notice is
/// of the history, not of a line (it names none). The lines are written whatever happens here:
/// a notice that fails is logged, never a reason to answer the feed that its lines were
/// refused.
async fn tell_patient(state: &AppState, account: &AccountId) {
    let url = format!("{}/dossier/soins", state.public_url);
    let about = crate::notices::About { id: None, item: super::history::item_of(false) };
    let told = crate::notices::tell_patient(
        state,
        account,
        app::api::emergency::NotificationKind::CareHistoryUpdated,
        None,
        app::account::messages::Kind::CareHistoryUpdated { url: &url },
        Some(about),
    )
    .await;
    if let Err(error) = told {
        tracing::error!(error = %error, "the patient could not be told of their care history");
    }
}
