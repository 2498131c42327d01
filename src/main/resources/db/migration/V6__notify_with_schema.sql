-- Table-change notifications name the schema too. The channel is database-wide: several
-- deployments (or test runs) sharing one database in different schemas would otherwise drop each
-- other's cache entries. Nodes ignore notifications about a schema other than their own.
CREATE OR REPLACE FUNCTION notify_table_change() RETURNS trigger
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
    'schema', TG_TABLE_SCHEMA,
    'table', TG_TABLE_NAME,
    'op', TG_OP,
    'ids', CASE WHEN too_many THEN NULL ELSE ids END)::text);
  RETURN NULL;
END
$$;
