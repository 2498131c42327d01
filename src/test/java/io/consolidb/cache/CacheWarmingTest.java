package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.bench.ServiceLatency;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Cache warming on the real PostgreSQL (a private schema) and the shared Redis (a key prefix of
 * its own): nodes in this JVM, each on its own Vert.x, restarted by closing one and starting
 * another with the same settings. Every query the warming runs takes a number from a sequence, so
 * the tests count executions and see which one filled a key.
 */
class CacheWarmingTest {

  private static final String READ = "SELECT v, nextval('warm_runs') AS run FROM warm_items WHERE id = $1";
  private static final String SLOW_READ = "SELECT pg_sleep(1) AS s, $1::int AS id, nextval('warm_runs') AS run";
  /** As {@link #SLOW_READ}, but numbered before it sleeps: a run is seen while it is still going. */
  private static final String SLOW_NUMBERED_FIRST = "SELECT nextval('warm_runs') AS run, $1::int AS id, pg_sleep(1) AS s";

  private static TestNode node;
  private final List<Vertx> started = new ArrayList<>();
  private String prefix;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_warm");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void data() {
    prefix = CacheTestKit.uniquePrefix();
    node.execute("DROP TABLE IF EXISTS warm_items", "CREATE TABLE warm_items (id int PRIMARY KEY, v text)",
        "INSERT INTO warm_items SELECT i, 'old' || i FROM generate_series(1, 10) i",
        "DROP SEQUENCE IF EXISTS warm_runs", "CREATE SEQUENCE warm_runs");
  }

  @AfterEach
  void close() throws Exception {
    for (Vertx vertx : started) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    ServiceLatency.deleteKeys(TestServices.redisUrl(), prefix); // this test's keys only, the hot list included
  }

  private JsonObject config(String redisUrl, JsonObject warm) {
    JsonObject config = CacheTestKit.config(node, 0, redisUrl, prefix);
    // the tests rank and share by themselves (publishHotKeys); the timer would race them
    config.getJsonObject("cache").put("warm", new JsonObject().put("enabled", true).put("publishSeconds", 300)
        .put("listTtlSeconds", 600).mergeIn(warm));
    return config;
  }

  private ConsolidbNode start(JsonObject config) {
    Vertx vertx = Vertx.vertx();
    started.add(vertx);
    return TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY);
  }

  /** A node's restart: its Vert.x closed (the cache shares its hot set a last time). */
  private void stop(ConsolidbNode stopped) throws Exception {
    started.remove(stopped.vertx());
    stopped.vertx().close().await(30, TimeUnit.SECONDS);
  }

  private static QueryClient client(ConsolidbNode n) {
    return new QueryClient(n.vertx(), 5000, n.cache());
  }

  private static String key(int id) {
    return "warm:item:" + id;
  }

  private static QueryResult read(QueryClient queries, String sql, int id) throws Exception {
    return queries.readCached("warm.item", sql, JsonArray.of(id), new CacheSpec(60, key(id), List.of("warm_items")))
        .await(30, TimeUnit.SECONDS);
  }

  /** {@code times} reads of each key (the first a miss), all through the node's cache. */
  private static void readOften(QueryClient queries, String sql, List<Integer> ids, int times) throws Exception {
    for (int i = 0; i < times; i++) {
      for (int id : ids) {
        read(queries, sql, id);
      }
    }
  }

  /** Queries run so far (every read of this test's statements takes a number). */
  private static long runs() {
    return node.queryLong("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM warm_runs");
  }

  /** The local tier's row of {@code id} on {@code n}, or null. */
  private static JsonObject localRow(ConsolidbNode n, int id) {
    Object value = n.cache().peekLocal(key(id));
    return value instanceof JsonArray rows && !rows.isEmpty() ? rows.getJsonObject(0) : null;
  }

  /** Drops the values (not the hot list) from Redis: a restarted node must run the queries. */
  private void unlinkValues(List<Integer> ids) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = CacheTestKit.redis(vertx, TestServices.redisUrl());
      Request unlink = Request.cmd(Command.UNLINK);
      ids.forEach(id -> unlink.arg(prefix + key(id)));
      redis.send(unlink).await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** The remaining TTL of the shared hot list ({@code <prefix>#hot}) in ms; negative without one. */
  private long listTtlMs() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      return CacheTestKit.redis(vertx, TestServices.redisUrl()).send(Request.cmd(Command.PTTL).arg(prefix + "#hot"))
          .await(10, TimeUnit.SECONDS).toLong();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static JsonObject warmStats(ConsolidbNode n, String reason) {
    return n.cache().stats().getJsonObject("warm").getJsonObject(reason);
  }

  private static void await(String what, long ms, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as(what + " within " + ms + " ms").isNegative();
      Thread.sleep(10);
    }
  }

  private static List<Integer> ids(int from, int to) {
    return IntStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  @DisplayName("a node started after another shared its hot keys has the hottest N cached before it serves")
  void restart_warmsTheHottestN_firstReadIsAHit() throws Exception {
    ConsolidbNode first = start(config(TestServices.redisUrl(), new JsonObject().put("keys", 5)));
    QueryClient queries = client(first);
    readOften(queries, READ, ids(1, 5), 160); // one read in eight is counted: far apart from the rest
    readOften(queries, READ, ids(6, 10), 2);
    first.cache().publishHotKeys().await(10, TimeUnit.SECONDS);
    assertThat(first.cache().hotKeys()).containsExactlyInAnyOrderElementsOf(ids(1, 5).stream().map(CacheWarmingTest::key).toList());
    assertThat(listTtlMs()).as("the hot list under the prefix, expiring").isBetween(1L, 600_000L);
    unlinkValues(ids(1, 10));
    stop(first);
    long before = runs();

    ConsolidbNode restarted = start(config(TestServices.redisUrl(), new JsonObject().put("keys", 5)));

    for (int id : ids(1, 5)) {
      assertThat(localRow(restarted, id)).as("hot key %s cached at start", id).isNotNull();
    }
    for (int id : ids(6, 10)) {
      assertThat(localRow(restarted, id)).as("cold key %s left alone", id).isNull();
    }
    assertThat(runs() - before).as("queries run by the warm-up").isEqualTo(5);
    QueryResult firstRead = read(client(restarted), READ, 1);
    assertThat(firstRead.cached()).as("the first read after the restart").isTrue();
    assertThat(firstRead.firstRow().getString("v")).isEqualTo("old1");
    assertThat(warmStats(restarted, "start").getMap()).containsEntry("done", 5L).containsEntry("failed", 0L)
        .containsEntry("skipped", 0L).containsEntry("queries", 5L);
    assertThat(restarted.cache().stats().getLong("misses")).as("warm loads are not read misses").isZero();
  }

  @Test
  @DisplayName("a hot entry dropped by an invalidation is filled again with the new value, by running its query")
  void invalidation_hotKeyRefilledWithTheNewValue() throws Exception {
    // one hot key: with room for five, the one read of key 2 would be hot too whenever the
    // tracker's 1-in-8 sample happened to count it
    ConsolidbNode n = start(config(TestServices.redisUrl(), new JsonObject().put("keys", 1).put("cooldownMs", 100)));
    QueryClient queries = client(n);
    readOften(queries, READ, List.of(1), 160);
    read(queries, READ, 2); // not hot: stays dropped
    n.cache().publishHotKeys().await(10, TimeUnit.SECONDS);
    assertThat(n.cache().hotKeys()).contains(key(1)).doesNotContain(key(2));
    long before = runs();

    node.execute("UPDATE warm_items SET v = 'new1' WHERE id IN (1, 2)");
    n.cache().invalidate(Invalidation.ofTags(List.of("warm_items"))).await(10, TimeUnit.SECONDS);

    await("the refill", 5000, () -> localRow(n, 1) != null);
    assertThat(localRow(n, 1).getString("v")).isEqualTo("new1");
    assertThat(localRow(n, 1).getLong("run")).as("a new execution, not the old value copied").isGreaterThan(before);
    QueryResult after = read(queries, READ, 1);
    assertThat(after.cached()).isTrue();
    assertThat(after.firstRow().getString("v")).isEqualTo("new1");
    assertThat(localRow(n, 2)).isNull();
    assertThat(runs() - before).isEqualTo(1);
    assertThat(warmStats(n, "invalidation").getMap()).containsEntry("done", 1L).containsEntry("queries", 1L);
  }

  @Test
  @DisplayName("a read that meets a refill of its key in flight joins it and gets its own kind of answer")
  void readDuringRefill_joinsIt() throws Exception {
    ConsolidbNode n = start(config(TestServices.redisUrl(), new JsonObject().put("keys", 1).put("cooldownMs", 100)));
    QueryClient queries = client(n);
    // one slow load, then hits; one read in eight is counted at random: 16 reads left the key
    // uncounted one run in eight ((7/8)^16), 160 practically never
    readOften(queries, SLOW_NUMBERED_FIRST, List.of(1), 160);
    n.cache().publishHotKeys().await(10, TimeUnit.SECONDS);
    assertThat(n.cache().hotKeys()).containsExactly(key(1));
    long before = runs();

    n.cache().invalidate(Invalidation.ofTags(List.of("warm_items"))).await(10, TimeUnit.SECONDS);
    await("the refill under way", 5000, () -> runs() > before);
    // the refill's loader answers rows; this read's answers a QueryResult: it must get one
    QueryResult joined = read(queries, SLOW_NUMBERED_FIRST, 1);
    assertThat(joined.firstRow().getInteger("id")).isEqualTo(1);
    assertThat(runs() - before).as("the read ran no query of its own").isEqualTo(1);
  }

  @Test
  @DisplayName("an invalidation storm on a hot key costs one query per cool-down, and the last value is the one cached")
  void invalidationStorm_boundedQueries_lastValueCached() throws Exception {
    int cooldownMs = 500;
    ConsolidbNode n = start(config(TestServices.redisUrl(), new JsonObject().put("keys", 5).put("cooldownMs", cooldownMs)));
    QueryClient queries = client(n);
    readOften(queries, READ, List.of(1), 160);
    n.cache().publishHotKeys().await(10, TimeUnit.SECONDS);
    long before = runs();

    long stormStarted = System.nanoTime();
    for (int i = 1; i <= 50; i++) {
      node.execute("UPDATE warm_items SET v = 'v" + i + "' WHERE id = 1");
      n.cache().invalidate(new Invalidation(List.of(key(1)), null, null)).await(10, TimeUnit.SECONDS);
    }
    long stormMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stormStarted);

    await("the last value refilled", 5000, () -> localRow(n, 1) != null && "v50".equals(localRow(n, 1).getString("v")));
    Thread.sleep(cooldownMs + 300); // nothing more may follow
    long queriesRun = runs() - before;
    assertThat(queriesRun).as("queries for 50 invalidations in %s ms", stormMs)
        .isBetween(1L, 2 + stormMs / cooldownMs);
    assertThat(warmStats(n, "invalidation").getLong("skipped")).isGreaterThanOrEqualTo(50 - queriesRun);
    assertThat(read(queries, READ, 1).firstRow().getString("v")).isEqualTo("v50");
  }

  @Test
  @DisplayName("a slow warm-up stops at its time budget, at most `concurrency` queries at once, and the start goes on")
  void slowQueries_warmStopsAtTheBudget() throws Exception {
    JsonObject warm = new JsonObject().put("keys", 6).put("concurrency", 2).put("budgetMs", 1500);
    ConsolidbNode first = start(config(TestServices.redisUrl(), warm));
    QueryClient queries = client(first);
    Future.all(ids(1, 6).stream().map(id -> queries.readCached("warm.slow", SLOW_READ, JsonArray.of(id),
        new CacheSpec(60, key(id), List.of("warm_items")))).toList()).await(30, TimeUnit.SECONDS);
    readOften(queries, SLOW_READ, ids(1, 6), 160);
    first.cache().publishHotKeys().await(10, TimeUnit.SECONDS);
    assertThat(first.cache().hotKeys()).hasSize(6);
    unlinkValues(ids(1, 6));
    stop(first);

    long t0 = System.nanoTime();
    ConsolidbNode restarted = start(config(TestServices.redisUrl(), warm));
    long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    // two at t=0, two more at t≈1 s when those finish, none started after 1.5 s: two skipped
    assertThat(startMs).as("the start waited for the budget, not for all six").isBetween(1000L, 2700L);
    assertThat(warmStats(restarted, "start").getLong("skipped")).isEqualTo(2);
    await("the two fills running at the deadline", 3000, () -> warmStats(restarted, "start").getLong("done") == 4);
    assertThat(warmStats(restarted, "start").getLong("queries")).isEqualTo(4);
    assertThat(ids(1, 6).stream().filter(id -> localRow(restarted, id) != null).count()).isEqualTo(4);
  }

  @Test
  @DisplayName("Redis unreachable at start: the node starts cold at once, without failing")
  void redisDown_startsCold() throws Exception {
    String nowhere = "redis://127.0.0.1:" + TestNode.freePort();
    long t0 = System.nanoTime();
    ConsolidbNode n = start(config(nowhere, new JsonObject().put("budgetMs", 5000)));
    long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(startMs).as("the start did not wait out the warming budget").isLessThan(4000);
    assertThat(warmStats(n, "start").getMap()).containsEntry("done", 0L).containsEntry("failed", 0L)
        .containsEntry("queries", 0L);
    QueryResult read = read(client(n), READ, 1);
    assertThat(read.cached()).isFalse();
    assertThat(read.firstRow().getString("v")).isEqualTo("old1");
    assertThat(read(client(n), READ, 1).cached()).as("the local tier still serves").isTrue();
  }
}
