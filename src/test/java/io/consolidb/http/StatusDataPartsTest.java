package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.metrics.TrafficSeries;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How the status page's data is put together from its parts, with stand-ins for the health
 * monitor and the metrics summary on their real bus addresses: what is taken from each, and what
 * is shown when a part is missing or answers with nothing. {@link StatusDataTest} reads it from a
 * whole node.
 */
@DisplayName("Status page data, part by part")
class StatusDataPartsTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private StatusData data(boolean metricsOn) {
    TrafficSeries traffic = new TrafficSeries(metricsOn ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
        : new SimpleMeterRegistry(), 10, StatusRoutes.PAGE);
    return new StatusData(vertx, traffic, 5_000);
  }

  private void monitor(JsonObject report, JsonObject history) {
    Await.result(vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH_STATUS, m ->
        m.reply(m.body().containsKey("history") ? history : report)).completion());
  }

  private void summary(JsonObject summary) {
    Await.result(vertx.eventBus().<JsonObject>consumer(Addresses.METRICS_SUMMARY, m -> m.reply(summary)).completion());
  }

  private static final JsonObject REPORT = new JsonObject()
      .put("status", "DEGRADED").put("node", "node-7").put("since", "2026-12-06T10:00:00Z")
      .put("checked_at", "2026-12-06T10:00:05Z").put("reason", "redis is down").put("consecutive_failures", 2)
      .put("response_time_ms", 12).put("bulky", new JsonArray().add("not shown"))
      .put("checks", new JsonObject()
          .put("database", new JsonObject().put("status", "UP").put("details", new JsonObject().put("x", 1)))
          .put("redis", new JsonObject().put("status", "DOWN").put("reason", "connection refused")))
      .put("connection_pool", new JsonObject().put("size", 4))
      .put("cache", new JsonObject().put("local", new JsonObject().put("entries", 12))
          .put("redis", new JsonObject().put("state", "down")).put("reason", "serving from the local tier"))
      .put("cluster", new JsonObject().put("enabled", true).put("members", 3));

  private static final JsonObject SUMMARY = new JsonObject()
      .put("connection_pool", new JsonObject().put("size", 8).put("in_use", 1))
      .put("cache_stats", new JsonObject().put("hits", 5).put("misses", 1))
      .put("database_stats", new JsonObject().put("queries", 40))
      .put("slowest_queries", new JsonArray().add(new JsonObject().put("sql", "SELECT $1")));

  @Test
  @DisplayName("both parts answer: the level with what led to it, checks without their details, pool and database from the summary, cache from both")
  void everyPartAnswers() {
    monitor(REPORT, new JsonObject().put("transitions", new JsonArray().add(new JsonObject().put("to", "DEGRADED"))));
    summary(SUMMARY);

    JsonObject data = Await.result(data(true).read(false));

    assertThat(data.getString("generated_at")).isNotBlank();
    assertThat(data.getString("node")).isEqualTo("node-7");
    JsonObject health = data.getJsonObject("health");
    assertThat(health.fieldNames()).containsExactlyInAnyOrder("status", "since", "checked_at", "reason",
        "consecutive_failures", "response_time_ms", "checks");
    assertThat(health.getString("status")).isEqualTo("DEGRADED");
    assertThat(health.getString("reason")).isEqualTo("redis is down");
    assertThat(health.getJsonObject("checks")).isEqualTo(new JsonObject()
        .put("database", new JsonObject().put("status", "UP"))
        .put("redis", new JsonObject().put("status", "DOWN").put("reason", "connection refused")));
    assertThat(data.getJsonArray("transitions")).hasSize(1);
    assertThat(data.getJsonObject("pool")).as("the summary's, newer than the report's").isEqualTo(
        SUMMARY.getJsonObject("connection_pool"));
    assertThat(data.getJsonObject("cache")).isEqualTo(new JsonObject().put("hits", 5).put("misses", 1)
        .put("local_entries", 12).put("redis_state", "down").put("note", "serving from the local tier"));
    assertThat(data.getJsonObject("database")).isEqualTo(SUMMARY.getJsonObject("database_stats"));
    assertThat(data.getJsonObject("cluster")).isEqualTo(REPORT.getJsonObject("cluster"));
    assertThat(data.getJsonObject("replicas")).isEqualTo(new JsonObject().put("configured", false));
    assertThat(data.getJsonObject("traffic").getJsonArray("samples")).isEmpty();
    assertThat(data.getJsonObject("traffic").containsKey("unavailable")).isFalse();
    assertThat(data.getJsonObject("traffic").getDouble("interval_seconds")).isEqualTo(5.0);
    assertThat(data.containsKey("slow_queries")).isFalse();
    assertThat(SUMMARY.getJsonObject("cache_stats").containsKey("local_entries")).as("the summary is not changed")
        .isFalse();

    assertThat(Await.result(data(true).read(true)).getJsonArray("slow_queries"))
        .isEqualTo(SUMMARY.getJsonArray("slowest_queries"));
  }

  @Test
  @DisplayName("no monitor and no metrics on the node: each part says it is unavailable and why; the data still answers")
  void partsMissing() {
    JsonObject data = Await.result(data(false).read(true));

    assertThat(data.getJsonObject("health")).isEqualTo(new JsonObject().put("status", "UNKNOWN")
        .put("reason", "no health monitor answers on this node").put("checks", new JsonObject()));
    JsonObject noMetrics = new JsonObject().put("unavailable", "no metrics component answers on this node");
    assertThat(data.getJsonObject("pool")).isEqualTo(noMetrics);
    assertThat(data.getJsonObject("cache")).isEqualTo(noMetrics);
    assertThat(data.getJsonObject("database")).isEqualTo(noMetrics);
    assertThat(data.getJsonArray("transitions")).isEmpty();
    assertThat(data.getJsonObject("cluster")).isEqualTo(new JsonObject().put("enabled", false));
    assertThat(data.containsKey("node")).isFalse();
    assertThat(data.getJsonArray("slow_queries")).isEmpty();
    assertThat(data.getJsonObject("traffic").getString("unavailable")).isEqualTo("metrics are off on this node");
  }

  @Test
  @DisplayName("parts that answer with little: the pool from the report when the summary has none, nothing invented")
  void partsAnswerWithLittle() {
    monitor(new JsonObject().put("connection_pool", new JsonObject().put("size", 4))
        .put("checks", new JsonObject().put("database", new JsonObject().put("status", "UP"))), null); // history: an empty reply
    summary(new JsonObject());

    JsonObject data = Await.result(data(true).read(false));

    assertThat(data.getJsonObject("health")).isEqualTo(new JsonObject().put("status", "UNKNOWN")
        .put("checks", new JsonObject().put("database", new JsonObject().put("status", "UP"))));
    assertThat(data.getJsonObject("pool")).isEqualTo(new JsonObject().put("size", 4));
    assertThat(data.getJsonObject("cache")).isEqualTo(new JsonObject().put("unavailable", "not reported"));
    assertThat(data.getJsonObject("database")).isEqualTo(new JsonObject().put("unavailable", "not reported"));
    assertThat(data.getJsonArray("transitions")).isEmpty();
  }
}
