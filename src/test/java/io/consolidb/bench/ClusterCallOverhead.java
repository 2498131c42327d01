package io.consolidb.bench;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.TestCerts;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What a call to another member costs ({@code cluster_remote_vs_local}, a detail, not a goal): two
 * clustered nodes in this JVM as a production cluster runs them — mutual TLS on the event bus, a
 * cluster secret, so every call carries a token the serving member checks. The serving node has
 * the query verticle and the restaurant service (caching off); the asking node only the query
 * verticle. Closed-loop uncached get-by-id through the generated proxy: on the asking node every
 * call crosses TLS to the serving node ("remote"); on the serving node the same proxy is delivered
 * locally ("local"), the token still signed and checked. The ratio is remote ÷ local. Both nodes
 * share this JVM's two cores, so this is the hop's overhead, not a scale-out figure.
 */
public final class ClusterCallOverhead {

  private ClusterCallOverhead() {
  }

  public static Comparison compare(Map<String, String> nodeEnv, int concurrency, long millis, int rounds, int ids)
      throws Exception {
    String secret = UUID.randomUUID().toString() + UUID.randomUUID();
    String members = "127.0.0.1:5871,127.0.0.1:5872";
    ConsolidbNode serving = ConsolidbNode.start(settings(nodeEnv, 5871, members, secret, "node1"),
        EnumSet.of(Component.QUERY, Component.RESTAURANTS)).await(90, TimeUnit.SECONDS);
    ConsolidbNode asking = null;
    try {
      asking = ConsolidbNode.start(settings(nodeEnv, 5872, members, secret, "node2"), EnumSet.of(Component.QUERY))
          .await(90, TimeUnit.SECONDS);
      RestaurantService local = RestaurantService.createProxy(serving.vertx(), 10_000);
      RestaurantService remote = RestaurantService.createProxy(asking.vertx(), 10_000);
      awaitRegistered(remote);
      var servingVertx = serving.vertx();
      var askingVertx = asking.vertx();
      for (int i = 0; i < 2; i++) { // warm-up: TLS sessions, JIT
        Load.throughput(askingVertx, concurrency, millis, () -> remote.get(randomId(ids)));
        Load.throughput(servingVertx, concurrency, millis, () -> local.get(randomId(ids)));
      }
      return Comparison.run("cluster_remote_vs_local", "lookups/s",
          "remote_tls_token", () -> Load.throughput(askingVertx, concurrency, millis, () -> remote.get(randomId(ids))),
          "local_token", () -> Load.throughput(servingVertx, concurrency, millis, () -> local.get(randomId(ids))),
          rounds);
    } finally {
      if (asking != null) {
        asking.stop().await(30, TimeUnit.SECONDS);
      }
      serving.stop().await(30, TimeUnit.SECONDS);
    }
  }

  private static NodeSettings settings(Map<String, String> nodeEnv, int port, String members, String secret,
      String cert) {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.putAll(Map.of("HTTP_PORT", "0", "DB_CACHE_ENABLED", "false", "CLUSTER_ENABLED", "true",
        "CLUSTER_PORT", Integer.toString(port), "CLUSTER_MEMBERS", members, "CLUSTER_EVENT_BUS_PORT", "0",
        "CLUSTER_SECRET", secret, "DB_ENABLE_METRICS", "false"));
    variables.putAll(TestCerts.tlsVariables(TestCerts.ours(), cert));
    return ConfigLoader.loadBlocking(variables);
  }

  private static void awaitRegistered(RestaurantService remote) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        remote.get(1).await(10, TimeUnit.SECONDS);
        return;
      } catch (ReplyException e) {
        if (e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
          return; // served (a 404 is an answer)
        }
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static long randomId(int ids) {
    return 1 + ThreadLocalRandom.current().nextInt(ids);
  }
}
