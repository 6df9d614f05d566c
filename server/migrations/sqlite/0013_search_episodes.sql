-- Full-text search over text documents: the distinct words of a text document, folded, sealed
-- under the upload's own data key. The database alone still reveals no word of a document.
ALTER TABLE uploads ADD COLUMN sealed_terms BLOB;

-- Care episodes (a pregnancy, a chronic condition's follow-up): a sealed title, and the record
-- items tagged with it. Who sees an episode follows from the items: see docs/access-matrix.md.
CREATE TABLE episodes (
    id           TEXT    PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    data_key     TEXT    NOT NULL REFERENCES data_keys (id),
    sealed_title BLOB    NOT NULL,
    author_kind  TEXT    NOT NULL CHECK (author_kind IN ('patient', 'professional', 'insurer')),
    author_id    TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX episodes_account ON episodes (account_id, created_at);

-- A tag: a document or a profile entry of the same record, in an episode.
CREATE TABLE episode_items (
    episode_id  TEXT    NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    item_id     TEXT    NOT NULL,
    tagger_kind TEXT    NOT NULL CHECK (tagger_kind IN ('patient', 'professional', 'insurer')),
    tagger_id   TEXT,
    tagged_at   INTEGER NOT NULL,
    PRIMARY KEY (episode_id, item_id)
);
CREATE INDEX episode_items_item ON episode_items (item_id);
