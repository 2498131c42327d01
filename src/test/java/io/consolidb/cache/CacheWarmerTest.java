package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.config.WarmSettings;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The warmer's rules through the node cache, against the real Redis under a prefix of the test's
 * own: which keys make the hot set and the cluster's list, what a start fills (concurrency, budget,
 * unusable entries), what an invalidation or a dropped local tier fills again (cool-down, a fill
 * voided while it runs), and close. The replayer here stands in for the query endpoint and counts
 * what it is asked to run; {@link CacheWarmingTest} runs the same rules against PostgreSQL.
 */
@DisplayName("Cache warmer")
class CacheWarmerTest {

  private static final int KEYS = 2;
  private static final int CONCURRENCY = 2;
  private static final int COOLDOWN_MS = 300;

  private final List<Vertx> vertxes = new ArrayList<>();
  private String prefix;
  private Redis redis;
  /** Requests the replayer was given, in order. */
  private final List<JsonObject> replayed = new CopyOnWriteArrayList<>();
  /** Replays not answered yet, by key; answered at once unless {@link #hold} is set. */
  private final Map<String, Promise<JsonArray>> held = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();
  private volatile boolean hold;

  @BeforeEach
  void start() {
    prefix = "warmer-" + UUID.randomUUID() + ":";
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    redis = CacheTestKit.redis(vertx, TestServices.redisUrl());
  }

  @AfterEach
  void stop() throws Exception {
    held.values().forEach(p -> p.tryComplete(JsonArray.of()));
    for (Vertx each : vertxes) {
      each.close().await(30, TimeUnit.SECONDS);
    }
  }

  private NodeCache node(int budgetMs, boolean redisOn) {
    return node(new WarmSettings(true, KEYS, CONCURRENCY, budgetMs, COOLDOWN_MS, 3600, 7200), redisOn);
  }

