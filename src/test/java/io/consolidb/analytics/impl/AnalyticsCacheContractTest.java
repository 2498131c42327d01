package io.consolidb.analytics.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.Addresses;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the analytics service asks of the cache tier: reports are cached under a key that encodes
 * the window and tags that name the days covered; inserts, seen here by a stand-in for the query
 * verticle, carry {@code invalidate: {tags}} naming the days and months touched. That the cache
 * honours them end to end is {@code AnalyticsReportCachingTest}.
 */
@ExtendWith(VertxExtension.class)
class AnalyticsCacheContractTest {

  private final List<JsonObject> queries = new ArrayList<>();
  private final List<JsonObject> transactions = new ArrayList<>();
  private AnalyticsServiceImpl service;

  @BeforeEach
  void fakeQueryVerticle(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().<JsonObject>localConsumer(Addresses.DB_QUERY, message -> {
      queries.add(message.body());
      message.reply(new JsonObject().put("rows", new JsonArray()).put("rowCount", 0).put("cached", false));
    });
    vertx.eventBus().<JsonObject>localConsumer(Addresses.DB_TX, message -> {
      transactions.add(message.body());
      message.reply(new JsonObject().put("results", JsonArray.of(new JsonObject().put("rows", new JsonArray()))));
    });
    Clock clock = Clock.fixed(Instant.parse("2025-03-10T15:00:00Z"), ZoneOffset.UTC);
    service = new AnalyticsServiceImpl(new QueryClient(vertx, 1000),
        new ServiceStats("analytics", new SimpleMeterRegistry()), 120, clock);
    ctx.completeNow();
  }

  private static final Instant NOW = Instant.parse("2025-03-10T15:00:00Z");

  @Test
  @DisplayName("a report is cached under a key encoding its window, tagged with each day it covers")
  void report_cacheKeyAndDayTags() {
    ReportWindow window = ReportWindow.parse("2025-03-01", "2025-03-04", NOW);
    assertThat(window.cacheKey("top", 5)).isEqualTo("analytics:top:2025-03-01T00:00:00Z:2025-03-04T00:00:00Z:5");
    assertThat(window.cacheTags()).isEqualTo(JsonArray.of(
        "analytics:events:2025-03-01", "analytics:events:2025-03-02", "analytics:events:2025-03-03"));
  }

  @Test
  @DisplayName("each report has its own key; the default window is the last 7 whole days")
  void report_keysDiffer() {
    ReportWindow window = ReportWindow.parse(null, null, NOW);
    String text = "2025-03-04T00:00:00Z:2025-03-11T00:00:00Z";
    assertThat(List.of(window.cacheKey("dau"), window.cacheKey("counts", "*"), window.cacheKey("counts", "view"),
        window.cacheKey("views", 7))).containsExactly("analytics:dau:" + text, "analytics:counts:" + text + ":*",
        "analytics:counts:" + text + ":view", "analytics:views:" + text + ":7");
    assertThat(window.cacheTags()).hasSize(7);
  }

  @Test
  @DisplayName("a window is widened to whole UTC days: a nanosecond's shift of from or to keeps the key")
  void report_wholeDays() {
    String key = "analytics:top:2025-03-01T00:00:00Z:2025-03-04T00:00:00Z:5";
    assertThat(ReportWindow.parse("2025-03-01T00:00:00.000000001Z", "2025-03-03T23:59:59.999999999Z", NOW)
        .cacheKey("top", 5)).isEqualTo(key);
    assertThat(ReportWindow.parse("2025-03-01T13:00:00+02:00", "2025-03-03T12:00:00Z", NOW)
        .cacheKey("top", 5)).isEqualTo(key);
    ReportWindow shifted = ReportWindow.parse("2025-02-28T23:00:00-02:00", "2025-03-04T00:00:00.000000001Z", NOW);
    assertThat(shifted.fromText()).as("01:00 UTC on March 1st, floored").isEqualTo("2025-03-01T00:00:00Z");
    assertThat(shifted.toText()).as("a nanosecond into March 4th, ceiled").isEqualTo("2025-03-05T00:00:00Z");
  }

  @Test
  @DisplayName("the query runs over the widened window, so the answer matches its key")
  void report_queryUsesWidenedWindow(VertxTestContext ctx) {
    service.topRestaurants("2025-03-01T08:30:00Z", "2025-03-02T08:30:00Z", 5)
        .onComplete(ctx.succeeding(report -> ctx.verify(() -> {
          assertThat(queries).hasSize(1);
          JsonArray params = queries.get(0).getJsonArray("params");
          assertThat(params.getString(0)).isEqualTo("2025-03-01T00:00:00Z");
          assertThat(params.getString(1)).isEqualTo("2025-03-03T00:00:00Z");
          assertThat(report.getString("from")).isEqualTo("2025-03-01T00:00:00Z");
          assertThat(report.getString("to")).isEqualTo("2025-03-03T00:00:00Z");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("the length bound counts whole UTC days")
  void report_boundCountsWholeDays() {
    assertThat(ReportWindow.parse("2025-01-01", "2026-01-02", NOW).toText()).isEqualTo("2026-01-02T00:00:00Z");
    assertThatThrownBy(() -> ReportWindow.parse("2025-01-01T12:00:00Z", "2026-01-02T12:00:00Z", NOW))
        .hasMessageContaining("whole UTC days");
  }

  @Test
  @DisplayName("a window longer than 62 days is tagged by month")
  void report_longWindowMonthTags() {
    assertThat(ReportWindow.parse("2025-01-15", "2025-04-02", NOW).cacheTags()).isEqualTo(JsonArray.of(
        "analytics:events:2025-01", "analytics:events:2025-02", "analytics:events:2025-03",
        "analytics:events:2025-04"));
  }

  @Test
  @DisplayName("an insert invalidates the day and month tags of every day its events touch, in one transaction")
  void insert_invalidatesTouchedDays(VertxTestContext ctx) {
    JsonArray events = JsonArray.of(
        new JsonObject().put("type", "view").put("restaurant_id", 1).put("occurred_at", "2025-02-28T23:00:00-02:00"),
        new JsonObject().put("type", "view").put("restaurant_id", 1).put("occurred_at", "2025-03-05T10:00:00Z"),
        new JsonObject().put("type", "view").put("restaurant_id", 2).put("occurred_at", "2025-03-05T11:00:00Z"));
    service.recordBatch(events).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(transactions).hasSize(1);
      JsonObject tx = transactions.get(0);
      // the mark first: the trigger of V9 must see it and stay quiet, the tags below invalidate
      assertThat(tx.getJsonArray("statements")).hasSize(2);
      assertThat(tx.getJsonArray("statements").getJsonObject(0).getString("sql"))
          .isEqualTo(AnalyticsSql.MARK_SELF_INVALIDATING);
      assertThat(tx.getJsonObject("invalidate").getJsonArray("tags")).isEqualTo(JsonArray.of(
          "analytics:events:2025-03", "analytics:events:2025-03-01", "analytics:events:2025-03-05"));
      // the batch travels as column arrays, times normalized to UTC
      JsonArray params = tx.getJsonArray("statements").getJsonObject(1).getJsonArray("params");
      assertThat(params.getJsonArray(3)).isEqualTo(JsonArray.of(
          "2025-03-01T01:00:00Z", "2025-03-05T10:00:00Z", "2025-03-05T11:00:00Z"));
      assertThat(queries).isEmpty();
      ctx.completeNow();
    })));
  }
}
