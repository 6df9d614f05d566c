-- Set once the start-up pass has bound every data key to its record (0022). From then on a key
-- wrapped the old way can only be one put back from an older copy of the database: the server
-- refuses to bind it (it would bind it to whatever record its row now names) and says so.
-- `owner_bound` = 2 marks a key the pass could not open (left as it is, logged).
ALTER TABLE instance ADD COLUMN data_keys_bound INTEGER NOT NULL DEFAULT 0;
