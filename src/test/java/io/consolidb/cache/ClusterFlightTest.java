package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.JavaProcess;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Cluster-wide single flight ({@link ClusterFlight}) with three nodes, each a Vert.x instance with
 * its own cache and its own PostgreSQL pool, sharing the real Redis; the holder that dies is a JVM
 * of its own, killed with SIGKILL.
 */
class ClusterFlightTest {

  private static final int LEASE_MS = 1000;
  private static final CacheSpec SHARED = new CacheSpec(60, "report", List.of("events"), true);

  private final List<Node> nodes = new ArrayList<>();
  private String prefix;

  /** One node: its Vert.x, its cache, its pool, and how many queries its loads ran. */
  private record Node(Vertx vertx, NodeCache cache, Pool pool, MeterRegistry registry, AtomicInteger queries) {
    /** A miss of {@code key} on this node's event loop whose load is a real, slow query. */
    Future<JsonArray> read(String key, CacheSpec spec, int answer) {
      Promise<JsonArray> done = Promise.promise();
      vertx.runOnContext(v -> cache.readThrough(key, spec, new Query(this, answer)).onComplete(done));
      return done.future();
    }

    double lease(String outcome) {
      return registry.counter("consolidb.cache.lease", "outcome", outcome).count();
    }
  }

  private static final class Query extends RowsLoader {
    private final Node node;
    private final int answer;

    Query(Node node, int answer) {
      this.node = node;
      this.answer = answer;
    }

    @Override
    public Future<JsonArray> load() {
      node.queries().incrementAndGet();
      return node.pool().query("SELECT pg_sleep(0.3), " + answer + " AS answer").execute()
          .map(rows -> JsonArray.of(rows.iterator().next().getInteger("answer")));
    }
  }

  @BeforeEach
  void startNodes() throws Exception {
    prefix = "flight-" + UUID.randomUUID() + ":";
    for (int i = 0; i < 3; i++) {
      Node node = node(TestServices.redisUrl());
      // connected and warm: a first Redis call of a cold JVM may outlast the timeout (then the node
      // rightly loads on its own; not what these tests are about)
      node.read("warm-up", new CacheSpec(60, "warm-up", List.of()), 0).await(10, TimeUnit.SECONDS);
      node.queries().set(0);
      nodes.add(node);
    }
  }

