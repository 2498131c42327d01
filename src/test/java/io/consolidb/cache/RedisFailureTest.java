package io.consolidb.cache;

import static io.consolidb.testsupport.TestNodes.cacheOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.RedisProcess;
import io.consolidb.testsupport.TcpProxy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Real Redis faults against a redis-server of the test's own (stopped, paused with SIGSTOP,
 * refusing or frozen behind a TCP proxy): reads keep answering from the local tier and
 * PostgreSQL, each at most the Redis timeout (250 ms) slower; the breaker stops calling Redis,
 * probes it, and the node goes back to Redis by itself, dropping its local tier and replaying
 * the invalidations Redis missed, so no value older than the outage is ever served.
 */
class RedisFailureTest {

  /** Redis timeout (250 ms) plus a generous allowance for the query itself on a busy machine. */
  private static final long MAX_READ_MS = 250 + 400;

  private static TestNode node;
  private static RedisProcess redisServer;
  private Vertx vertx;
  private NodeCache cache;
  private TcpProxy proxy;
  private RestaurantService service;
  private Redis redis;

  @BeforeAll
  static void start() {
    node = TestNode.create("cache_redis_fault");
    redisServer = RedisProcess.start("cache-faults");
  }

  @AfterAll
  static void stop() throws Exception {
    redisServer.close();
    node.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    node.reseed();
    redisServer.start();
    vertx = Vertx.vertx();
    proxy = TcpProxy.start(vertx, "127.0.0.1", redisServer.port()).await(30, TimeUnit.SECONDS);
    String url = "redis://127.0.0.1:" + proxy.port();
    ConsolidbNode deployed = CacheTestKit.deploy(vertx, CacheTestKit.config(node, 0, url, "consolidb:"));
    cache = deployed.cache();
    service = deployed.inProcess().inProcessOrProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, 5000);
    redis = CacheTestKit.redis(vertx, redisServer.url());
  }

  @AfterEach
  void close() throws Exception {
    redisServer.resume();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Redis stopped: reads answer from the local tier and PostgreSQL, then Redis is used again after a restart")
  void redisStopped_fallsBackAndRecovers() throws Exception {
    service.get(1).await(30, TimeUnit.SECONDS);
    redisServer.stop();
    assertThat(cacheOutcome(timedGet(1))).isEqualTo("HIT"); // local tier
    for (long id = 2; id <= 6; id++) {
      assertThat(cacheOutcome(timedGet(id))).isEqualTo("MISS"); // PostgreSQL, not an error
    }
    assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("down");
    assertThat(stats().getLong("fallbacks")).isGreaterThan(0);

    redisServer.start();
    await(() -> "up".equals(stats().getJsonObject("redis").getString("state")), 5000);
    assertThat(stats().getJsonObject("local").getLong("drops")).isGreaterThanOrEqualTo(1);
    assertThat(cacheOutcome(timedGet(1))).isEqualTo("MISS"); // the local tier was dropped
    await(() -> redisHas("consolidb:restaurants:id:1"), 2000); // and Redis is filled again
  }

  @Test
  @DisplayName("Redis paused (SIGSTOP): no read waits more than the timeout, a write made meanwhile is never served stale after it resumes")
  void redisPaused_boundedLatencyAndNoStaleAfterResume() throws Exception {
    assertThat(service.get(1).await(30, TimeUnit.SECONDS).getString("name")).isEqualTo("Times Square Deli");
    await(() -> redisHas("consolidb:restaurants:id:1"), 2000);
    redisServer.pause();
    for (long id = 2; id <= 6; id++) {
      assertThat(cacheOutcome(timedGet(id))).isEqualTo("MISS");
    }
    // the write's Redis invalidation cannot reach the paused Redis: it is queued
    service.update(1, new JsonObject().put("name", "Renamed During Outage")).await(5, TimeUnit.SECONDS);
    JsonObject afterUpdate = timedGet(1);
    assertThat(afterUpdate.getString("name")).as("name read after the update (cache mark %s)", cacheOutcome(afterUpdate))
        .isEqualTo("Renamed During Outage");
    assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("down");

    redisServer.resume();
    await(() -> "up".equals(stats().getJsonObject("redis").getString("state")), 5000);
    assertThat(redisHas("consolidb:restaurants:id:1")).as("stale copy replayed away").isFalse();
    assertThat(timedGet(1).getString("name")).isEqualTo("Renamed During Outage");
  }

  @Test
  @DisplayName("Redis comes back while invalidations keep arriving: the replay catches up and reads use Redis again")
  void redisRecovers_underSteadyInvalidations() throws Exception {
    redisServer.pause();
    for (int i = 0; i < 3; i++) {
      cache.invalidate(new Invalidation(java.util.List.of("steady:" + i), null, null)).await(30, TimeUnit.SECONDS); // opens the breaker
    }
    assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("down");

    // one invalidation every 2 ms from now on, through the recovery
    long[] sent = {0};
    long timer = vertx.setPeriodic(2, id -> cache.invalidate(
        new Invalidation(java.util.List.of("steady:" + (sent[0]++ % 50)), null, null)));
    try {
      redisServer.resume();
      await(() -> "up".equals(stats().getJsonObject("redis").getString("state")), 5000);
    } finally {
      vertx.cancelTimer(timer);
    }
    assertThat(sent[0]).as("invalidations sent during the recovery").isPositive();
    readUntilInRedis(7);
  }

  @Test
  @DisplayName("Redis at maxmemory (noeviction): the tier stays up without flapping, entries it holds are still"
      + " served, no read is stale, and new entries land again once memory is free")
  void redisFull_staysUpAndServesWhatItHolds() throws Exception {
    redis.send(Request.cmd(Command.FLUSHDB)).await(5, TimeUnit.SECONDS); // earlier tests' entries
    service.get(1).await(30, TimeUnit.SECONDS);
    await(() -> redisHas("consolidb:restaurants:id:1"), 2000);
    config("maxmemory-policy", "noeviction");
    config("maxmemory", "1");
    try {
      long drops = stats().getJsonObject("local").getLong("drops");
      for (long id = 2; id <= 8; id++) {
        assertThat(cacheOutcome(timedGet(id))).isEqualTo("MISS"); // each fill refused with OOM
        assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("up");
      }
      assertThat(redisHas("consolidb:restaurants:id:2")).isFalse();
      cache.dropLocalTier();
      long redisHits = stats().getJsonObject("redis").getLong("hits");
      assertThat(cacheOutcome(timedGet(1))).isEqualTo("HIT");
      assertThat(stats().getJsonObject("redis").getLong("hits")).as("served by Redis while full").isGreaterThan(redisHits);

      service.update(1, new JsonObject().put("name", "Renamed While Full")).await(5, TimeUnit.SECONDS);
      assertThat(timedGet(1).getString("name")).isEqualTo("Renamed While Full");
      assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("up");
      assertThat(stats().getJsonObject("local").getLong("drops")).as("local tier drops while full").isEqualTo(drops + 1);
    } finally {
      config("maxmemory", "0");
    }
    readUntilInRedis(7);
  }

  private void config(String name, String value) throws Exception {
    redis.send(Request.cmd(Command.CONFIG).arg("SET").arg(name).arg(value)).await(5, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Redis refusing connections: reads fall back at once and Redis is used again when it accepts")
  void redisRefusing_fallsBackAndRecovers() throws Exception {
    service.get(6).await(30, TimeUnit.SECONDS); // the node's first query (connecting, preparing) is not timed
    proxy.refuse().await(30, TimeUnit.SECONDS);
    for (long id = 1; id <= 5; id++) {
      assertThat(cacheOutcome(timedGet(id))).isEqualTo("MISS");
    }
    assertThat(stats().getJsonObject("redis").getString("state")).isEqualTo("down");
    proxy.accept().await(30, TimeUnit.SECONDS);
    await(() -> "up".equals(stats().getJsonObject("redis").getString("state")), 5000);
    readUntilInRedis(7);
  }

  @Test
  @DisplayName("a frozen connection to Redis costs each read at most the timeout")
  void redisFrozen_boundedLatency() throws Exception {
    service.get(1).await(30, TimeUnit.SECONDS);
    proxy.freeze();
    for (long id = 2; id <= 6; id++) {
      assertThat(cacheOutcome(timedGet(id))).isEqualTo("MISS");
    }
    assertThat(cacheOutcome(timedGet(1))).isEqualTo("HIT");
    proxy.thaw();
    await(() -> "up".equals(stats().getJsonObject("redis").getString("state")), 5000);
  }

  private JsonObject timedGet(long id) {
    long started = System.nanoTime();
    JsonObject row = Await.result(service.get(id));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(ms).as("read of restaurant %d took %d ms", id, ms).isLessThan(MAX_READ_MS);
    return row;
  }

  /**
   * Reads restaurant {@code id} until its fill has reached Redis. A fill is dropped, rightly, when
   * an invalidation or the recovery's local-tier drop runs during its load, and the recovery ends
   * just after the state reads "up": one read right after may be such a fill.
   */
  private void readUntilInRedis(long id) {
    await(() -> {
      Await.result(service.get(id));
      return redisHas("consolidb:restaurants:id:" + id);
    }, 5000);
  }

  private boolean redisHas(String key) {
    return Await.result(redis.send(Request.cmd(Command.EXISTS).arg(key))).toInteger() == 1;
  }

  private JsonObject stats() {
    return Await.result(vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, new JsonObject())).body();
  }

  private static void await(BooleanSupplier condition, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within %d ms", timeoutMs).isLessThan(deadline);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
