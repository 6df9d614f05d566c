//! Configuration: command-line flags, each with an environment variable as fallback, and
//! defaults that run Carnet with no configuration at all (SQLite file in `./data`).
//!
//! Longer than most files: it is one `clap` definition, the flags and subcommands in the order
//! `carnet --help` prints them, then what each resolves to. Split, it would read worse.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Clone, Parser)]
#[command(name = "carnet", version, about = "Carnet: the patient-held shared medical record")]
pub struct Config {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "CARNET_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Directory for Carnet's own files (the SQLite database by default). Created if missing.
    #[arg(long, env = "CARNET_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database URL. Defaults to the SQLite file `<data-dir>/carnet.db`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Log filter: a level (`info`, `debug`…) or a tracing directive list.
    #[arg(long, env = "CARNET_LOG", default_value = "info")]
    pub log_level: String,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "CARNET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// The address patients type in their browser (used in links and e-mails).
    /// Defaults to `http://<bind>`.
    #[arg(long, env = "CARNET_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// SMTP server for e-mail, e.g. `smtps://user:password@smtp.example:465`. Without it, every
    /// message stays in the local outbox (`carnet outbox`).
    #[arg(long, env = "CARNET_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of Carnet's e-mails.
    #[arg(long, env = "CARNET_MAIL_FROM", default_value = "Carnet <no-reply@localhost>")]
    pub mail_from: String,

