package io.consolidb.analytics.impl;

import io.consolidb.idempotency.IdempotencySql;
import java.util.List;

/**
 * The SQL the analytics service runs. It relies on the migrations
 * ({@code V3__analytics_events.sql}: monthly range partitions on {@code occurred_at};
 * {@code V5__analytics_report_indexes.sql}: one index per report). Every report restricts
 * {@code occurred_at} to a half-open window ({@code >= from AND < to}), so PostgreSQL scans only
 * the months the window covers (partition pruning, at plan time or, for generic plans, at
 * executor start), and reads each month through an index. {@code AnalyticsQueryPlanTest} runs
 * {@code EXPLAIN} of each report over a million events and fails on a sequential scan or a
 * partition outside the window.
 *
 * <p>Days are UTC days: {@code (occurred_at AT TIME ZONE 'UTC')::date}, whatever the session's
 * time zone.
 *
 * <p>Only {@link #ENSURE_PARTITIONS} is public: {@code AnalyticsVerticle} runs it to keep the
 * partitions ahead; the rest is for this package.
 */
public final class AnalyticsSql {

  /** The columns an event insert fills, in the order of {@link #INSERT_BATCH}'s arrays. */
  static final List<String> INSERT_COLUMNS =
      List.of("type", "user_id", "restaurant_id", "occurred_at", "properties");

  /**
   * Inserts a batch in one statement, one round trip and one plan: {@code $1} types text[],
   * {@code $2} user ids int8[], {@code $3} restaurant ids int8[], {@code $4} times
   * timestamptz[], {@code $5} properties text[] (JSON objects as text, null for none); element
   * {@code i} of each array is event {@code i}. The rows go to their monthly partitions.
   */
  static final String INSERT_BATCH =
      "INSERT INTO analytics_events (type, user_id, restaurant_id, occurred_at, properties)"
          + " SELECT type, user_id, restaurant_id, occurred_at, COALESCE(properties::jsonb, '{}'::jsonb)"
          + " FROM unnest($1::text[], $2::int8[], $3::int8[], $4::timestamptz[], $5::text[])"
          + " AS e(type, user_id, restaurant_id, occurred_at, properties)";

  /** The stored answer of a keyed batch ({@code $1} operation, {@code $2} key): {@code fingerprint, recorded}. */
  static final String RECORD_REPLAY =
      IdempotencySql.replay("r.recorded", "jsonb_to_record(k.result) AS r(recorded integer)");

  /**
   * Top restaurants by views: {@code $1} from, {@code $2} to (timestamptz), {@code $3} limit.
   * Counts in {@code analytics_events_type_time_restaurant_idx} (index-only), then names the few
   * winners. Returns {@code restaurant_id, name, views}.
   */
  static final String TOP_RESTAURANTS =
      "SELECT v.restaurant_id, r.name, v.views"
          + " FROM (SELECT restaurant_id, count(*) AS views"
          + " FROM analytics_events"
          + " WHERE type = 'view' AND occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz"
          + " AND restaurant_id IS NOT NULL"
          + " GROUP BY restaurant_id"
          + " ORDER BY views DESC, restaurant_id"
          + " LIMIT $3) v"
          + " LEFT JOIN restaurants r ON r.id = v.restaurant_id"
          + " ORDER BY v.views DESC, v.restaurant_id";

  /**
   * Daily active users: {@code $1} from, {@code $2} to (timestamptz), {@code $3} first day,
   * {@code $4} last day (date). One row per day from {@code $3} to {@code $4}:
   * {@code day, active_users} (0 when nobody was active). Reads
   * {@code analytics_events_time_type_user_idx}.
   */
  static final String DAILY_ACTIVE_USERS =
      "SELECT d.day::date AS day, COALESCE(a.active_users, 0) AS active_users"
          + " FROM generate_series($3::date, $4::date, interval '1 day') AS d(day)"
          + " LEFT JOIN (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day,"
          + " count(DISTINCT user_id) AS active_users"
          + " FROM analytics_events"
          + " WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz AND user_id IS NOT NULL"
          + " GROUP BY 1) a ON a.day = d.day::date"
          + " ORDER BY d.day";

