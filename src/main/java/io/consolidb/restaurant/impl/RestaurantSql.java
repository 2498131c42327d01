package io.consolidb.restaurant.impl;

import io.consolidb.idempotency.IdempotencySql;
import java.util.List;

/**
 * The SQL the restaurant service runs, in one place, for this package only; the indexes it relies
 * on come from the migrations ({@code db/migration}). {@code RestaurantQueryPlanTest} runs
 * {@code EXPLAIN} on every statement here against 100k generated rows and fails when one of them
 * plans a sequential scan of {@code restaurants}: change a query here and that test tells you
 * whether it still uses its index.
 *
 * <p>Statements use positional parameters ({@code $1}) for the Vert.x PostgreSQL client; values
 * are always bound, never spliced in. Every statement that returns restaurants returns the
 * {@link #COLUMNS} (snake_case names, never the generated full-text column nor the generated
 * {@code weekly_hours}), in that order.
 * (The column's comment in {@code V1__restaurants.sql} still calls this class
 * {@code RestaurantQueries}: an applied migration cannot change.)
 *
 * <p>Radius search must go through {@code restaurant_earth(lat, lng)}, the search_path-safe
 * {@code ll_to_earth} the location index is built on (see {@code V1__restaurants.sql}); a query
 * written with {@code ll_to_earth(latitude, longitude)} does not match that index and scans the
 * table. The functions of the cube and earthdistance extensions ({@code earth_box},
 * {@code earth_distance}) are called unqualified, so the connection's search_path must include
 * the schema they live in ({@code public} by default).
 */
final class RestaurantSql {

  /** The columns every restaurant-returning statement selects, in this order. */
  static final String COLUMNS =
      "id, name, address, city, state, postal_code, phone, website, kosher_category,"
          + " certifying_agency, hours, price_range, rating, status, latitude, longitude,"
          + " created_at, updated_at, time_zone";

  /** {@link #COLUMNS} as a list, for mapping rows and for tests. */
  static final List<String> COLUMN_NAMES = List.of(COLUMNS.split(",\\s*"));

  /**
   * Restaurants within a radius, nearest first: {@code $1} latitude, {@code $2} longitude
   * (degrees), {@code $3} radius in metres, {@code $4} limit. Returns {@link #COLUMNS} plus
   * {@code distance_km} (great-circle, double precision).
   *
   * <p>{@code earth_box @>} is the index condition (a cube that contains the circle, so it
   * over-selects at the corners), {@code earth_distance <= $3} trims the corners exactly, and
   * ordering by {@code <->} (chord distance, which grows with great-circle distance) lets the
   * GiST index return rows nearest first, so a dense city centre stops after {@code $4} rows
   * instead of sorting every row inside the radius (measured at 100k rows, 28k of them inside
   * 10 km of New York: under 1 ms instead of 230 ms). Do not add a tie-breaker to the ORDER BY:
   * the index cannot provide it and the planner falls back to that sort; restaurants at exactly
   * the same point come back in no particular order.
   */
  static final String NEAR = near("", false);

