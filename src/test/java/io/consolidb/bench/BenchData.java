package io.consolidb.bench;

import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.TimeUnit;

/** The fixed data set: N restaurants from the deterministic generator and M analytics events. */
final class BenchData {

  static final long SEED = 20261126L;

  private BenchData() {
  }

  /**
   * Migrates, then (re)loads restaurants and events unless the counts already match. The events
   * lie in the last 60 days before the load; the ingestion scenario writes elsewhere
   * ({@link Ingestion#WINDOW_START}) and removes its rows, so the count survives it.
   */
  static void ensure(String databaseUrl, Pool pool, int restaurants, int events) throws Exception {
    ensure(databaseUrl, pool, restaurants, events, 60);
  }

  /** As {@link #ensure(String, Pool, int, int)} with the events spread over the last {@code days} days. */
  static void ensure(String databaseUrl, Pool pool, int restaurants, int events, int days) throws Exception {
    JdbcCoordinates jdbc = JdbcCoordinates.fromUri(databaseUrl);
    SchemaMigrator.migrate(jdbc.url(), jdbc.user(), jdbc.password());
    long haveRestaurants = count(pool, "restaurants");
    if (haveRestaurants != restaurants) {
      System.out.printf("data: loading %d restaurants (found %d)%n", restaurants, haveRestaurants);
      pool.query("TRUNCATE restaurants RESTART IDENTITY CASCADE").execute().await(5, TimeUnit.MINUTES);
      DemoDataSeeder.seed(pool, restaurants, SEED).await(30, TimeUnit.MINUTES);
    }
    // Events an interrupted ingestion round left behind are not the data set's: drop them rather
    // than reload everything because the count is off.
    Ingestion.cleanUp(pool);
    long haveEvents = count(pool, "analytics_events");
    if (haveEvents != events) {
      System.out.printf("data: loading %d analytics events (found %d)%n", events, haveEvents);
      pool.query("TRUNCATE analytics_events").execute().await(5, TimeUnit.MINUTES);
      // Deterministic: views dominate, spread over the last `days` days, skewed towards low ids.
      pool.query("INSERT INTO analytics_events (type, user_id, restaurant_id, occurred_at, properties)"
          + " SELECT (ARRAY['view','view','view','view','search','favorite','click'])[1 + (g % 7)],"
          + " 1 + (g * 7919) % 50000,"
          + " 1 + floor(" + restaurants + " * power(((g * 104729) % 1000003) / 1000003.0, 3))::bigint,"
          + " date_trunc('day', now()) - make_interval(secs => (g * 2654435761) % (" + days + " * 86400)),"
          + " '{}'::jsonb FROM generate_series(1::bigint, " + events + ") AS g").execute().await(30, TimeUnit.MINUTES);
      // VACUUM, not only ANALYZE: the reports count in index-only scans, which visit the heap for
      // every row of a page the visibility map does not yet show all-visible. Right after a bulk
      // load that is every page (the top report was 250 times slower on 10M fresh rows), until
      // autovacuum comes by; a production table is long past that.
      pool.query("VACUUM (ANALYZE) analytics_events").execute().await(30, TimeUnit.MINUTES);
    }
  }

  private static long count(Pool pool, String table) throws Exception {
    return pool.query("SELECT count(*) AS n FROM " + table).execute()
        .map(rows -> rows.iterator().next().getLong("n")).await(5, TimeUnit.MINUTES);
  }
}
