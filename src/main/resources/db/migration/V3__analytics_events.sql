-- Analytics events: append-heavy, read by reports over time windows.
--
-- Declarative RANGE partitioning by month on occurred_at: a report over a window touches
-- only the months it covers (partition pruning), old months can be detached or dropped in
-- O(1) instead of DELETEd, and every partition's indexes stay small enough to stay cached.
-- Rows outside every monthly partition land in the DEFAULT partition instead of failing;
-- keep it empty by calling ensure_analytics_partitions ahead of time (a new partition
-- cannot be created while the default partition holds rows in its range).
--
-- No foreign keys: analytics must never block or slow down restaurant or user deletes,
-- and events about deleted rows are still history.

CREATE TABLE analytics_events (
  id            bigint GENERATED ALWAYS AS IDENTITY,
  type          text NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
  user_id       bigint,
  restaurant_id bigint,
  occurred_at   timestamptz NOT NULL,
  properties    jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- A primary key on a partitioned table must include the partition key.
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

-- "Top restaurants by views in a window": range on occurred_at within type = 'view',
-- restaurant_id in the index so the aggregation can run as an index-only scan.
CREATE INDEX analytics_events_type_time_restaurant_idx
  ON analytics_events (type, occurred_at, restaurant_id);

-- "Daily active users": distinct user_id per day over a window, index-only.
CREATE INDEX analytics_events_time_user_idx
  ON analytics_events (occurred_at, user_id)
  WHERE user_id IS NOT NULL;

CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT;

-- Creates the monthly partitions [from_month, from_month + months) that do not exist yet
-- (months run from midnight UTC on the 1st),
-- next to analytics_events in whichever schema the caller's search_path resolves it to.
-- Idempotent and safe to call from several nodes (an existing partition is skipped).
-- Returns how many partitions it created.
CREATE FUNCTION ensure_analytics_partitions(from_month date, months int)
  RETURNS int
  LANGUAGE plpgsql AS
$$
DECLARE
  parent_schema text;
  first_month   date;
  month_start   date;
  partition     text;
  created       int := 0;
BEGIN
  IF from_month IS NULL OR months IS NULL OR months < 0 THEN
    RAISE EXCEPTION 'ensure_analytics_partitions(%, %): need a month and a count >= 0',
      from_month, months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT n.nspname INTO parent_schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = 'analytics_events'::regclass;
  first_month := date_trunc('month', from_month)::date;
  FOR i IN 0 .. months - 1 LOOP
    month_start := (first_month + make_interval(months => i))::date;
    partition := format('analytics_events_%s', to_char(month_start, 'YYYY_MM'));
    IF to_regclass(format('%I.%I', parent_schema, partition)) IS NULL THEN
      BEGIN
        EXECUTE format(
          'CREATE TABLE %I.%I PARTITION OF %I.analytics_events FOR VALUES FROM (%L) TO (%L)',
          parent_schema, partition, parent_schema,
          month_start::timestamp AT TIME ZONE 'UTC',
          (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        created := created + 1;
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL; -- another session created it between the check and here
      END;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

-- History from January 2024 up to 24 months ahead of today.
DO $$
BEGIN
  PERFORM ensure_analytics_partitions(
    DATE '2024-01-01',
    ((extract(year FROM now()) - 2024) * 12 + extract(month FROM now()))::int + 24);
END
$$;
