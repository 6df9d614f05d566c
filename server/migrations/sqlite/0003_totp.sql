-- Authenticator apps (TOTP, RFC 6238) as a second factor instead of a code by message.
-- The secret is kept until replaced; `totp_enabled` only once the person proved their app
-- produces the right codes; `totp_last_step` forbids replaying a code within its window.
ALTER TABLE accounts ADD COLUMN totp_secret BLOB;
ALTER TABLE accounts ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER;

-- Login challenges answered by the authenticator app carry no stored code.
CREATE TABLE one_time_codes_new (
    challenge_hash BLOB    PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose        TEXT    NOT NULL CHECK (purpose IN ('activation', 'login', 'totp')),
    code_hash      BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    used_at        INTEGER
);
INSERT INTO one_time_codes_new SELECT * FROM one_time_codes;
DROP TABLE one_time_codes;
ALTER TABLE one_time_codes_new RENAME TO one_time_codes;
CREATE INDEX one_time_codes_account ON one_time_codes (account_id);
