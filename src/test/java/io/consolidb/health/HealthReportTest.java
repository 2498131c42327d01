package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What {@code /health} and its siblings show, and what they never show. */
class HealthReportTest {

  private Vertx vertx;
  private HealthFixture node;

  @BeforeEach
  void create() {
    vertx = Vertx.vertx();
    node = new HealthFixture(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the full report carries status, checks, connection_pool, cache, cluster, response time, failures,"
      + " since and node; cache is unknown and LISTEN omitted while no cache service runs; outside a cluster the"
      + " cluster section says only so, with no cluster check and no members gauge")
  void report_shape() throws Exception {
    node.deploy(node.config(4, new JsonObject()));
    HttpResponse<Buffer> response = node.get("/health");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject report = response.bodyAsJsonObject();
    assertThat(report.getString("status")).isEqualTo("HEALTHY");
    assertThat(report.fieldNames()).contains("status", "checks", "connection_pool", "cache", "cluster",
        "response_time_ms", "consecutive_failures", "since", "node", "checked_at");
    assertThat(report.getJsonObject("cluster")).isEqualTo(new JsonObject().put("enabled", false));
    assertThat(report.getJsonObject("checks").fieldNames()).doesNotContain("cluster");
    assertThat(node.registry().find("consolidb.cluster.members").gauge()).isNull();
    assertThat(report.getJsonObject("connection_pool").fieldNames())
        .contains("size", "active", "idle", "waiting", "utilization");
    assertThat(report.getJsonObject("checks").fieldNames()).doesNotContain("cache", "listen");
    assertThat(report.getJsonObject("cache").getString("status")).isEqualTo("unknown");
    assertThat(report.getInteger("response_time_ms")).isNotNull().isLessThan(1000);
    assertThat(report.getString("node")).endsWith(":" + node.httpPort);
    assertThat(node.get("/health/ready").bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("status", "UP").put("level", "HEALTHY"));
  }

  @Test
  @DisplayName("the cache service's statistics appear in the report, and a lost LISTEN subscription degrades the node")
  void cacheStats_includedWithListenState() throws Exception {
    AtomicBoolean listening = new AtomicBoolean(true);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.CACHE_STATS, message -> message.reply(new JsonObject()
        .put("hit_rate_percent", 91.5)
        .put("tier", "redis")
        .put("fallback", false)
        .put("redis_url", "redis://:cache-pw@127.0.0.1:6379")
        .put("listen", new JsonObject().put("connected", listening.get()))));
    node.deploy(node.config(4, new JsonObject()));

    JsonObject healthy = node.awaitLevel("HEALTHY", 2000);
    assertThat(healthy.getJsonObject("cache").getDouble("hit_rate_percent")).isEqualTo(91.5);
    assertThat(healthy.getJsonObject("cache").getString("tier")).isEqualTo("redis");
    assertThat(healthy.getJsonObject("checks").getJsonObject("cache").getString("status")).isEqualTo("UP");
    assertThat(healthy.getJsonObject("checks").getJsonObject("listen").getString("status")).isEqualTo("UP");
    assertThat(healthy.encode()).doesNotContain("cache-pw");

    listening.set(false);
    JsonObject degraded = node.awaitLevel("DEGRADED", 2000);
    assertThat(degraded.getString("reason")).isEqualTo("listen: the LISTEN subscription is disconnected");
    listening.set(true);
    node.awaitLevel("HEALTHY", 2000);
    node.assertTransitionsMatchAlerts();
  }

  @Test
  @DisplayName("/health/history answers the newest rounds first, and a bad limit is a 400 problem naming it")
  void history_limit() throws Exception {
    node.deploy(node.config(4, new JsonObject()));
    Await.until("two rounds in the history", 5000,
        () -> node.history(2).getJsonArray("checks").size() == 2);
    JsonObject history = node.history(2);
    assertThat(history.getJsonArray("checks")).hasSize(2);
    assertThat(history.getJsonArray("checks").getJsonObject(0).getString("at"))
        .isGreaterThan(history.getJsonArray("checks").getJsonObject(1).getString("at"));
    assertThat(history.getJsonArray("transitions")).hasSize(1);
    for (String bad : new String[] {"abc", "0", "-1", "1001", "1.5"}) {
      HttpResponse<Buffer> response = node.get("/health/history?limit=" + bad);
      assertThat(response.statusCode()).as("limit=" + bad).isEqualTo(400);
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(response.bodyAsJsonObject().getString("parameter")).isEqualTo("limit");
    }
  }

