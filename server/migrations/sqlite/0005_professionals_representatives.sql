-- Professionals (the directory and their card challenges), records opened for a patient by a
-- professional, legal representatives, and closing a record. Accounts and sessions are rebuilt
-- (SQLite cannot alter a CHECK or a NOT NULL). Migrations run with foreign keys off, so that
-- dropping the old tables does not cascade, and are checked afterwards (see `SqliteStore::open`).

-- The directory, loaded from a file by `carnet directory import`. Profession and specialty come
-- only from here. `public_key` is the card's (SubjectPublicKeyInfo, DER); `active` is cleared
-- when a professional leaves the directory, which ends their sessions.
CREATE TABLE professionals (
    rpps        TEXT    PRIMARY KEY,
    given_name  TEXT    NOT NULL,
    family_name TEXT    NOT NULL,
    profession  TEXT    NOT NULL,
    specialty   TEXT,
    place       TEXT    NOT NULL,
    public_key  BLOB,
    active      INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
);

-- Fresh challenges a card signs at login; single use, short-lived. Stored as digests.
CREATE TABLE card_challenges (
    challenge_hash BLOB    PRIMARY KEY,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);

-- Status: `pending` (signed up, contact not proven), `awaiting` (opened for the patient by a
-- professional or for a represented person: not usable until its holder activates it),
-- `active`, `closed` (archived, readable by the patient alone until `retained_until`).
CREATE TABLE accounts_new (
    id             TEXT    PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('patient')),
    contact_kind   TEXT    CHECK (contact_kind IN ('email', 'phone')),
    contact        TEXT,
    given_name     TEXT    NOT NULL,
    family_name    TEXT    NOT NULL,
    birth_date     TEXT    NOT NULL,
    locale         TEXT    NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
    password_hash  TEXT,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'awaiting', 'active', 'closed')),
    created_at     INTEGER NOT NULL,
    activated_at   INTEGER,
    totp_secret    BLOB,
    totp_enabled   INTEGER NOT NULL DEFAULT 0,
    totp_last_step INTEGER,
    opened_by      TEXT    REFERENCES professionals (rpps),
    closed_at      INTEGER,
    retained_until INTEGER,
    erasure_due_at INTEGER,
    CONSTRAINT accounts_contact_unique UNIQUE (contact),
    CHECK ((contact IS NULL) = (contact_kind IS NULL)),
    CHECK (status = 'awaiting' OR (contact IS NOT NULL AND password_hash IS NOT NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
INSERT INTO accounts_new (id, kind, contact_kind, contact, given_name, family_name, birth_date,
    locale, password_hash, status, created_at, activated_at, totp_secret, totp_enabled,
    totp_last_step)
SELECT id, kind, contact_kind, contact, given_name, family_name, birth_date, locale,
    password_hash, status, created_at, activated_at, totp_secret, totp_enabled, totp_last_step
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_retention ON accounts (retained_until) WHERE retained_until IS NOT NULL;
CREATE INDEX accounts_erasure ON accounts (erasure_due_at) WHERE erasure_due_at IS NOT NULL;

-- A session belongs to an account or to a professional, never both. `acting_for` is the
-- represented person whose record a representative is managing; `idle_timeout` differs by role.
CREATE TABLE sessions_new (
    token_hash      BLOB    PRIMARY KEY,
    account_id      TEXT    REFERENCES accounts (id) ON DELETE CASCADE,
    professional_id TEXT    REFERENCES professionals (rpps) ON DELETE CASCADE,
    acting_for      TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    csrf_token      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    idle_timeout    INTEGER NOT NULL,
    CHECK ((account_id IS NULL) <> (professional_id IS NULL)),
    CHECK (acting_for IS NULL OR account_id IS NOT NULL)
);
INSERT INTO sessions_new (token_hash, account_id, csrf_token, created_at, last_seen_at,
    idle_timeout)
SELECT token_hash, account_id, csrf_token, created_at, last_seen_at, 1800 FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_professional ON sessions (professional_id);

-- A legal representative of a minor or a protected adult, with the consent as recorded by the
-- professional who opened the record: who (the representative), when, how, recorded by whom.
-- The role ends when withdrawn, or for a minor on coming of age (computed at each request).
CREATE TABLE representations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    representative_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL CHECK (kind IN ('minor', 'protected_adult')),
    consent_at        INTEGER NOT NULL,
    consent_method    TEXT    NOT NULL
                      CHECK (consent_method IN ('in_person', 'written', 'court_decision')),
    recorded_by       TEXT    NOT NULL REFERENCES professionals (rpps),
    withdrawn_at      INTEGER,
    withdrawn_by      TEXT,
    CHECK (account_id <> representative_id)
);
CREATE UNIQUE INDEX representations_current
    ON representations (account_id, representative_id) WHERE withdrawn_at IS NULL;
CREATE INDEX representations_representative ON representations (representative_id);

-- Events of professionals are kept with the others.
ALTER TABLE auth_events ADD COLUMN professional_id TEXT;

