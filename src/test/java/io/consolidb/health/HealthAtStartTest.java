package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The health report a node gives as soon as it has started, before the first periodic round (the
 * interval here is a minute): the cache is deployed before the health monitor, so its first round
 * already reports the cache's statistics, not "unknown".
 */
class HealthAtStartTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("right after start, /health reports the node's cache, not 'no cache service runs on this node'")
  void firstRound_seesTheCache() throws Exception {
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("database", new JsonObject().put("url", TestServices.databaseUrl()).put("migrate", false))
        .put("redis", new JsonObject().put("enabled", false))
        .put("cache", new JsonObject().put("enabled", true)
            .put("keyPrefix", "consolidb-test:" + UUID.randomUUID().toString().substring(0, 8) + ":"))
        .put("health", new JsonObject().put("intervalSeconds", 60));
    TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY, Component.HEALTH);

    JsonObject report = vertx.eventBus().<JsonObject>request(Addresses.HEALTH_STATUS, new JsonObject())
        .await(5, TimeUnit.SECONDS).body();

    assertThat(report.getJsonObject("cache").getString("status")).as(report.encodePrettily()).isNotEqualTo("unknown");
    assertThat(report.getJsonObject("cache").getBoolean("enabled")).isTrue();
    assertThat(report.getJsonObject("checks").getJsonObject("cache").getString("status")).isEqualTo("UP");
  }
}
