-- Restaurants: the directory itself, with the three access paths the service uses
-- (radius search, full-text search, by city) each served by an index.

-- cube and earthdistance must be created by a superuser before the first start
-- (scripts/services.sh does; earthdistance is not a trusted extension, so the database owner
-- cannot create it). This block then only checks, which any role may do. Should a superuser
-- run the migrations instead, the extensions go to public, never to the schema being
-- migrated: dropping a private (test) schema must not take the extensions, and every index
-- built on them in other schemas, with it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'cube') THEN
    CREATE EXTENSION cube SCHEMA public;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'earthdistance') THEN
    CREATE EXTENSION earthdistance SCHEMA public;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE EXCEPTION 'consolidb needs the cube and earthdistance extensions (%)', SQLERRM
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'as a superuser, in this database: CREATE EXTENSION IF NOT EXISTS cube; '
              || 'CREATE EXTENSION IF NOT EXISTS earthdistance;';
END
$$;

-- restaurant_earth(lat, lng): ll_to_earth with every name schema-qualified.
-- The extension's own ll_to_earth is an SQL function whose body calls cube() and earth()
-- unqualified; PostgreSQL inlines it while planning, so an index on ll_to_earth(...) breaks
-- whenever the index expression is evaluated with a search_path that lacks the extension
-- schema (pg_dump/pg_restore, REINDEX or ANALYZE by another role). This wrapper is
-- IMMUTABLE, inlinable and independent of search_path. The extension schemas are looked
-- up rather than assumed to be public.
DO $$
DECLARE
  cube_schema  text;
  earth_schema text;
BEGIN
  SELECT n.nspname INTO cube_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'cube';
  SELECT n.nspname INTO earth_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'earthdistance';
  EXECUTE format(
    $f$CREATE FUNCTION restaurant_earth(lat double precision, lng double precision)
       RETURNS %2$I.earth
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS 'SELECT %1$I.cube(%1$I.cube(%1$I.cube(
                %2$I.earth() * cos(radians(lat)) * cos(radians(lng))),
                %2$I.earth() * cos(radians(lat)) * sin(radians(lng))),
                %2$I.earth() * sin(radians(lat)))::%2$I.earth'$f$,
    cube_schema, earth_schema);
END
$$;

COMMENT ON FUNCTION restaurant_earth(double precision, double precision) IS
  'll_to_earth(lat, lng) independent of search_path; the radius-search index is built on it';

-- One trigger function shared by every table that has updated_at.
CREATE FUNCTION set_updated_at() RETURNS trigger
  LANGUAGE plpgsql AS
$$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE restaurants (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name              text NOT NULL CHECK (length(btrim(name)) > 0),
  address           text,
  city              text NOT NULL CHECK (length(btrim(city)) > 0),
  state             text,
  postal_code       text,
  phone             text,
  website           text,
  kosher_category   text CHECK (kosher_category IN ('meat', 'dairy', 'pareve', 'fish')),
  certifying_agency text,
  hours             jsonb CHECK (hours IS NULL OR jsonb_typeof(hours) = 'object'),
  price_range       smallint CHECK (price_range BETWEEN 1 AND 4),
  rating            numeric(2,1) CHECK (rating BETWEEN 0 AND 5),
  status            text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'closed', 'temporarily_closed')),
  latitude          double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude         double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  -- Full-text document: name weighs most, then city, then address. 'english' stems
  -- ("bagels" finds "Bagel"); queries must use the same configuration.
  search_document   tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('english'::regconfig, name), 'A')
                   || setweight(to_tsvector('english'::regconfig, city), 'B')
                   || setweight(to_tsvector('english'::regconfig, coalesce(address, '')), 'C')
                    ) STORED
);

COMMENT ON COLUMN restaurants.search_document IS
  'generated; never selected by the service (see RestaurantQueries.COLUMNS)';

-- Radius search: earth_box(center, r) @> restaurant_earth(latitude, longitude);
-- the GiST opclass also orders by <-> (chord distance) for nearest-first scans.
CREATE INDEX restaurants_location_idx
  ON restaurants USING gist (restaurant_earth(latitude, longitude));

CREATE INDEX restaurants_search_idx
  ON restaurants USING gin (search_document);

-- By city, case-insensitive, already in the order the listing pages use.
CREATE INDEX restaurants_city_name_idx
  ON restaurants (lower(city), name, id);

CREATE TRIGGER restaurants_set_updated_at
  BEFORE UPDATE ON restaurants
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
