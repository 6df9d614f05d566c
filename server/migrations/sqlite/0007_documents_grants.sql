-- Documents and the patient's grants to professionals.
--
-- A document's bytes arrive in chunks (an upload), each sealed under the upload's data key, so
-- a dropped connection resumes where it stopped and nothing is ever stored in clear. Finishing
-- an upload checks the real content type and turns it into a document version in one
-- transaction; an unfinished upload is never a document, and is purged after a day.
CREATE TABLE uploads (
    id              TEXT    PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    data_key        TEXT    NOT NULL REFERENCES data_keys (id),
    -- Who sends it: 'patient' (the holder or a representative: `uploader` is their account)
    -- or 'professional' (`uploader` is the RPPS).
    uploader_kind   TEXT    NOT NULL CHECK (uploader_kind IN ('patient', 'professional')),
    uploader        TEXT    NOT NULL,
    idempotency_key TEXT,
    sealed_title    BLOB    NOT NULL,
    category        TEXT    NOT NULL,
    domain          TEXT,
    type_code       TEXT,
    care_date       TEXT    NOT NULL,
    media_type      TEXT    NOT NULL,
    size            INTEGER NOT NULL CHECK (size > 0),
    replaces        TEXT,
    received        INTEGER NOT NULL DEFAULT 0,
    chunks          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
);
CREATE UNIQUE INDEX uploads_idempotency ON uploads (account_id, uploader, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE content_chunks (
    upload_id TEXT    NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    sealed    BLOB    NOT NULL,
    PRIMARY KEY (upload_id, idx)
);

CREATE TABLE documents (
    id                          TEXT    PRIMARY KEY,
    account_id                  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category                    TEXT    NOT NULL,
    domain                      TEXT,
    author_kind                 TEXT    NOT NULL CHECK (author_kind IN ('patient', 'professional', 'insurer')),
    author_id                   TEXT,
    masked                      INTEGER NOT NULL DEFAULT 0,
    hidden_from_representatives INTEGER NOT NULL DEFAULT 0,
    awaiting_announcement       INTEGER NOT NULL DEFAULT 0,
    current_version             INTEGER NOT NULL,
    withdrawn_at                INTEGER,
    created_at                  INTEGER NOT NULL
);
CREATE INDEX documents_account ON documents (account_id, created_at);

CREATE TABLE document_versions (
    document_id  TEXT    NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    upload_id    TEXT    NOT NULL REFERENCES uploads (id),
    deposited_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, version)
);

-- One row per patient and professional: granted (scope, optional last day), revoked, or
-- blocked. `categories` is a comma-separated list when the scope is not the whole record.
CREATE TABLE grants (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rpps       TEXT    NOT NULL REFERENCES professionals (rpps),
    state      TEXT    NOT NULL CHECK (state IN ('granted', 'revoked', 'blocked')),
    scope_all  INTEGER NOT NULL DEFAULT 0,
    categories TEXT    NOT NULL DEFAULT '',
    profile    INTEGER NOT NULL DEFAULT 0,
    until      TEXT,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, rpps)
);
