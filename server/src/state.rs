//! The one state every handler receives. No globals: tests build their own.

use std::sync::Arc;

use app::policy::{AccessMatrix, Context};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    account::lifecycle::AccountRules,
    clock::{Clock, SystemClock},
    messages::{MessageService, Outbox},
    passwords::{PasswordError, Passwords},
    professional::card::{CardAuthority, SimulatedCards},
    store::{AccountRecord, AccountStatus, Store},
    vault::Vault,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub passwords: Passwords,
    pub messages: Arc<dyn MessageService>,
    /// `scheme://host[:port]` of the public URL: state-changing requests must come from it.
    pub public_origin: Arc<str>,
    /// The public URL as configured, for links in messages.
    #[from_ref(skip)]
    pub public_url: Arc<str>,
    pub rules: AccountRules,
    /// Who checks professionals' cards.
    pub cards: Arc<dyn CardAuthority>,
    /// What each profession may see, for the access policy.
    pub matrix: Arc<AccessMatrix>,
    /// The master keys that seal data at rest.
    pub vault: Arc<Vault>,
    pub limits: Limits,
    pub emergency: crate::emergency::EmergencyRules,
    /// How close two exams of the same type may be before the second is flagged.
    pub exam_windows: Arc<app::safety::exams::ExamWindows>,
    /// Appends to the audit log and signs its checkpoints.
    pub auditor: Arc<crate::audit::Auditor>,
    /// The reverse proxies whose forwarding header gives the client's address.
    pub trusted_proxies: crate::extract::TrustedProxies,
}

/// Configurable sizes.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_document_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_document_bytes: crate::record::DEFAULT_MAX_DOCUMENT_BYTES }
    }
}

impl AppState {
    /// What the policy needs to know about the record and the configuration.
    pub fn policy_context(&self, record: &AccountRecord) -> Context<'_> {
        Context {
            matrix: &self.matrix,
            today: self.clock.today(),
            record_closed: record.status == AccountStatus::Closed,
            break_glass_refused: record.break_glass_refused,
            break_glass_sees_masked: self.emergency.sees_masked,
        }
    }

    /// Signs the audit log's checkpoints with this key (an ephemeral one otherwise).
    pub fn with_auditor(mut self, auditor: crate::audit::Auditor) -> Self {
        self.auditor = Arc::new(auditor);
        self
    }

    /// Replaces how messages leave Carnet (SMTP instead of the outbox, a test double…).
    pub fn with_messages(mut self, messages: Arc<dyn MessageService>) -> Self {
        self.messages = messages;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn with_vault(mut self, vault: Vault) -> Self {
        self.vault = Arc::new(vault);
        self
    }

    pub fn with_matrix(mut self, matrix: AccessMatrix) -> Self {
        self.matrix = Arc::new(matrix);
        self
    }

    pub fn with_emergency(mut self, emergency: crate::emergency::EmergencyRules) -> Self {
        self.emergency = emergency;
        self
    }

    pub fn with_exam_windows(mut self, windows: app::safety::exams::ExamWindows) -> Self {
        self.exam_windows = Arc::new(windows);
        self
    }

    pub fn with_trusted_proxies(mut self, proxies: crate::extract::TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    pub fn with_rules(mut self, rules: AccountRules) -> Self {
        self.rules = rules;
        self
    }

    /// The defaults: system clock, local outbox, as many concurrent password hashes as cores.
    /// `site_root` holds the built site (`pkg/carnet.js`, `pkg/carnet_bg.wasm`, `pkg/carnet.css`).
    pub fn new(
        store: Arc<dyn Store>,
        vault: Vault,
        site_root: &std::path::Path,
        public_url: &str,
    ) -> Result<Self, PasswordError> {
        Self::with_clock(store, vault, site_root, public_url, Arc::new(SystemClock))
    }

    pub fn with_clock(
        store: Arc<dyn Store>,
        vault: Vault,
        site_root: &std::path::Path,
        public_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, PasswordError> {
        let leptos_options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build();
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        Ok(Self {
            leptos_options,
            messages: Arc::new(Outbox::new(store.clone(), clock.clone())),
            store,
            clock,
            passwords: Passwords::new(cores)?,
            public_origin: origin_of(public_url).into(),
            public_url: public_url.trim_end_matches('/').into(),
            rules: AccountRules::default(),
            cards: Arc::new(SimulatedCards),
            matrix: Arc::new(AccessMatrix::reference()),
            vault: Arc::new(vault),
            limits: Limits::default(),
            emergency: crate::emergency::EmergencyRules::default(),
            exam_windows: Arc::new(app::safety::exams::ExamWindows::reference()),
            auditor: Arc::new(crate::audit::Auditor::ephemeral()),
            trusted_proxies: crate::extract::TrustedProxies::default(),
        })
    }
}

/// The origin of a URL as a browser sends it in `Origin` (`https://carnet.example:443/path` →
/// `https://carnet.example`); a URL that does not parse is its own origin, and so matches no
/// browser's.
fn origin_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |url| url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    #[test]
    fn origins() {
        assert_eq!(super::origin_of("https://carnet.example/"), "https://carnet.example");
        assert_eq!(super::origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(super::origin_of("http://h:1/a/b"), "http://h:1");
        assert_eq!(super::origin_of("https://Carnet.Example:443/x"), "https://carnet.example");
    }
}
