-- The health profile: entries by section, each with every version kept. An entry's content is
-- sealed under its own data key (a new version is sealed under the same key, with its version
-- in the associated data). Masking and removal are flags: nothing is deleted.
CREATE TABLE profile_entries (
    id              TEXT    PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    section         TEXT    NOT NULL,
    data_key        TEXT    NOT NULL REFERENCES data_keys (id),
    author_kind     TEXT    NOT NULL CHECK (author_kind IN ('patient', 'professional', 'insurer')),
    author_id       TEXT,
    idempotency_key TEXT,
    current_version INTEGER NOT NULL,
    masked          INTEGER NOT NULL DEFAULT 0,
    removed_at      INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX profile_entries_account ON profile_entries (account_id, section, created_at);
CREATE UNIQUE INDEX profile_entries_idempotency
    ON profile_entries (account_id, author_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE profile_versions (
    entry_id    TEXT    NOT NULL REFERENCES profile_entries (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    sealed      BLOB    NOT NULL,
    author_kind TEXT    NOT NULL CHECK (author_kind IN ('patient', 'professional', 'insurer')),
    author_id   TEXT,
    written_at  INTEGER NOT NULL,
    PRIMARY KEY (entry_id, version)
);