  private Node node(String redisUrl) {
    Vertx vertx = Vertx.vertx();
    MeterRegistry registry = new SimpleMeterRegistry();
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, prefix, 3, 1, 1 << 20, 0, LEASE_MS, 20);
    NodeCache cache = new NodeCache(vertx, settings, new RedisSettings(true, redisUrl, "", true, 1, 4), registry);
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(TestServices.pgConnectOptions())
        .using(vertx).build();
    return new Node(vertx, cache, pool, registry, new AtomicInteger());
  }

  @AfterEach
  void stopNodes() throws Exception {
    for (Node node : nodes) {
      node.vertx().close().await(30, TimeUnit.SECONDS);
    }
  }

  private int queries() {
    return nodes.stream().mapToInt(n -> n.queries().get()).sum();
  }

  @Test
  @DisplayName("100 concurrent misses spread over three nodes run the query once")
  void concurrentMisses_onThreeNodes_oneExecution() throws Exception {
    List<Future<JsonArray>> reads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      reads.add(nodes.get(i % 3).read("report", SHARED, 42));
    }
    for (Future<JsonArray> read : reads) {
      assertThat(read.await(10, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(42));
    }
    assertThat(queries()).as("queries run by the three nodes; leases acquired %s, fallbacks %s",
        nodes.stream().mapToDouble(n -> n.lease("acquired")).sum(), nodes.stream().mapToDouble(n -> n.lease("fallback")).sum())
        .isEqualTo(1);
    assertThat(nodes.stream().mapToDouble(n -> n.lease("acquired")).sum()).isEqualTo(1);
    assertThat(nodes.stream().mapToDouble(n -> n.lease("waited")).sum()).as("one waiter per other node").isEqualTo(2);
    assertThat(nodes.stream().mapToDouble(n -> n.lease("fallback")).sum()).isZero();
  }

  @Test
  @DisplayName("without the flag each node runs its own query (single flight stays per node)")
  void withoutFlag_eachNodeQueries() throws Exception {
    CacheSpec local = new CacheSpec(60, "report-local", List.of("events"));
    List<Future<JsonArray>> reads = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      reads.add(nodes.get(i % 3).read("report-local", local, 7));
    }
    for (Future<JsonArray> read : reads) {
      assertThat(read.await(10, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(7));
    }
    assertThat(queries()).isEqualTo(3);
  }

  @Test
  @DisplayName("a lease holder killed mid-load: the waiting nodes take over within the lease time")
  void holderKilled_othersFinishWithinLease() throws Exception {
    try (JavaProcess holder = JavaProcess.start("lease-holder", LeaseHolderMain.class, Map.of(),
        TestServices.redisUrl(), prefix, "report", String.valueOf(LEASE_MS))) {
      assertThat(holder.report(30)).isEqualTo("loading");
      List<Future<JsonArray>> reads = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        reads.add(nodes.get(i % 3).read("report", SHARED, 9));
      }
      Thread.sleep(2 * LEASE_MS);
      assertThat(reads).as("a live holder renews its lease: the others keep waiting").noneMatch(Future::isComplete);
      assertThat(queries()).isZero();

      holder.kill();
      long killed = System.nanoTime();
      for (Future<JsonArray> read : reads) {
        assertThat(read.await(10, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(9));
      }
      long tookMs = (System.nanoTime() - killed) / 1_000_000;
      // the lease runs out within LEASE_MS of the last renewal; then one poll and a 300 ms query
      assertThat(tookMs).as("answered after the kill").isLessThan(LEASE_MS + 2_000);
      assertThat(queries()).as("one of the waiting nodes ran the query").isEqualTo(1);
    }
  }

  @Test
  @DisplayName("an invalidation during the holder's load: the waiter loads the new data, never the old")
  void invalidatedDuringLoad_waiterLoadsAgain() throws Exception {
    Node holder = nodes.get(0);
    Node waiter = nodes.get(1);
    Future<JsonArray> old = holder.read("report", SHARED, 1);
    Await.until("the holder has the lease", 5_000, () -> holder.lease("acquired") == 1);
    Future<JsonArray> fresh = waiter.read("report", SHARED, 2);
    Thread.sleep(100); // the waiter polls
    // a write: every node drops the key, the holder's fill is void
    for (Node node : nodes) {
      node.cache().invalidate(new Invalidation(List.of("report"), null, null)).await(5, TimeUnit.SECONDS);
    }
    assertThat(old.await(10, TimeUnit.SECONDS)).as("the holder's caller still gets its answer").isEqualTo(JsonArray.of(1));
    assertThat(fresh.await(10, TimeUnit.SECONDS)).as("the waiter never gets the voided value").isEqualTo(JsonArray.of(2));
    assertThat(waiter.queries()).hasValue(1);
  }

  @Test
  @DisplayName("Redis unreachable: a cluster-wide read runs its query on this node and answers")
  void redisDown_fallsBackToLocalLoad() throws Exception {
    Node alone = node("redis://127.0.0.1:1");
    nodes.add(alone);
    assertThat(alone.read("report", SHARED, 5).await(10, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(5));
    assertThat(alone.queries()).hasValue(1);
    assertThat(alone.lease("fallback")).isEqualTo(1);
  }

  @Test
  @DisplayName("the holder stores its value and gives the lease back between a waiter's poll and its next"
      + " try: the waiter takes the lease, finds the value and runs no query")
  void fillBetweenPollAndLease_waiterRunsNoQuery() throws Exception {
    Vertx vertx = nodes.get(0).vertx();
    NodeSettings settings = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing", "REDIS_URL",
        TestServices.redisUrl(), "DB_CACHE_ENABLED", "true", "DB_CACHE_KEY_PREFIX", prefix, "DB_ENABLE_METRICS", "false"));
    MeterRegistry registry = new SimpleMeterRegistry();
    CacheMeters meters = new CacheMeters(registry);
    RedisTier tier = new RedisTier(vertx, settings.redis(), settings.cache(), meters, () -> { });
    ClusterFlight waiter = new ClusterFlight(vertx, tier, "waiter", LEASE_MS, 20, meters);
    assertThat(tier.tryLease("race", "holder", LEASE_MS).await(5, TimeUnit.SECONDS)).as("the holder's lease").isTrue();

    AtomicInteger loads = new AtomicInteger();
    AtomicInteger polls = new AtomicInteger();
    Promise<String> answer = Promise.promise();
    vertx.runOnContext(v -> waiter.<String>run("race",
        () -> {
          loads.incrementAndGet();
          return Future.succeededFuture("loaded by the waiter");
        },
        () -> polls.incrementAndGet() == 1
            // the waiter's first poll finds nothing; right after it the holder stores its value
            // and gives the lease back, before the waiter's next try for the lease
            ? tier.releaseLease("race", "holder").map(released -> null)
            : Future.succeededFuture("the holder's value")).onComplete(answer));

    assertThat(answer.future().await(10, TimeUnit.SECONDS)).isEqualTo("the holder's value");
    assertThat(loads).as("queries the waiter ran").hasValue(0);
    assertThat(polls).as("looks for the value: the poll, and one after the lease was won").hasValue(2);
    assertThat(registry.counter("consolidb.cache.lease", "outcome", "waited").count()).isEqualTo(1);
    assertThat(registry.counter("consolidb.cache.lease", "outcome", "acquired").count()).isZero();
    assertThat(tier.tryLease("race", "next", LEASE_MS).await(5, TimeUnit.SECONDS))
        .as("the waiter gave the lease it won back").isTrue();
  }
}
