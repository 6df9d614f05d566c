//! HTTP tests: the whole `app(state)` driven with `oneshot`, over a fresh database per test: an
//! SQLite file, or, with `CARNET_TEST_STORE=postgres`, a new database on the PostgreSQL server
//! named by `CARNET_TEST_POSTGRES` (the test command runs this binary both ways, see
//! `scripts/test.sh`).
//! One test binary; each area of the API has its module.

#[path = "http/account.rs"]
mod account;
#[path = "http/audit.rs"]
mod audit;
#[path = "http/authenticator.rs"]
mod authenticator;
#[path = "http/cards.rs"]
mod cards;
#[path = "http/closing.rs"]
mod closing;
#[path = "http/emergency.rs"]
mod emergency;
#[path = "http/export.rs"]
mod export;
#[path = "http/feed.rs"]
mod feed;
#[path = "http/fhir.rs"]
mod fhir;
#[path = "http/fixtures.rs"]
mod fixtures;
#[path = "http/guessing.rs"]
mod guessing;
#[path = "http/history.rs"]
mod history;
#[path = "http/identity.rs"]
mod identity;
#[path = "http/leaks.rs"]
mod leaks;
#[path = "http/limits.rs"]
mod limits;
#[path = "http/links.rs"]
mod links;
#[path = "http/messages.rs"]
mod messages;
#[path = "http/migration.rs"]
mod migration;
#[path = "http/notices.rs"]
mod notices;
#[path = "http/pages.rs"]
mod pages;
#[path = "http/professional.rs"]
mod professional;
#[path = "http/profile.rs"]
mod profile;
#[path = "http/records.rs"]
mod records;
#[path = "http/recovery.rs"]
mod recovery;
#[path = "http/representatives.rs"]
mod representatives;
#[path = "http/review.rs"]
mod review;
#[path = "http/routes.rs"]
mod routes;
#[path = "http/timeline.rs"]
mod timeline;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use axum::{
    Router,
    body::Body,
    http::{Request, Response, StatusCode, header},
};
use http_body_util::BodyExt;
use server::{
    AppState, app,
    clock::ManualClock,
    store::{PgStore, SqliteStore, Store},
};
use tempfile::TempDir;
use tower::ServiceExt;

/// The PIN of every card the tests issue.
pub const CARD_PIN: &str = "2468";

/// A card's public key, and its signing key.
pub type TestCard = (Vec<u8>, p256::ecdsa::SigningKey);

/// A test's professional, by a well-formed RPPS.
pub fn rpps(text: &str) -> app::directory::Rpps {
    app::directory::Rpps::parse(text).unwrap()
}

/// A real card for `rpps` (its public key, and its signing key opened with [`CARD_PIN`]),
/// issued and opened once per test process. Sealing a card costs 600,000 PBKDF2 rounds each
/// way, run unoptimised in a test build: issued per test, cards were most of this binary's
/// time. The card file itself is tested in `server/src/professional/card.rs`.
pub fn test_card(rpps: &str) -> TestCard {
    static CARDS: OnceLock<Mutex<HashMap<String, TestCard>>> = OnceLock::new();
    let mut cards = CARDS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    cards
        .entry(rpps.to_owned())
        .or_insert_with(|| {
            let (file, public) =
                server::professional::card::issue(&self::rpps(rpps), CARD_PIN).unwrap();
            (public, server::professional::card::open(&file, CARD_PIN).unwrap())
        })
        .clone()
}

pub struct TestApp {
    pub router: Router,
    /// The state behind the router (its auditor, its messages…).
    pub state: AppState,
    pub store: Arc<dyn Store>,
    pub clock: ManualClock,
    pub dir: TempDir,
    /// Where the store keeps this test's data.
    pub database: TestDatabase,
}

/// Where a test's data lives: its SQLite file, or its database on the test PostgreSQL server.
pub enum TestDatabase {
    Sqlite(std::path::PathBuf),
    /// The URL of the test's own database.
    Postgres(String),
}

/// 2026-11-25 00:00 UTC.
pub const START: i64 = 1_795_564_800;