    /// Age at which a minor takes over their record from their legal representatives.
    #[arg(long, env = "CARNET_MAJORITY_AGE", default_value_t = 18,
          value_parser = clap::value_parser!(u32).range(15..=25))]
    pub majority_age: u32,

    /// Days a closed record stays archived before it is erased (10 years in the reference).
    #[arg(long, env = "CARNET_RETENTION_DAYS", default_value_t = 3653,
          value_parser = clap::value_parser!(u32).range(1..=36_525))]
    pub retention_days: u32,

    /// Days between a request to erase a record and the erasure (time to change one's mind).
    #[arg(long, env = "CARNET_ERASURE_DELAY_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=365))]
    pub erasure_delay_days: u32,

    /// Largest document accepted, in megabytes (MB, 10^6 bytes).
    #[arg(long, env = "CARNET_MAX_DOCUMENT_MB", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=500))]
    pub max_document_mb: u64,

    /// Minutes a break-glass (emergency) access lasts before it ends by itself.
    #[arg(long, env = "CARNET_BREAK_GLASS_MINUTES", default_value_t = 240,
          value_parser = clap::value_parser!(u32).range(5..=240))]
    pub break_glass_minutes: u32,

    /// Show masked items in break-glass too (by default a mask holds in an emergency).
    #[arg(long, env = "CARNET_BREAK_GLASS_SEES_MASKED")]
    pub break_glass_sees_masked: bool,

    /// The access matrix (`carnet-access-matrix/1` JSON) replacing the built-in default (see
    /// `docs/access-matrix.md`). Checked at start: a bad file stops the server with its error.
    #[arg(long, env = "CARNET_ACCESS_MATRIX")]
    pub access_matrix: Option<PathBuf>,

    /// The windows of repeated exams (`carnet-exam-windows/1` JSON) replacing the built-in ones
    /// (`app/policy/exam-windows.json`). Checked at start.
    #[arg(long, env = "CARNET_EXAM_WINDOWS")]
    pub exam_windows: Option<PathBuf>,

    /// Directory of the master keys that seal data at rest. Defaults to `<data-dir>/keys`
    /// (created with a first key). Ignored when CARNET_MASTER_KEY is set.
    #[arg(long, env = "CARNET_KEYS_DIR")]
    pub keys_dir: Option<PathBuf>,

    /// The master key (32 bytes, base64) instead of a key directory. While rotating, the old
    /// key(s) go in CARNET_MASTER_KEY_PREVIOUS (comma-separated).
    #[arg(long, env = "CARNET_MASTER_KEY", hide_env_values = true, hide = true)]
    pub master_key: Option<String>,

    #[arg(long, env = "CARNET_MASTER_KEY_PREVIOUS", hide_env_values = true, hide = true)]
    pub master_key_previous: Option<String>,

    /// The audit log's Ed25519 signing key (a 32-byte seed, base64) instead of the one kept in
    /// the key directory.
    #[arg(long, env = "CARNET_AUDIT_KEY", hide_env_values = true, hide = true)]
    pub audit_key: Option<String>,

    /// Reverse proxies (addresses or networks, comma-separated: `10.0.0.0/8,192.0.2.1`) whose
    /// forwarding header gives the client's address, for rate limits and the audit log. Without
    /// one, no forwarding header is believed; behind a proxy every client then shares its
    /// address.
    #[arg(long, env = "CARNET_TRUSTED_PROXY", value_delimiter = ',', value_parser = crate::extract::parse_network)]
    pub trusted_proxy: Vec<ipnet::IpNet>,

    /// The header the trusted proxies write the client's address in (only that one is read).
    #[arg(long, env = "CARNET_FORWARDED_HEADER", value_enum,
          default_value_t = crate::extract::ForwardedHeader::XForwardedFor)]
    pub forwarded_header: crate::extract::ForwardedHeader,

    /// Directory holding the built site (`pkg/` with the wasm bundle, and the public files).
    #[arg(long, env = "CARNET_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve Carnet (what happens with no command).
    Serve,
    /// Print the newest messages of the local outbox: the e-mails and SMS Carnet would have
    /// sent (codes included). For development and demonstrations, on the server's own machine.
    Outbox {
        /// How many messages, newest first.
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// The professionals' directory.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Simulated professional cards.
    #[command(subcommand)]
    Card(CardCommand),
    /// Master keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Break-glass (emergency) accesses.
    #[command(subcommand)]
    BreakGlass(BreakGlassCommand),
    /// Erase the records whose erasure is due or whose retention ended, remove care older than
    /// 24 months from the care history, and forget expired codes and sessions (the server also
    /// does it every hour).
    Purge,
    /// The health insurer's feeds: their credentials, and a first load from a file.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Move a whole installation from its SQLite file to an empty PostgreSQL database: every
    /// table copied as it is, with a progress bar; the audit log verified (with the audit key)
    /// before and after, and each table's rows counted on both sides. The SQLite file is only
    /// read. Stop the server first.
    MigrateStore {
        /// The SQLite file: `sqlite://PATH`.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database: `postgres://USER:PASSWORD@HOST/DATABASE` (or in
        /// CARNET_MIGRATE_TO, which keeps the password out of the process list).
        #[arg(long, env = "CARNET_MIGRATE_TO", hide_env_values = true)]
        to: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum FeedCommand {
    /// Configure a feed named NAME and print its token, once: the insurer's system sends it as
    /// `Authorization: Bearer <token>` to `POST /api/feed/batch`, the one route it reaches.
    Add { name: String },
    /// Revoke the feed NAME: its token stops working at once. Its lines stay.
    Revoke { name: String },
    /// The feeds configured, live or revoked.
    List,
    /// Load a FHIR R4 batch Bundle from FILE, as the feed NAME would send it (a first load),
    /// with its progress; prints the same line-by-line report as the API's answer.
    Import {
        #[arg(long)]
        feed: String,
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AuditCommand {
    /// Replay the whole log: sequence, hashes, chain, and every signed checkpoint. Names the
    /// first entry that does not hold and exits with status 1.
    Verify,
    /// Sign a checkpoint of the log as it stands now and print it.
    Checkpoint,
    /// Print the whole log as FHIR R4 AuditEvent resources, one JSON object per line (NDJSON),
    /// for an external audit repository.
    Export,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum BreakGlassCommand {
    /// The review list: every break-glass session started in the last DAYS days, oldest first,
    /// with who, whose record, when, how long and the reason given.
    Review {
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum KeysCommand {
    /// Rotate the master key: with a key directory, a new key is made, every data key is
    /// rewrapped under it, then the old key files are deleted. With CARNET_MASTER_KEY, every
    /// data key is rewrapped under it (the old ones given in CARNET_MASTER_KEY_PREVIOUS). The
    /// server must be stopped.
    Rotate,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DirectoryCommand {
    /// Load a directory file (`carnet-directory/1` JSON), replacing the directory: entries
    /// absent from the file are deactivated and signed out. One bad entry refuses the file.
    Import { file: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum CardCommand {
    /// Issue a card for a professional of the directory: writes the card file (its private key
    /// sealed by the PIN) and records the public key in the directory. The PIN is read from
    /// CARNET_CARD_PIN, or else from the first line of standard input.
    Issue {
        #[arg(long)]
        rpps: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Lift the delays failed logins put on a professional's card, from every address (a card
    /// is never locked for good). Written to the audit log.
    Unlock {
        #[arg(long)]
        rpps: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The storage a configuration asks for.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseChoice {
    /// An SQLite file at this path.
    Sqlite(PathBuf),
    /// A PostgreSQL server, by its URL (which may hold a password).
    Postgres(String),
}

/// Says which database, never the PostgreSQL URL: it may hold a password.
impl std::fmt::Debug for DatabaseChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(_) => f.write_str("Postgres(…)"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    UnknownDatabase,
    #[error(
        "CARNET_PUBLIC_URL must be an http:// or https:// URL with a host, no user, query or fragment"
    )]
    BadPublicUrl,
}

impl Config {
    /// The trusted reverse proxies and the header they write.
    pub fn trusted_proxies(&self) -> crate::extract::TrustedProxies {
        crate::extract::TrustedProxies::new(self.trusted_proxy.clone(), self.forwarded_header)
    }

    pub fn limits(&self) -> crate::state::Limits {
        crate::state::Limits { max_document_bytes: self.max_document_mb * 1_000_000 }
    }

    /// The master keys this configuration asks for.
    pub fn vault(&self) -> Result<crate::vault::Vault, crate::vault::VaultError> {
        match &self.master_key {
            Some(current) => {
                let previous = self.master_key_previous.as_deref().unwrap_or("");
                crate::vault::Vault::from_values(current, &previous.split(',').collect::<Vec<_>>())
            }
            None => crate::vault::Vault::open_dir(
                &self.keys_dir.clone().unwrap_or_else(|| self.data_dir.join("keys")),
            ),
        }
    }

    /// The audit signing key this configuration asks for.
    pub fn auditor(&self) -> Result<crate::audit::Auditor, crate::audit::AuditKeyError> {
        match &self.audit_key {
            Some(seed) => crate::audit::Auditor::from_value(seed),
            None => crate::audit::Auditor::open_dir(
                &self.keys_dir.clone().unwrap_or_else(|| self.data_dir.join("keys")),
            ),
        }
    }

    /// The access matrix this configuration asks for.
    pub fn access_matrix(&self) -> Result<app::policy::AccessMatrix, String> {
        let Some(path) = &self.access_matrix else {
            return app::policy::AccessMatrix::parse(app::policy::DEFAULT_JSON)
                .map_err(|error| format!("the built-in access matrix is invalid: {error}"));
        };
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        app::policy::AccessMatrix::parse(&text)
            .map_err(|error| format!("{}: {error}", path.display()))
    }
    /// The exam windows this configuration asks for.
    pub fn exam_windows(&self) -> Result<app::safety::exams::ExamWindows, String> {
        let Some(path) = &self.exam_windows else {
            return Ok(app::safety::exams::ExamWindows::reference());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        app::safety::exams::ExamWindows::parse(&text)
            .map_err(|error| format!("{}: {error}", path.display()))
    }

    pub fn emergency_rules(&self) -> crate::emergency::EmergencyRules {
        crate::emergency::EmergencyRules {
            break_glass_seconds: i64::from(self.break_glass_minutes) * 60,
            sees_masked: self.break_glass_sees_masked,
        }
    }

    pub fn account_rules(&self) -> crate::account::lifecycle::AccountRules {
        crate::account::lifecycle::AccountRules {
            majority_age: self.majority_age,
            retention_days: self.retention_days,
            erasure_delay_days: self.erasure_delay_days,
        }
    }

    /// Which database to open. Never echoes the URL back: it may hold a password.
    pub fn database(&self) -> Result<DatabaseChoice, ConfigError> {
        let Some(url) = self.database_url.as_deref() else {
            return Ok(DatabaseChoice::Sqlite(self.data_dir.join("carnet.db")));
        };
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or(path);
            return Ok(DatabaseChoice::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseChoice::Postgres(url.to_owned()));
        }
        Err(ConfigError::UnknownDatabase)
    }

    /// The public base URL as browsers write it (lower-case host, no default port), without a
    /// trailing slash. Links in messages and share links start with it.
    pub fn public_url(&self, bound: SocketAddr) -> Result<String, ConfigError> {
        let Some(text) = self.public_url.as_deref() else {
            return Ok(format!("http://{bound}"));
        };
        let url = url::Url::parse(text).map_err(|_| ConfigError::BadPublicUrl)?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none();
        if !plain {
            return Err(ConfigError::BadPublicUrl);
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("carnet").chain(args.iter().copied()))
            .expect("arguments parse")
    }

    #[test]
    fn defaults_need_no_configuration() {
        // Run without the environment fallbacks interfering: only flags are given here, and
        // the defaults are what the README promises.
        let config = parse(&["--data-dir", "data", "--bind", "127.0.0.1:3000"]);
        assert_eq!(config.database_url, None);
        assert_eq!(config.database(), Ok(DatabaseChoice::Sqlite("data/carnet.db".into())));
        assert_eq!(config.public_url(config.bind).unwrap(), "http://127.0.0.1:3000");
    }

    #[test]
    fn flags_set_everything() {
        let config = parse(&[
            "--bind",
            "0.0.0.0:8080",
            "--data-dir",
            "/var/lib/carnet",
            "--database-url",
            "sqlite:///tmp/x.db?mode=rwc",
            "--log-level",
            "debug",
            "--log-format",
            "json",
            "--public-url",
            "https://carnet.example/",
        ]);
        assert_eq!(config.bind, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(config.database(), Ok(DatabaseChoice::Sqlite("/tmp/x.db".into())));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.public_url(config.bind).unwrap(), "https://carnet.example");
        assert_eq!(config.command, None);
        let config = parse(&["--data-dir", "d", "outbox", "--limit", "3"]);
        assert_eq!(config.command, Some(Command::Outbox { limit: 3 }));
        let config = parse(&["--majority-age", "21", "directory", "import", "rpps.json"]);
        assert_eq!(config.account_rules().majority_age, 21);
        assert_eq!(
            config.command,
            Some(Command::Directory(DirectoryCommand::Import { file: "rpps.json".into() }))
        );
    }

    #[test]
    fn the_access_matrix_is_the_default_or_a_checked_file() {
        let config = parse(&[]);
        assert_eq!(config.access_matrix().unwrap(), app::policy::AccessMatrix::reference());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("matrix.json");
        std::fs::write(&path, app::policy::DEFAULT_JSON.replace("\"genetics\"", "\"gossip\""))
            .unwrap();
        let config = parse(&["--access-matrix", path.to_str().unwrap()]);
        let error = config.access_matrix().unwrap_err();
        assert!(error.contains("unknown domain \"gossip\""), "{error}");
        let config = parse(&["--access-matrix", "/nonexistent/matrix.json"]);
        assert!(config.access_matrix().unwrap_err().contains("cannot read"));
    }

    #[test]
    fn bad_values_are_refused_clearly() {
        assert!(Config::try_parse_from(["carnet", "--bind", "nowhere"]).is_err());
        let config = parse(&["--database-url", "mysql://u:secret@h/db"]);
        let error = config.database().unwrap_err();
        assert_eq!(error, ConfigError::UnknownDatabase);
        assert!(!error.to_string().contains("secret"), "the URL's password leaked");
        let config = parse(&["--database-url", "postgres://u:secret@h/db"]);
        let choice = config.database().unwrap();
        assert_eq!(choice, DatabaseChoice::Postgres("postgres://u:secret@h/db".into()));
        assert!(!format!("{choice:?}").contains("secret"), "the URL's password leaked");
        assert!(Config::try_parse_from(["carnet", "--majority-age", "3"]).is_err());
        assert!(Config::try_parse_from(["carnet", "--retention-days", "0"]).is_err());
        for bad in [
            "carnet.example",
            "ftp://carnet.example",
            "https://",
            "https://user:secret@carnet.example",
            "https://carnet.example/?a=1",
            "https://carnet.example/#top",
        ] {
            let config = parse(&["--public-url", bad]);
            assert_eq!(config.public_url(config.bind), Err(ConfigError::BadPublicUrl), "{bad}");
        }
    }

    #[test]
    fn the_public_url_is_written_as_browsers_write_it() {
        for (given, kept) in [
            ("https://Carnet.Example:443/", "https://carnet.example"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("https://sante.example/carnet/", "https://sante.example/carnet"),
        ] {
            let config = parse(&["--public-url", given]);
            assert_eq!(config.public_url(config.bind).unwrap(), kept);
        }
    }
}
