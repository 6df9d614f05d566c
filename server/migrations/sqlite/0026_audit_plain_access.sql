-- Whether an entry is an action allowed without a stated purpose (not under break-glass): what
-- makes a professional's first access to a record, which the patient is told of. A column, so
-- that finding one is plain SQL that PostgreSQL runs too, instead of a JSON function reading
-- inside every entry of the record.
ALTER TABLE audit_entries ADD COLUMN plain_access INTEGER NOT NULL DEFAULT 0;

-- The entries written before say it inside. The log is append-only, so its guard steps aside for
-- this one derived column and is put back at once, in the migration's transaction: the entries,
-- their hashes and the chain are untouched. An entry that is not JSON (a damaged one, which
-- `carnet audit verify` reports) keeps 0 rather than stopping the server from starting.
DROP TRIGGER audit_entries_no_update;
UPDATE audit_entries SET plain_access = 1
WHERE CASE WHEN json_valid(CAST(entry AS TEXT)) THEN
    json_extract(CAST(entry AS TEXT), '$.outcome') = 'allowed'
    AND json_extract(CAST(entry AS TEXT), '$.purpose') IS NULL
END;
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
