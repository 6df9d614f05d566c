//! `carnet`: read the configuration, open the store, serve until SIGINT or SIGTERM.

use std::{net::SocketAddr, process::ExitCode, sync::Arc};

use clap::Parser;
use server::{
    AppState, app,
    config::{
        BreakGlassCommand, CardCommand, Command, Config, DatabaseChoice, DirectoryCommand,
        FeedCommand, KeysCommand,
    },
    messages::{Courier, Outbox},
    store::{PgStore, SqliteStore, Store},
    telemetry,
};
use tokio::net::TcpListener;

mod commands;

/// Stack of each runtime thread. Rendering a page walks its whole view tree in nested calls; in
/// a debug build the record's pages need more than tokio's 2 MiB (a stack overflow aborts the
/// process). Address space only: memory is committed as it is touched.
const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

fn main() -> ExitCode {
    let config = Config::parse();
    telemetry::init(&config.log_level, config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("carnet: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "carnet stopped");
            eprintln!("carnet: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(Command::MigrateStore { from, to }) = &config.command {
        return commands::migrate_store(&config, from, to).await;
    }
    let store: Arc<dyn Store> = match config.database()? {
        DatabaseChoice::Sqlite(path) => Arc::new(SqliteStore::open(&path).await?),
        DatabaseChoice::Postgres(url) => Arc::new(PgStore::connect(&url).await?),
    };
    match &config.command {
        None | Some(Command::Serve) => {}
        Some(Command::Outbox { limit }) => return print_outbox(store.as_ref(), *limit).await,
        Some(Command::Directory(DirectoryCommand::Import { file })) => {
            return commands::import_directory(store.as_ref(), file).await;
        }
        Some(Command::Card(CardCommand::Issue { rpps, out })) => {
            return commands::issue_card(store.as_ref(), rpps, out).await;
        }
        Some(Command::Card(CardCommand::Unlock { rpps })) => {
            return commands::unlock_card(store.as_ref(), &config.auditor()?, rpps).await;
        }
        Some(Command::Purge) => {
            return commands::purge(store.as_ref(), &config.auditor()?).await;
        }
        Some(Command::Feed(FeedCommand::Import { feed, file })) => {
            let state = AppState::new(store.clone(), config.vault()?, &config.site_root, "/")?
                .with_matrix(config.access_matrix()?)
                .with_auditor(config.auditor()?);
            return commands::import_feed(&state, feed, file).await;
        }
        Some(Command::Feed(command)) => {
            return commands::feeds(store.as_ref(), &config.auditor()?, command).await;
        }
        // Opens its two stores itself (above), before this one would have been opened.
        Some(Command::MigrateStore { .. }) => return Err("migrate-store runs on its own".into()),
        Some(Command::Audit(command)) => {
            return commands::audit(store.as_ref(), &config.auditor()?, command).await;
        }
        Some(Command::BreakGlass(BreakGlassCommand::Review { days })) => {
            return commands::review_break_glass(store.as_ref(), &config.vault()?, *days).await;
        }
        Some(Command::Keys(KeysCommand::Rotate)) => {
            let _alone = commands::lock(&config.data_dir, commands::Lock::Exclusive)?;
            return commands::rotate_keys(store.as_ref(), config.vault()?).await;
        }
    }
    // Held while serving: a key rotation cannot start under a running server.
    let _serving = commands::lock(&config.data_dir, commands::Lock::Shared)?;
    let listener = TcpListener::bind(config.bind).await?;
    let bound = listener.local_addr()?;
    let public_url = config.public_url(bound)?;
    let matrix = config.access_matrix()?;
    tracing::info!(version = matrix.version(), "access matrix loaded");
    let mut state = AppState::new(store.clone(), config.vault()?, &config.site_root, &public_url)?
        .with_rules(config.account_rules())
        .with_limits(config.limits())
        .with_emergency(config.emergency_rules())
        .with_matrix(matrix)
        .with_exam_windows(config.exam_windows()?)
        .with_auditor(config.auditor()?)
        .with_trusted_proxies(config.trusted_proxies());
    if !config.trusted_proxy.is_empty() {
        tracing::info!(
            proxies = config.trusted_proxy.len(),
            "client addresses from trusted proxies"
        );
    }
    let mut courier = None;
    if let Some(url) = &config.smtp_url {
        let delivering = Courier::new(url, &config.mail_from, store.clone(), state.clock.clone())?;
        let outbox = Outbox::new(store.clone(), state.clock.clone()).waking(delivering.wake());
        state = state.with_messages(Arc::new(outbox));
        courier = Some(tokio::spawn(delivering.run()));
        tracing::info!("e-mail goes out over SMTP, from the outbox; SMS stay in the local outbox");
    } else {
        tracing::info!("messages stay in the local outbox: read them with `carnet outbox`");
    }
    tracing::info!(%bound, %public_url, "listening");
    // The one line people and scripts look for; stdout, so it is seen even with logs filtered.
    #[allow(clippy::print_stdout)]
    {
        println!("Carnet is running at http://{bound}/ (public address {public_url})");
    }

    let bound = server::rotation::bind_owners(store.as_ref(), &state.vault).await?;
    if bound > 0 {
        tracing::info!(keys = bound, "data keys wrapped earlier now name their record");
    }
    let sealed = server::account::totp::seal_legacy_secrets(&state).await?;
    if sealed > 0 {
        tracing::info!(accounts = sealed, "authenticator secrets written in clear are now sealed");
    }
    let indexed = server::record::timeline::backfill_terms(&state).await?;
    if indexed > 0 {
        tracing::info!(documents = indexed, "text documents deposited earlier are now searchable");
    }
    let nodes = server::audit::backfill_nodes(store.as_ref()).await?;
    if nodes > 0 {
        tracing::info!(nodes, "the audit log's subtrees are stored for its proofs");
    }
    let purging = tokio::spawn(server::account::lifecycle::purge_periodically(
        state.clone(),
        std::time::Duration::from_secs(3600),
    ));
    let pruning = tokio::spawn(server::feed::prune_periodically(
        state.clone(),
        std::time::Duration::from_secs(3600),
    ));
    let signing = tokio::spawn(server::record::history::checkpoint_periodically(state.clone()));
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await?;
    purging.abort();
    pruning.abort();
    signing.abort();
    if let Some(courier) = courier {
        courier.abort();
    }
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// The local outbox, newest first, for a developer reading the codes Carnet "sent".
#[allow(clippy::print_stdout)]
async fn print_outbox(store: &dyn Store, limit: u32) -> Result<(), Box<dyn std::error::Error>> {
    let messages = store.outbox(limit).await?;
    if messages.is_empty() {
        println!("The outbox is empty.");
    }
    for message in messages {
        let state = match (message.sent_at, message.failed) {
            (Some(at), _) => format!("delivered at {at}"),
            (None, true) => format!("given up after {} failed deliveries", message.attempts),
            (None, false) if message.attempts > 0 => {
                format!("waiting, {} failed deliveries so far", message.attempts)
            }
            (None, false) => "waiting".to_owned(),
        };
        println!(
            "#{} at {} ({:?} to {}, {state})\nSubject: {}\n\n{}\n{}",
            message.id,
            message.created_at,
            message.channel,
            message.recipient,
            message.subject,
            message.body,
            "-".repeat(72)
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, wait for SIGTERM alone.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
}
