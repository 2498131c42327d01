package io.consolidb.analytics.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.query.QueryClient;
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
 * What the analytics service asks of the cache tier, seen by a stand-in for the query verticle:
 * reports carry {@code cache: {ttlSeconds, key, tags}} whose key encodes the window and whose tags
 * name the days covered; inserts carry {@code invalidate: {tags}} naming the days and months
 * touched. Whether the cache honours them is the cache tier's test; this one pins the contract.
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
    service = new AnalyticsServiceImpl(new QueryClient(vertx, 1000), 120, clock);
    ctx.completeNow();
  }

  @Test
  @DisplayName("a report is cached under a key encoding its window, tagged with each day it covers")
  void report_cacheKeyAndDayTags(VertxTestContext ctx) {
    service.topRestaurants("2025-03-01", "2025-03-04", 5).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      JsonObject cache = queries.get(0).getJsonObject("cache");
      assertThat(cache.getInteger("ttlSeconds")).isEqualTo(120);
      assertThat(cache.getString("key")).isEqualTo("analytics:top:2025-03-01T00:00:00Z:2025-03-04T00:00:00Z:5");
      assertThat(cache.getJsonArray("tags")).isEqualTo(JsonArray.of(
          "analytics:events:2025-03-01", "analytics:events:2025-03-02", "analytics:events:2025-03-03"));
      assertThat(queries.get(0).getBoolean("readOnly")).isTrue();
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("each report has its own key; the default window is the last 7 whole days")
  void report_keysDiffer(VertxTestContext ctx) {
    service.activeUsers(null, null)
        .compose(r -> service.eventCounts(null, null, null))
        .compose(r -> service.eventCounts(null, null, "view"))
        .compose(r -> service.restaurantViews(7, null, null))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          String window = "2025-03-04T00:00:00Z:2025-03-11T00:00:00Z";
          assertThat(queries.stream().map(q -> q.getJsonObject("cache").getString("key")).toList()).containsExactly(
              "analytics:dau:" + window, "analytics:counts:" + window + ":*",
              "analytics:counts:" + window + ":view", "analytics:views:" + window + ":7");
          assertThat(queries.get(0).getJsonObject("cache").getJsonArray("tags")).hasSize(7);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a window longer than 62 days is tagged by month")
  void report_longWindowMonthTags(VertxTestContext ctx) {
    service.activeUsers("2025-01-15", "2025-04-02").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(queries.get(0).getJsonObject("cache").getJsonArray("tags")).isEqualTo(JsonArray.of(
          "analytics:events:2025-01", "analytics:events:2025-02", "analytics:events:2025-03",
          "analytics:events:2025-04"));
      ctx.completeNow();
    })));
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
      assertThat(tx.getJsonArray("statements")).hasSize(1);
      assertThat(tx.getJsonObject("invalidate").getJsonArray("tags")).isEqualTo(JsonArray.of(
          "analytics:events:2025-03", "analytics:events:2025-03-01", "analytics:events:2025-03-05"));
      // the batch travels as column arrays, times normalized to UTC
      JsonArray params = tx.getJsonArray("statements").getJsonObject(0).getJsonArray("params");
      assertThat(params.getJsonArray(3)).isEqualTo(JsonArray.of(
          "2025-03-01T01:00:00Z", "2025-03-05T10:00:00Z", "2025-03-05T11:00:00Z"));
      assertThat(queries).isEmpty();
      ctx.completeNow();
    })));
  }
}
