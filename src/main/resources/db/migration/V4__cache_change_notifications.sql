-- Change notifications for the query-result cache (README "Caching").
--
-- After every statement that changes a cached table, notify the channel
-- consolidb_table_changes with {"table": …, "op": INSERT|UPDATE|DELETE|TRUNCATE, "ids": […]}.
-- Each node LISTENs and drops the table's cached entries, so a change made by any writer,
-- consolidb or a psql session, is never served stale.
--
-- Statement-level triggers with transition tables: one notification per statement, not per
-- row (a 5,000-row seed chunk sends one, not 5,000). "ids" lists up to 100 changed ids and is
-- left out beyond that (and for favorites, which has no id column); the cache invalidates by
-- table either way. The payload stays far below NOTIFY's 8000-byte limit.
-- NOTIFY is transactional: listeners hear of the change only once it has committed.

CREATE FUNCTION notify_table_change() RETURNS trigger
  LANGUAGE plpgsql AS
$$
DECLARE
  too_many boolean := false;
  ids      jsonb;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    ids := NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(to_jsonb(r) -> 'id') FILTER (WHERE to_jsonb(r) ? 'id'), count(*) > 100
      INTO ids, too_many FROM (SELECT * FROM old_rows LIMIT 101) r;
  ELSE
    SELECT jsonb_agg(to_jsonb(r) -> 'id') FILTER (WHERE to_jsonb(r) ? 'id'), count(*) > 100
      INTO ids, too_many FROM (SELECT * FROM new_rows LIMIT 101) r;
  END IF;
  PERFORM pg_notify('consolidb_table_changes', json_build_object(
    'table', TG_TABLE_NAME,
    'op', TG_OP,
    'ids', CASE WHEN too_many THEN NULL ELSE ids END)::text);
  RETURN NULL;
END
$$;

COMMENT ON FUNCTION notify_table_change() IS
  'statement trigger: NOTIFY consolidb_table_changes so every node drops the table''s cached entries';

CREATE TRIGGER restaurants_notify_insert AFTER INSERT ON restaurants
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER restaurants_notify_update AFTER UPDATE ON restaurants
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER restaurants_notify_delete AFTER DELETE ON restaurants
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER restaurants_notify_truncate AFTER TRUNCATE ON restaurants
  FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();

CREATE TRIGGER users_notify_insert AFTER INSERT ON users
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER users_notify_update AFTER UPDATE ON users
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER users_notify_delete AFTER DELETE ON users
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER users_notify_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();

CREATE TRIGGER favorites_notify_insert AFTER INSERT ON favorites
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER favorites_notify_update AFTER UPDATE ON favorites
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER favorites_notify_delete AFTER DELETE ON favorites
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
CREATE TRIGGER favorites_notify_truncate AFTER TRUNCATE ON favorites
  FOR EACH STATEMENT EXECUTE FUNCTION notify_table_change();
