-- Encryption at rest: every sealed value has its own data key, wrapped by a master key (see
-- `server/src/vault.rs`). Data keys belong to an account: erasing the account erases its keys,
-- and with them any copy of its sealed content. Rotating the master key rewraps this table only.
CREATE TABLE data_keys (
    id          TEXT    PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key_id      TEXT    NOT NULL,
    wrapped_key BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX data_keys_master ON data_keys (key_id);
CREATE INDEX data_keys_account ON data_keys (account_id);

-- Authenticator secrets are sealed from now on; one still in clear (no data key) is sealed by
-- the server at its next start.
ALTER TABLE accounts ADD COLUMN totp_data_key TEXT REFERENCES data_keys (id) ON DELETE SET NULL;
