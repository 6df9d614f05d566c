-- A counter per record, moved on by the database itself whenever a document of the record is
-- added or changed (its flags, its current version): a server may keep the record's documents'
-- facts in memory and use them while the counter it read them at is still the database's. Kept
-- by triggers, not by the store's code, so no write path can forget it; removed with the
-- account. (Documents are removed only with their account.)
CREATE TABLE record_changes (
    account_id TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    counter    INTEGER NOT NULL
);

CREATE TRIGGER documents_insert_changes_record AFTER INSERT ON documents
BEGIN
    INSERT INTO record_changes (account_id, counter) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET counter = counter + 1;
END;

CREATE TRIGGER documents_update_changes_record AFTER UPDATE ON documents
BEGIN
    INSERT INTO record_changes (account_id, counter) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET counter = counter + 1;
END;

CREATE TRIGGER document_versions_insert_changes_record AFTER INSERT ON document_versions
BEGIN
    INSERT INTO record_changes (account_id, counter)
        SELECT account_id, 1 FROM documents WHERE id = NEW.document_id
        ON CONFLICT (account_id) DO UPDATE SET counter = counter + 1;
END;
