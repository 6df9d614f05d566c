-- A new version of a profile entry may carry the idempotency key of the change that wrote it (an
-- edit made offline, sent again when its answer was lost): sent twice, it is written once.
ALTER TABLE profile_versions ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX profile_versions_idempotency
    ON profile_versions (entry_id, author_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
