-- The roots of the audit tree's perfect subtrees, written with the entry that completes each, so
-- that an inclusion proof reads O(log n) rows instead of every leaf. Height 0 (the leaves) stays
-- in audit_entries. Filled for earlier entries at start (`audit::backfill_nodes`).
CREATE TABLE audit_nodes (
    height INTEGER NOT NULL CHECK (height > 0),
    idx    INTEGER NOT NULL,
    hash   BLOB    NOT NULL,
    PRIMARY KEY (height, idx)
) WITHOUT ROWID;