  /**
   * {@link #NEAR} with filter {@code conditions} (from {@link RestaurantFilter#conditions}, their
   * parameters numbered from {@code $5}) and, when {@code byRating}, ordered by rating (best
   * first, unrated last), then distance, then id (every match inside the radius is sorted; the
   * radius bounds them).
   *
   * <p>Nearest first, the filters are checked on the rows the location index returns in distance
   * order, and the scan stops after {@code $4} matches. Two things keep the planner on that
   * scan. It prices the index's {@code @>} at 0.1 % of the table whatever the radius (100 of
   * 29,000 rows at 100k around New York), so with the filters' selectivity on top it expects
   * fewer rows than the limit, plans to read them all, and picks a bitmap scan of the whole radius
   * and a sort: 158 ms instead of 1.4 ms with two filters, measured. So (1) the filters are
   * computed inside an {@code OFFSET 0} subquery (a fence: nothing is pushed into it or pulled out
   * of it) as one column, {@code matches}, which the outer query tests: the planner gives a
   * computed boolean half of the rows, whatever the filters, so its estimate no longer shrinks
   * with them; (2) the limit is written {@code LIMIT (SELECT $4)}, a value it cannot read, so it
   * assumes a tenth of the rows will be fetched (as in a generic plan), and the cheapest way to
   * the first tenth is the nearest-first scan. Each alone was not enough: six filters planned the
   * sort (82 to 800 ms). The outer query neither sorts nor joins, so the subquery's order reaches
   * the caller. Filtered, the scan reads several rows per row returned (70 for 20 with the radius
   * benchmark's two filters), so what it computes per row counts: see the centre below.
   */
  static String near(String conditions, boolean byRating) {
    String select = "SELECT " + COLUMNS + ","
        // rounded to the metre here, so callers hand rows out unchanged (no per-row copy)
        + " round((earth_distance(restaurant_earth($1::float8, $2::float8),"
        + " restaurant_earth(latitude, longitude)) / 1000.0)::numeric, 3)::float8 AS distance_km"
        + " FROM restaurants"
        + " WHERE earth_box(restaurant_earth($1::float8, $2::float8), $3::float8)"
        + " @> restaurant_earth(latitude, longitude)"
        + " AND earth_distance(restaurant_earth($1::float8, $2::float8),"
        + " restaurant_earth(latitude, longitude)) <= $3::float8";
    if (byRating) {
      return select + conditions + " ORDER BY rating DESC NULLS LAST, distance_km, id LIMIT $4";
    }
    String nearest = " ORDER BY restaurant_earth(latitude, longitude)"
        + " <-> restaurant_earth($1::float8, $2::float8)";
    if (conditions.isEmpty()) {
      return select + nearest + " LIMIT $4";
    }
    // The centre as a scalar subquery: computed once (an InitPlan), where the written-out
    // restaurant_earth($1, $2) of a generic plan is computed again for every row the scan reads.
    // The radius check (a restaurant_earth of the row: trigonometry) runs outside, after the
    // cheap filters, so only on the rows that match them: 15 % less time with two filters. The
    // inner scan then covers the whole box, but rows come nearest first, so past the radius they
    // only fail, and the box corners are read only when fewer than $4 rows match in the circle.
    String centre = "(SELECT restaurant_earth($1::float8, $2::float8))";
    String distance = "earth_distance(" + centre + ", restaurant_earth(latitude, longitude))";
    return "SELECT " + COLUMNS + ", round((" + distance + " / 1000.0)::numeric, 3)::float8 AS distance_km"
        + " FROM (SELECT " + COLUMNS + ", (true" + conditions + ") AS matches"
        + " FROM restaurants"
        + " WHERE earth_box(" + centre + ", $3::float8) @> restaurant_earth(latitude, longitude)"
        + " ORDER BY restaurant_earth(latitude, longitude) <-> " + centre
        + " OFFSET 0) AS nearest WHERE matches AND " + distance + " <= $3::float8 LIMIT (SELECT $4::int)";
  }

  /**
   * Full-text search over name (weighted most), city and address: {@code $1} the user's query
   * in web-search syntax ({@code "kosher pizza" -dairy OR grill}), {@code $2} limit,
   * {@code $3} offset. Returns {@link #COLUMNS} plus {@code rank} (real, higher is better),
   * best first, {@code id} breaking ties. A query with no searchable words (only stop words
   * or punctuation) matches nothing.
   */
  static final String SEARCH = search("");

  /** {@link #SEARCH} with filter {@code conditions}, their parameters numbered from {@code $4}. */
  static String search(String conditions) {
    return "SELECT " + COLUMNS
        + " FROM restaurants, websearch_to_tsquery('english', $1::text) AS query"
        + " WHERE search_document @@ query"
        + conditions
        + " ORDER BY ts_rank(search_document, query) DESC, id"
        + " LIMIT $2 OFFSET $3";
  }

  /**
   * Restaurants of one city, case-insensitive exact match: {@code $1} city, {@code $2} limit,
   * {@code $3} offset; ordered by name, then id (served in that order by
   * {@code restaurants_city_name_idx}).
   */
  static final String BY_CITY = byCity("");

  /**
   * {@link #BY_CITY} with filter {@code conditions}, their parameters numbered from {@code $4}:
   * checked on the city's rows as the index returns them in page order.
   */
  static String byCity(String conditions) {
    return "SELECT " + COLUMNS
        + " FROM restaurants"
        + " WHERE lower(city) = lower($1::text)"
        + conditions
        + " ORDER BY name, id"
        + " LIMIT $2 OFFSET $3";
  }

  /**
   * The page of a city after a position (keyset pagination): {@code $1} city, {@code $2} name and
   * {@code $3} id of the last row already handed out, {@code $4} limit; ordered by name, then id,
   * like {@link #BY_CITY}. The row comparison {@code (name, id) > ($2, $3)} is an index condition
   * of {@code restaurants_city_name_idx} ({@code lower(city), name, id}): the scan starts at the
   * position and stops after {@code $4} rows, so a deep page reads what the first page reads,
   * where {@code OFFSET} reads and drops every row before it. {@code (name, id)} is a total order
   * (id is unique), so rows inserted or deleted between two pages never make the next page repeat
   * or skip a row that was there all along.
   */
  static final String BY_CITY_AFTER = byCityAfter("");

  /** {@link #BY_CITY_AFTER} with filter {@code conditions}, their parameters numbered from {@code $5}. */
  static String byCityAfter(String conditions) {
    return "SELECT " + COLUMNS
        + " FROM restaurants"
        + " WHERE lower(city) = lower($1::text)"
        + " AND (name, id) > ($2::text, $3::bigint)"
        + conditions
        + " ORDER BY name, id"
        + " LIMIT $4";
  }

