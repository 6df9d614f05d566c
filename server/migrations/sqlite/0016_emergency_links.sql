-- Share links of the emergency summary. The summary and its IPS bundle arrive encrypted by the
-- patient's browser (JWE); the key is in the link's fragment and never here. A passcode is kept
-- as an Argon2id hash. `failures` counts wrong passcodes over the link's whole life: at the
-- cap the link is dead. A single-use link dies at its first view.
CREATE TABLE emergency_links (
    id            TEXT    PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    jwe           TEXT    NOT NULL,
    fhir_jwe      TEXT    NOT NULL,
    passcode_hash TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    views         INTEGER NOT NULL DEFAULT 0,
    single_use    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX emergency_links_account ON emergency_links (account_id, created_at);
