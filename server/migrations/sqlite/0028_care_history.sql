-- The insurer's feed. A feed is a machine client named by the operator (`carnet feed add`): the
-- token it presents is kept as its SHA-256 digest only (a 256-bit random token needs no salt),
-- and a revoked feed keeps its row so its lines still say where they came from.
CREATE TABLE feeds (
    name       TEXT    PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- The care history: one line per reimbursed care or dispensed medicine, known by the insurer's
-- own identifier (`source_system`, `source_value`), so a line sent again updates that line.
-- Its content (codes, labels, amounts, who prescribed and performed) is sealed under the line's
-- own data key, each version with its number in the associated data; what a list sorts and the
-- purge reads (the kind of care and its date) is in clear, as a document's category and date are.
-- `ins` is the verified INS the line was matched on: when the record's verified INS changes or
-- goes, the lines it drew in go with it (in the same transaction).
CREATE TABLE care_lines (
    id              TEXT    PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    feed            TEXT    NOT NULL REFERENCES feeds (name),
    source_system   TEXT    NOT NULL,
    source_value    TEXT    NOT NULL,
    ins             TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    care_date       TEXT    NOT NULL,
    data_key        TEXT    NOT NULL REFERENCES data_keys (id),
    current_version INTEGER NOT NULL,
    masked          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (source_system, source_value)
);
CREATE INDEX care_lines_account ON care_lines (account_id, care_date);
CREATE INDEX care_lines_date ON care_lines (care_date);

CREATE TABLE care_line_versions (
    line_id    TEXT    NOT NULL REFERENCES care_lines (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    sealed     BLOB    NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (line_id, version)
);
