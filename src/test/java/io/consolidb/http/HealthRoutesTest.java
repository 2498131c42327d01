package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe and health routes on a real router, with a stand-in health monitor on the real bus
 * address: what each level answers, a node that is not ready whatever its health, a monitor that
 * is missing or silent, and the history's {@code limit}.
 */
class HealthRoutesTest {

  private static final AtomicReference<String> notReady = new AtomicReference<>();
  /** What the monitor stand-in answers; null: it never answers. */
  private static final AtomicReference<JsonObject> report = new AtomicReference<>();
  /** The last request the monitor received. */
  private static final AtomicReference<JsonObject> asked = new AtomicReference<>();
  private static final AtomicReference<MessageConsumer<JsonObject>> monitor = new AtomicReference<>();
  private static BareRouter routes;

  @BeforeAll
  static void start() throws Exception {
    routes = BareRouter.serving((vertx, router) -> {
      new HealthRoutes(vertx, notReady::get).mount(router);
      monitor.set(vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH_STATUS, message -> {
        asked.set(message.body());
        if (report.get() != null) {
          message.reply(report.get());
        }
      }));
    });
  }

  @AfterAll
  static void stop() throws Exception {
    routes.close();
  }

  @BeforeEach
  void healthy() throws Exception {
    notReady.set(null);
    report.set(level("HEALTHY", null));
    asked.set(null);
  }

  private static JsonObject level(String level, String reason) {
    JsonObject body = new JsonObject().put("status", level).put("checks", new JsonObject());
    return reason == null ? body : body.put("reason", reason);
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return routes.request(HttpMethod.GET, uri).send().await(10, TimeUnit.SECONDS);
  }

  @Test
  void live_isUpWithoutAskingTheMonitor() throws Exception {
    report.set(level("CRITICAL", "the database is down"));
    HttpResponse<Buffer> live = get(HealthRoutes.LIVE);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(asked.get()).isNull();
  }

  @Test
  void ready_servesOnHealthyAndDegraded_notOnUnhealthyOrCritical() throws Exception {
    HttpResponse<Buffer> healthy = get(HealthRoutes.READY);
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat(healthy.bodyAsJsonObject().getMap()).containsEntry("status", "UP").containsEntry("level", "HEALTHY")
        .doesNotContainKey("reason");

    report.set(level("DEGRADED", "Redis is down"));
    assertThat(get(HealthRoutes.READY).statusCode()).isEqualTo(200);

    report.set(level("UNHEALTHY", "the pool is exhausted"));
    HttpResponse<Buffer> unhealthy = get(HealthRoutes.READY);
    assertThat(unhealthy.statusCode()).isEqualTo(503);
    assertThat(unhealthy.bodyAsJsonObject().getMap()).containsEntry("status", "DOWN")
        .containsEntry("level", "UNHEALTHY").containsEntry("reason", "the pool is exhausted");

    report.set(level("CRITICAL", null));
    HttpResponse<Buffer> critical = get(HealthRoutes.READY);
    assertThat(critical.statusCode()).isEqualTo(503);
    assertThat(critical.bodyAsJsonObject().getString("reason")).isEqualTo("the node is CRITICAL");
  }

  @Test
  void ready_notReadyWhateverItsHealth_withItsReason() throws Exception {
    notReady.set("draining for shutdown");
    HttpResponse<Buffer> draining = get(HealthRoutes.READY);
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.bodyAsJsonObject().getMap()).containsEntry("status", "DOWN")
        .containsEntry("reason", "draining for shutdown");
    assertThat(asked.get()).as("the monitor is not asked").isNull();
  }

  @Test
  void health_isTheMonitorsReport_503UnlessServing() throws Exception {
    HttpResponse<Buffer> healthy = get(HealthRoutes.HEALTH);
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat(healthy.bodyAsJsonObject()).isEqualTo(level("HEALTHY", null));

    report.set(level("DEGRADED", "Redis is down"));
    assertThat(get(HealthRoutes.HEALTH).statusCode()).isEqualTo(200);
    report.set(level("UNHEALTHY", "x"));
    HttpResponse<Buffer> unhealthy = get(HealthRoutes.HEALTH);
    assertThat(unhealthy.statusCode()).isEqualTo(503);
    assertThat(unhealthy.bodyAsJsonObject()).isEqualTo(level("UNHEALTHY", "x"));
    report.set(new JsonObject());
    assertThat(get(HealthRoutes.HEALTH).statusCode()).as("a report without a level").isEqualTo(503);
  }

  @Test
  void history_limitBetweenOneAndTheMaximum_passedToTheMonitor() throws Exception {
    assertThat(get(HealthRoutes.HISTORY).statusCode()).isEqualTo(200);
    assertThat(asked.get().getInteger("history")).isEqualTo(HealthRoutes.DEFAULT_HISTORY_LIMIT);
    assertThat(get(HealthRoutes.HISTORY + "?limit=1").statusCode()).isEqualTo(200);
    assertThat(asked.get().getInteger("history")).isEqualTo(1);
    assertThat(get(HealthRoutes.HISTORY + "?limit=" + HealthRoutes.MAX_HISTORY_LIMIT).statusCode()).isEqualTo(200);
    assertThat(asked.get().getInteger("history")).isEqualTo(HealthRoutes.MAX_HISTORY_LIMIT);

    for (String limit : new String[] {"0", String.valueOf(HealthRoutes.MAX_HISTORY_LIMIT + 1), "-3", "ten"}) {
      asked.set(null);
      HttpResponse<Buffer> refused = get(HealthRoutes.HISTORY + "?limit=" + limit);
      assertThat(refused.statusCode()).as(limit).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("parameter")).isEqualTo("limit");
      assertThat(asked.get()).as("not asked for " + limit).isNull();
    }
    assertThat(get(HealthRoutes.HISTORY + "?limit=0").bodyAsJsonObject().getString("detail"))
        .isEqualTo("limit must be between 1 and " + HealthRoutes.MAX_HISTORY_LIMIT);
  }

  @Test
  void aSilentMonitor_is503OnEveryRouteThatAsksIt_sayingItDidNotAnswer() throws Exception {
    report.set(null);
    HttpResponse<Buffer> ready = get(HealthRoutes.READY);
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getMap()).containsEntry("status", "DOWN")
        .containsEntry("reason", "the health monitor did not answer");
    HttpResponse<Buffer> health = get(HealthRoutes.HEALTH);
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getMap()).containsEntry("status", "UNKNOWN")
        .containsEntry("reason", "the health monitor did not answer");
    HttpResponse<Buffer> history = get(HealthRoutes.HISTORY);
    assertThat(history.statusCode()).isEqualTo(503);
    assertThat(history.bodyAsJsonObject().getString("detail")).isEqualTo("the health monitor did not answer");
    assertThat(get(HealthRoutes.LIVE).statusCode()).as("liveness never asks").isEqualTo(200);
  }

  @Test
  void withoutAMonitor_503SaysSo() throws Exception {
    monitor.get().unregister().await(10, TimeUnit.SECONDS);
    try {
      HttpResponse<Buffer> ready = get(HealthRoutes.READY);
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getString("reason")).isEqualTo("no health monitor answers on this node");
      assertThat(get(HealthRoutes.HEALTH).bodyAsJsonObject().getString("reason"))
          .isEqualTo("no health monitor answers on this node");
      HttpResponse<Buffer> history = get(HealthRoutes.HISTORY);
      assertThat(history.statusCode()).isEqualTo(503);
      assertThat(history.bodyAsJsonObject().getString("detail")).isEqualTo("no health monitor answers on this node");
    } finally {
      // back for the other tests, whatever their order
      routes.close();
      start();
    }
  }

  @Test
  void otherMethods_are405WithTheMethodsAllowed() throws Exception {
    HttpResponse<Buffer> post = routes.request(HttpMethod.POST, HealthRoutes.READY).send().await(10, TimeUnit.SECONDS);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.getHeader("Allow")).isEqualTo("GET, HEAD");
  }
}
