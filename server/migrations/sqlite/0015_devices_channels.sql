-- The devices an account has signed in from, so that a login from a new one is told to its
-- owner. The device keeps a random token in a long-lived cookie; only its SHA-256 is stored,
-- with a label read from the browser (e.g. "Firefox, Android") for the message.
CREATE TABLE known_devices (
    account_id  TEXT    NOT NULL,
    device_hash BLOB    NOT NULL,
    label       TEXT    NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (account_id, device_hash)
);

-- Which notifications reach the patient outside the app (JSON of app::emergency::Channels);
-- NULL means the defaults. Break-glass always does, whatever this says.
ALTER TABLE accounts ADD COLUMN notify_outside TEXT;
