-- Scheduled tasks (the purge, the care history's pruning, signing the audit log's head) run on
-- one server at a time of those sharing the database: the one holding the task's lease, which
-- it renews while it runs and another takes once it has run out.
CREATE TABLE leases (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
);
