package io.consolidb.analytics;

import static io.consolidb.testsupport.TestNodes.cacheOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reports through the real cache tiers (Caffeine and Redis): a repeated report is served from the
 * cache, and new events drop only the reports whose window covers their day.
 */
class AnalyticsReportCachingTest {

  private static final String MARCH_FROM = "2025-03-01";
  private static final String MARCH_TO = "2025-03-08";
  private static final String APRIL_FROM = "2025-04-01";
  private static final String APRIL_TO = "2025-04-08";

  private TestNode schema;
  private Vertx vertx;
  private AnalyticsService analytics;
  private RestaurantService restaurants;

  @BeforeEach
  void start() throws Exception {
    schema = TestNode.create("analytics_cache");
    schema.reseed();
    JsonObject config = schema.config(0, "")
        .put("cache", new JsonObject().put("enabled", true).put("ttlSeconds", 300)
            .put("keyPrefix", "consolidb-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":"))
        .put("redis", new JsonObject().put("enabled", true).put("url", TestServices.redisUrl()));
    vertx = Vertx.vertx();
    ConsolidbNode node = TestNodes.deploy(vertx, config, Component.QUERY, Component.CACHE, Component.ANALYTICS,
        Component.RESTAURANTS);
    analytics = node.inProcess().inProcessOrProxy(vertx, AnalyticsService.class, Addresses.ANALYTICS, 5000);
    restaurants = node.inProcess().inProcessOrProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, 5000);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    schema.close();
  }

  private void views(long restaurant, String at, int count) throws Exception {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < count; i++) {
      batch.add(new JsonObject().put("type", "view").put("user_id", 100 + i).put("restaurant_id", restaurant)
          .put("occurred_at", at));
    }
    analytics.recordBatch(batch).await(10, TimeUnit.SECONDS);
  }

  private JsonObject top(String from, String to) throws Exception {
    return analytics.topRestaurants(from, to, 5).await(10, TimeUnit.SECONDS);
  }

  private static long viewsOf(JsonObject report, long restaurant) {
    return report.getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(item -> item.getLong("restaurant_id") == restaurant)
        .mapToLong(item -> item.getLong("views")).findFirst().orElse(0);
  }

