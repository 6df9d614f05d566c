-- Emergency (break-glass) access and in-app notifications.
--
-- A patient may refuse break-glass access in advance. A break-glass session gives one
-- professional (or the emergency call centre) access to one record for a bounded time, with a
-- reason sealed under its own data key (it may describe the patient's state). Every session
-- stays in the table for review; ending one early sets `ended_at`.
ALTER TABLE accounts ADD COLUMN break_glass_refused INTEGER NOT NULL DEFAULT 0;

CREATE TABLE break_glass_sessions (
    id            TEXT    PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rpps          TEXT    NOT NULL REFERENCES professionals (rpps),
    data_key      TEXT    NOT NULL REFERENCES data_keys (id),
    sealed_reason BLOB    NOT NULL,
    started_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL CHECK (expires_at > started_at),
    ended_at      INTEGER
);
CREATE INDEX break_glass_record ON break_glass_sessions (account_id, rpps, started_at);
CREATE INDEX break_glass_professional ON break_glass_sessions (rpps, expires_at);
CREATE INDEX break_glass_started ON break_glass_sessions (started_at);

-- What a person is told in the app (and, for patients, also by e-mail or SMS). Holds no health
-- content: a kind, whose record, who acted, when.
CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_kind TEXT    NOT NULL CHECK (recipient_kind IN ('patient', 'professional')),
    recipient      TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    record_id      TEXT    REFERENCES accounts (id) ON DELETE CASCADE,
    actor          TEXT,
    created_at     INTEGER NOT NULL,
    read_at        INTEGER
);
CREATE INDEX notifications_recipient ON notifications (recipient_kind, recipient, created_at);