  private NodeCache node(WarmSettings warm, boolean redisOn) {
    Vertx own = Vertx.vertx();
    vertxes.add(own);
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, prefix, 3, 1, 1 << 20, 0, 3000, 20)
        .withWarm(warm);
    return new NodeCache(own, settings, new RedisSettings(redisOn, TestServices.redisUrl(), "", true, 2, 2),
        new SimpleMeterRegistry(), () -> 0, this::replay);
  }

  private Future<JsonArray> replay(JsonObject request) {
    replayed.add(request);
    int now = inFlight.incrementAndGet();
    mostInFlight.accumulateAndGet(now, Math::max);
    Promise<JsonArray> answer = Promise.promise();
    answer.future().onComplete(x -> inFlight.decrementAndGet());
    String key = request.getJsonArray("params").getString(0);
    if (hold) {
      held.put(key + "#" + replayed.size(), answer);
    } else {
      answer.complete(JsonArray.of(new JsonObject().put("key", key).put("run", replayed.size())));
    }
    return answer.future();
  }

  /** A service read of {@code key} with the query that runs it again. */
  private static final class Read extends RowsLoader {
    private final String key;

    Read(String key) {
      this.key = key;
    }

    @Override
    public Future<JsonArray> load() {
      return Future.succeededFuture(JsonArray.of(new JsonObject().put("key", key).put("run", 0)));
    }

    @Override
    public JsonObject replay() {
      return new JsonObject().put("operation", "query").put("sql", "SELECT $1").put("params", JsonArray.of(key))
          .put("readOnly", true);
    }
  }

  private static CacheSpec spec(String key) {
    return new CacheSpec(60, key, List.of(key.startsWith("city") ? "cities" : "restaurants"));
  }

  private static void read(NodeCache cache, String key, int times) {
    for (int i = 0; i < times; i++) {
      Await.result(cache.readThrough(key, spec(key), new Read(key)));
    }
  }

  private List<String> replayedKeys() {
    return replayed.stream().map(r -> r.getJsonArray("params").getString(0)).toList();
  }

  private static JsonObject warmStats(NodeCache cache, String reason) {
    return cache.stats().getJsonObject("warm").getJsonObject(reason);
  }

  @Test
  @DisplayName("the N most read keys become the hot set, hottest first, and the cluster's list; a node that read nothing leaves both as they were")
  void publish_hotSetAndList() throws Exception {
    NodeCache cache = node(5_000, true);
    read(cache, "r:hot", 1_600);
    read(cache, "r:warm", 400);
    read(cache, "r:cool", 40);

    Await.result(cache.publishHotKeys());

    assertThat(cache.hotKeys()).containsExactly("r:hot", "r:warm");
    assertThat(zrevrange()).containsExactly("r:hot", "r:warm");
    String replay = redis.send(Request.cmd(Command.HGET).arg(prefix + "#hot:reads").arg("r:hot"))
        .await(10, TimeUnit.SECONDS).toString();
    assertThat(Replay.fromJson("r:hot", replay)).isNotNull();

    for (int i = 0; i < 13; i++) {
      Await.result(cache.publishHotKeys()); // nothing read since: each ranking halves the counts until none is left
    }
    assertThat(cache.hotKeys()).as("an idle node keeps the last hot set it ranked").containsExactly("r:hot");
    assertThat(zrevrange()).containsExactly("r:hot", "r:warm");
    JsonObject stats = cache.stats().getJsonObject("warm");
    assertThat(stats.getBoolean("enabled")).isTrue();
    assertThat(stats.getInteger("keys")).isEqualTo(KEYS);
    assertThat(stats.getInteger("hot")).isEqualTo(1);
    assertThat(stats.getLong("tracked")).as("every count faded out: none tracked").isZero();
  }

  @Test
  @DisplayName("a starting node fills the cluster's top N through the replayer, at most `concurrency` at a time; a read is then a hit")
  void warmAtStart_fillsTheTopN() throws Exception {
    NodeCache first = node(5_000, true);
    read(first, "r:1", 1_600);
    read(first, "r:2", 800);
    Await.result(first.publishHotKeys());

    NodeCache second = node(5_000, true);
    deleteValues("r:1", "r:2");
    Await.result(second.warmAtStart());

    assertThat(replayedKeys()).containsExactlyInAnyOrder("r:1", "r:2");
    assertThat(replayed).allSatisfy(r -> assertThat(r.getBoolean("primary")).as("never from a replica").isTrue());
    assertThat(mostInFlight.get()).isLessThanOrEqualTo(CONCURRENCY);
    JsonObject start = warmStats(second, "start");
    assertThat(start.getLong("done")).isEqualTo(2);
    assertThat(start.getLong("queries")).isEqualTo(2);
    assertThat(start.getLong("skipped")).isZero();
    assertThat(start.getLong("time_ms")).isNotNegative();
    assertThat(second.hotKeys()).as("the list is its hot set until it counted its own").containsExactly("r:1", "r:2");

    Counted read = new Counted("r:1");
    assertThat(Await.result(second.readThrough("r:1", spec("r:1"), read)).getJsonObject(0).getInteger("run"))
        .isPositive();
    assertThat(read.loads).hasValue(0);

    Await.until("both fills in Redis", 5_000, () -> Await.result(redis.send(Request.cmd(Command.EXISTS)
        .arg(prefix + "r:1").arg(prefix + "r:2"))).toInteger() == 2);
    NodeCache third = node(5_000, true);
    Await.result(third.warmAtStart());
    assertThat(replayedKeys()).as("already in Redis: copied, no query").hasSize(2);
    assertThat(warmStats(third, "start").getLong("done")).isEqualTo(2);
    assertThat(warmStats(third, "start").getLong("queries")).isZero();
  }

  @Test
  @DisplayName("the start's budget: what is not started by then is skipped, and the start goes on")
  void warmAtStart_budget() throws Exception {
    WarmSettings four = new WarmSettings(true, 4, 1, 200, COOLDOWN_MS, 3600, 7200);
    NodeCache first = node(four, true);
    for (int i = 1; i <= 4; i++) {
      read(first, "r:" + i, 2_000 / i);
    }
    Await.result(first.publishHotKeys());
    assertThat(zrevrange()).containsExactlyInAnyOrder("r:1", "r:2", "r:3", "r:4");
    deleteValues("r:1", "r:2", "r:3", "r:4");

    hold = true;
    NodeCache second = node(four, true);
    long started = System.nanoTime();
    Await.result(second.warmAtStart());
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(tookMs).isBetween(150L, 3_000L);
    assertThat(replayed).as("one at a time: only the first started").hasSize(1);
    assertThat(warmStats(second, "start").getLong("skipped")).isEqualTo(3);
    assertThat(warmStats(second, "start").getLong("done")).isZero();
    assertThat(warmStats(second, "start").getLong("time_ms")).as("the start's time, recorded").isBetween(150L, 3_000L);
  }

  @Test
  @DisplayName("entries of the list without a usable replay are skipped, never run; without Redis the start is cold at once")
  void warmAtStart_unusableEntriesAndNoRedis() throws Exception {
    redis.send(Request.cmd(Command.ZADD).arg(prefix + "#hot").arg(3).arg("r:corrupt").arg(2).arg("r:lost")
        .arg(1).arg("r:writes")).await(10, TimeUnit.SECONDS);
    JsonObject write = new JsonObject().put("request", new JsonObject().put("sql", "DELETE FROM t").put("readOnly", false))
        .put("cache", new CacheSpec(60, "r:writes", List.of()).toJson());
    redis.send(Request.cmd(Command.HSET).arg(prefix + "#hot:reads").arg("r:corrupt").arg("{not json")
        .arg("r:writes").arg(write.encode())).await(10, TimeUnit.SECONDS);

    NodeCache cache = node(new WarmSettings(true, 3, CONCURRENCY, 5_000, COOLDOWN_MS, 3600, 7200), true);
    Await.result(cache.warmAtStart());
    assertThat(replayed).isEmpty();
    assertThat(warmStats(cache, "start").getLong("skipped")).isEqualTo(3);

    NodeCache noRedis = node(5_000, false);
    Await.result(noRedis.warmAtStart());
    assertThat(replayed).isEmpty();
    read(noRedis, "r:1", 800);
    Await.result(noRedis.publishHotKeys());
    assertThat(noRedis.hotKeys()).as("ranked without sharing").containsExactly("r:1");
  }

  @Test
  @DisplayName("Redis unreachable at start: the start is cold, at once")
  void warmAtStart_redisUnreachable() throws Exception {
    Vertx own = Vertx.vertx();
    vertxes.add(own);
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, prefix, 3, 1, 1 << 20, 0, 3000, 20)
        .withWarm(new WarmSettings(true, KEYS, CONCURRENCY, 5_000, COOLDOWN_MS, 3600, 7200));
    NodeCache cache = new NodeCache(own, settings,
        new RedisSettings(true, "redis://127.0.0.1:" + closedPort, "", true, 2, 2), new SimpleMeterRegistry(), () -> 0,
        this::replay);
    long started = System.nanoTime();
    Await.result(cache.warmAtStart());
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(4_000L);
    assertThat(replayed).isEmpty();
  }

  @Test
  @DisplayName("an invalidation fills again the hot keys it named (by key, pattern or tag) and no other")
  void invalidation_refillsWhatItDropped() throws Exception {
    NodeCache cache = hotNode("r:1", "city:paris");

    Await.result(cache.invalidate(new Invalidation(List.of("r:1", "r:cold"), null, null)));
    Await.until("r:1 refilled", 5_000, () -> replayedKeys().equals(List.of("r:1")));

    Thread.sleep(COOLDOWN_MS + 50);
    Await.result(cache.invalidate(new Invalidation(null, "city:*", null)));
    Await.until("city:paris refilled", 5_000, () -> replayedKeys().equals(List.of("r:1", "city:paris")));

    Thread.sleep(COOLDOWN_MS + 50);
    Await.result(cache.invalidate(Invalidation.ofTags(List.of("restaurants"))));
    Await.until("r:1 refilled by its tag", 5_000, () -> replayedKeys().equals(List.of("r:1", "city:paris", "r:1")));
    Thread.sleep(100);
    assertThat(replayedKeys()).hasSize(3);
    assertThat(warmStats(cache, "invalidation").getLong("done")).isEqualTo(3);

    Counted read = new Counted("r:1");
    Await.result(cache.readThrough("r:1", spec("r:1"), read));
    assertThat(read.loads).as("the refill's value is served").hasValue(0);
  }

  @Test
  @DisplayName("a burst of invalidations of one key: one fill now, one after the cool-down, none in between")
  void invalidation_burstWithinCooldown() throws Exception {
    NodeCache cache = hotNode("r:1", "r:2");

    for (int i = 0; i < 5; i++) {
      Await.result(cache.invalidate(new Invalidation(List.of("r:1"), null, null)));
    }
    Await.until("the first refill", 5_000, () -> replayed.size() == 1);
    Thread.sleep(COOLDOWN_MS / 2);
    assertThat(replayed).as("within the cool-down").hasSize(1);
    Await.until("the last invalidation's refill", 5_000, () -> replayed.size() == 2);
    Thread.sleep(COOLDOWN_MS + 100);
    assertThat(replayedKeys()).containsExactly("r:1", "r:1");
    assertThat(warmStats(cache, "invalidation").getLong("skipped")).as("merged into the refill due").isGreaterThanOrEqualTo(3);
  }

  @Test
  @DisplayName("invalidated while its refill runs: that fill is voided and one more follows")
  void invalidation_whileRunning() throws Exception {
    NodeCache cache = hotNode("r:1", "r:2");
    hold = true;
    Await.result(cache.invalidate(new Invalidation(List.of("r:1"), null, null)));
    Await.until("the refill runs", 5_000, () -> held.size() == 1);

    Await.result(cache.invalidate(new Invalidation(List.of("r:1"), null, null)));
    hold = false;
    held.values().forEach(p -> p.complete(JsonArray.of(new JsonObject().put("key", "r:1").put("run", -1))));

    Await.until("one more refill", 5_000, () -> replayed.size() == 2);
    Await.until("counted", 5_000, () -> warmStats(cache, "invalidation").getLong("done") == 1);
    JsonObject stats = warmStats(cache, "invalidation");
    assertThat(stats.getLong("skipped")).as("the merged invalidation and the voided fill").isEqualTo(2);
    assertThat(stats.getLong("queries")).isEqualTo(2);
    Counted read = new Counted("r:1");
    assertThat(Await.result(cache.readThrough("r:1", spec("r:1"), read)).getJsonObject(0).getInteger("run"))
        .as("the second fill's value, not the voided one's").isEqualTo(2);
  }

  @Test
  @DisplayName("refills run at most `concurrency` at a time, the next starting as one ends; closing drops those still queued")
  void invalidation_concurrencyAndClose() throws Exception {
    NodeCache cache = threeHotKeys(new WarmSettings(true, 3, CONCURRENCY, 5_000, COOLDOWN_MS, 3600, 7200));
    assertThat(cache.hotKeys()).hasSize(3);
    hold = true;

    Await.result(cache.invalidate(Invalidation.ofTags(List.of("restaurants"))));
    Await.until("two refills run", 5_000, () -> held.size() == 2);
    Thread.sleep(100);
    assertThat(held).as("the third waits for a free place").hasSize(2);
    String first = held.keySet().iterator().next();
    held.remove(first).complete(JsonArray.of(new JsonObject().put("run", 1)));
    Await.until("the third starts", 5_000, () -> replayed.size() == 3);
    assertThat(warmStats(cache, "invalidation").getLong("time_ms")).as("the refill's time, recorded")
        .isGreaterThanOrEqualTo(100L).isLessThan(5_000L);

    Await.result(cache.invalidate(Invalidation.ofTags(List.of("restaurants")))); // all three due again
    Await.result(cache.close());
    hold = false;
    held.values().forEach(p -> p.complete(JsonArray.of(new JsonObject().put("run", 2))));
    Thread.sleep(COOLDOWN_MS + 200);
    assertThat(replayed).as("nothing started after close").hasSize(3);
  }

  @Test
  @DisplayName("closing drops the refills waiting for a free place: none starts when a running one ends")
  void close_dropsQueuedRefills() throws Exception {
    NodeCache cache = threeHotKeys(new WarmSettings(true, 3, CONCURRENCY, 5_000, COOLDOWN_MS, 3600, 7200));
    hold = true;
    Await.result(cache.invalidate(Invalidation.ofTags(List.of("restaurants"))));
    Await.until("two refills run, one queued", 5_000, () -> held.size() == 2);

    Await.result(cache.close());
    held.values().forEach(p -> p.complete(JsonArray.of(new JsonObject().put("run", 1))));
    Thread.sleep(200);
    assertThat(replayed).as("the queued one never started").hasSize(2);
  }

  @Test
  @DisplayName("a start with more keys than places: each fill that ends launches the next, all within the budget")
  void warmAtStart_launchesTheNextAsOneEnds() throws Exception {
    WarmSettings oneAtATime = new WarmSettings(true, 3, 1, 10_000, COOLDOWN_MS, 3600, 7200);
    threeHotKeys(oneAtATime);
    deleteValues("r:1", "r:2", "r:3");

    NodeCache second = node(oneAtATime, true);
    long started = System.nanoTime();
    Await.result(second.warmAtStart());

    assertThat((System.nanoTime() - started) / 1_000_000).as("well before the 10 s budget").isLessThan(5_000L);
    assertThat(replayedKeys()).containsExactlyInAnyOrder("r:1", "r:2", "r:3");
    assertThat(mostInFlight.get()).isEqualTo(1);
    assertThat(warmStats(second, "start").getLong("done")).isEqualTo(3);
    assertThat(warmStats(second, "start").getLong("skipped")).isZero();
  }

  @Test
  @DisplayName("the refill states of keys no longer due are forgotten at the next ranking once their cool-down is over")
  void refillStatesAreForgotten() throws Exception {
    NodeCache cache = hotNode("r:1", "r:2");
    Await.result(cache.invalidate(Invalidation.ofTags(List.of("restaurants"))));
    Await.until("both refilled", 5_000, () -> replayed.size() == 2);
    assertThat(cache.warmer().refillStates()).isEqualTo(2);

    read(cache, "r:1", 800);
    Await.result(cache.publishHotKeys());
    assertThat(cache.warmer().refillStates()).as("within the cool-down: kept").isEqualTo(2);
    Thread.sleep(COOLDOWN_MS + 50);
    read(cache, "r:1", 800);
    Await.result(cache.publishHotKeys());
    assertThat(cache.warmer().refillStates()).isZero();
  }

  @Test
  @DisplayName("a failed refill is counted and does not stop the next ones")
  void invalidation_failedRefill() throws Exception {
    NodeCache cache = hotNode("r:1", "r:2");
    hold = true;
    Await.result(cache.invalidate(Invalidation.ofTags(List.of("restaurants"))));
    Await.until("both refills run", 5_000, () -> held.size() == 2);
    hold = false;
    held.values().forEach(p -> p.fail(new IllegalStateException("database unreachable")));
    Await.until("counted", 5_000, () -> warmStats(cache, "invalidation").getLong("failed") == 2);
  }

  @Test
  @DisplayName("the whole local tier dropped: every hot key is filled again")
  void droppedLocalTier_refillsEveryHotKey() throws Exception {
    NodeCache cache = hotNode("r:1", "r:2");
    deleteValues("r:1", "r:2");
    cache.dropLocalTier();
    Await.until("both refilled", 5_000, () -> replayed.size() == 2);
    assertThat(replayedKeys()).containsExactlyInAnyOrder("r:1", "r:2");
  }

  @Test
  @DisplayName("closed: the hot set is shared one last time, and invalidations no longer fill anything")
  void close_sharesAndStops() throws Exception {
    NodeCache cache = node(5_000, true);
    read(cache, "r:1", 800);
    Await.result(cache.close());
    assertThat(zrevrange()).containsExactly("r:1");

    cache.dropLocalTier();
    Thread.sleep(200);
    assertThat(replayed).isEmpty();
  }

  /** A node whose hot set is r:1, r:2, r:3 (in that order), shared in Redis. */
  private NodeCache threeHotKeys(WarmSettings warm) {
    NodeCache cache = node(warm, true);
    read(cache, "r:1", 2_400);
    read(cache, "r:2", 1_200);
    read(cache, "r:3", 600);
    Await.result(cache.publishHotKeys());
    return cache;
  }

  /** A node whose hot set is {@code hottest} then {@code next}, with both in its local tier. */
  private NodeCache hotNode(String hottest, String next) throws Exception {
    NodeCache cache = node(5_000, true);
    read(cache, hottest, 1_600);
    read(cache, next, 800);
    Await.result(cache.publishHotKeys());
    assertThat(cache.hotKeys()).containsExactly(hottest, next);
    return cache;
  }

  /** Drops the keys' values from Redis, so that a fill has to run their query. */
  private void deleteValues(String... keys) {
    Request del = Request.cmd(Command.DEL);
    for (String key : keys) {
      del.arg(prefix + key);
    }
    Await.result(redis.send(del));
  }

  private List<String> zrevrange() {
    List<String> keys = new ArrayList<>();
    Await.result(redis.send(Request.cmd(Command.ZREVRANGE).arg(prefix + "#hot").arg(0).arg(-1)))
        .forEach(k -> keys.add(k.toString()));
    return keys;
  }

  /** A read that counts its own loads (a warmed key is a hit: none). */
  private static final class Counted extends RowsLoader {
    final AtomicInteger loads = new AtomicInteger();
    private final String key;

    Counted(String key) {
      this.key = key;
    }

    @Override
    public Future<JsonArray> load() {
      loads.incrementAndGet();
      return Future.succeededFuture(JsonArray.of(new JsonObject().put("key", key).put("run", 0)));
    }
  }
}
