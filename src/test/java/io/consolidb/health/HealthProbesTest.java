package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.cluster.ClusterMembership;
import io.consolidb.config.NodeSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The checks on their own, without a query verticle. */
class HealthProbesTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static NodeSettings settings() {
    return NodeSettings.fromJson(config());
  }

  private static JsonObject config() {
    return new JsonObject()
        .put("environment", "testing")
        .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:1/db"))
        .put("redis", new JsonObject().put("enabled", false))
        .put("health", new JsonObject().put("eventLoopDelayMs", 100).put("checkTimeoutMs", 2000)
            .put("databaseTimeoutMs", 300));
  }

  @Test
  @DisplayName("a blocked event loop shows as a late timer and degrades the node")
  void eventLoop_blocked_reportsDelay() throws Exception {
    NodeSettings settings = settings();
    Context context = vertx.getOrCreateContext();
    Promise<JsonObject> round = Promise.promise();
    context.runOnContext(v -> {
      HealthProbes probes = new HealthProbes(vertx, settings);
      probes.run().onComplete(round);
      try {
        Thread.sleep(300); // hold this event loop: the check's timer cannot fire on time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    JsonObject checks = round.future().await(10, TimeUnit.SECONDS).getJsonObject("checks");
    assertThat(checks.getJsonObject("event_loop").getLong("delay_ms")).isGreaterThanOrEqualTo(250L);
    LevelRules.Assessment assessment = new LevelRules(settings.health()).evaluate(checks, 0);
    assertThat(assessment.reasons()).anySatisfy(r -> assertThat(r).startsWith("event loop: a timer fired"));
    assertThat(checks.getJsonObject("event_loop").getString("status")).isEqualTo("WARN");
  }

  @Test
  @DisplayName("without a query service the database and pool checks fail with fixed reasons, Redis reports disabled")
  void noQueryService_databaseDown() throws Exception {
    Promise<JsonObject> round = Promise.promise();
    vertx.runOnContext(v -> new HealthProbes(vertx, settings()).run().onComplete(round));
    JsonObject checks = round.future().await(10, TimeUnit.SECONDS).getJsonObject("checks");
    assertThat(checks.getJsonObject("database")).isEqualTo(new JsonObject().put("status", "DOWN")
        .put("reason", "the database is unavailable").put("via", "pool"));
    assertThat(checks.getJsonObject("connection_pool").getString("reason"))
        .isEqualTo("the query service is not running on this node");
    assertThat(checks.getJsonObject("redis")).isEqualTo(new JsonObject().put("status", "UP").put("enabled", false));
  }

  @Test
  @DisplayName("a membership that has not started yet is a DOWN cluster check, and the section says only that"
      + " the node is clustered and how many members it expects")
  void clusterMembershipNotStarted_clusterCheckDown() throws Exception {
    NodeSettings settings = NodeSettings.fromJson(config().put("cluster",
        new JsonObject().put("enabled", true).put("expectedMembers", 3)));
    ClusterMembership membership = new ClusterMembership(new SimpleMeterRegistry(), null);
    Promise<JsonObject> round = Promise.promise();
    vertx.runOnContext(v -> new HealthProbes(vertx, settings, membership).run().onComplete(round));
    JsonObject result = round.future().await(10, TimeUnit.SECONDS);
    assertThat(result.getJsonObject("checks").getJsonObject("cluster")).isEqualTo(new JsonObject()
        .put("status", "DOWN").put("reason", "the membership is not known yet"));
    assertThat(result.getJsonObject("cluster"))
        .isEqualTo(new JsonObject().put("enabled", true).put("expected_members", 3));
  }
}
