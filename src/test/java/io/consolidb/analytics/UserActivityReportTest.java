package io.consolidb.analytics;

import static io.consolidb.testsupport.TestNodes.cacheOutcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * One user's activity report over PostgreSQL and both cache tiers: its numbers, its cache entry,
 * and the V9 trigger that drops cached reports when another writer changes analytics_events.
 */
class UserActivityReportTest {

  private static final String FROM = "2025-03-01";
  private static final String TO = "2025-03-08";
  private static final long USER = 42;
  /** Bound on a notification's trip (commit → LISTEN → invalidation), generous for a busy machine. */
  private static final long NOTIFY_WAIT_MS = 10_000;

  private TestNode schema;
  private Vertx vertx;
  private AnalyticsService analytics;

  @BeforeEach
  void start() throws Exception {
    schema = TestNode.create("analytics_user");
    JsonObject config = schema.config(0, "")
        .put("cache", new JsonObject().put("enabled", true).put("ttlSeconds", 300)
            .put("keyPrefix", "consolidb-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":"))
        .put("redis", new JsonObject().put("enabled", true).put("url", TestServices.redisUrl()));
    vertx = Vertx.vertx();
    ConsolidbNode node = TestNodes.deploy(vertx, config, Component.QUERY, Component.CACHE, Component.ANALYTICS);
    analytics = node.inProcess().inProcessOrProxy(vertx, AnalyticsService.class, Addresses.ANALYTICS, 5000);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    schema.close();
  }

  private static JsonObject event(String type, long user, Long restaurant, String at) {
    return new JsonObject().put("type", type).put("user_id", user).put("restaurant_id", restaurant)
        .put("occurred_at", at);
  }

  private void recordKnownEvents() throws Exception {
    analytics.recordBatch(JsonArray.of(
        event("view", USER, 1L, "2025-03-02T10:00:00Z"),
        event("view", USER, 1L, "2025-03-02T11:00:00Z"),
        event("view", USER, 2L, "2025-03-03T09:00:00Z"),
        event("search", USER, null, "2025-03-03T09:30:00Z"),
        // 23:30 on the 5th in UTC, though the 6th at the given offset
        event("favorite", USER, 2L, "2025-03-06T01:30:00+02:00"),
        event("click", USER, 3L, "2025-03-06T08:00:00Z"),
        // not counted: another user, and this user outside the window on either side
        event("view", 43, 1L, "2025-03-04T10:00:00Z"),
        event("view", USER, 9L, "2025-02-28T23:59:59Z"),
        event("view", USER, 9L, "2025-03-08T00:00:00Z"))).await(10, TimeUnit.SECONDS);
  }

  private JsonObject activity(long user) throws Exception {
    return analytics.userActivity(user, FROM, TO).await(10, TimeUnit.SECONDS);
  }

  private static List<String> pairs(JsonArray items, String key) {
    List<String> out = new ArrayList<>();
    items.forEach(item -> out.add(((JsonObject) item).getValue(key) + "=" + ((JsonObject) item).getLong("count")));
    return out;
  }

  @Test
  @DisplayName("the report counts one user's events in the window by type, by UTC day and by restaurant")
  void report_matchesHandCount() throws Exception {
    recordKnownEvents();
    JsonObject report = activity(USER);
    assertThat(report.getLong("user_id")).isEqualTo(USER);
    assertThat(report.getLong("total")).isEqualTo(6);
    assertThat(Instant.parse(report.getString("first_event_at"))).isEqualTo(Instant.parse("2025-03-02T10:00:00Z"));
    assertThat(Instant.parse(report.getString("last_event_at"))).isEqualTo(Instant.parse("2025-03-06T08:00:00Z"));
    assertThat(pairs(report.getJsonArray("by_type"), "type"))
        .containsExactly("click=1", "favorite=1", "search=1", "view=3");
    assertThat(pairs(report.getJsonArray("days"), "day"))
        .containsExactly("2025-03-02=2", "2025-03-03=2", "2025-03-05=1", "2025-03-06=1");
    // ties (2 each) by id; the search has no restaurant
    assertThat(pairs(report.getJsonArray("top_restaurants"), "restaurant_id"))
        .containsExactly("1=2", "2=2", "3=1");
    assertThat(report.getString("from")).isEqualTo("2025-03-01T00:00:00Z");
    assertThat(report.getString("to")).isEqualTo("2025-03-08T00:00:00Z");
  }

  @Test
  @DisplayName("a user without events in the window (unknown alike) gets zeros, null times and empty lists")
  void report_unknownUserIsEmpty() throws Exception {
    recordKnownEvents();
    JsonObject report = activity(999_999);
    assertThat(report.getLong("total")).isZero();
    assertThat(report.getValue("first_event_at")).isNull();
    assertThat(report.getValue("last_event_at")).isNull();
    assertThat(report.getJsonArray("by_type")).isEmpty();
    assertThat(report.getJsonArray("days")).isEmpty();
    assertThat(report.getJsonArray("top_restaurants")).isEmpty();
  }

  @Test
  @DisplayName("a non-positive user id or a bad window fails with 400 naming the parameter")
  void report_badInput400() {
    assertThatThrownBy(() -> analytics.userActivity(0, FROM, TO).await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getMessage()).contains("userId");
        });
    assertThatThrownBy(() -> analytics.userActivity(USER, TO, FROM).await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class,
            e -> assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT));
    assertThatThrownBy(() -> analytics.userActivity(USER, "2024-01-01", "2025-03-01").await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class,
            e -> assertThat(e.getMessage()).contains(String.valueOf(AnalyticsLimits.MAX_WINDOW_DAYS)));
    assertThatThrownBy(() -> analytics.userActivity(USER, "March", TO).await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class,
            e -> assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT));
  }

  @Test
  @DisplayName("a repeated report is a HIT; the user's event recorded through the service makes it a MISS")
  void report_cachedThenInvalidatedByServiceWrite() throws Exception {
    recordKnownEvents();
    assertThat(cacheOutcome(activity(USER))).isEqualTo("MISS");
    assertThat(cacheOutcome(activity(USER))).isEqualTo("HIT");
    analytics.record(event("view", USER, 5L, "2025-03-07T12:00:00Z")).await(10, TimeUnit.SECONDS);
    JsonObject after = activity(USER);
    assertThat(cacheOutcome(after)).isEqualTo("MISS");
    assertThat(after.getLong("total")).isEqualTo(7);
  }

  @Test
  @DisplayName("an INSERT straight into analytics_events by another connection drops the cached reports")
  void report_invalidatedByForeignWrite() throws Exception {
    recordKnownEvents();
    activity(USER);
    analytics.eventCounts(FROM, TO, null).await(10, TimeUnit.SECONDS);
    // an April report: day tags could not drop it, only the table's notification does
    analytics.eventCounts("2025-04-01", "2025-04-08", null).await(10, TimeUnit.SECONDS);
    assertThat(cacheOutcome(activity(USER))).isEqualTo("HIT");

    try (Connection c = schema.connection(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO analytics_events (type, user_id, restaurant_id, occurred_at)"
          + " VALUES ('view', " + USER + ", 4, '2025-03-04T10:00:00Z'), ('view', " + USER + ", 4, '2025-03-04T11:00:00Z')");
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NOTIFY_WAIT_MS);
    JsonObject report = activity(USER);
    while (!"MISS".equals(cacheOutcome(report)) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      report = activity(USER);
    }
    assertThat(cacheOutcome(report)).isEqualTo("MISS");
    assertThat(report.getLong("total")).isEqualTo(8);
    assertThat(pairs(report.getJsonArray("top_restaurants"), "restaurant_id")).startsWith("1=2", "2=2", "4=2");
    assertThat(cacheOutcome(analytics.eventCounts(FROM, TO, null).await(10, TimeUnit.SECONDS))).isEqualTo("MISS");
    assertThat(cacheOutcome(analytics.eventCounts("2025-04-01", "2025-04-08", null).await(10, TimeUnit.SECONDS)))
        .as("every analytics report carries the table's tag").isEqualTo("MISS");
  }

  @Test
  @DisplayName("a 10,000-row INSERT by another writer notifies once; a batch through the service not at all")
  void trigger_oneNotificationPerStatement_noneForService() throws Exception {
    try (Connection listen = schema.connection(); Connection writer = schema.connection();
        Statement l = listen.createStatement(); Statement w = writer.createStatement()) {
      l.execute("LISTEN consolidb_table_changes");
      w.execute("INSERT INTO analytics_events (type, user_id, occurred_at)"
          + " SELECT 'click', 1 + g % 100, timestamptz '2025-03-01 00:00:00+00' + g * interval '1 minute'"
          + " FROM generate_series(1, 10000) AS g");
      // a statement that changes nothing still notifies: it marks the end of what to count
      w.execute("DELETE FROM analytics_events WHERE false");
      List<String> first = untilDelete(listen);
      assertThat(first).as("notifications before the marker").hasSize(1);
      assertThat(new JsonObject(first.get(0)).getString("op")).isEqualTo("INSERT");

      recordKnownEvents(); // committed before the reply
      w.execute("DELETE FROM analytics_events WHERE false");
      assertThat(untilDelete(listen)).as("notifications of the service's batch").isEmpty();
    }
  }

  /** This schema's analytics_events notifications up to the next DELETE one, which is left out. */
  private List<String> untilDelete(Connection listen) throws Exception {
    PGConnection pg = listen.unwrap(PGConnection.class);
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NOTIFY_WAIT_MS);
    while (System.nanoTime() < deadline) {
      PGNotification[] batch = pg.getNotifications(200);
      for (PGNotification n : batch == null ? new PGNotification[0] : batch) {
        JsonObject change = new JsonObject(n.getParameter());
        if (!schema.schema().equals(change.getString("schema"))
            || !"analytics_events".equals(change.getString("table"))) {
          continue;
        }
        if ("DELETE".equals(change.getString("op"))) {
          return seen;
        }
        seen.add(n.getParameter());
      }
    }
    throw new AssertionError("no marker notification within " + NOTIFY_WAIT_MS + " ms; saw " + seen);
  }
}
