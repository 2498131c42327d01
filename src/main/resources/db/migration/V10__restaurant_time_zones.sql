-- Each restaurant's time zone, and its opening hours in a form SQL can test an instant against:
-- the open_now / open_at filters of the reads ask "is it open at this instant, in its own zone?".
--
-- The functions below that the reads and the generated column call are written with SQL-standard
-- bodies (RETURN …): their references are bound when they are created, so they work whatever the
-- search_path of the session that calls them (see restaurant_earth in V1 for what goes wrong
-- otherwise), and the planner still inlines them.

-- The zone of a city, for restaurants created without one: the demo cities and the cities the
-- directory is known for. Keyed by the lower-cased city name alone (a London in Ontario would
-- get Europe/London: give time_zone explicitly there). A city missing here gets UTC.
CREATE TABLE city_time_zones (
  city      text PRIMARY KEY CHECK (city = lower(btrim(city)) AND length(city) > 0),
  time_zone text NOT NULL
);

COMMENT ON TABLE city_time_zones IS
  'the default time zone of a restaurant by its city (lower-cased); restaurants of other cities get UTC';

INSERT INTO city_time_zones (city, time_zone) VALUES
  ('new york', 'America/New_York'),
  ('brooklyn', 'America/New_York'),
  ('queens', 'America/New_York'),
  ('miami', 'America/New_York'),
  ('boca raton', 'America/New_York'),
  ('baltimore', 'America/New_York'),
  ('teaneck', 'America/New_York'),
  ('lakewood', 'America/New_York'),
  ('chicago', 'America/Chicago'),
  ('los angeles', 'America/Los_Angeles'),
  ('toronto', 'America/Toronto'),
  ('montreal', 'America/Toronto'),
  ('london', 'Europe/London'),
  ('jerusalem', 'Asia/Jerusalem'),
  ('tel aviv', 'Asia/Jerusalem');

CREATE FUNCTION restaurant_city_time_zone(city_name text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT z.time_zone FROM city_time_zones z WHERE z.city = lower(btrim(city_name))), 'UTC');

COMMENT ON FUNCTION restaurant_city_time_zone(text) IS
  'the time zone a restaurant of this city gets when none is given: city_time_zones, else UTC';

