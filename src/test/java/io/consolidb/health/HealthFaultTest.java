package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The health monitor against real faults: PostgreSQL refused and frozen through a TCP proxy, the
 * pool held by long queries, a Redis server of the test's own stopped and started again.
 * Checks run every 300 ms.
 */
class HealthFaultTest {

  private static final long INTERVAL_MS = 300;

  private Vertx vertx;
  private HealthFixture node;
  private Process redis;

  @AfterEach
  void stop() throws Exception {
    if (redis != null) {
      redis.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.close();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("database refused: UNHEALTHY at the next check, CRITICAL after 3, ready 503 and live 200 throughout,"
      + " HEALTHY within two intervals of its return")
  void databaseRefused_unhealthyThenCriticalThenHealthy() throws Exception {
    vertx = Vertx.vertx();
    // A webhook that never answers: the monitor must not care.
    HttpServer silent = vertx.createHttpServer().requestHandler(request -> { }).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
    node = new HealthFixture(vertx);
    node.deploy(node.config(4, new JsonObject().put("health", new JsonObject().put("webhook", new JsonObject()
        .put("url", "http://127.0.0.1:" + silent.actualPort() + "/hook?token=hook-secret").put("timeoutMs", 200)))));

    JsonObject healthy = node.awaitLevel("HEALTHY", 2000);
    assertThat(healthy.getJsonObject("checks").fieldNames())
        .containsExactly("database", "connection_pool", "redis", "event_loop");
    assertThat(healthy.getJsonObject("cache").getString("status")).isEqualTo("unknown");
    assertThat(gauge()).isEqualTo(0.0);

    node.database.refuse().await(5, TimeUnit.SECONDS);
    long refused = System.nanoTime();
    Runnable probes = () -> {
      assertThat(node.get("/health/live").statusCode()).isEqualTo(200);
    };
    JsonObject unhealthy = node.awaitLevel("UNHEALTHY", 3000, probes);
    assertThat(elapsedMs(refused)).as("UNHEALTHY at the next check").isLessThan(INTERVAL_MS + 500);
    assertThat(unhealthy.getInteger("consecutive_failures")).isBetween(1, 2);
    assertThat(unhealthy.getString("reason")).startsWith("database: the database is unavailable");
    assertThat(unhealthy.getJsonObject("checks").getJsonObject("database").getString("status")).isEqualTo("DOWN");
    assertThat(node.get("/health").statusCode()).isEqualTo(503);
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(503);

    JsonObject critical = node.awaitLevel("CRITICAL", 3000, () -> {
      probes.run();
      assertThat(node.get("/health/ready").statusCode()).isEqualTo(503);
    });
    assertThat(critical.getInteger("consecutive_failures")).isGreaterThanOrEqualTo(3);
    assertThat(node.get("/health").statusCode()).isEqualTo(503);
    HttpResponse<Buffer> ready = node.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
    assertThat(ready.bodyAsJsonObject().getString("level")).isEqualTo("CRITICAL");
    assertThat(gauge()).isEqualTo(3.0);
    assertNoSecrets(node.get("/health").bodyAsString());
    assertNoSecrets(node.get("/health/history?limit=1000").bodyAsString());

    node.database.accept().await(5, TimeUnit.SECONDS);
    long back = System.nanoTime();
    node.awaitLevel("HEALTHY", 5000, probes);
    assertThat(elapsedMs(back)).as("HEALTHY within two intervals").isLessThan(2 * INTERVAL_MS + 200);
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(gauge()).isEqualTo(0.0);

    assertThat(node.alertSteps()).containsExactly(
        "UNKNOWN->HEALTHY", "HEALTHY->UNHEALTHY", "UNHEALTHY->CRITICAL", "CRITICAL->HEALTHY");
    node.assertTransitionsMatchAlerts();
    assertThat(node.history(1000).getJsonArray("checks").size()).isGreaterThanOrEqualTo(5);
  }

  @Test
  @DisplayName("database refused until the circuit breaker opens: the database check says so with the seconds"
      + " until its trial, and HEALTHY again once a trial succeeds")
  void databaseRefused_breakerOpenShownInTheDatabaseCheck() throws Exception {
    vertx = Vertx.vertx();
    node = new HealthFixture(vertx);
    node.deploy(node.config(4, new JsonObject().put("database", new JsonObject()
        .put("breaker", new JsonObject().put("failures", 2).put("openMs", 1500)))));
    JsonObject healthy = node.awaitLevel("HEALTHY", 2000);
    assertThat(healthy.getJsonObject("checks").getJsonObject("database").getJsonObject("breaker")
        .getString("state")).isEqualTo("closed");

    node.database.refuse().await(5, TimeUnit.SECONDS);
    node.database.dropConnections();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    JsonObject database;
    do {
      Thread.sleep(50);
      database = node.report().getJsonObject("checks").getJsonObject("database");
    } while (!database.getString("reason", "").startsWith("circuit breaker open") && System.nanoTime() < deadline);
    assertThat(database.getString("status")).isEqualTo("DOWN");
    assertThat(database.getString("reason")).matches("circuit breaker open: the database could not be reached;"
        + " next trial in [12] s");
    assertThat(database.getJsonObject("breaker").getString("state")).isIn("open", "half_open");
    assertThat(database.getJsonObject("breaker").getLong("openings")).isOne();

    node.database.accept().await(5, TimeUnit.SECONDS);
    JsonObject back = node.awaitLevel("HEALTHY", 5000);
    assertThat(back.getJsonObject("checks").getJsonObject("database").getJsonObject("breaker")
        .getString("state")).isEqualTo("closed");
  }

  @Test
  @DisplayName("database frozen: the check times out, the level drops, and the probes answer in under 50 ms")
  void databaseFrozen_checkTimesOut_probesAnswerAtOnce() throws Exception {
    vertx = Vertx.vertx();
    node = new HealthFixture(vertx);
    node.deploy(node.config(4, new JsonObject()));
    node.awaitLevel("HEALTHY", 2000);

    node.database.freeze();
    long slowestMs = 0;
    JsonObject report = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      for (String path : List.of("/health", "/health/ready", "/health/live", "/health/history?limit=5")) {
        long started = System.nanoTime();
        HttpResponse<Buffer> response = node.get(path);
        slowestMs = Math.max(slowestMs, elapsedMs(started));
        if (path.equals("/health")) {
          report = response.bodyAsJsonObject();
        }
        if (path.equals("/health/live")) {
          assertThat(response.statusCode()).isEqualTo(200);
        }
      }
      if ("UNHEALTHY".equals(report.getString("status"))) {
        break;
      }
      Thread.sleep(10);
    }
    assertThat(report.getString("status")).as(report.encodePrettily()).isEqualTo("UNHEALTHY");
    assertThat(report.getString("reason")).contains("no answer within 500 ms");
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(503);
    assertThat(slowestMs).as("slowest probe while the database hangs").isLessThan(50);

    node.database.thaw();
    node.awaitLevel("HEALTHY", 10_000);
    node.assertTransitionsMatchAlerts();
  }

  @Test
  @DisplayName("pool saturated by long queries: DEGRADED with the utilization shown, ready stays 200")
  void poolSaturated_degradedWithUtilization() throws Exception {
    vertx = Vertx.vertx();
    node = new HealthFixture(vertx);
    node.deploy(node.config(2, new JsonObject()));
    node.awaitLevel("HEALTHY", 2000);

    QueryClient queries = new QueryClient(vertx, 5000);
    JsonObject sleep = new JsonObject().put("sql", "SELECT pg_sleep(2)").put("timeoutMs", 4000);
    Future<QueryResult> first = queries.query(sleep.copy());
    Future<QueryResult> second = queries.query(sleep.copy());

    JsonObject degraded = node.awaitLevel("DEGRADED", 1500);
    JsonObject pool = degraded.getJsonObject("connection_pool");
    assertThat(pool.getDouble("utilization")).isEqualTo(100.0);
    assertThat(pool.getInteger("active")).isEqualTo(2);
    assertThat(pool.getInteger("max_size")).isEqualTo(2);
    assertThat(degraded.getString("reason")).contains("connection pool: 100% in use (threshold 80%)");
    JsonObject database = degraded.getJsonObject("checks").getJsonObject("database");
    assertThat(database.getString("status")).as("the database itself answers").isEqualTo("UP");
    assertThat(database.getString("via")).startsWith("dedicated connection");
    assertThat(degraded.getJsonObject("checks").getJsonObject("connection_pool").getString("status")).isEqualTo("WARN");
    assertThat(node.get("/health").statusCode()).isEqualTo(200);
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(200);

    Future.all(first, second).await(10, TimeUnit.SECONDS);
    node.awaitLevel("HEALTHY", 3000);
    assertThat(node.alertSteps()).containsExactly("UNKNOWN->HEALTHY", "HEALTHY->DEGRADED", "DEGRADED->HEALTHY");
    node.assertTransitionsMatchAlerts();
  }

  @Test
  @DisplayName("Redis stopped: DEGRADED (the node still serves), HEALTHY again once it is back; the webhook gets"
      + " every alert")
  void redisStopped_degradedThenHealthy() throws Exception {
    vertx = Vertx.vertx();
    List<JsonObject> posted = new CopyOnWriteArrayList<>();
    HttpServer hook = vertx.createHttpServer()
        .requestHandler(request -> request.body().onSuccess(body -> {
          posted.add(body.toJsonObject());
          request.response().setStatusCode(204).end();
        }))
        .listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    int redisPort = TestNode.freePort();
    redis = startRedis(redisPort);
    node = new HealthFixture(vertx);
    node.deploy(node.config(4, new JsonObject()
        .put("redis", new JsonObject().put("enabled", true).put("url", "redis://127.0.0.1:" + redisPort))
        .put("health", new JsonObject().put("webhook", new JsonObject()
            .put("url", "http://127.0.0.1:" + hook.actualPort() + "/alerts")))));
    JsonObject healthy = node.awaitLevel("HEALTHY", 2000);
    assertThat(healthy.getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("UP");

    redis.destroy();
    assertThat(redis.waitFor(5, TimeUnit.SECONDS)).isTrue();
    JsonObject degraded = node.awaitLevel("DEGRADED", 3000);
    assertThat(degraded.getString("reason")).startsWith("redis: ").contains("serving from the local tier");
    assertThat(degraded.getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("DOWN");
    assertThat(node.get("/health/ready").statusCode()).isEqualTo(200);

    redis = startRedis(redisPort);
    node.awaitLevel("HEALTHY", 10_000);
    assertThat(node.alertSteps()).containsExactly("UNKNOWN->HEALTHY", "HEALTHY->DEGRADED", "DEGRADED->HEALTHY");
    node.assertTransitionsMatchAlerts();
    long deadline = System.currentTimeMillis() + 3000;
    while (posted.size() < node.alerts.size() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(posted).as("webhook bodies").containsExactlyElementsOf(node.alerts);
  }

  private void assertNoSecrets(String body) {
    assertThat(body).doesNotContain(node.real.getPassword()).doesNotContain("://").doesNotContain("hook-secret")
        .doesNotContain(":" + node.database.port());
  }

  private double gauge() {
    MeterRegistry registry = node.registry();
    Gauge gauge = registry.find(HealthVerticle.GAUGE).gauge();
    assertThat(gauge).as("gauge " + HealthVerticle.GAUGE).isNotNull();
    return gauge.value();
  }

  private static long elapsedMs(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  /** A Redis server of this test's own (never the shared one), answering once it accepts connections. */
  private static Process startRedis(int port) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return process;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("redis-server did not start on port " + port);
  }
}
