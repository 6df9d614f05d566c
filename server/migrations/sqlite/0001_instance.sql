-- The identity of this Carnet installation: created once, never changed. Later tables (audit
-- checkpoints, key wrapping) refer to it so that data copied between installations is noticed.
CREATE TABLE instance (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id TEXT    NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

INSERT INTO instance (id, instance_id) VALUES (1, lower(hex(randomblob(16))));