-- The minute of the week (0 = Monday 00:00, as date_trunc('week') counts, to 10079 = Sunday
-- 23:59) that an instant is on the wall clocks of a zone. AT TIME ZONE applies the zone's rules
-- at that instant, so daylight saving time is the wall clock's: an instant in the repeated hour
-- of an autumn change reads the same local minute twice; no instant reads a minute of the hour
-- skipped in spring.
CREATE FUNCTION restaurant_week_minute(instant timestamptz, zone_name text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN floor(date_part('epoch', (instant AT TIME ZONE zone_name)
                                - date_trunc('week', instant AT TIME ZONE zone_name)) / 60)::integer;

COMMENT ON FUNCTION restaurant_week_minute(timestamptz, text) IS
  'the minute of the week (Monday 00:00 = 0) an instant is at on the wall clocks of a time zone';

-- Opening hours (the hours object: {"mon": "09:00-17:00", "fri": "09:00-13:00, 20:00-23:30",
-- "sat": null, …}) as minutes of the week, [open, close). Day keys are three-letter or full
-- English day names, any case; a day's value lists spans "H[:MM]-H[:MM]" separated by commas. A
-- span whose close is not after its open ends the next day ("20:00-02:00": Saturday's runs to
-- Sunday 02:00; "00:00-00:00" is the whole day); Sunday's spans past midnight wrap to Monday
-- morning. A closed day is null or absent; anything that does not read as spans is ignored
-- (never open), so hours written free-form stay as they were and simply never match a filter.
-- PL/pgSQL: written as one SQL query, the planner flattened it and ran the regular expression
-- a dozen times per span (16 ms for a week's hours, measured); the loop runs it once. It calls
-- built-in functions only, so the search_path does not matter.
CREATE FUNCTION restaurant_weekly_hours(hours jsonb) RETURNS int4multirange
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS
$$
DECLARE
  entry  record;
  span   text;
  day    integer;
  opens  integer;
  closes integer;
  parts  int4range[] := '{}';
BEGIN
  IF jsonb_typeof(hours) IS DISTINCT FROM 'object' THEN
    RETURN '{}';
  END IF;
  FOR entry IN SELECT key, value FROM jsonb_each_text(hours) LOOP
    day := array_position(ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'monday', 'tuesday',
                                'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
                          lower(btrim(entry.key)));
    CONTINUE WHEN day IS NULL OR entry.value IS NULL;
    day := (day - 1) % 7;
    FOREACH span IN ARRAY string_to_array(entry.value, ',') LOOP
      -- A match (~) runs as a DFA; extracting groups (regexp_match) backtracks: 7 times slower,
      -- measured (the hours are parsed for every row a bulk load writes). So: check, then split.
      CONTINUE WHEN span !~ '^ *\d{1,2}(:\d\d)? *- *\d{1,2}(:\d\d)? *$';
      span := replace(span, ' ', '');
      opens := split_part(split_part(span, '-', 1), ':', 1)::integer * 60
             + coalesce(nullif(split_part(split_part(span, '-', 1), ':', 2), ''), '0')::integer;
      closes := split_part(split_part(span, '-', 2), ':', 1)::integer * 60
              + coalesce(nullif(split_part(split_part(span, '-', 2), ':', 2), ''), '0')::integer;
      -- opens 00:00 to 23:59, closes at 24:00 at most, minutes below 60
      CONTINUE WHEN opens >= 1440 OR closes > 1440
        OR span ~ ':[6-9]';
      opens := day * 1440 + opens;
      closes := day * 1440 + closes;
      IF closes <= opens THEN
        closes := closes + 1440;
      END IF;
      parts := parts || int4range(opens, least(closes, 10080));
      IF closes > 10080 THEN
        -- past Sunday midnight: the rest wraps to the start of the week
        parts := parts || int4range(0, closes - 10080);
      END IF;
    END LOOP;
  END LOOP;
  -- the constructor sorts and merges the spans: one allocation instead of one per span
  RETURN int4multirange(VARIADIC parts);
END
$$;

COMMENT ON FUNCTION restaurant_weekly_hours(jsonb) IS
  'opening hours as minutes of the week (Monday 00:00 = 0), [open, close); the weekly_hours column';

-- time_zone: an IANA name. The service accepts only the JDK's region ids (and checks them, with
-- a message naming the field); the CHECK is the backstop for other writers: AT TIME ZONE with a
-- name PostgreSQL does not know raises 22023, so an unknown zone can never reach a read and
-- fail it. NOT NULL; a write that leaves it null gets the city's zone (trigger below).
ALTER TABLE restaurants
  ADD COLUMN time_zone text,
  -- stored: parsing the hours is the expensive part, done once per write instead of per row read
  ADD COLUMN weekly_hours int4multirange GENERATED ALWAYS AS (restaurant_weekly_hours(hours)) STORED;

COMMENT ON COLUMN restaurants.weekly_hours IS
  'generated from hours; never selected by the service (see RestaurantSql.COLUMNS)';

UPDATE restaurants SET time_zone = restaurant_city_time_zone(city);

ALTER TABLE restaurants
  ALTER COLUMN time_zone SET NOT NULL,
  ADD CONSTRAINT restaurants_time_zone_known
    CHECK (length(time_zone) <= 64 AND (timestamptz '2000-01-01 00:00+00' AT TIME ZONE time_zone) IS NOT NULL);

-- SET search_path FROM CURRENT: the trigger runs with the writer's search_path, which need not
-- name this schema (pg_restore, maintenance by another role); the path of the migration always
-- does. (The SQL-standard function it calls is bound already.)
CREATE FUNCTION restaurants_default_time_zone() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT AS
$$
BEGIN
  IF NEW.time_zone IS NULL THEN
    NEW.time_zone := restaurant_city_time_zone(NEW.city);
  END IF;
  RETURN NEW;
END
$$;

-- On every insert and update (the service's UPDATE names every column): a null zone, given or
-- cleared, becomes the (new) city's.
CREATE TRIGGER restaurants_default_time_zone
  BEFORE INSERT OR UPDATE ON restaurants
  FOR EACH ROW EXECUTE FUNCTION restaurants_default_time_zone();
