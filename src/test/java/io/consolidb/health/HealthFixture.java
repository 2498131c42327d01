package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.HttpVerticle;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.service.InProcessServices;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A node for health tests: PostgreSQL behind a {@link TcpProxy} (so it can be refused or
 * frozen), the query verticle, the health monitor with short intervals and the HTTP API.
 * Everything published on {@code consolidb.health.alerts} is recorded from before the monitor
 * starts. Blocking: call from the test thread.
 */
final class HealthFixture implements AutoCloseable {

  final Vertx vertx;
  final TcpProxy database;
  final int httpPort = TestNode.freePort();
  final List<JsonObject> alerts = new CopyOnWriteArrayList<>();
  final PgConnectOptions real = TestServices.pgConnectOptions();
  private final WebClient client;
  private ConsolidbNode node;

  HealthFixture(Vertx vertx) {
    this.vertx = vertx;
    this.database = await(TcpProxy.start(vertx, real.getHost(), real.getPort()), 5);
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort));
    vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH_ALERTS, m -> alerts.add(m.body()));
  }

  /** The database URL through the proxy. */
  String databaseUrl() {
    return "postgresql://" + real.getUser() + ":" + real.getPassword() + "@127.0.0.1:" + database.port()
        + "/" + real.getDatabase();
  }

  /** Node config: pool of {@code poolSize}, Redis off, checks every 300 ms; {@code overrides} deep-merged. */
  JsonObject config(int poolSize, JsonObject overrides) {
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPort))
        .put("database", new JsonObject().put("url", databaseUrl()).put("migrate", false)
            .put("queryTimeoutMs", 5000).put("pool", new JsonObject().put("size", poolSize).put("timeoutSeconds", 5)))
        .put("redis", new JsonObject().put("enabled", false))
        .put("health", new JsonObject().put("intervalSeconds", 0.3).put("databaseTimeoutMs", 500)
            .put("checkTimeoutMs", 500).put("redisTimeoutMs", 300).put("slowResponseMs", 1000)
            .put("criticalAfterFailures", 3));
    return config.mergeIn(overrides, true);
  }

  HealthFixture deploy(JsonObject config) {
    node = await(TestNodes.deployAsync(vertx, config, Component.QUERY, Component.HEALTH, Component.HTTP), 10);
    return this;
  }

  /**
   * As {@link #deploy(JsonObject)}, with an HTTP verticle built here whose schema readiness the
   * test controls (a component built with a double, as the node's explicit wiring allows).
   */
  HealthFixture deploy(JsonObject config, BooleanSupplier schemaReady) {
    node = await(TestNodes.deployAsync(vertx, config, Component.QUERY, Component.HEALTH), 10);
    await(vertx.deployVerticle(new HttpVerticle(NodeSettings.fromJson(config), node.registry(),
        new InProcessServices(), () -> schemaReady.getAsBoolean() ? null : "the schema is not migrated yet")), 10);
    return this;
  }

  /** Undeploys the node's verticles (the registry stays readable). */
  void undeploy() {
    await(node.undeploy(), 10);
  }

  /** The node's registry (after {@link #deploy}). */
  MeterRegistry registry() {
    return node.registry();
  }

  HttpResponse<Buffer> get(String path) {
    return await(client.get(path).send(), 5);
  }

  JsonObject report() {
    return get("/health").bodyAsJsonObject();
  }

  /** Polls {@code /health} until its status is {@code level}; fails with the last report otherwise. */
  JsonObject awaitLevel(String level, long timeoutMs) throws InterruptedException {
    return awaitLevel(level, timeoutMs, () -> { });
  }

  /** As {@link #awaitLevel(String, long)}, running {@code eachPoll} (more assertions) on every poll. */
  JsonObject awaitLevel(String level, long timeoutMs, Runnable eachPoll) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    JsonObject last;
    do {
      last = report();
      eachPoll.run();
      if (level.equals(last.getString("status"))) {
        return last;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected " + level + " within " + timeoutMs + " ms, last report: " + last.encodePrettily());
  }

  JsonObject history(int limit) {
    HttpResponse<Buffer> response = get("/health/history?limit=" + limit);
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  /** The {@code from→to} of every alert received, in order. */
  List<String> alertSteps() {
    List<String> steps = new ArrayList<>();
    alerts.forEach(a -> steps.add(a.getString("from") + "->" + a.getString("to")));
    return steps;
  }

  /** Every transition appears once in the history and once on the alerts address, identical. */
  void assertTransitionsMatchAlerts() throws InterruptedException {
    Thread.sleep(100); // the last alert may still be in flight
    JsonArray transitions = history(1000).getJsonArray("transitions");
    List<JsonObject> oldestFirst = new ArrayList<>();
    for (int i = transitions.size() - 1; i >= 0; i--) {
      oldestFirst.add(transitions.getJsonObject(i));
    }
    assertThat(oldestFirst).as("history transitions vs alerts").containsExactlyElementsOf(alerts);
    assertThat(alerts).allSatisfy(a -> assertThat(a.fieldNames())
        .containsExactlyInAnyOrder("from", "to", "node", "reason", "at"));
  }

  /** Waits for {@code future}; a timeout fails the test. */
  static <T> T await(io.vertx.core.Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within " + seconds + " s", e);
    }
  }

  @Override
  public void close() {
    await(database.close(), 5);
  }
}