impl TestApp {
    /// The same database and clock behind a new process's state (a restart).
    pub fn restarted(&self, adjust: impl FnOnce(AppState) -> AppState) -> Router {
        let state = AppState::with_clock(
            self.store.clone(),
            server::vault::Vault::ephemeral(),
            &self.dir.path().join("site"),
            "http://localhost",
            Arc::new(self.clock.clone()),
        )
        .unwrap();
        app(adjust(state))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.database, TestDatabase::Postgres(_))
    }

    /// A connection to the test's database behind the server's back, as someone who can write
    /// to its disk, or log in to its database server, would have one.
    pub async fn behind_the_server(&self) -> sqlx::AnyConnection {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let url = match &self.database {
            TestDatabase::Sqlite(path) => format!("sqlite://{}", path.display()),
            TestDatabase::Postgres(url) => url.clone(),
        };
        sqlx::AnyConnection::connect(&url).await.expect("a connection to the test's database")
    }

    /// The `carnet` command, on this test's data.
    pub fn carnet(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_carnet"));
        command.arg("--data-dir").arg(self.dir.path());
        if let TestDatabase::Postgres(url) = &self.database {
            command.arg("--database-url").arg(url);
        }
        command
    }

    pub fn clock_now(&self) -> i64 {
        server::clock::Clock::now(&self.clock)
    }

    /// What the server's scheduled task does every minute: sign the log's head, so that the
    /// newest entries can be proven.
    pub async fn sign_head(&self) {
        self.state.auditor.checkpoint_if_grown(&*self.state.store, self.clock_now()).await.unwrap();
    }
}

pub async fn test_app() -> TestApp {
    test_app_with(|state| state).await
}

/// A test app and its state, for what the router does not show (the auditor's key, …).
pub async fn test_app_and_state() -> (TestApp, AppState) {
    let mut kept = None;
    let app = test_app_with(|state| {
        kept = Some(state.clone());
        state
    })
    .await;
    (app, kept.expect("the state"))
}

/// A test app whose state is adjusted by `adjust` (another message service, …).
pub async fn test_app_with(adjust: impl FnOnce(AppState) -> AppState) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (store, database) = test_store(&dir).await;
    assemble(dir, store, database, adjust)
}

/// A test app on an SQLite file whichever database the run tests (`carnet migrate-store`'s
/// source).
pub async fn sqlite_test_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("carnet.db");
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    assemble(dir, store, TestDatabase::Sqlite(path), |state| state)
}

/// The URL of the database `name` on the PostgreSQL server at `server`.
pub fn database_url(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("CARNET_TEST_POSTGRES is a URL");
    url.set_path(&format!("/{name}"));
    url.into()
}

/// The app over `store`, in `dir`.
pub fn assemble(
    dir: TempDir,
    store: Arc<dyn Store>,
    database: TestDatabase,
    adjust: impl FnOnce(AppState) -> AppState,
) -> TestApp {
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/carnet.css"), "body{}").unwrap();
    std::fs::write(site.join("robots.txt"), "User-agent: *\n").unwrap();
    let clock = ManualClock::starting_at(START);
    let state = AppState::with_clock(
        store.clone(),
        server::vault::Vault::ephemeral(),
        &site,
        "http://localhost",
        Arc::new(clock.clone()),
    )
    .unwrap();
    let state = adjust(state);
    TestApp { router: app(state.clone()), state, store, clock, dir, database }
}

/// The database of one test: with `CARNET_TEST_STORE=postgres`, a new one on the PostgreSQL
/// server of `CARNET_TEST_POSTGRES`; else an SQLite file in the test's folder.
pub async fn test_store(dir: &TempDir) -> (Arc<dyn Store>, TestDatabase) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    match std::env::var("CARNET_TEST_STORE").as_deref() {
        Ok("postgres") => {
            let server = std::env::var("CARNET_TEST_POSTGRES").expect(
                "CARNET_TEST_POSTGRES names the tests' PostgreSQL server (scripts/test.sh)",
            );
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let name = format!("http_{}_{n}", std::process::id());
            let store = PgStore::create_database(&server, &name).await.expect("a test database");
            (Arc::new(store), TestDatabase::Postgres(database_url(&server, &name)))
        }
        Ok("sqlite") | Err(_) => {
            let path = dir.path().join("carnet.db");
            (Arc::new(SqliteStore::open(&path).await.unwrap()), TestDatabase::Sqlite(path))
        }
        Ok(other) => panic!("CARNET_TEST_STORE is sqlite or postgres, not {other}"),
    }
}

