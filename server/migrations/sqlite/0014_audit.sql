-- The audit log (see server/src/audit/): every entry's canonical JSON (identifiers and codes,
-- never health content), its Merkle leaf hash and its chain hash, plus columns to find the
-- entries of one record. Not tied to accounts: erasing an account keeps the trace.
CREATE TABLE audit_entries (
    seq       INTEGER PRIMARY KEY,
    entry     BLOB    NOT NULL,
    leaf      BLOB    NOT NULL,
    chain     BLOB    NOT NULL,
    at        INTEGER NOT NULL,
    record_id TEXT,
    actor_id  TEXT,
    action    TEXT    NOT NULL
);
CREATE INDEX audit_entries_record ON audit_entries (record_id, seq);

-- Signed tree heads: the root of the first `size` entries, signed with the audit key.
CREATE TABLE audit_checkpoints (
    size      INTEGER PRIMARY KEY,
    root      BLOB    NOT NULL,
    at        INTEGER NOT NULL,
    signature BLOB    NOT NULL
);

-- Append-only: the database itself refuses to change or remove an entry or a checkpoint.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
