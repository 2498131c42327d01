package io.consolidb.metrics;

import static io.consolidb.metrics.MeteredNode.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Slow-query detection, the performance summary and the admin slow-query report, on a node whose
 * slow-query threshold is 100 ms.
 */
class SlowQueryAndSummaryTest {

  private static final Set<Component> COMPONENTS = EnumSet.of(Component.QUERY, Component.METRICS, Component.HTTP);
  private static final JsonObject SLOW_AT_100_MS =
      new JsonObject().put("database", new JsonObject().put("slowQueryThresholdSeconds", 0.1));
  private static final String SECRET = "hunter2-7d1e";

  private static TestNode schema;
  private MeteredNode node;

  @BeforeAll
  static void migrate() throws Exception {
    schema = TestNode.create("metrics_slow");
  }

  @AfterAll
  static void drop() throws Exception {
    schema.close();
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("the summary's numbers match a known workload: 20 fast, 2 slow, 3 failing queries")
  void summary_matchesKnownWorkload() throws Exception {
    node = MeteredNode.start(schema, SLOW_AT_100_MS, COMPONENTS);
    // Opening the first connection may itself take longer than the threshold: do it beforehand
    node.queries.read("known.warmup", "SELECT 1", null).await(30, TimeUnit.SECONDS);
    JsonObject before = node.summary().getJsonObject("database_stats");

    for (int i = 0; i < 20; i++) {
      node.queries.read("known.fast", "SELECT $1::int AS n", new JsonArray().add(i)).await(30, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 2; i++) {
      node.queries.read("known.slow", "SELECT pg_sleep(0.25)", null).await(30, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> node.queries.read("known.error", "SELECT 1 / $1::int", new JsonArray().add(0)).await(30, TimeUnit.SECONDS))
          .hasMessageContaining("division by zero");
    }

    JsonObject summary = node.summary();
    JsonObject db = summary.getJsonObject("database_stats");
    assertThat(before.getLong("total_queries")).isEqualTo(1);
    assertThat(db.getLong("total_queries")).isEqualTo(26);
    assertThat(db.getLong("errors")).isEqualTo(3);
    assertThat(db.getDouble("error_rate_percent")).isEqualTo(Math.round(100 * 100.0 * 3 / 26) / 100.0);
    assertThat(db.getLong("slow_queries") - before.getLong("slow_queries")).isEqualTo(2);
    // the mean is the histogram's sum over its count; two statements of at least 250 ms among 26
    String scrape = node.scrape();
    double sum = value(scrape, "consolidb_db_query_duration_seconds_sum");
    double count = value(scrape, "consolidb_db_query_duration_seconds_count");
    assertThat(count).isEqualTo(26.0);
    assertThat(db.getDouble("avg_response_time_ms")).isCloseTo(sum * 1000 / count, within(0.01));
    assertThat(db.getDouble("avg_response_time_ms")).isGreaterThanOrEqualTo(500.0 / 26);
    // nearest rank: the 25th of 26 durations, and at most one (the warm-up) can beat the slow ones
    assertThat(db.getDouble("p95_response_time_ms")).isBetween(250.0, 5000.0);


    assertThat(summary.getJsonObject("cache_stats").getLong("hits")).isZero();
    assertThat(summary.getJsonObject("cache_stats").getDouble("hit_rate_percent")).isZero();
    JsonObject pool = summary.getJsonObject("connection_pool");
    assertThat(pool.fieldNames()).contains("size", "active", "idle", "waiting");
    assertThat(pool.getInteger("active")).isZero();
    assertThat(pool.getInteger("size")).isEqualTo(pool.getInteger("idle")).isBetween(1, 4);

    JsonObject entry = find(summary.getJsonArray("slowest_queries"), "known.slow");
    assertThat(entry.getString("sql")).isEqualTo("SELECT pg_sleep(?)");
    assertThat(entry.getString("operation")).isEqualTo("known.slow");
    assertThat(entry.getLong("count")).isEqualTo(2);
    assertThat(entry.getLong("duration_ms")).isGreaterThanOrEqualTo(250);
    assertThat(entry.getString("at")).isNotBlank();

    assertThat(value(scrape, "consolidb_db_errors_total", "sqlstate_class=\"22\"")).isEqualTo(3.0);
    assertThat(value(scrape, "consolidb_db_queries_total", "operation=\"known.error\"", "outcome=\"error\""))
        .isEqualTo(3.0);
    assertThat(value(scrape, "consolidb_db_slow_queries_total", "operation=\"known.slow\"")).isEqualTo(2.0);
    assertThat(value(scrape, "consolidb_db_query_duration_seconds_count", "operation=\"known.fast\"")).isEqualTo(20.0);

    // the same JSON over HTTP
    HttpResponse<Buffer> http = node.get("/metrics/summary");
    assertThat(http.statusCode()).isEqualTo(200);
    assertThat(http.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(http.bodyAsJsonObject().getJsonObject("database_stats").getLong("total_queries")).isEqualTo(26);
  }

  @Test
  @DisplayName("a slow query is counted, logged once at WARN without parameter values, and listed")
  void slowQuery_countedLoggedOnceListed() throws Exception {
    node = MeteredNode.start(schema, SLOW_AT_100_MS, COMPONENTS);
    Logger executorLog = (Logger) LoggerFactory.getLogger("io.consolidb.query.QueryExecutor");
    Logger rootLog = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    rootLog.addAppender(appender);
    try {
      node.queries.read("slow.secret", "SELECT pg_sleep(0.15), :secret::text AS s",
          new JsonObject().put("secret", SECRET)).await(30, TimeUnit.SECONDS);
    } finally {
      rootLog.detachAppender(appender);
    }
    List<ILoggingEvent> warnings = appender.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0).getLoggerName()).isEqualTo(executorLog.getName());
    assertThat(warnings.get(0).getFormattedMessage())
        .contains("slow query [slow.secret]")
        .contains("SELECT pg_sleep(?), :secret::text AS s")
        .doesNotContain(SECRET);

    assertThat(value(node.scrape(), "consolidb_db_slow_queries_total", "operation=\"slow.secret\"")).isEqualTo(1.0);
    JsonObject summary = node.summary();
    assertThat(summary.getJsonArray("slowest_queries").getJsonObject(0).getString("sql"))
        .isEqualTo("SELECT pg_sleep(?), :secret::text AS s");
    assertThat(summary.encode()).doesNotContain(SECRET);
    HttpResponse<Buffer> report = node.get(node.port, "/admin/queries/slow", MeteredNode.ADMIN_TOKEN);
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.bodyAsString()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("/admin/queries/slow returns each slow statement with its plan and a hint for a sequential scan of a large table")
  void slowReport_plansAndHints() throws Exception {
    node = MeteredNode.start(schema, SLOW_AT_100_MS, COMPONENTS);
    node.queries.write("test.setup", "CREATE TABLE IF NOT EXISTS big_unindexed AS"
        + " SELECT g AS id, g % 1000 AS val FROM generate_series(1, 20000) g", null).await(30, TimeUnit.SECONDS);
    node.queries.write("test.setup", "ANALYZE big_unindexed", null).await(30, TimeUnit.SECONDS);

    node.queries.read("big.by_val", "SELECT b.id FROM big_unindexed b, pg_sleep(0.15) s WHERE b.val = $1",
        new JsonArray().add(987654)).await(30, TimeUnit.SECONDS);
    node.queries.write("big.touch", "UPDATE big_unindexed SET val = val FROM pg_sleep(0.15) s WHERE id = $1",
        new JsonArray().add(1)).await(30, TimeUnit.SECONDS);

    HttpResponse<Buffer> response = node.get(node.port, "/admin/queries/slow", MeteredNode.ADMIN_TOKEN);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString()).doesNotContain("987654");
    JsonArray statements = response.bodyAsJsonObject().getJsonArray("slow_queries");
    JsonObject select = find(statements, "big.by_val");
    assertThat(select.getString("sql")).isEqualTo("SELECT b.id FROM big_unindexed b, pg_sleep(?) s WHERE b.val = $1");
    assertThat(select.getJsonObject("plan")).isNotNull();
    assertThat(select.getJsonObject("plan").encode()).contains("Seq Scan").contains("$1");
    assertThat(select.getJsonArray("hints")).hasSize(1);
    assertThat(select.getJsonArray("hints").getString(0))
        .startsWith("Sequential scan over big_unindexed (about 20000 rows)")
        .contains("index");

    JsonObject update = find(statements, "big.touch");
    assertThat(update.getValue("plan")).isNull();
    assertThat(update.getString("plan_unavailable")).contains("only single SELECT");
    // the write was never run again: it ran once (the slow-query count says so)
    assertThat(update.getLong("count")).isEqualTo(1);
  }

  @Test
  @DisplayName("/admin/queries/slow answers 401 without or with a wrong admin token")
  void slowReport_requiresAdminToken() {
    node = MeteredNode.start(schema, SLOW_AT_100_MS, COMPONENTS);
    HttpResponse<Buffer> none = node.get(node.port, "/admin/queries/slow", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(node.get(node.port, "/admin/queries/slow", "wrong-token").statusCode()).isEqualTo(401);
    // the API token is not the admin token
    assertThat(node.get(node.port, "/admin/queries/slow", "").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("/admin/queries/slow answers 403 when no token of the node holds the admin scope")
  void slowReport_forbiddenWithoutConfiguredToken() {
    node = MeteredNode.start(schema, SLOW_AT_100_MS.copy().put("http", new JsonObject().put("adminToken", "")),
        COMPONENTS);
    HttpResponse<Buffer> response = node.get(node.port, "/admin/queries/slow", MeteredNode.ADMIN_TOKEN);
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("no token of this node holds the scope admin");
  }

  private static JsonObject find(JsonArray statements, String operation) {
    for (int i = 0; i < statements.size(); i++) {
      if (operation.equals(statements.getJsonObject(i).getString("operation"))) {
        return statements.getJsonObject(i);
      }
    }
    throw new AssertionError("no slow statement of " + operation + " in " + statements.encodePrettily());
  }
}
