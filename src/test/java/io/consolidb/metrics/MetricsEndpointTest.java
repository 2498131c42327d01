package io.consolidb.metrics;

import static io.consolidb.metrics.MeteredNode.series;
import static io.consolidb.metrics.MeteredNode.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} of a whole node: Vert.x built-ins with bounded labels, the pool meters
 * moving under load, series that do not grow with request values, and the port options.
 */
class MetricsEndpointTest {

  private static final Set<Component> ALL = EnumSet.of(Component.QUERY, Component.METRICS, Component.RESTAURANTS,
      Component.HTTP);

  private static TestNode schema;
  private MeteredNode node;

  @BeforeAll
  static void migrate() {
    schema = TestNode.create("metrics_http");
    schema.reseed();
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
  @DisplayName("/metrics serves consolidb, pool, HTTP, event-bus and JVM meters, none labelled with a client port")
  void scrape_exportsBuiltinsAndOwnMeters() {
    node = MeteredNode.start(schema, new JsonObject(), ALL);
    assertThat(node.get("/api/v1/restaurants/1").statusCode()).isEqualTo(200);

    HttpResponse<Buffer> response = node.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/plain");
    String scrape = response.bodyAsString();
    assertThat(value(scrape, "consolidb_db_queries_total", "operation=\"restaurants.get\"", "outcome=\"success\""))
        .isEqualTo(1.0);
    assertThat(scrape)
        .contains("consolidb_db_query_duration_seconds_bucket{operation=\"restaurants.get\",le=\"1.0E-4\"}")
        .contains("consolidb_db_query_duration_seconds_bucket{operation=\"restaurants.get\",le=\"10.0\"}")
        .contains("vertx_pool_in_use{pool_name=\"consolidb\",pool_type=\"sql\"}")
        .contains("vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/api/v1/restaurants/:id\"}")
        .contains("vertx_eventbus_processed_total{address=\"consolidb.db.query\"")
        .contains("jvm_memory_used_bytes");
    assertThat(scrape).doesNotContain("remote=").doesNotContain("path=");
  }

  @Test
  @DisplayName("a restaurant the route answers from the local tier is counted under the route's label, as a miss is")
  void localHits_keepTheRouteLabel() {
    node = MeteredNode.start(schema, new JsonObject().put("cache", new JsonObject().put("enabled", true)
        .put("localEnabled", true)), EnumSet.of(Component.QUERY, Component.CACHE, Component.METRICS,
        Component.RESTAURANTS, Component.HTTP));
    assertThat(node.get("/api/v1/restaurants/3").getHeader("X-Cache")).isEqualTo("MISS");
    HttpResponse<Buffer> hit = node.get("/api/v1/restaurants/3");
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");

    String scrape = node.get("/metrics").bodyAsString();
    assertThat(value(scrape, "vertx_http_server_requests_total", "route=\"/api/v1/restaurants/:id\"", "code=\"200\""))
        .isEqualTo(2.0);
    assertThat(scrape).doesNotContain("route=\"/api/v1/restaurants/>");
  }

  @Test
  @DisplayName("vertx_pool_in_use and vertx_pool_completed_total of pool consolidb move under load")
  void poolMeters_moveUnderLoad() throws Exception {
    node = MeteredNode.start(schema, new JsonObject(), ALL);
    String before = node.scrape();
    double completedBefore = value(before, "vertx_pool_completed_total", "pool_name=\"consolidb\"");
    assertThat(value(before, "vertx_pool_in_use", "pool_name=\"consolidb\"")).isZero();

    // Four statements that hold the pool's four connections for a while
    List<Future<QueryResult>> sleeping = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      sleeping.add(node.queries.read("test.sleep", "SELECT pg_sleep(0.6)", null));
    }
    double inUse = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (inUse < 4 && System.nanoTime() < deadline) {
      Thread.sleep(20);
      inUse = value(node.scrape(), "vertx_pool_in_use", "pool_name=\"consolidb\"");
    }
    assertThat(inUse).as("connections in use while four statements sleep").isEqualTo(4.0);
    Future.all(sleeping).await(10, TimeUnit.SECONDS);

    // and a burst of lookups by id: they run on the pipelined lookup connections, metered as their own pool
    double lookupsBefore = value(node.scrape(), "vertx_pool_completed_total", "pool_name=\"consolidb-lookups\"");
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      burst.add(node.web.get("/api/v1/restaurants/" + (1 + i % 5)).send());
    }
    Future.all(burst).await(30, TimeUnit.SECONDS);