  @Test
  @DisplayName("a repeated report is a cache hit; new events drop only the reports whose window covers their day")
  void reports_cachedAndInvalidatedByWindow() throws Exception {
    views(1, "2025-03-02T10:00:00Z", 3);
    views(2, "2025-04-03T10:00:00Z", 1);

    JsonObject march = top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(march)).isEqualTo("MISS");
    assertThat(viewsOf(march, 1)).isEqualTo(3);
    JsonObject marchAgain = top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(marchAgain)).isEqualTo("HIT");
    assertThat(marchAgain.getJsonArray("items")).isEqualTo(march.getJsonArray("items"));
    assertThat(cacheOutcome(top(APRIL_FROM, APRIL_TO))).isEqualTo("MISS");
    assertThat(cacheOutcome(top(APRIL_FROM, APRIL_TO))).isEqualTo("HIT");

    // An April event leaves the March report cached and refreshes April's.
    views(2, "2025-04-05T12:00:00Z", 2);
    assertThat(cacheOutcome(top(MARCH_FROM, MARCH_TO))).isEqualTo("HIT");
    JsonObject april = top(APRIL_FROM, APRIL_TO);
    assertThat(cacheOutcome(april)).isEqualTo("MISS");
    assertThat(viewsOf(april, 2)).isEqualTo(3);

    // A March event does the opposite.
    views(2, "2025-03-04T08:00:00Z", 4);
    JsonObject marchAfter = top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(marchAfter)).isEqualTo("MISS");
    assertThat(viewsOf(marchAfter, 2)).isEqualTo(4);
    assertThat(cacheOutcome(top(APRIL_FROM, APRIL_TO))).isEqualTo("HIT");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"record", "recordBatch"})
  @DisplayName("straight after events are recorded for a day, every report shape covering it is a MISS")
  void eachRecord_everyReportShapeMisses(String write) throws Exception {
    views(1, "2025-03-02T10:00:00Z", 1);
    Map<String, java.util.concurrent.Callable<JsonObject>> reports = new LinkedHashMap<>();
    reports.put("top", () -> top(MARCH_FROM, MARCH_TO));
    reports.put("activeUsers", () -> analytics.activeUsers(MARCH_FROM, MARCH_TO).await(10, TimeUnit.SECONDS));
    reports.put("eventCounts", () -> analytics.eventCounts(MARCH_FROM, MARCH_TO, null).await(10, TimeUnit.SECONDS));
    reports.put("eventCounts(view)",
        () -> analytics.eventCounts(MARCH_FROM, MARCH_TO, "view").await(10, TimeUnit.SECONDS));
    reports.put("restaurantViews",
        () -> analytics.restaurantViews(1, MARCH_FROM, MARCH_TO).await(10, TimeUnit.SECONDS));
    for (Map.Entry<String, java.util.concurrent.Callable<JsonObject>> report : reports.entrySet()) {
      report.getValue().call();
      assertThat(cacheOutcome(report.getValue().call())).as("%s warmed", report.getKey()).isEqualTo("HIT");
    }
    JsonObject event = new JsonObject().put("type", "view").put("user_id", 7).put("restaurant_id", 1)
        .put("occurred_at", "2025-03-03T09:00:00Z");
    if ("record".equals(write)) {
      analytics.record(event).await(10, TimeUnit.SECONDS);
    } else {
      analytics.recordBatch(JsonArray.of(event)).await(10, TimeUnit.SECONDS);
    }
    for (Map.Entry<String, java.util.concurrent.Callable<JsonObject>> report : reports.entrySet()) {
      assertThat(cacheOutcome(report.getValue().call())).as("%s after %s", report.getKey(), write)
          .isEqualTo("MISS");
    }
  }

  @Test
  @DisplayName("a restaurant created or deleted through the restaurant service drops the cached top-restaurants"
      + " report at once: the next read is a MISS")
  void topReport_missesStraightAfterRestaurantCreateAndDelete() throws Exception {
    views(1, "2025-03-02T10:00:00Z", 3);
    views(2, "2025-03-02T11:00:00Z", 1);
    top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(top(MARCH_FROM, MARCH_TO))).isEqualTo("HIT");

    restaurants.create(new JsonObject().put("name", "New Deli").put("city", "New York").put("latitude", 40.7)
        .put("longitude", -74.0)).await(10, TimeUnit.SECONDS);
    JsonObject afterCreate = top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(afterCreate)).as("after a create").isEqualTo("MISS");
    assertThat(viewsOf(afterCreate, 1)).isEqualTo(3);
    // the create's table notification arrives after its own invalidation and drops the report once
    // more: cached again before the delete, so the delete's MISS is the delete's
    io.consolidb.testsupport.Await.until("the report cached again", 5_000, () -> {
      try {
        return "HIT".equals(cacheOutcome(top(MARCH_FROM, MARCH_TO)));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    restaurants.delete(1).await(10, TimeUnit.SECONDS);
    JsonObject afterDelete = top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(afterDelete)).as("after a delete").isEqualTo("MISS");
    assertThat(viewsOf(afterDelete, 2)).isEqualTo(1);
  }

  @Test
  @DisplayName("renaming a restaurant drops the cached top-restaurants report that shows its name")
  void topReport_invalidatedByRestaurantChange() throws Exception {
    views(1, "2025-03-02T10:00:00Z", 3);
    top(MARCH_FROM, MARCH_TO);
    assertThat(cacheOutcome(top(MARCH_FROM, MARCH_TO))).isEqualTo("HIT");

    // plain SQL, as another application would: the table notification is what invalidates
    new io.consolidb.query.QueryClient(vertx, 5000)
        .write("test.rename", "UPDATE restaurants SET name = 'Renamed Deli' WHERE id = 1", null).await(30, TimeUnit.SECONDS);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    String name;
    do {
      Thread.sleep(50);
      name = top(MARCH_FROM, MARCH_TO).getJsonArray("items").getJsonObject(0).getString("name");
    } while (!"Renamed Deli".equals(name) && System.nanoTime() < deadline);
    assertThat(name).isEqualTo("Renamed Deli");
  }
}