  @Test
  @DisplayName("no password, token or connection string ever reaches the report, the probes or the history")
  void report_neverShowsSecrets() throws Exception {
    node.database.refuse().await(5, TimeUnit.SECONDS);
    JsonObject config = node.config(4, new JsonObject()
        .put("database", new JsonObject().put("url",
            "postgresql://consolidb:db-s3cret@127.0.0.1:" + node.database.port() + "/consolidb_test"))
        .put("redis", new JsonObject().put("enabled", true).put("url", "redis://:redis-s3cret@127.0.0.1:"
            + TestNode.freePort()))
        .put("health", new JsonObject().put("webhook", new JsonObject()
            .put("url", "http://127.0.0.1:" + TestNode.freePort() + "/hook?token=hook-s3cret"))));
    node.deploy(config);
    node.awaitLevel("CRITICAL", 3000);
    for (String path : new String[] {"/health", "/health/ready", "/health/live", "/health/history?limit=1000"}) {
      String body = node.get(path).bodyAsString();
      assertThat(body).as(path).doesNotContain("s3cret").doesNotContain("://")
          .doesNotContain(":" + node.database.port());
    }
    node.assertTransitionsMatchAlerts();
    assertThat(node.alerts.toString()).doesNotContain("s3cret");
  }

  @Test
  @DisplayName("on the bus, a history limit is clamped to 1..historySize; rounds name the checks not UP and why;"
      + " the first transition comes from UNKNOWN; undeploying removes the level gauge")
  void history_onTheBus_clampedAndSummarised() throws Exception {
    node.database.refuse().await(5, TimeUnit.SECONDS);
    node.deploy(node.config(4, new JsonObject().put("health", new JsonObject().put("historySize", 3))));
    node.awaitLevel("CRITICAL", 5000);
    assertThat(onBus(new JsonObject().put("history", 0)).getJsonArray("checks")).hasSize(1);
    assertThat(onBus(new JsonObject().put("history", -5)).getJsonArray("checks")).hasSize(1);
    assertThat(onBus(new JsonObject().put("history", 1000)).getJsonArray("checks")).hasSize(3);
    assertThat(onBus(new JsonObject().put("history", "3")).getString("status"))
        .as("a limit that is not a number asks for the report").isEqualTo("CRITICAL");

    JsonObject round = onBus(new JsonObject().put("history", 1)).getJsonArray("checks").getJsonObject(0);
    assertThat(round.getString("status")).isEqualTo("CRITICAL");
    assertThat(round.getJsonArray("not_up").getList()).containsExactly("database");
    assertThat(round.getString("reason")).startsWith("database: the database is unavailable (");
    assertThat(round.getInteger("consecutive_failures")).isGreaterThanOrEqualTo(3);
    JsonArray transitions = onBus(new JsonObject().put("history", 10)).getJsonArray("transitions");
    assertThat(transitions.getJsonObject(transitions.size() - 1).getString("from")).isEqualTo("UNKNOWN");
    assertThat(transitions.getJsonObject(0).getString("to")).isEqualTo("CRITICAL");

    assertThat(node.registry().find(HealthVerticle.GAUGE).gauge()).isNotNull();
    node.undeploy();
    assertThat(node.registry().find(HealthVerticle.GAUGE).gauge()).isNull();
  }

  private JsonObject onBus(JsonObject request) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.HEALTH_STATUS, request).await(5, TimeUnit.SECONDS).body();
  }

  @Test
  @DisplayName("ready is 503 while the schema is pending, whatever the level")
  void ready_schemaPending() throws Exception {
    AtomicBoolean schemaReady = new AtomicBoolean(false);
    node.deploy(node.config(4, new JsonObject()), schemaReady::get);
    HttpResponse<Buffer> ready = node.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getString("reason")).contains("schema");
    assertThat(node.get("/health").statusCode()).isEqualTo(200);
    schemaReady.set(true);
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("without a health monitor, /health is 503 UNKNOWN, ready 503, live 200 and history 503")
  void withoutMonitor() {
    TestNodes.deploy(vertx, node.config(4, new JsonObject()), Component.HTTP);
    HttpResponse<Buffer> health = node.get("/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("UNKNOWN");
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(503);
    assertThat(node.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(node.get("/health/history").statusCode()).isEqualTo(503);
  }
}
