-- A counter per record, moved on by the database whenever a document of the record is added or
-- changed: see migrations/sqlite/0030_record_changes.sql.
CREATE TABLE record_changes (
    account_id TEXT   PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    counter    BIGINT NOT NULL
);

CREATE FUNCTION record_changed(record TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_changes (account_id, counter) VALUES (record, 1)
        ON CONFLICT (account_id) DO UPDATE SET counter = record_changes.counter + 1;
END
$$;

CREATE FUNCTION document_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_changed(NEW.account_id);
    RETURN NULL;
END
$$;

CREATE FUNCTION document_version_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_changed(account_id) FROM documents WHERE id = NEW.document_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER documents_changes_record AFTER INSERT OR UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION document_changed();
CREATE TRIGGER document_versions_insert_changes_record AFTER INSERT ON document_versions
    FOR EACH ROW EXECUTE FUNCTION document_version_added();
