package io.consolidb.http;

import io.consolidb.Addresses;
import io.consolidb.metrics.TrafficSeries;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * The status page's data ({@code GET /status/data}), put together from what this node already
 * holds: the health monitor's last report and level changes, the metrics summary (pool as it is
 * now, cache and query counts, slowest statements), and the {@link TrafficSeries}. Every part is
 * read from a node-local consumer that answers from memory, never from the database, so the page
 * keeps answering during an outage; a part that does not answer within {@value #PART_TIMEOUT_MS}
 * ms is shown as unavailable rather than failing the whole.
 */
final class StatusData {

  static final int TRANSITIONS = 10;
  static final long PART_TIMEOUT_MS = 1000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setSendTimeout(PART_TIMEOUT_MS);

  private final Vertx vertx;
  private final TrafficSeries traffic;
  private final long sampleIntervalMs;

  StatusData(Vertx vertx, TrafficSeries traffic, long sampleIntervalMs) {
    this.vertx = vertx;
    this.traffic = traffic;
    this.sampleIntervalMs = sampleIntervalMs;
  }

  /** The data; {@code slowQueries} only for a token holding admin. Never fails. */
  Future<JsonObject> read(boolean slowQueries) {
    Future<JsonObject> report = ask(Addresses.HEALTH_STATUS, new JsonObject(), "no health monitor answers on this node");
    Future<JsonObject> history = ask(Addresses.HEALTH_STATUS, new JsonObject().put("history", TRANSITIONS),
        "no health monitor answers on this node");
    Future<JsonObject> summary = ask(Addresses.METRICS_SUMMARY, new JsonObject(),
        "no metrics component answers on this node");
    return Future.join(report, history, summary).otherwiseEmpty().map(v -> {
      JsonObject health = report.result();
      JsonObject metrics = summary.result();
      JsonObject data = new JsonObject()
          .put("generated_at", Instant.now().toString())
          .put("health", health(health))
          .put("transitions", history.result().getJsonArray("transitions", new JsonArray()))
          .put("pool", metrics.getJsonObject("connection_pool", health.getJsonObject("connection_pool",
              unavailable(metrics))))
          .put("cache", cache(metrics, health))
          .put("database", metrics.getJsonObject("database_stats", unavailable(metrics)))
          .put("traffic", traffic())
          .put("cluster", health.getJsonObject("cluster", new JsonObject().put("enabled", false)))
          // read replicas do not exist yet: say so rather than draw an empty block
          .put("replicas", new JsonObject().put("configured", false));
      if (health.containsKey("node")) {
        data.put("node", health.getString("node"));
      }
      if (slowQueries) {
        data.put("slow_queries", metrics.getJsonArray("slowest_queries", new JsonArray()));
      }
      return data;
    });
  }

  /** The level and what led to it, without the report's bulkier parts (shown elsewhere on the page). */
  private static JsonObject health(JsonObject report) {
    JsonObject health = new JsonObject().put("status", report.getString("status", "UNKNOWN"));
    if (report.getString("unavailable") != null) {
      health.put("reason", report.getString("unavailable"));
    }
    for (String key : new String[] {"since", "checked_at", "reason", "consecutive_failures", "response_time_ms"}) {
      if (report.getValue(key) != null) {
        health.put(key, report.getValue(key));
      }
    }
    JsonObject checks = new JsonObject();
    report.getJsonObject("checks", new JsonObject()).forEach(e -> {
      JsonObject check = (JsonObject) e.getValue();
      JsonObject shown = new JsonObject().put("status", check.getString("status"));
      if (check.getString("reason") != null) {
        shown.put("reason", check.getString("reason"));
      }
      checks.put(e.getKey(), shown);
    });
    return health.put("checks", checks);
  }

  /** Hits, misses and rate from the summary; entries and Redis state from the last health round. */
  private static JsonObject cache(JsonObject metrics, JsonObject report) {
    JsonObject cache = metrics.getJsonObject("cache_stats", unavailable(metrics)).copy();
    JsonObject stats = report.getJsonObject("cache", new JsonObject());
    JsonObject local = stats.getJsonObject("local");
    JsonObject redis = stats.getJsonObject("redis");
    if (local != null) {
      cache.put("local_entries", local.getValue("entries"));
    }
    if (redis != null) {
      cache.put("redis_state", redis.getString("state"));
    }
    if (stats.getString("reason") != null) {
      cache.put("note", stats.getString("reason"));
    }
    return cache;
  }

  private JsonObject traffic() {
    JsonObject json = new JsonObject().put("interval_seconds", sampleIntervalMs / 1000.0).put("latency", "mean");
    if (!traffic.available()) {
      return json.put("samples", new JsonArray()).put("unavailable", "metrics are off on this node");
    }
    return json.put("samples", traffic.toJson());
  }

  private static JsonObject unavailable(JsonObject part) {
    return new JsonObject().put("unavailable", part.getString("unavailable", "not reported"));
  }

  /** A node-local answer, or {@code {unavailable: why}} when there is none. */
  private Future<JsonObject> ask(String address, JsonObject request, String absent) {
    return vertx.eventBus().<JsonObject>request(address, request, LOCAL)
        .map(reply -> reply.body() == null ? new JsonObject() : reply.body().copy())
        .otherwise(failure -> new JsonObject().put("status", "UNKNOWN").put("unavailable", absent));
  }
}