  /**
   * Events per day and type, all types: {@code $1} from, {@code $2} to. Returns
   * {@code day, type, count} by day then type. Reads {@code analytics_events_time_type_user_idx}.
   */
  static final String EVENT_COUNTS =
      "SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, type, count(*) AS count"
          + " FROM analytics_events"
          + " WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz"
          + " GROUP BY 1, 2 ORDER BY 1, 2";

  /**
   * Events per day of one type: {@code $1} from, {@code $2} to, {@code $3} type. A statement of
   * its own rather than {@code ($3 IS NULL OR type = $3)}, which a generic plan could not serve
   * from the {@code (type, occurred_at, …)} index.
   */
  static final String EVENT_COUNTS_OF_TYPE =
      "SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, type, count(*) AS count"
          + " FROM analytics_events"
          + " WHERE type = $3::text AND occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz"
          + " GROUP BY 1, 2 ORDER BY 1, 2";

  /**
   * One restaurant's views per day: {@code $1} restaurant id, {@code $2} from, {@code $3} to,
   * {@code $4} first day, {@code $5} last day. One row per day: {@code day, views}. Reads the
   * partial {@code analytics_events_restaurant_views_idx}.
   */
  static final String RESTAURANT_DAILY_VIEWS =
      "SELECT d.day::date AS day, COALESCE(v.views, 0) AS views"
          + " FROM generate_series($4::date, $5::date, interval '1 day') AS d(day)"
          + " LEFT JOIN (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS views"
          + " FROM analytics_events"
          + " WHERE restaurant_id = $1::int8 AND type = 'view'"
          + " AND occurred_at >= $2::timestamptz AND occurred_at < $3::timestamptz"
          + " GROUP BY 1) v ON v.day = d.day::date"
          + " ORDER BY d.day";

  /**
   * One user's activity: {@code $1} user id, {@code $2} from, {@code $3} to (timestamptz),
   * {@code $4} how many restaurants to list. One row: {@code total, first_event_at,
   * last_event_at} and, as JSON arrays, {@code by_type [{type, count}]} by type,
   * {@code days [{day, count}]} by day (days without events left out) and
   * {@code top_restaurants [{restaurant_id, count}]} most events first, ties by id. The user's
   * events are read once, index-only, from {@code analytics_events_user_time_idx} (V9), and
   * aggregated four ways in memory (a user has few events per window).
   */
  static final String USER_ACTIVITY =
      "WITH e AS MATERIALIZED (SELECT type, restaurant_id, occurred_at"
          + " FROM analytics_events"
          + " WHERE user_id = $1::int8 AND occurred_at >= $2::timestamptz AND occurred_at < $3::timestamptz)"
          + " SELECT (SELECT count(*) FROM e) AS total,"
          + " (SELECT min(occurred_at) FROM e) AS first_event_at,"
          + " (SELECT max(occurred_at) FROM e) AS last_event_at,"
          + " (SELECT COALESCE(jsonb_agg(jsonb_build_object('type', type, 'count', n) ORDER BY type), '[]'::jsonb)"
          + " FROM (SELECT type, count(*) AS n FROM e GROUP BY type) t) AS by_type,"
          + " (SELECT COALESCE(jsonb_agg(jsonb_build_object('day', day, 'count', n) ORDER BY day), '[]'::jsonb)"
          + " FROM (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM e GROUP BY 1) d) AS days,"
          + " (SELECT COALESCE(jsonb_agg(jsonb_build_object('restaurant_id', restaurant_id, 'count', n)"
          + " ORDER BY n DESC, restaurant_id), '[]'::jsonb)"
          + " FROM (SELECT restaurant_id, count(*) AS n FROM e WHERE restaurant_id IS NOT NULL"
          + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $4::int) r) AS top_restaurants";

  /**
   * First statement of the service's insert transactions: tells V9's trigger on
   * {@code analytics_events} that this transaction invalidates the cache itself (by day tags), so
   * it must not notify (which would drop every analytics report on every node). Transaction-local.
   */
  static final String MARK_SELF_INVALIDATING =
      "SELECT set_config('consolidb.analytics_invalidated', 'on', true) AS marked";

  /**
   * Creates the monthly partitions from the current month to {@code $1} months ahead that do
   * not exist yet; returns how many it created.
   */
  public static final String ENSURE_PARTITIONS =
      "SELECT ensure_analytics_partitions((now() AT TIME ZONE 'UTC')::date, $1::int) AS created";

  private AnalyticsSql() {
  }
}
