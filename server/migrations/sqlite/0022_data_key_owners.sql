-- A data key's wrapping now names the record it belongs to, so an item moved to another record
-- by someone with write access to the database no longer opens there (see `server/src/vault.rs`).
-- Keys wrapped before are bound to their record by the server at its next start
-- (`vault::bind_owners`); until then `owner_bound` is 0.
ALTER TABLE data_keys ADD COLUMN owner_bound INTEGER NOT NULL DEFAULT 0;
