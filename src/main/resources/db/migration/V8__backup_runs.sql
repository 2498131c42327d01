-- Good backups, recorded by `consolidb backup --record` / `backup status --record` from pgBackRest's
-- own report (docs/BACKUPS.md). The nodes have no pgBackRest: they learn the age of the last good
-- backup from here (/health, consolidb_backup_age_seconds). One row per backup label; a few a day.
CREATE TABLE backup_runs (
  label                 text        PRIMARY KEY,   -- pgBackRest's label, e.g. 20261205-183719F
  stanza                text        NOT NULL,
  backup_type           text        NOT NULL CHECK (backup_type IN ('full', 'diff', 'incr')),
  started_at            timestamptz NOT NULL,
  finished_at           timestamptz NOT NULL,
  size_bytes            bigint      NOT NULL,      -- the database as backed up
  repository_size_bytes bigint      NOT NULL,      -- what it took in the repository (compressed, delta)
  lsn_stop              text,
  recorded_at           timestamptz NOT NULL DEFAULT now()
);

-- the health check reads the newest one
CREATE INDEX backup_runs_finished_at_idx ON backup_runs (finished_at);
