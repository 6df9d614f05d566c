-- When each key's last try was counted: a day without one starts its count again
-- (store::rate::FORGOTTEN_AFTER). Keys counted before this migration look a day old, so their
-- counts start again at their next try; a lock stays (its block never ends).
ALTER TABLE rate_limits ADD COLUMN last_try INTEGER NOT NULL DEFAULT 0;
