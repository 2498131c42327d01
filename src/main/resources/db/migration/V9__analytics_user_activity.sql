-- The per-user activity report, and change notifications for analytics_events.
--
-- One user's events in a window: a range on occurred_at within one user_id, with the columns the
-- report aggregates (type, restaurant_id) included so that it runs as an index-only scan of the
-- months in the window. Partial: anonymous events (no user_id) cost no maintenance here.
-- Created on the parent, so every monthly partition (existing and future) gets its own.
CREATE INDEX analytics_events_user_time_idx
  ON analytics_events (user_id, occurred_at) INCLUDE (type, restaurant_id)
  WHERE user_id IS NOT NULL;

-- Writes to analytics_events by other writers (a psql session, an import, a retention DELETE)
-- notify consolidb_table_changes as V4/V6 do for the other cached tables, so every node drops its
-- cached analytics reports (they all carry the tag "analytics_events").
--
-- One notification per statement (FOR EACH STATEMENT), never per row: a 10,000-row COPY sends
-- one. Unlike V4 the trigger declares no transition table: the cache drops reports by table, so
-- the changed ids would be of no use, and a transition table would make every insert (the
-- service's 1000-event batches included) collect its rows for the trigger.
--
-- The analytics service's own inserts say so with the transaction-local setting
-- consolidb.analytics_invalidated = 'on': their transaction already invalidates exactly the days
-- it touched, and a notification on top would drop every analytics report on every node after
-- each batch. Any other writer leaves the setting unset and notifies.
--
-- Not covered (as for any statement trigger on a partitioned table): statements naming a
-- partition directly, and DETACH/DROP of a partition; the cache TTL bounds what they leave stale.
CREATE FUNCTION notify_analytics_events_change() RETURNS trigger
  LANGUAGE plpgsql AS
$$
BEGIN
  IF current_setting('consolidb.analytics_invalidated', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('consolidb_table_changes', json_build_object(
    'schema', TG_TABLE_SCHEMA,
    'table', TG_TABLE_NAME,
    'op', TG_OP)::text);
  RETURN NULL;
END
$$;

COMMENT ON FUNCTION notify_analytics_events_change() IS
  'statement trigger: NOTIFY consolidb_table_changes for writes that do not invalidate the cache themselves';

CREATE TRIGGER analytics_events_notify AFTER INSERT OR UPDATE OR DELETE ON analytics_events
  FOR EACH STATEMENT EXECUTE FUNCTION notify_analytics_events_change();
CREATE TRIGGER analytics_events_notify_truncate AFTER TRUNCATE ON analytics_events
  FOR EACH STATEMENT EXECUTE FUNCTION notify_analytics_events_change();
