-- Whom a record is of, as the health insurer names them: the national health identifier (INS),
-- declared by the patient's side or verified by a professional with the patient in front of them
-- (`verified_by`, `verified_at`). The insurer's feed is matched on a verified INS only, so no two
-- records may hold the same verified one; a declared one is the patient's word and matches
-- nothing.
CREATE TABLE identities (
    account_id  TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    ins         TEXT    NOT NULL,
    verified_by TEXT    REFERENCES professionals (rpps),
    verified_at INTEGER,
    changed_at  INTEGER NOT NULL,
    CHECK ((verified_by IS NULL) = (verified_at IS NULL))
);

CREATE UNIQUE INDEX identities_verified_ins ON identities (ins) WHERE verified_by IS NOT NULL;
