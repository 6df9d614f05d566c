//! The administration commands: load the directory, issue a card, purge, rotate keys, configure
//! the insurer's feeds. They print a short report to standard output and never any secret, but
//! the token a new feed is given, once.

#![allow(clippy::print_stdout)]

use server::audit::AuditAction;
use std::{io::BufRead, path::Path};

use app::directory::Rpps;
use server::{
    account::lifecycle,
    clock::{Clock, SystemClock},
    professional::{card, directory},
    store::Store,
    vault::Vault,
};

type Outcome = Result<(), Box<dyn std::error::Error>>;

/// Largest directory file read (a national directory is about 1.5 million entries).
const MAX_DIRECTORY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

pub async fn import_directory(store: &dyn Store, file: &Path) -> Outcome {
    let size = std::fs::metadata(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?
        .len();
    if size > MAX_DIRECTORY_BYTES {
        return Err(format!("{} is larger than 2 GiB", file.display()).into());
    }
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let entries = directory::parse(&text)
        .map_err(|error| format!("{}: {error}; nothing was imported", file.display()))?;
    let report = store.import_directory(&entries, SystemClock.now()).await?;
    println!(
        "Directory imported from {}: {} added, {} updated, {} deactivated.",
        file.display(),
        report.added,
        report.updated,
        report.deactivated
    );
    Ok(())
}

pub async fn issue_card(store: &dyn Store, rpps: &str, out: &Path) -> Outcome {
    let rpps = Rpps::parse(rpps).ok_or("--rpps must be 11 digits with a valid check digit")?;
    let entry = store
        .professional(&rpps)
        .await?
        .filter(|entry| entry.active)
        .ok_or_else(|| format!("{rpps} is not an active entry of the directory"))?;
    let pin = match std::env::var("CARNET_CARD_PIN") {
        Ok(pin) => zeroize::Zeroizing::new(pin),
        Err(_) => {
            let mut line = zeroize::Zeroizing::new(String::new());
            std::io::stdin().lock().read_line(&mut line)?;
            zeroize::Zeroizing::new(line.trim().to_owned())
        }
    };
    let (card_file, public_key) = card::issue(&rpps, &pin)?;
    let json = serde_json::to_string_pretty(&card_file)?;
    // Written before the key is recorded: a failure leaves the old card working.
    std::fs::write(out, json)
        .map_err(|error| format!("cannot write {}: {error}", out.display()))?;
    store.set_card_key(&rpps, &public_key).await?;
    let p = entry.professional;
    println!(
        "Card issued for {} {} ({rpps}) in {}; any earlier card of theirs no longer works.",
        p.given_name,
        p.family_name,
        out.display()
    );
    Ok(())
}

/// Lifts the delays that failed logins put on a professional's card, from every address; the
/// operator's act is in the audit log.
pub async fn unlock_card(
    store: &dyn Store,
    auditor: &server::audit::Auditor,
    rpps: &str,
) -> Outcome {
    let rpps = Rpps::parse(rpps).ok_or("--rpps must be 11 digits with a valid check digit")?;
    let entry = server::audit::professional_entry(
        AuditAction::ProfessionalCardUnlocked,
        Some(&rpps),
        "command-line",
        None,
        SystemClock.now(),
    );
    auditor.append_inline(store, &entry).await?;
    let lifted = store.rate_limit_reset_prefix(&server::professional::card_prefix(&rpps)).await?;
    println!("Card {rpps}: delays lifted from {lifted} address(es); recorded in the audit log.");
    Ok(())
}

/// The break-glass review list, for whoever audits emergency accesses (the reasons are shown:
/// judging them is the point of the review).
/// `carnet audit verify` and `carnet audit checkpoint`.
pub async fn audit(
    store: &dyn Store,
    auditor: &server::audit::Auditor,
    command: &server::config::AuditCommand,
) -> Outcome {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use server::config::AuditCommand;
    match command {
        AuditCommand::Verify => {
            match server::audit::verify_stored(store, &auditor.public_key()).await? {
                Ok(report) => println!(
                    "The audit log holds: {} entries, {} signed checkpoints, root {}.",
                    report.entries,
                    report.checkpoints,
                    STANDARD.encode(report.root)
                ),
                Err(broken) => {
                    eprintln!("The audit log is broken: {broken}.");
                    std::process::exit(1);
                }
            }
        }
        AuditCommand::Export => {
            for stored in store.audit_log().await? {
                let entry: server::audit::AuditEntry = serde_json::from_slice(&stored.entry)?;
                let entry = entry.with_origin(stored.origin.as_deref());
                println!("{}", server::audit::fhir::audit_event(stored.seq, &entry));
            }
        }
        AuditCommand::Checkpoint => {
            let head = auditor.checkpoint(store, SystemClock.now()).await?;
            println!(
                "size {}\nroot {}\nat {}\nsignature {}\npublic key {}",
                head.size,
                STANDARD.encode(head.root),
                head.at,
                STANDARD.encode(&head.signature),
                STANDARD.encode(auditor.public_key().as_bytes())
            );
        }
    }
    Ok(())
}

pub async fn review_break_glass(store: &dyn Store, vault: &Vault, days: u32) -> Outcome {
    let now = SystemClock.now();
    let sessions = store.break_glass_since(now - i64::from(days) * 86_400).await?;
    if sessions.is_empty() {
        println!("No break-glass session in the last {days} day(s).");
    }
    for session in sessions {
        let who = match store.professional(&session.rpps).await? {
            Some(entry) => format!(
                "{} {} ({}, {})",
                entry.professional.given_name,
                entry.professional.family_name,
                entry.professional.profession.code(),
                session.rpps
            ),
            None => session.rpps.to_string(),
        };
        let whose = match store.account_by_id(&session.account_id).await? {
            Some(record) => format!("{} {} ({})", record.given_name, record.family_name, record.id),
            None => session.account_id.to_string(),
        };
        let reason = server::emergency::review::open_reason(vault, &session)?;
        println!(
            "{} → {}{}\n  by {who}\n  record of {whose}\n  reason: {reason}",
            app::date::moment(session.started_at),
            app::date::moment(session.until()),
            if session.live_at(now) { " (live)" } else { "" },
        );
    }
    Ok(())
}

pub async fn purge(store: &dyn Store, auditor: &server::audit::Auditor) -> Outcome {
    let now = SystemClock.now();
    let report = lifecycle::purge(store, now).await?;
    let pruned = server::feed::prune(store, auditor, now).await?;
    println!(
        "Purged: {} record(s) erased on request, {} past their retention period; \
         {pruned} line(s) of care older than 24 months.",
        report.erased, report.expired
    );
    Ok(())
}

/// `carnet feed add|revoke|list`: the feeds' credentials. Adding and revoking are in the audit
/// log, as the operator's acts.
pub async fn feeds(
    store: &dyn Store,
    auditor: &server::audit::Auditor,
    command: &server::config::FeedCommand,
) -> Outcome {
    use server::config::FeedCommand;
    let now = SystemClock.now();
    let entry = |action: AuditAction, name: &str| {
        let operator = server::audit::AuditActor { kind: "operator".into(), id: None, role: None };
        let mut entry =
            server::audit::event_entry(operator, action, None, "command-line", None, now);
        entry.item = Some(name.to_owned());
        entry
    };
    match command {
        FeedCommand::Add { name } => {
            if !server::feed::valid_name(name) {
                return Err("a feed's name is 1 to 40 letters, digits, '-' or '_'".into());
            }
            let token = zeroize::Zeroizing::new(server::feed::new_token());
            match store.add_feed(name, &server::feed::token_digest(&token), now).await {
                Err(server::store::StoreError::Conflict(_)) => {
                    return Err(format!("a feed named {name} exists already").into());
                }
                other => other?,
            }
            auditor.append_inline(store, &entry(AuditAction::FeedAdd, name)).await?;
            println!(
                "Feed {name} added. Its token, shown this once (keep it secret; the insurer's \
                 system sends it as \"Authorization: Bearer <token>\" to /api/feed/batch):\n{}",
                *token
            );
        }
        FeedCommand::Revoke { name } => {
            let server::store::Matched(revoked) = store.revoke_feed(name, now).await?;
            if !revoked {
                return Err(format!("no live feed is named {name}").into());
            }
            auditor.append_inline(store, &entry(AuditAction::FeedRevoke, name)).await?;
            println!("Feed {name} revoked: its token no longer works. Its lines stay.");
        }
        FeedCommand::List => {
            let feeds = store.feeds().await?;
            if feeds.is_empty() {
                println!("No feed is configured: add one with `carnet feed add NAME`.");
            }
            for feed in feeds {
                let state = match feed.revoked_at {
                    Some(at) => format!("revoked {}", app::date::moment(at)),
                    None => "live".to_owned(),
                };
                println!("{}  added {}  {state}", feed.name, app::date::moment(feed.created_at));
            }
        }
        // Needs the whole server's state: `import_feed`.
        FeedCommand::Import { .. } => return Err("use `carnet feed import`".into()),
    }
    Ok(())
}

/// Largest file `carnet feed import` reads (held in memory, its entries read one by one), and
/// most lines in it.
const MAX_FEED_FILE_BYTES: u64 = 256 * 1024 * 1024;
const MAX_FEED_FILE_LINES: usize = 500_000;

/// `carnet feed import --feed NAME FILE`: a first load, as the feed would send it, with its
/// progress on standard error and the line-by-line report on standard output.
pub async fn import_feed(state: &server::AppState, feed: &str, file: &Path) -> Outcome {
    use server::feed::fhir::Outcome as Line;
    let live = state.store.feeds().await?;
    if !live.iter().any(|known| known.name == feed && known.revoked_at.is_none()) {
        return Err(format!("no live feed is named {feed}: see `carnet feed list`").into());
    }
    let size = std::fs::metadata(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?
        .len();
    if size > MAX_FEED_FILE_BYTES {
        return Err(format!("{} is larger than 256 MiB: split it", file.display()).into());
    }
    let body =
        std::fs::read(file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let entries = server::feed::fhir::read_bundle(&body, MAX_FEED_FILE_LINES).map_err(|error| {
        format!("{}: {}; nothing was imported", file.display(), error.message())
    })?;
    drop(body);
    let mut progress = |done: usize, total: usize| {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        eprint!("\rImporting {}: {done}/{total} lines ({percent}%)", file.display());
        if done == total {
            eprintln!();
        }
    };
    let answers =
        server::feed::ingest::ingest(state, feed, "command-line", entries, &mut progress).await?;
    let (mut stored, mut updated, mut unchanged, mut refused) = (0, 0, 0, 0);
    for (number, (resource, outcome)) in answers.iter().enumerate() {
        let name = resource.map_or("entry", |resource| resource.name());
        let said = match outcome {
            Line::Stored { id } => {
                stored += 1;
                format!("stored as {name}/{id}")
            }
            Line::Updated { id, version } => {
                updated += 1;
                format!("updated: {name}/{id} is at version {version}")
            }
            Line::Unchanged { id, .. } => {
                unchanged += 1;
                format!("unchanged ({name}/{id})")
            }
            Line::Refused(refusal) => {
                refused += 1;
                match refusal.field {
                    Some(field) => format!("refused: {} ({field})", refusal.reason.code()),
                    None => format!("refused: {}", refusal.reason.code()),
                }
            }
        };
        println!("line {}: {said}", number + 1);
    }
    println!(
        "{} line(s): {stored} stored, {updated} updated, {unchanged} unchanged, {refused} refused.",
        answers.len()
    );
    Ok(())
}

/// How a command shares the data directory with others.
pub enum Lock {
    /// Serving: several servers may share it.
    Shared,
    /// Rotating keys: alone.
    Exclusive,
}

/// Takes the data directory's lock, held until the returned file is dropped.
pub fn lock(data_dir: &Path, kind: Lock) -> Result<std::fs::File, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(data_dir)?;
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("carnet.lock"))?;
    match kind {
        Lock::Shared => file.lock_shared()?,
        Lock::Exclusive => file.try_lock().map_err(
            |_| "the data directory is in use by a running server: stop it before rotating keys",
        )?,
    }
    Ok(file)
}

pub async fn rotate_keys(store: &dyn Store, mut vault: Vault) -> Outcome {
    let report = server::rotation::rotate(store, &mut vault).await?;
    println!(
        "Master key {} is current: {} data key(s) rewrapped, {} old key(s) {}.",
        vault.current_key_id(),
        report.rewrapped,
        report.forgotten,
        if vault.from_directory() {
            "deleted"
        } else {
            "no longer needed (remove CARNET_MASTER_KEY_PREVIOUS)"
        },
    );
    Ok(())
}

/// `carnet migrate-store --from sqlite://… --to postgres://…`: see [`server::store::migrate`].
pub async fn migrate_store(config: &server::config::Config, from: &str, to: &str) -> Outcome {
    use server::store::{PgStore, SqliteStore};
    let path = from
        .strip_prefix("sqlite://")
        .map(|path| Path::new(path.split('?').next().unwrap_or(path)))
        .ok_or("--from is the SQLite file, sqlite://PATH")?;
    if !path.is_file() {
        return Err(format!("no SQLite file at {}", path.display()).into());
    }
    if !to.starts_with("postgres://") && !to.starts_with("postgresql://") {
        return Err(
            "--to is the PostgreSQL database, postgres://USER:PASSWORD@HOST/DATABASE".into()
        );
    }
    let key = config.auditor()?.public_key();
    let source = SqliteStore::open(path).await?;
    let target = PgStore::connect(to).await?;
    let mut progress = |done: u64, total: u64| {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let filled = usize::try_from(percent / 5).unwrap_or(20);
        eprint!(
            "\rCopying [{}{}] {done}/{total} rows ({percent}%)",
            "#".repeat(filled),
            " ".repeat(20 - filled)
        );
        if done == total {
            eprintln!();
        }
    };
    let moved = server::migration::migrate(&source, &target, &key, &mut progress).await?;
    for (table, rows) in &moved.copied.tables {
        println!("{table:<20} {rows:>10} rows, the same on both sides");
    }
    println!(
        "The audit log holds on both sides: {} entries, {} signed checkpoints, root {}.",
        moved.audit.entries,
        moved.audit.checkpoints,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, moved.audit.root)
    );
    source.close().await;
    target.close().await;
    Ok(())
}