pub async fn get(router: &Router, uri: &str, cookie: Option<&str>) -> Response<Body> {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
}

/// `GET uri` from a browser that accepts `encodings` (`Accept-Encoding`).
pub async fn get_accepting(router: &Router, uri: &str, encodings: &str) -> Response<Body> {
    let request = Request::get(uri).header(header::ACCEPT_ENCODING, encodings);
    router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
}

pub async fn text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

fn csp_nonce(response: &Response<Body>) -> String {
    let csp = header(response, "content-security-policy");
    let start = csp.find("'nonce-").expect("CSP has a nonce") + "'nonce-".len();
    let end = start + csp[start..].find('\'').unwrap();
    csp[start..end].to_owned()
}

fn assert_security_headers(response: &Response<Body>) {
    let csp = header(response, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'nonce-",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "CSP allows unsafe-inline: {csp}");
    assert!(!csp.contains("'unsafe-eval'"), "CSP allows unsafe-eval: {csp}");
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert!(header(response, "permissions-policy").contains("camera=()"));
}

#[tokio::test]
async fn healthz_checks_the_database_and_sends_security_headers() {
    let app = test_app().await;
    let response = get(&app.router, "/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(&response);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(body, serde_json::json!({ "status": "ok", "database": "ok" }));
}

#[tokio::test]
async fn healthz_reports_a_dead_database_without_details() {
    let app = test_app().await;
    app.store.close().await;
    let response = get(&app.router, "/healthz", None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body = text(response).await;
    assert!(body.contains("\"unavailable\""), "{body}");
    assert!(!body.to_lowercase().contains("sqlite") && !body.contains("pool"), "{body}");
}

#[tokio::test]
async fn home_page_is_server_rendered_in_french_by_default() {
    let app = test_app().await;
    let response = get(&app.router, "/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(&response);
    assert!(header(&response, "content-type").starts_with("text/html"));
    assert_eq!(header(&response, "cache-control"), "no-store");
    let nonce = csp_nonce(&response);
    let html = text(response).await;
    assert!(html.contains("<html lang=\"fr\""), "no French lang attribute");
    assert!(html.contains("Votre dossier médical partagé"), "French heading missing");
    assert!(html.contains("Confidentialité · Carnet") || html.contains("Accueil · Carnet"));
    // Every inline script with content carries this response's nonce. (leptos_i18n leaves an
    // empty `<script></script>` placeholder; browsers neither run nor CSP-check empty scripts.)
    assert!(html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")), "{html}");
    let scripts_with_content =
        html.matches("<script").count() - html.matches("<script></script>").count();
    assert!(scripts_with_content >= 1);
    assert_eq!(scripts_with_content, html.matches(&format!(" nonce=\"{nonce}\">")).count());
    assert!(html.contains("/pkg/carnet.js") && html.contains("/pkg/carnet_bg.wasm"));
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = test_app().await;
    let response = get_accepting(&app.router, "/", "gzip").await;
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert!(header(&response, "vary").to_ascii_lowercase().contains("accept-encoding"));
    let nonce = csp_nonce(&response);
    let sent = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&sent[..]), &mut html).unwrap();
    assert!(html.contains(&format!(" nonce=\"{nonce}\"")), "the whole page, as rendered");
    assert!(html.contains("</html>"));
    assert!(sent.len() * 2 < html.len(), "{} bytes sent for {}", sent.len(), html.len());
    let response = get_accepting(&app.router, "/", "br;q=1, gzip;q=0.5").await;
    assert_eq!(header(&response, "content-encoding"), "br");
    // A browser that says nothing gets the page as it is (as every other test here does).
    let plain = get(&app.router, "/", None).await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn every_response_gets_a_fresh_nonce() {
    let app = test_app().await;
    let a = csp_nonce(&get(&app.router, "/", None).await);
    let b = csp_nonce(&get(&app.router, "/", None).await);
    assert_ne!(a, b);
    assert!(a.len() >= 22, "nonce too short: {a}");
}

#[tokio::test]
async fn language_cookie_renders_english() {
    let app = test_app().await;
    let html = text(get(&app.router, "/", Some("i18n_pref_locale=en")).await).await;
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("Your shared medical record"));
    assert!(!html.contains("Votre dossier médical partagé"));
    // An unknown value falls back to French rather than failing.
    let html = text(get(&app.router, "/", Some("i18n_pref_locale=xx")).await).await;
    assert!(html.contains("<html lang=\"fr\""));
}

#[tokio::test]
async fn accept_language_does_not_override_the_french_default() {
    let app = test_app().await;
    let request = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    let html = text(app.router.clone().oneshot(request).await.unwrap()).await;
    assert!(html.contains("<html lang=\"fr\""));
}

#[tokio::test]
async fn second_page_renders() {
    let app = test_app().await;
    let response = get(&app.router, "/confidentialite", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = text(response).await;
    assert!(html.contains("Comment Carnet protège vos données"));
}

#[tokio::test]
async fn unknown_page_is_a_translated_404() {
    let app = test_app().await;
    let response = get(&app.router, "/nulle-part", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&response);
    let html = text(response).await;
    assert!(
        html.contains("Cette page n&#x27;existe pas") || html.contains("Cette page n'existe pas"),
        "{html}"
    );

    let response = get(&app.router, "/nowhere", Some("i18n_pref_locale=en")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(text(response).await.contains("This page does not exist"));
}

#[tokio::test]
async fn the_error_page_is_translated_and_says_500() {
    let app = test_app().await;
    let response = get(&app.router, "/erreur", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_security_headers(&response);
    let html = text(response).await;
    assert!(html.contains("Un problème est survenu"), "{html}");
    assert!(html.contains("role=\"alert\""));
    let html = text(get(&app.router, "/erreur", Some("i18n_pref_locale=en")).await).await;
    assert!(html.contains("Something went wrong"));
}

#[tokio::test]
async fn unknown_api_path_is_a_problem_404_never_cached() {
    let app = test_app().await;
    let response = get(&app.router, "/api/nothing", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "content-type"), "application/problem+json");
    assert_security_headers(&response);
    let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn static_files_are_served_with_headers_and_no_traversal() {
    let app = test_app().await;
    let response = get(&app.router, "/pkg/carnet.css", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("text/css"));
    assert_eq!(header(&response, "cache-control"), "no-cache");
    assert_security_headers(&response);

    let response = get(&app.router, "/../carnet.db", None).await;
    assert_ne!(response.status(), StatusCode::OK);
    let response = get(&app.router, "/pkg/%2e%2e/%2e%2e/carnet.db", None).await;
    assert_ne!(response.status(), StatusCode::OK);

    // The build's compressed copies go to browsers that accept them, the file to others.
    let data = app.dir.path().join("site/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("thesaurus.json"), "{\"plain\": true}").unwrap();
    std::fs::write(data.join("thesaurus.json.br"), b"brotli bytes").unwrap();
    let response = get_accepting(&app.router, "/data/thesaurus.json", "gzip, deflate, br").await;
    assert_eq!(header(&response, "content-encoding"), "br");
    assert!(header(&response, "content-type").starts_with("application/json"));
    // Which copy depends on what the browser accepts, and the answer says so to every cache.
    assert_eq!(header(&response, "vary"), "accept-encoding");
    assert_eq!(text(response).await, "brotli bytes");
    let response = get(&app.router, "/data/thesaurus.json", None).await;
    assert_eq!(header(&response, "vary"), "accept-encoding");
    assert_eq!(text(response).await, "{\"plain\": true}");
}

#[tokio::test]
async fn the_not_found_page_is_compressed_like_every_page() {
    let app = test_app().await;
    let response = get_accepting(&app.router, "/nulle-part", "gzip").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_eq!(response.headers().get_all(header::VARY).iter().count(), 1, "one Vary");
    assert!(header(&response, "vary").to_ascii_lowercase().contains("accept-encoding"));
    assert_security_headers(&response);
    let sent = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&sent[..]), &mut html).unwrap();
    assert!(html.contains("</html>"), "the whole page");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = test_app().await;
    let body = vec![b'x'; server::web::MAX_BODY_BYTES + 1];
    let request = Request::post("/api/anything")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
