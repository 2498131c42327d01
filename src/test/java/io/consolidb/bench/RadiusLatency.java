package io.consolidb.bench;

import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;

/**
 * The cache-speedup scenario, shared by the harness ({@code cache_speedup_local},
 * {@code cache_speedup_redis}) and {@code CacheLatencyBenchmark}: the radius query 10 km around
 * 40.7128,-74.0060 with limit 20, called through a {@link RestaurantService} client (the harness
 * uses {@code createProxy}, in-process on the serving node, and {@code createEventBusProxy} for
 * comparison) one call at a time from an event loop of the node (as a verticle calling the service
 * would), on an in-JVM node whose cache settings decide where the answer comes from. Every call is checked: 20 rows, and the cache mark the node must give
 * ({@link ServiceLatency} does the measuring).
 */
public final class RadiusLatency {

  public static final double LAT = 40.7128;
  public static final double LNG = -74.0060;
  public static final double RADIUS_KM = 10;
  public static final int LIMIT = 20;

  /**
   * The two filters of the filtered variant ({@code radius_filtered_vs_unfiltered}): meat, rated
   * 4 or more; about a quarter of the rows match both, so the index scan reads about four rows per
   * answer row (75 for 20 around New York at 100k rows, see {@code RestaurantQueryPlanTest}).
   */
  public static final JsonObject TWO_FILTERS = new JsonObject().put("kosher_category", "meat").put("min_rating", 4);

  private RadiusLatency() {
  }

  /** A node (query verticle, cache verticle, restaurant service) with these settings, on its own Vert.x. */
  public static ConsolidbNode start(NodeSettings settings) throws Exception {
    return ServiceLatency.start(settings, EnumSet.of(Component.QUERY, Component.CACHE, Component.RESTAURANTS));
  }

  /**
   * {@code calls} sequential near() calls through {@code service}, each answer checked for 20 rows
   * and the cache mark {@code expectedMark} (see {@link ServiceLatency#measure}).
   */
  public static ServiceLatency.Latencies measure(Vertx vertx, RestaurantService service, int calls,
      String expectedMark) throws Exception {
    return measure(vertx, service, calls, expectedMark, null);
  }

  /** As {@link #measure(Vertx, RestaurantService, int, String)}, narrowed by {@code filters} (null: none). */
  public static ServiceLatency.Latencies measure(Vertx vertx, RestaurantService service, int calls,
      String expectedMark, JsonObject filters) throws Exception {
    return ServiceLatency.measure(vertx, () -> filters == null ? service.near(LAT, LNG, RADIUS_KM, LIMIT)
        : service.nearFiltered(LAT, LNG, RADIUS_KM, LIMIT, filters), calls, expectedMark, page -> {
      if (page.getInteger("count") != LIMIT) {
        throw new IllegalStateException("the radius query returned " + page.getInteger("count") + " rows, not " + LIMIT);
      }
    });
  }
}
