package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The status page's routes over HTTP on a whole node (PostgreSQL through a proxy, Redis, metrics
 * on): the page's files are self-contained under a strict Content-Security-Policy, the data needs
 * the metrics scope and shows slow statements to admin only, never a secret, and keeps answering
 * at once while PostgreSQL does not answer at all.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusDataTest {

  private static StatusNode node;

  @BeforeAll
  static void start() throws Exception {
    node = StatusNode.start("status_data");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("the page, its script and style are served without a token, under a CSP that allows only this node")
  void page_selfContained_underStrictPolicy() {
    HttpResponse<Buffer> page = node.get("/status", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    String csp = page.getHeader("Content-Security-Policy");
    assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
        "frame-ancestors 'none'").doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");

    String html = page.bodyAsString();
    assertThat(html).doesNotContain("http://", "https://", "url(", "@import", " style=")
        .doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>") // no inline script: every script has a src
        .doesNotContainPattern("\\son[a-z]+=");                  // nor inline event handlers
    List<String> references = new ArrayList<>();
    Matcher m = Pattern.compile("\\s(?:src|href)=\"([^\"]*)\"").matcher(html);
    while (m.find()) {
      references.add(m.group(1));
    }
    assertThat(references).containsExactlyInAnyOrder("data:,", "/status/app.css", "/status/app.js");

    for (String path : new String[] {"/status/app.js", "/status/app.css"}) {
      HttpResponse<Buffer> file = node.get(path, null);
      assertThat(file.statusCode()).as(path).isEqualTo(200);
      assertThat(file.getHeader("Content-Security-Policy")).as(path).isEqualTo(csp);
      assertThat(file.bodyAsString()).as(path).doesNotContain("http:", "https:", "//", "url(", "@import",
          "innerHTML", "localStorage", "document.cookie");
    }
    assertThat(node.get("/status/app.js", null).getHeader("Content-Type")).startsWith("text/javascript");
    assertThat(node.get("/status/app.js", null).bodyAsString()).contains("sessionStorage", "'/status/data'");
  }

  @Test
  @DisplayName("HEAD /status answers GET's headers without a body; POST answers 405 with Allow")
  void page_head_andOtherMethods() {
    int length = node.get("/status", null).body().length();
    HttpResponse<Buffer> head = node.send(HttpMethod.HEAD, "/status", null);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.getHeader("Content-Length")).isEqualTo(Integer.toString(length));
    assertThat(head.body()).isNull();
    HttpResponse<Buffer> post = node.send(HttpMethod.POST, "/status/data", StatusNode.METRICS_TOKEN);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.getHeader("Allow")).isEqualTo("GET, HEAD");
    assertThat(node.send(HttpMethod.HEAD, "/status/data", StatusNode.METRICS_TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("/status/data: 401 without a token, 403 for a token without metrics, 200 no-store with metrics")
  void data_needsMetricsScope() {
    HttpResponse<Buffer> anonymous = node.get("/status/data", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.getHeader("WWW-Authenticate")).contains("scope=\"metrics\"");
    assertThat(node.get("/status/data", "not-a-token-of-this-node").statusCode()).isEqualTo(401);
    assertThat(node.get("/status/data", StatusNode.API_TOKEN).statusCode()).isEqualTo(403);

    HttpResponse<Buffer> viewer = node.get("/status/data", StatusNode.METRICS_TOKEN);
    assertThat(viewer.statusCode()).isEqualTo(200);
    assertThat(viewer.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(viewer.getHeader("Content-Type")).isEqualTo("application/json");
    JsonObject data = viewer.bodyAsJsonObject();
    assertThat(data.fieldNames()).contains("generated_at", "node", "health", "transitions", "pool", "cache",
        "database", "traffic", "cluster", "replicas").doesNotContain("slow_queries");
    assertThat(data.getJsonObject("health").getString("status")).isIn("HEALTHY", "DEGRADED");
    assertThat(data.getJsonObject("health").getJsonObject("checks").fieldNames()).contains("database", "redis");
    assertThat(data.getJsonArray("transitions")).isNotEmpty(); // UNKNOWN -> the first level
    assertThat(data.getJsonObject("pool").getInteger("max_size")).isEqualTo(4);
    assertThat(data.getJsonObject("cache").getString("redis_state")).isEqualTo("up");
    assertThat(data.getJsonObject("cluster").getBoolean("enabled")).isFalse();
    assertThat(data.getJsonObject("replicas").getBoolean("configured")).isFalse();
  }

  @Test
  @DisplayName("the gauges count the node's traffic: requests per second and mean latency per interval, cache hits")
  void data_countsTraffic() throws Exception {
    assertThat(node.drive(12)).isEqualTo(200);
    JsonObject data = awaitData(StatusNode.METRICS_TOKEN, d -> lastSample(d) != null
        && lastSample(d).getDouble("requests_per_second") > 0, 10_000);
    JsonObject traffic = data.getJsonObject("traffic");
    assertThat(traffic.getDouble("interval_seconds")).isEqualTo(2.0);
    assertThat(traffic.getString("latency")).isEqualTo("mean");
    JsonObject busy = traffic.getJsonArray("samples").stream().map(JsonObject.class::cast)
        .filter(s -> s.getDouble("requests_per_second") > 0).reduce((a, b) -> b).orElseThrow();
    assertThat(busy.getDouble("mean_ms")).isPositive();
    assertThat(data.getJsonObject("cache").getLong("hits")).isPositive();
    assertThat(data.getJsonObject("cache").getLong("misses")).isPositive();
    assertThat(data.getJsonObject("database").getLong("total_queries")).isPositive();
  }

  @Test
  @DisplayName("the page's own polling is not counted as traffic")
  void data_pollingIsNotTraffic() throws Exception {
    // Only /status/data for two full intervals and more: the newest sample must show no request.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5_000);
    JsonObject data = null;
    while (System.nanoTime() < until) {
      data = node.get("/status/data", StatusNode.METRICS_TOKEN).bodyAsJsonObject();
      Thread.sleep(100);
    }
    assertThat(lastSample(data).getDouble("requests_per_second")).isZero();
  }

  @Test
  @DisplayName("slow statements only for an admin token, normalized: no literal, no secret anywhere in the data")
  void data_slowQueriesForAdminOnly_noSecrets() throws Exception {
    node.slowQuery();
    JsonObject admin = node.get("/status/data", StatusNode.ADMIN_TOKEN).bodyAsJsonObject();
    JsonArray slow = admin.getJsonArray("slow_queries");
    assertThat(slow).isNotNull();
    assertThat(slow.stream().map(JsonObject.class::cast).map(q -> q.getString("sql")))
        .contains("SELECT pg_sleep(?), ?::text AS s");
    JsonObject viewer = node.get("/status/data", StatusNode.METRICS_TOKEN).bodyAsJsonObject();
    assertThat(viewer.containsKey("slow_queries")).isFalse();
    assertThat(viewer.encode()).doesNotContain("pg_sleep");

    for (String body : new String[] {admin.encode(), viewer.encode()}) {
      assertThat(body).doesNotContain(StatusNode.LITERAL, TestNode.databasePassword(), StatusNode.METRICS_TOKEN,
          StatusNode.ADMIN_TOKEN, StatusNode.API_TOKEN, node.schema.databaseUrl(), "postgresql://", "redis://");
    }
  }

  @Test
  @Order(Integer.MAX_VALUE)
  @DisplayName("PostgreSQL not answering at all: the data still answers 200 at once and shows the level falling")
  void data_answersWhileDatabaseHangs() throws Exception {
    node.database.freeze();
    try {
      long slowestMs = 0;
      JsonObject data;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      do {
        long started = System.nanoTime();
        HttpResponse<Buffer> response = node.get("/status/data", StatusNode.METRICS_TOKEN);
        slowestMs = Math.max(slowestMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertThat(response.statusCode()).isEqualTo(200);
        data = response.bodyAsJsonObject();
        Thread.sleep(200);
      } while (data.getJsonObject("health").getString("status").matches("HEALTHY|DEGRADED")
          && System.nanoTime() < until);
      assertThat(data.getJsonObject("health").getString("status")).isIn("UNHEALTHY", "CRITICAL");
      assertThat(data.getJsonObject("health").getString("reason")).startsWith("database");
      // every part answers from memory; the bound only leaves room for a noisy machine
      assertThat(slowestMs).as("slowest /status/data while PostgreSQL hangs").isLessThan(1000);
    } finally {
      node.database.thaw();
    }
  }

  private static JsonObject lastSample(JsonObject data) {
    JsonArray samples = data.getJsonObject("traffic").getJsonArray("samples");
    return samples.isEmpty() ? null : samples.getJsonObject(samples.size() - 1);
  }

  private static JsonObject awaitData(String token, java.util.function.Predicate<JsonObject> done, long withinMs)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMs);
    JsonObject data;
    do {
      data = node.get("/status/data", token).bodyAsJsonObject();
      if (done.test(data)) {
        return data;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < until);
    throw new AssertionError("not within " + withinMs + " ms: " + data.encodePrettily());
  }
}
