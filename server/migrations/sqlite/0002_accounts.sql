-- Accounts, one-time codes, sessions, rate limits, the message outbox and authentication events.
-- Times are Unix seconds (UTC). Secrets are never stored in clear: passwords as Argon2id PHC
-- strings, codes, challenges and session tokens as SHA-256 digests.

CREATE TABLE accounts (
    id            TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('patient')),
    contact_kind  TEXT    NOT NULL CHECK (contact_kind IN ('email', 'phone')),
    contact       TEXT    NOT NULL,
    given_name    TEXT    NOT NULL,
    family_name   TEXT    NOT NULL,
    birth_date    TEXT    NOT NULL,
    locale        TEXT    NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
    password_hash TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'active')),
    created_at    INTEGER NOT NULL,
    activated_at  INTEGER,
    CONSTRAINT accounts_contact_unique UNIQUE (contact)
);

CREATE TABLE one_time_codes (
    challenge_hash BLOB    PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose        TEXT    NOT NULL CHECK (purpose IN ('activation', 'login')),
    code_hash      BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    used_at        INTEGER
);
CREATE INDEX one_time_codes_account ON one_time_codes (account_id);

CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE rate_limits (
    key           TEXT    PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    blocked_until INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel    TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE auth_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    event       TEXT    NOT NULL,
    account_id  TEXT,
    client_addr TEXT    NOT NULL
);
CREATE INDEX auth_events_account ON auth_events (account_id, at);