  /** One restaurant: {@code $1} id. Returns {@link #COLUMNS}; no row when it does not exist. */
  static final String BY_ID =
      "SELECT " + COLUMNS + " FROM restaurants WHERE id = $1";

  /** The parameters of {@link #INSERT}, in order ({@code $1} is the first). */
  static final List<String> INSERT_PARAMETERS = List.of(
      "name", "address", "city", "state", "postal_code", "phone", "website", "kosher_category",
      "certifying_agency", "hours", "price_range", "rating", "status", "latitude", "longitude",
      "time_zone");

  /**
   * Creates a restaurant from the 16 values named by {@link #INSERT_PARAMETERS}: {@code $10}
   * hours is a JSON object (or null), {@code $12} rating is rounded to one decimal, a null
   * {@code $13} status means {@code 'open'}, a null {@code $16} time_zone the city's (a trigger,
   * {@code V10__restaurant_time_zones.sql}). Returns {@link #COLUMNS} of the new row. Constraint
   * violations (unknown kosher_category or status, price_range outside 1..4, rating outside
   * 0..5, latitude/longitude out of range, missing name/city/coordinates) fail with SQLSTATE
   * 23514 or 23502.
   */
  static final String INSERT =
      "INSERT INTO restaurants (" + String.join(", ", INSERT_PARAMETERS) + ")"
          + " VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text,"
          + " $8::text, $9::text, $10::jsonb, $11::smallint, $12::numeric,"
          + " COALESCE($13::text, 'open'), $14::float8, $15::float8, $16::text)"
          + " RETURNING " + COLUMNS;

  /**
   * Partial update with JSON merge-patch semantics (RFC 7396): {@code $1} id, {@code $2} a JSON
   * object whose keys are column names from {@link #INSERT_PARAMETERS}. A key that is present
   * sets the column (a JSON {@code null} clears it, which the NOT NULL columns name, city,
   * status, latitude and longitude reject with 23502); an absent key leaves the column as it
   * is; other keys are ignored (validate them in the service). {@code updated_at} is set by a
   * trigger. Returns {@link #COLUMNS} of the updated row; no row when the id does not exist.
   */
  static final String UPDATE =
      "UPDATE restaurants SET "
          + patch("name", "$2::jsonb ->> 'name'")
          + ", " + patch("address", "$2::jsonb ->> 'address'")
          + ", " + patch("city", "$2::jsonb ->> 'city'")
          + ", " + patch("state", "$2::jsonb ->> 'state'")
          + ", " + patch("postal_code", "$2::jsonb ->> 'postal_code'")
          + ", " + patch("phone", "$2::jsonb ->> 'phone'")
          + ", " + patch("website", "$2::jsonb ->> 'website'")
          + ", " + patch("kosher_category", "$2::jsonb ->> 'kosher_category'")
          + ", " + patch("certifying_agency", "$2::jsonb ->> 'certifying_agency'")
          // -> keeps the JSON value; a JSON null must become SQL NULL, not the jsonb 'null'
          + ", " + patch("hours", "NULLIF($2::jsonb -> 'hours', 'null'::jsonb)")
          + ", " + patch("price_range", "($2::jsonb ->> 'price_range')::smallint")
          + ", " + patch("rating", "($2::jsonb ->> 'rating')::numeric")
          + ", " + patch("status", "$2::jsonb ->> 'status'")
          + ", " + patch("latitude", "($2::jsonb ->> 'latitude')::float8")
          + ", " + patch("longitude", "($2::jsonb ->> 'longitude')::float8")
          // cleared (a JSON null), the trigger of V10 sets the city's zone
          + ", " + patch("time_zone", "$2::jsonb ->> 'time_zone'")
          + " WHERE id = $1"
          + " RETURNING " + COLUMNS;

  /** Deletes a restaurant (its favorites go with it): {@code $1} id. Returns {@code id}. */
  static final String DELETE =
      "DELETE FROM restaurants WHERE id = $1 RETURNING id";

  /**
   * The answer stored under an idempotency key of a restaurant write ({@code $1} operation,
   * {@code $2} key): {@code fingerprint} and the {@link #COLUMNS} of the row the write returned
   * (only {@code id} for a delete), typed as the table's, so they map to the same JSON.
   */
  static final String REPLAY = IdempotencySql.replay(COLUMNS, "jsonb_populate_record(NULL::restaurants, k.result) r");

  private RestaurantSql() {
  }

  /** {@code column = the patched value when the key is present, else the current value}. */
  private static String patch(String column, String value) {
    // jsonb -> 'key' is SQL NULL only when the key is absent (a JSON null gives 'null'::jsonb)
    return column + " = CASE WHEN $2::jsonb -> '" + column + "' IS NULL THEN " + column
        + " ELSE " + value + " END";
  }
}
