-- The client's address and device of each audit entry, kept beside the entry instead of in it:
-- the entry holds a salted commitment to them (see `AuditEntry::origin`), so the entry a patient
-- downloads with its proof names no one's address, and `carnet audit verify` still checks them.
-- Entries written before keep theirs inside, and this column empty.
ALTER TABLE audit_entries ADD COLUMN origin BLOB;
