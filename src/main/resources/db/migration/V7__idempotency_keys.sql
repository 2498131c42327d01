-- Idempotency keys of writes (docs/RELIABILITY.md). A key row is inserted by the same statement or
-- transaction as the write it protects, so the two commit together or not at all; the primary key
-- makes a second request with the same key wait for the first and then find its answer.
-- No NOTIFY trigger: nothing is cached from this table.
CREATE TABLE idempotency_keys (
  operation   text        NOT NULL,                -- restaurants.create, users.add_favorite, …
  idem_key    text        NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
  fingerprint text        NOT NULL,                -- SHA-256 of the operation and its arguments
  result      jsonb       NOT NULL,                -- the row the write returned (the answer is rebuilt from it)
  stored_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operation, idem_key)
);

-- the background purge deletes the oldest keys first, in small batches
CREATE INDEX idempotency_keys_stored_at_idx ON idempotency_keys (stored_at);
