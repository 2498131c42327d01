package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeCache} with both tiers against the real Redis, two caches sharing one key prefix as
 * two nodes would, loaders standing in for the database: what a fill leaves in Redis (its stamp
 * and TTL), how another node reads it, fences, loads joined by another kind of reader, the newer
 * of two stale values, and the repeated invalidation that catches a late fill.
 */
class NodeCacheTiersTest {

  private static final long WAIT = 10;

  private final List<Vertx> vertxes = new ArrayList<>();
  private String prefix;
  private Vertx vertx;
  private Redis redis;

  @BeforeEach
  void start() {
    prefix = "tiers-" + UUID.randomUUID() + ":";
    vertx = Vertx.vertx();
    vertxes.add(vertx);
    redis = CacheTestKit.redis(vertx, TestServices.redisUrl());
  }

  @AfterEach
  void stop() throws Exception {
    for (Vertx each : vertxes) {
      each.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** A node's cache: its own Vert.x and registry, this test's Redis prefix. */
  private NodeCache node(boolean localTier, int maxStaleSeconds, MeterRegistry registry) {
    Vertx own = Vertx.vertx();
    vertxes.add(own);
    CacheSettings settings = new CacheSettings(true, 60, 100, localTier, 1024, prefix, 3, 1, 1 << 20,
        maxStaleSeconds, 3000, 20);
    return new NodeCache(own, settings, new RedisSettings(true, TestServices.redisUrl(), "", true, 2, 2), registry);
  }

  /** Counts its loads, answers {@code answer} (or fails), and records the latency each hit was given. */
  private static class Counting extends RowsLoader {
    final AtomicInteger loads = new AtomicInteger();
    final AtomicLong hitNanos = new AtomicLong(-1);
    final Promise<JsonArray> result = Promise.promise();
    final boolean unreachable;

    Counting(JsonArray answer) {
      this(false);
      result.complete(answer);
    }

    Counting(boolean unreachable) {
      this.unreachable = unreachable;
    }

    @Override
    public Future<JsonArray> load() {
      loads.incrementAndGet();
      return result.future();
    }

    @Override
    public JsonArray hit(JsonArray rows, long nanos) {
      hitNanos.set(nanos);
      return rows;
    }

    @Override
    public boolean unreachable(Throwable failure) {
      return unreachable;
    }
  }

  /** Another kind of reader of the same key (another class): joins a load through its rows. */
  private static final class OtherKind extends Counting {
    OtherKind() {
      super(false);
    }
  }

  private static CacheSpec spec(int ttlSeconds, String key) {
    return new CacheSpec(ttlSeconds, key, List.of("t"));
  }

  private Buffer redisValue(String key) throws Exception {
    Response value = redis.send(Request.cmd(Command.GET).arg(prefix + key)).await(WAIT, TimeUnit.SECONDS);
    return value == null ? null : value.toBuffer();
  }

  private long redisTtlMillis(String key) throws Exception {
    return redis.send(Request.cmd(Command.PTTL).arg(prefix + key)).await(WAIT, TimeUnit.SECONDS).toLong();
  }

  /** Reads {@code key} through {@code cache}, loading {@code answer}, and waits for the fill to reach Redis. */
  private void filled(NodeCache cache, String key, int ttlSeconds, Object answer) throws Exception {
    cache.readThrough(key, spec(ttlSeconds, key), new Counting(JsonArray.of(answer))).await(WAIT, TimeUnit.SECONDS);
    awaitTrue(() -> {
      try {
        Buffer stored = redisValue(key);
        return stored != null && ValueCodec.decode(stored).value().equals(JsonArray.of(answer));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static double counter(MeterRegistry registry, String tier, String result) {
    return registry.get("consolidb.cache.requests").tags("tier", tier, "result", result).counter().count();
  }

  @Test
  void aFill_landsInRedisStampedWithItsTtl_andAnotherNodeReadsItAsAFreshRedisHit() throws Exception {
    NodeCache first = node(true, 0, new SimpleMeterRegistry());
    filled(first, "k", 30, 1);

    ValueCodec.Decoded stored = ValueCodec.decode(redisValue("k"));
    assertThat(stored.value()).isEqualTo(JsonArray.of(1));
    long now = System.currentTimeMillis();
    assertThat(stored.freshUntilMillis() - stored.storedAtMillis()).as("the spec's TTL").isEqualTo(30_000);
    assertThat(stored.storedAtMillis()).isBetween(now - 5_000, now);
    assertThat(redisTtlMillis("k")).as("Redis expires it with the TTL").isBetween(20_000L, 30_000L);
    assertThat(first.peekLocal("k")).isEqualTo(JsonArray.of(1));

    MeterRegistry registry = new SimpleMeterRegistry();
    NodeCache second = node(true, 0, registry);
    Counting secondLoader = new Counting(JsonArray.of(2));
    assertThat(second.readThrough("k", spec(30, "k"), secondLoader).await(WAIT, TimeUnit.SECONDS))
        .isEqualTo(JsonArray.of(1));
    assertThat(secondLoader.loads).hasValue(0);
    assertThat(secondLoader.hitNanos.get()).as("the Redis round trip's time").isBetween(1L, TimeUnit.SECONDS.toNanos(WAIT));
    assertThat(counter(registry, "redis", "hit")).isEqualTo(1);
    assertThat(second.peekLocal("k")).as("a Redis hit lands in the local tier").isEqualTo(JsonArray.of(1));
    assertThat(registry.get("consolidb.cache.entries").gauge().value()).isEqualTo(1);
    assertThat(registry.get("consolidb.cache.bytes").gauge().value()).isEqualTo(3); // "[1]"
    assertThat(second.origin()).isNotBlank().isNotEqualTo(first.origin());
  }

  @Test
  void aRedisHit_staysLocalOnlyForWhatIsLeftOfItsTtl() throws Exception {
    filled(node(true, 0, new SimpleMeterRegistry()), "k", 1, 1);
    NodeCache second = node(true, 0, new SimpleMeterRegistry());
    second.readThrough("k", spec(1, "k"), new Counting(JsonArray.of(2))).await(WAIT, TimeUnit.SECONDS);
    Thread.sleep(1_300);

    Counting after = new Counting(JsonArray.of(3));
    assertThat(second.readThrough("k", spec(1, "k"), after).await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(3));
    assertThat(after.loads).as("expired in both tiers").hasValue(1);
  }

  @Test
  void aValueWithoutStamp_isFreshForTheSpecsTtl() throws Exception {
    Buffer unstamped = new ValueCodec(0).encode(Json.encodeToBuffer(JsonArray.of("old-format"))).stored();
    redis.send(Request.cmd(Command.SET).arg(prefix + "k").arg(unstamped).arg("PX").arg(60_000))
        .await(WAIT, TimeUnit.SECONDS);
    NodeCache cache = node(true, 0, new SimpleMeterRegistry());
    assertThat(cache.readThrough("k", spec(1, "k"), new Counting(JsonArray.of(2))).await(WAIT, TimeUnit.SECONDS))
        .isEqualTo(JsonArray.of("old-format"));
    assertThat(cache.peekLocal("k")).as("held locally for the TTL").isEqualTo(JsonArray.of("old-format"));
    Thread.sleep(1_300);
    assertThat(cache.peekLocal("k")).as("and no longer").isNull();
  }

  @Test
  void anUnreadableOrForeignValueInRedis_isLoadedAgainAndReplaced() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    NodeCache cache = node(false, 0, registry);
    redis.send(Request.cmd(Command.SET).arg(prefix + "bad").arg("\u0007 not a cached value")).await(WAIT, TimeUnit.SECONDS);
    Buffer object = new ValueCodec(0).encode(Json.encodeToBuffer(new JsonObject().put("a", 1))).stored();
    redis.send(Request.cmd(Command.SET).arg(prefix + "object").arg(object)).await(WAIT, TimeUnit.SECONDS);

    Counting bad = new Counting(JsonArray.of("reloaded"));
    assertThat(cache.readThrough("bad", spec(30, "bad"), bad).await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of("reloaded"));
    assertThat(bad.loads).hasValue(1);
    assertThat(counter(registry, "redis", "error")).isEqualTo(1);
    Counting foreign = new Counting(JsonArray.of("ours"));
    assertThat(cache.readThrough("object", spec(30, "object"), foreign).await(WAIT, TimeUnit.SECONDS))
        .isEqualTo(JsonArray.of("ours"));
    assertThat(foreign.loads).hasValue(1);
    assertThat(counter(registry, "redis", "miss")).as("another kind of value is not ours to serve").isEqualTo(1);
    awaitTrue(() -> {
      try {
        Buffer stored = redisValue("bad");
        return stored != null && stored.length() > 1 && stored.getByte(0) != 7
            && ValueCodec.decode(stored).value().equals(JsonArray.of("reloaded"));
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  void aFillFencedByAnInvalidation_neverReachesRedis() throws Exception {
    NodeCache cache = node(true, 0, new SimpleMeterRegistry());
    Counting slow = new Counting(false);
    Future<JsonArray> read = cache.readThrough("k", spec(30, "k"), slow);
    cache.invalidate(new Invalidation(List.of("k"), null, List.of())).await(WAIT, TimeUnit.SECONDS);
    slow.result.complete(JsonArray.of("read before the write"));

    assertThat(read.await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of("read before the write"));
    assertThat(redisValue("k")).isNull();
    assertThat(cache.peekLocal("k")).isNull();
  }

  @Test
  void anotherKindOfReader_joinsTheRunningLoadThroughItsRows_failureIncluded() throws Exception {
    NodeCache cache = node(true, 0, new SimpleMeterRegistry());
    Counting leader = new Counting(false);
    OtherKind joiner = new OtherKind();
    Future<JsonArray> first = cache.readThrough("k", spec(30, "k"), leader);
    awaitTrue(() -> leader.loads.get() == 1); // past its Redis miss, loading
    Future<JsonArray> second = cache.readThrough("k", spec(30, "k"), joiner);
    Thread.sleep(200); // the joiner's own Redis miss
    leader.result.complete(JsonArray.of(7));

    assertThat(first.await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(7));
    assertThat(second.await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(7));
    assertThat(joiner.loads).as("joined, not loaded").hasValue(0);
    assertThat(joiner.hitNanos.get()).isBetween(0L, TimeUnit.SECONDS.toNanos(WAIT));

    Counting failing = new Counting(false);
    OtherKind failedJoiner = new OtherKind();
    Future<JsonArray> failed = cache.readThrough("f", spec(30, "f"), failing);
    awaitTrue(() -> failing.loads.get() == 1);
    Future<JsonArray> failedJoin = cache.readThrough("f", spec(30, "f"), failedJoiner);
    Thread.sleep(200);
    failing.result.fail(new IllegalStateException("database down"));
    assertThat(awaitFailure(failed)).isTrue();
    assertThat(awaitFailure(failedJoin)).as("the joiner fails with the load").isTrue();
    assertThat(failedJoiner.loads).hasValue(0);
  }

  @Test
  void theDatabaseUnreachable_theNewerOfTheLocalAndTheRedisStaleValueAnswers() throws Exception {
    NodeCache first = node(true, 60, new SimpleMeterRegistry());
    filled(first, "k", 1, "older");
    Thread.sleep(1_100);
    // another node loads it again once it is past its TTL: Redis holds the newer value
    filled(node(true, 60, new SimpleMeterRegistry()), "k", 1, "newer");
    Thread.sleep(1_100);

    MeterRegistry registry = new SimpleMeterRegistry();
    Counting down = new Counting(true);
    down.result.fail(new IllegalStateException("connection refused"));
    NodeCache reader = node(true, 60, registry);
    assertThat(reader.readThrough("k", spec(1, "k"), down).await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of("newer"));
    assertThat(first.readThrough("k", spec(1, "k"), down).await(WAIT, TimeUnit.SECONDS))
        .as("the first node's own local value is older than Redis's").isEqualTo(JsonArray.of("newer"));
    assertThat(registry.get("consolidb.cache.stale.served").counter().count()).isEqualTo(1);
  }

  @Test
  void anInvalidation_isRepeatedInRedis_soALateFillFromAnotherNodeGoes() throws Exception {
    NodeCache cache = node(true, 0, new SimpleMeterRegistry());
    filled(cache, "k", 30, 1);
    cache.invalidate(new Invalidation(List.of("k"), null, List.of())).await(WAIT, TimeUnit.SECONDS);
    assertThat(redisValue("k")).isNull();
    // another node's fill, sent before it heard of the invalidation, arrives after it
    Buffer late = new ValueCodec(0).encode(Json.encodeToBuffer(JsonArray.of("late")), System.currentTimeMillis(),
        System.currentTimeMillis() + 30_000).stored();
    redis.send(Request.cmd(Command.SET).arg(prefix + "k").arg(late).arg("PX").arg(30_000)).await(WAIT, TimeUnit.SECONDS);

    long deadline = System.currentTimeMillis() + NodeCache.REPEAT_INVALIDATION_MS + 3_000;
    while (redisValue("k") != null && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(redisValue("k")).as("deleted again a second after the invalidation").isNull();
  }

  @Test
  void aTableChange_dropsItsTagInBothTiers_andAnswersWhatWent() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    NodeCache cache = node(true, 0, registry);
    filled(cache, "k", 30, 1);
    JsonObject dropped = cache.tableChanged("t").await(WAIT, TimeUnit.SECONDS);
    assertThat(dropped.getLong("local")).isEqualTo(1);
    assertThat(dropped.getLong("redis")).isEqualTo(1);
    assertThat(redisValue("k")).isNull();
    assertThat(registry.get("consolidb.cache.invalidations").tags("source", "table_notification").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("consolidb.cache.invalidations").tags("source", "this_node").counter().count())
        .as("not this node's own invalidation").isZero();
    cache.invalidate(new Invalidation(List.of("x"), null, List.of())).await(WAIT, TimeUnit.SECONDS);
    assertThat(registry.get("consolidb.cache.invalidations").tags("source", "this_node").counter().count()).isEqualTo(1);
  }

  @Test
  void withoutTheLocalTier_noLocalMissIsCounted_andNothingIsHeldLocally() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    NodeCache cache = node(false, 0, registry);
    filled(cache, "k", 30, 1);
    Counting second = new Counting(JsonArray.of(2));
    assertThat(cache.readThrough("k", spec(30, "k"), second).await(WAIT, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(1));
    assertThat(second.loads).hasValue(0);
    assertThat(counter(registry, "local", "miss")).isZero();
    assertThat(counter(registry, "redis", "hit")).isEqualTo(1);
    assertThat(cache.peekLocal("k")).isNull();
    assertThat(registry.get("consolidb.cache.entries").gauge().value()).isZero();
  }

  @Test
  void close_emptiesTheLocalTierAndClosesRedis() throws Exception {
    NodeCache cache = node(true, 0, new SimpleMeterRegistry());
    cache.readThrough("k", spec(30, "k"), new Counting(JsonArray.of(1))).await(WAIT, TimeUnit.SECONDS);
    cache.close().await(WAIT, TimeUnit.SECONDS);
    assertThat(cache.peekLocal("k")).isNull();
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(WAIT);
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("waited too long").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static boolean awaitFailure(Future<?> future) {
    try {
      future.await(WAIT, TimeUnit.SECONDS);
      return false;
    } catch (Exception expected) {
      return true;
    }
  }
}
