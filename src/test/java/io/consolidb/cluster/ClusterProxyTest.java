package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Two clustered nodes on 127.0.0.1: service proxies reach a service deployed on the other node. */
class ClusterProxyTest {

  private static final String MEMBERS = "127.0.0.1:5911,127.0.0.1:5912";
  private static Vertx serving;
  private static Vertx asking;
  private static long restaurantId;

  private static NodeSettings settings(int port) {
    return ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing",
        "DATABASE_URL", TestServices.databaseUrl(), "REDIS_URL", TestServices.redisUrl(),
        "CLUSTER_ENABLED", "true", "CLUSTER_PORT", Integer.toString(port), "CLUSTER_MEMBERS", MEMBERS,
        "DB_ENABLE_METRICS", "false"));
  }

  @BeforeAll
  static void startTwoNodes() throws Exception {
    NodeSettings first = settings(5911);
    NodeSettings second = settings(5912);
    serving = ConsolidbNode.start(first, EnumSet.of(Component.QUERY, Component.SCHEMA, Component.RESTAURANTS))
        .await(60, TimeUnit.SECONDS).vertx();
    // The second node has its own query verticle but no restaurant service.
    asking = ConsolidbNode.start(second, EnumSet.of(Component.QUERY)).await(60, TimeUnit.SECONDS).vertx();
    JsonObject created = RestaurantService.createProxy(serving, 5000).create(new JsonObject()
        .put("name", "Cluster Deli").put("city", "Teaneck").put("latitude", 40.89).put("longitude", -74.01))
        .await(10, TimeUnit.SECONDS);
    restaurantId = created.getLong("id");
  }

  @AfterAll
  static void stop() throws Exception {
    RestaurantService.createProxy(serving, 5000).delete(restaurantId).await(10, TimeUnit.SECONDS);
    asking.close().await(30, TimeUnit.SECONDS);
    serving.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a proxy call made on a node without RestaurantService is served by the other node")
  void proxyCall_servedByOtherNode() throws Exception {
    assertThat(asking.isClustered()).isTrue();
    RestaurantService proxy = RestaurantService.createProxy(asking, 5000);
    // The other node's registration reaches this one through Hazelcast: allow it a few seconds.
    JsonObject found = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (found == null) {
      try {
        found = proxy.get(restaurantId).await(10, TimeUnit.SECONDS);
      } catch (ReplyException e) {
        if (e.failureType() != ReplyFailure.NO_HANDLERS || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
    assertThat(found.getString("name")).isEqualTo("Cluster Deli");
    assertThat(found.getString("city")).isEqualTo("Teaneck");
  }
}
