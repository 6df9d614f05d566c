-- A new authenticator secret waits here until the person proves their app produces its codes;
-- the one in use (if any) keeps working meanwhile.
ALTER TABLE accounts ADD COLUMN totp_pending_secret BLOB;
ALTER TABLE accounts ADD COLUMN totp_pending_data_key TEXT REFERENCES data_keys (id) ON DELETE SET NULL;
