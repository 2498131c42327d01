package io.consolidb.bench;

import io.consolidb.Addresses;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.config.ConfigLoader;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.core.Vertx;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code --scale} run: the same uncached reads on the usual data set and on one ten times
 * larger, side by side in one run (two in-JVM nodes, caching off, rounds alternating).
 * <ul>
 *   <li>{@code scale_radius_1m_vs_100k}: p50 of the radius query at 1M restaurants ÷ at 100k;</li>
 *   <li>{@code scale_report_10m_vs_1m}: p50 of the top-restaurants report over one week at 10M
 *       events ÷ at 1M. The larger history is longer, not denser (600 days instead of 60, the same
 *       events per day), as a real one grows: the week reads its own month's partition either way.</li>
 * </ul>
 * Both are "lower is better" ({@link Report#UPPER_BOUNDS}). The small set lives in
 * {@code BENCH_DATABASE_URL}, the large one in {@code SCALE_DATABASE_URL}; each is loaded once by
 * the project's own seeder and kept (the load's time and the databases' sizes are reported).
 */
final class ScaleScenarios {

  static final int SMALL_RESTAURANTS = 100_000;
  static final int SMALL_EVENTS = 1_000_000;
  static final int SMALL_DAYS = 60;
  static final int LARGE_RESTAURANTS = 1_000_000;
  static final int LARGE_EVENTS = 10_000_000;
  static final int LARGE_DAYS = 600;

  private ScaleScenarios() {
  }

  static void run(BenchHarness.Mode mode, Report report, Map<String, String> nodeEnv, Vertx vertx, String smallUrl,
      String largeUrl) throws Exception {
    JsonObject data = new JsonObject();
    data.put("small", load(vertx, smallUrl, SMALL_RESTAURANTS, SMALL_EVENTS, SMALL_DAYS));
    data.put("large", load(vertx, largeUrl, LARGE_RESTAURANTS, LARGE_EVENTS, LARGE_DAYS));
    report.detail("scale_data", data);

    ConsolidbNode small = null;
    ConsolidbNode large = null;
    try {
      small = start(nodeEnv, smallUrl);
      large = start(nodeEnv, largeUrl);
      radius(mode, report, small, large);
      topReport(mode, report, small, large, vertx, smallUrl, largeUrl);
    } finally {
      for (ConsolidbNode node : new ConsolidbNode[] {small, large}) {
        if (node != null) {
          node.stop().await(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static void radius(BenchHarness.Mode mode, Report report, ConsolidbNode small, ConsolidbNode large)
      throws Exception {
    RestaurantService smallService = ServiceLatency.sameNode(small, RestaurantService.class, Addresses.RESTAURANTS);
    RestaurantService largeService = ServiceLatency.sameNode(large, RestaurantService.class, Addresses.RESTAURANTS);
    int calls = 100 * mode.roundSeconds();
    Comparison radius = Comparison.run("scale_radius_1m_vs_100k", "µs p50",
        "1m", () -> RadiusLatency.measure(large.vertx(), largeService, calls, null).micros(50),
        "100k", () -> RadiusLatency.measure(small.vertx(), smallService, calls, null).micros(50),
        mode.rounds());
    report.ratio("scale_radius_1m_vs_100k", radius);
  }

  private static void topReport(BenchHarness.Mode mode, Report report, ConsolidbNode small, ConsolidbNode large,
      Vertx vertx, String smallUrl, String largeUrl) throws Exception {
    // The same week in both: it ends a week before the newest event, which both loads put at yesterday.
    LocalDate smallNewest = newestDay(vertx, smallUrl);
    LocalDate largeNewest = newestDay(vertx, largeUrl);
    LocalDate newest = smallNewest.isBefore(largeNewest) ? smallNewest : largeNewest;
    String from = newest.minusDays(14).toString();
    String to = newest.minusDays(7).toString();
    AnalyticsService smallService = ServiceLatency.sameNode(small, AnalyticsService.class, Addresses.ANALYTICS);
    AnalyticsService largeService = ServiceLatency.sameNode(large, AnalyticsService.class, Addresses.ANALYTICS);
    int calls = 10 * mode.roundSeconds();
    Comparison top = Comparison.run("scale_report_10m_vs_1m", "µs p50",
        "10m", () -> ServiceLatency.measure(large.vertx(),
            () -> largeService.topRestaurants(from, to, BenchHarness.TOP_LIMIT), calls, null, answer -> { }).micros(50),
        "1m", () -> ServiceLatency.measure(small.vertx(),
            () -> smallService.topRestaurants(from, to, BenchHarness.TOP_LIMIT), calls, null, answer -> { }).micros(50),
        mode.rounds());
    report.ratio("scale_report_10m_vs_1m", top);
    report.detail("scale_report_window", new JsonObject().put("from", from).put("to", to));
  }

  private static ConsolidbNode start(Map<String, String> nodeEnv, String databaseUrl) throws Exception {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.put("DATABASE_URL", databaseUrl);
    variables.put("DB_CACHE_ENABLED", "false");
    variables.put("HTTP_PORT", "0");
    return ServiceLatency.start(ConfigLoader.loadBlocking(variables),
        EnumSet.of(Component.QUERY, Component.RESTAURANTS, Component.ANALYTICS));
  }

  /** Loads the set when its counts differ; the seconds it took (0 when kept) and the database's size. */
  private static JsonObject load(Vertx vertx, String url, int restaurants, int events, int days) throws Exception {
    Pool pool = pool(vertx, url);
    try {
      long started = System.nanoTime();
      BenchData.ensure(url, pool, restaurants, events, days);
      double seconds = (System.nanoTime() - started) / 1e9;
      long bytes = pool.query("SELECT pg_database_size(current_database()) AS b").execute()
          .map(rows -> rows.iterator().next().getLong("b")).await(1, TimeUnit.MINUTES);
      return new JsonObject().put("restaurants", restaurants).put("events", events).put("event_days", days)
          .put("load_seconds", Samples.round(seconds)).put("database_mib", bytes / (1024 * 1024));
    } finally {
      pool.close();
    }
  }

  private static LocalDate newestDay(Vertx vertx, String url) throws Exception {
    Pool pool = pool(vertx, url);
    try {
      return pool.query("SELECT (max(occurred_at) AT TIME ZONE 'UTC')::date AS d FROM analytics_events").execute()
          .map(rows -> rows.iterator().next().getLocalDate("d")).await(1, TimeUnit.MINUTES);
    } finally {
      pool.close();
    }
  }

  private static Pool pool(Vertx vertx, String url) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(PgConnectOptions.fromUri(url))
        .using(vertx).build();
  }
}
