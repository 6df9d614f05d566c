-- Codes that can never verify, answered exactly like real ones, so that no code route tells a
-- contact that has an account from one that has none (a sign-up, a recovery or a contact change
-- naming someone else's contact). Nothing links them to an account.
CREATE TABLE decoy_codes (
    challenge_hash BLOB    PRIMARY KEY,
    expires_at     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0
);

-- The outbox is also the queue that a background courier delivers from (over SMTP when one is
-- configured), so that no request waits for, or is timed by, a mail server. A delivered message
-- keeps its subject and recipient, not its body (which may hold a code).
ALTER TABLE outbox ADD COLUMN sent_at INTEGER;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_try_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN failed_at INTEGER;
CREATE INDEX outbox_due ON outbox (next_try_at) WHERE sent_at IS NULL AND failed_at IS NULL;
