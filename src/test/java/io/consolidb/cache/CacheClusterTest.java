package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.testsupport.TestServices;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes on 127.0.0.1 sharing one Redis: an invalidation on one node reaches the
 * other node's local tier through the cluster-wide {@code consolidb.cache.invalidations}.
 */
class CacheClusterTest {

  private static final String MEMBERS = "127.0.0.1:5921,127.0.0.1:5922";
  private static final String SQL = "SELECT 42 AS answer";
  private static TestNode schema;
  private static ConsolidbNode first;
  private static ConsolidbNode second;
  private static String prefix;

  private static NodeSettings settings(int port) {
    return ConfigLoader.loadBlocking(Map.ofEntries(Map.entry("CONSOLIDB_ENV", "testing"),
        Map.entry("DATABASE_URL", schema.databaseUrl()), Map.entry("REDIS_URL", TestServices.redisUrl()),
        Map.entry("DB_MIGRATE", "false"), Map.entry("DB_CACHE_ENABLED", "true"),
        Map.entry("DB_CACHE_KEY_PREFIX", prefix), Map.entry("CLUSTER_ENABLED", "true"),
        Map.entry("CLUSTER_PORT", Integer.toString(port)), Map.entry("CLUSTER_MEMBERS", MEMBERS),
        Map.entry("DB_ENABLE_METRICS", "false")));
  }

  @BeforeAll
  static void startTwoNodes() throws Exception {
    schema = TestNode.create("cache_cluster");
    prefix = CacheTestKit.uniquePrefix();
    NodeSettings a = settings(5921);
    NodeSettings b = settings(5922);
    first = ConsolidbNode.start(a, EnumSet.of(Component.QUERY, Component.CACHE)).await(60, TimeUnit.SECONDS);
    second = ConsolidbNode.start(b, EnumSet.of(Component.QUERY, Component.CACHE)).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    first.cache().invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    second.stop().await(30, TimeUnit.SECONDS);
    first.stop().await(30, TimeUnit.SECONDS);
    schema.close();
  }

  @Test
  @DisplayName("an invalidation by tag on one node drops the other node's local entry")
  void tagInvalidation_reachesOtherNode() throws Exception {
    CacheSpec spec = new CacheSpec(60, "cluster:answer", List.of("cluster-test"));
    assertThat(read(first, spec)).isFalse(); // PostgreSQL, fills Redis and the first local tier
    awaitTrue(() -> read(second, spec)); // Redis, then the second node's local tier
    assertThat(second.cache().peekLocal("cluster:answer")).isNotNull();

    first.cache().invalidate(Invalidation.ofTags(List.of("cluster-test"))).await(30, TimeUnit.SECONDS);

    awaitTrue(() -> second.cache().peekLocal("cluster:answer") == null);
    assertThat(second.cache().stats().getJsonObject("invalidations").getLong("from_other_nodes"))
        .isGreaterThanOrEqualTo(1);
    assertThat(read(second, spec)).as("served from the database again").isFalse();
  }

  @Test
  @DisplayName("an invalidation completes only once the other member has dropped its entry: the next read there is fresh")
  void invalidation_completesAfterTheOtherMemberApplied() throws Exception {
    CacheSpec spec = new CacheSpec(60, "cluster:acked", List.of("cluster-acked"));
    read(first, spec);
    awaitTrue(() -> read(second, spec));
    assertThat(second.cache().peekLocal("cluster:acked")).isNotNull();
    long unacknowledged = counter(first, "unacknowledged");

    first.cache().invalidate(Invalidation.ofTags(List.of("cluster-acked"))).await(30, TimeUnit.SECONDS);

    // no waiting here: the invalidation's completion is the other member's acknowledgement
    assertThat(second.cache().peekLocal("cluster:acked")).isNull();
    assertThat(counter(first, "unacknowledged")).isEqualTo(unacknowledged);
  }

  private static long counter(ConsolidbNode node, String name) {
    return node.cache().stats().getJsonObject("invalidations").getLong(name);
  }

  @Test
  @DisplayName("an invalidation by pattern on one node drops the matching keys on the other node")
  void patternInvalidation_reachesOtherNode() throws Exception {
    CacheSpec spec = new CacheSpec(60, "cluster:pattern:1", List.of());
    read(first, spec);
    awaitTrue(() -> read(second, spec));
    first.cache().invalidate(new Invalidation(null, "cluster:pattern:*", null)).await(30, TimeUnit.SECONDS);
    awaitTrue(() -> second.cache().peekLocal("cluster:pattern:1") == null);
  }

  private static boolean read(ConsolidbNode node, CacheSpec spec) {
    try {
      return new QueryClient(node.vertx(), 5000, node.cache()).readCached("t", SQL, null, spec)
          .await(30, TimeUnit.SECONDS).cached();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within 30 s", e);
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within 5 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
