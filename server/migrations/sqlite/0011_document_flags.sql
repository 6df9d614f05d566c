-- Flags chosen at deposit, carried from the upload to the document it becomes: a minor's
-- confidential care hidden from the legal representatives, and a result hidden from the patient
-- until the professional who deposited it has announced it.
ALTER TABLE uploads ADD COLUMN hidden_from_representatives INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN awaiting_announcement INTEGER NOT NULL DEFAULT 0;
