-- Changing one's contact: a code goes to the new address, which is kept with the code
-- (`payload`) until it is proven. Nothing refers to this table, so it is simply rebuilt.
CREATE TABLE one_time_codes_new (
    challenge_hash BLOB    PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose        TEXT    NOT NULL
                   CHECK (purpose IN ('activation', 'login', 'totp', 'recovery', 'contact')),
    code_hash      BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    used_at        INTEGER,
    payload        TEXT
);
INSERT INTO one_time_codes_new (challenge_hash, account_id, purpose, code_hash, created_at,
    expires_at, attempts, used_at)
SELECT challenge_hash, account_id, purpose, code_hash, created_at, expires_at, attempts, used_at
FROM one_time_codes;
DROP TABLE one_time_codes;
ALTER TABLE one_time_codes_new RENAME TO one_time_codes;
CREATE INDEX one_time_codes_account ON one_time_codes (account_id);
