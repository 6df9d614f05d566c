-- Scheduled tasks run on one server at a time: see migrations/sqlite/0029_leases.sql.
CREATE TABLE leases (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  BIGINT  NOT NULL
);