    String after = node.scrape();
    assertThat(value(after, "vertx_pool_in_use", "pool_name=\"consolidb\"")).isZero();
    assertThat(value(after, "vertx_pool_completed_total", "pool_name=\"consolidb\"") - completedBefore)
        .isGreaterThanOrEqualTo(4.0);
    assertThat(value(after, "vertx_pool_usage_seconds_count", "pool_name=\"consolidb\"")).isGreaterThanOrEqualTo(4.0);
    assertThat(value(after, "vertx_pool_completed_total", "pool_name=\"consolidb-lookups\"") - lookupsBefore)
        .as("lookups completed on the pipelined connections").isGreaterThanOrEqualTo(200.0);
  }

  @Test
  @DisplayName("1000 distinct restaurant ids and 1000 distinct searches add no series")
  void cardinality_doesNotGrowWithRequestValues() throws Exception {
    // 64 requests at a time: waiting for room in the searches class is fine here (this test counts
    // series, not bulkheads); on a loaded machine the default 25 ms wait turned some into 429s
    node = MeteredNode.start(schema, new JsonObject().put("http", new JsonObject()
        .put("limits", new JsonObject().put("queueWaitMs", 10_000))), ALL);
    // Warm up every route and outcome once: found, not found, search hits and misses
    drive(List.of(1L, 999_999L), List.of("Pizza", "nothing-matches-this"));
    node.scrape(); // the scrape is an HTTP request too: its own series exist from the second one on
    Set<String> warm = bounded(series(node.scrape()));

    List<Long> ids = new ArrayList<>();
    List<String> queries = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(1000L + i * 7919L);
      queries.add("term-" + i + " " + Integer.toHexString(i * 31));
    }
    drive(ids, queries);
    String scrape = node.scrape();
    Set<String> loaded = bounded(series(scrape));

    Set<String> added = new java.util.TreeSet<>(loaded);
    added.removeAll(warm);
    assertThat(added).as("series added by 2000 distinct requests").isEmpty();
    assertThat(loaded).isEqualTo(warm);
    assertThat(scrape).doesNotContain("term-999").doesNotContain(String.valueOf(1000L + 999 * 7919L));
    assertThat(value(scrape, "consolidb_db_queries_total", "operation=\"restaurants.get\"")).isEqualTo(1002.0);
    assertThat(value(scrape, "consolidb_db_queries_total", "operation=\"restaurants.search\"")).isEqualTo(1002.0);
  }

  /** consolidb and Vert.x series; JVM and process series change for reasons of their own (GC causes). */
  private static Set<String> bounded(Set<String> series) {
    return series.stream().filter(s -> s.startsWith("consolidb_") || s.startsWith("vertx_"))
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  private void drive(List<Long> ids, List<String> searches) throws Exception {
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      calls.add(node.web.get("/api/v1/restaurants/" + ids.get(i)).send());
      calls.add(node.web.get("/api/v1/restaurants/search?q="
          + URLEncoder.encode(searches.get(i), StandardCharsets.UTF_8)).send());
      if (calls.size() >= 64) {
        Future.all(calls).await(30, TimeUnit.SECONDS);
        calls.forEach(c -> assertThat(c.result().statusCode()).isIn(200, 404));
        calls.clear();
      }
    }
    Future.all(calls).await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("with metrics.port set, /metrics is served there and not on the API port")
  void metricsPort_servesMetricsSeparately() {
    int metricsPort = TestNode.freePort();
    node = MeteredNode.start(schema, new JsonObject().put("metrics", new JsonObject().put("port", metricsPort)), ALL);
    assertThat(node.get("/metrics").statusCode()).isEqualTo(404);
    HttpResponse<Buffer> separate = node.get(metricsPort, "/metrics", null);
    assertThat(separate.statusCode()).isEqualTo(200);
    assertThat(separate.bodyAsString()).contains("vertx_pool_in_use");
    assertThat(node.get("/metrics/summary").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("with metrics off, /metrics is 404 and the summary still answers, its counts at zero")
  void metricsOff_noEndpointSummaryStillAnswers() {
    node = MeteredNode.start(schema, new JsonObject().put("metrics", new JsonObject().put("enabled", false)), ALL);
    assertThat(node.get("/api/v1/restaurants/1").statusCode()).isEqualTo(200);
    assertThat(node.get("/metrics").statusCode()).isEqualTo(404);
    HttpResponse<Buffer> summary = node.get("/metrics/summary");
    assertThat(summary.statusCode()).isEqualTo(200);
    JsonObject body = summary.bodyAsJsonObject();
    assertThat(body.getBoolean("metrics_enabled")).isFalse();
    assertThat(body.getJsonObject("database_stats").getLong("total_queries")).isZero();
    assertThat(body.getJsonObject("connection_pool").getInteger("max_size")).isEqualTo(4);
    assertThat(body.getJsonArray("slowest_queries")).isEqualTo(new JsonArray());
  }
}
