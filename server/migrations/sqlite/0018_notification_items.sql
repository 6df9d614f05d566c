-- The item a notification is about (a new document), so that the list shows it only to those the
-- access policy lets be told of it: a document hidden from a minor's legal representatives is
-- announced to the minor alone.
ALTER TABLE notifications ADD COLUMN item_id TEXT;
