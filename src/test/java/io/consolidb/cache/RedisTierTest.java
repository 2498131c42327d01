package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.RedisSettings;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.RedisProcess;
import io.consolidb.testsupport.TcpProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shared tier on its own, against a redis-server of the test's own behind a TCP proxy: what
 * each call leaves in Redis (values, TTLs, tag sets, leases), what an invalidation counts, and the
 * breaker (opened by consecutive failures or one failed invalidation, refusing without a round
 * trip, probing, replaying what Redis missed, dropping everything after too many).
 */
@DisplayName("Redis tier")
class RedisTierTest {

  private static final int FAILURES = 2;
  private static final double OPEN_SECONDS = 0.1;
  private static final long TIMEOUT_MS = 250;
  private static final Buffer VALUE = Buffer.buffer("[{\"id\":1}]");
  private static final String PREFIX = "tier:";

  private static RedisProcess server;
  private Vertx vertx;
  private TcpProxy proxy;
  private Redis raw;
  private CacheMeters meters;
  private RedisTier tier;
  private final AtomicInteger recovered = new AtomicInteger();

  @BeforeAll
  static void startServer() {
    server = RedisProcess.start("redis-tier");
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    proxy = Await.result(TcpProxy.start(vertx, "127.0.0.1", server.port()));
    raw = Redis.createClient(vertx, server.url());
    send(Request.cmd(Command.FLUSHALL));
    meters = new CacheMeters(new SimpleMeterRegistry());
    tier = tier(PREFIX);
  }

  @AfterEach
  void stop() throws Exception {
    proxy.thaw();
    send(Request.cmd(Command.CONFIG).arg("SET").arg("maxmemory").arg("0"));
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private RedisTier tier(String prefix) {
    RedisSettings redis = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing",
        "REDIS_URL", "redis://127.0.0.1:" + proxy.port(), "REDIS_TIMEOUT", Double.toString(TIMEOUT_MS / 1000.0),
        "DB_ENABLE_METRICS", "false")).redis();
    CacheSettings cache = new CacheSettings(true, 60, 1000, true, 1024, prefix, FAILURES, OPEN_SECONDS,
        1 << 20, 120, 3000, 20);
    return new RedisTier(vertx, redis, cache, meters, recovered::incrementAndGet);
  }

  @Test
  @DisplayName("a value is stored under the prefix for its TTL and read back; an absent key reads as null; no tag, no set")
  void putAndGet() throws Exception {
    assertThat(Await.result(tier.get("absent"))).isNull();

    Await.result(tier.put("one", VALUE, 5_000, List.of()));

    assertThat(Await.result(tier.get("one"))).isEqualTo(VALUE);
    assertThat(pttl(PREFIX + "one")).isBetween(1L, 5_000L);
    assertThat(keys(PREFIX + "#tag:*")).isEmpty();
    assertThat(tier.prefix()).isEqualTo(PREFIX);
    assertThat(tier.up()).isTrue();
  }

  @Test
  @DisplayName("a tagged value joins each tag's set, and a set lives as long as its longest-lived member, never shorter")
  void tagSets() throws Exception {
    Await.result(tier.put("a", VALUE, 5_000, List.of("restaurants", "city:paris")));
    assertThat(members("restaurants")).containsExactly(PREFIX + "a");
    assertThat(members("city:paris")).containsExactly(PREFIX + "a");
    assertThat(pttl(PREFIX + "#tag:restaurants")).isBetween(1L, 5_000L);

    Await.result(tier.put("b", VALUE, 60_000, List.of("restaurants")));
    assertThat(pttl(PREFIX + "#tag:restaurants")).as("extended to the longer member").isGreaterThan(5_000L);

    Await.result(tier.put("c", VALUE, 1_000, List.of("restaurants")));
    assertThat(pttl(PREFIX + "#tag:restaurants")).as("not shortened by a shorter one").isGreaterThan(5_000L);
    assertThat(members("restaurants")).containsExactlyInAnyOrder(PREFIX + "a", PREFIX + "b", PREFIX + "c");
    assertThat(pttl(PREFIX + "#tag:city:paris")).as("the other set keeps its own").isBetween(1L, 5_000L);
  }

  @Test
  @DisplayName("a lease is held by one owner: only it renews or releases it, and it is gone once released")
  void leases() throws Exception {
    assertThat(Await.result(tier.tryLease("report", "node-a", 5_000))).isTrue();
    assertThat(Await.result(tier.tryLease("report", "node-b", 5_000))).isFalse();
    assertThat(send(Request.cmd(Command.GET).arg(PREFIX + "#lease:report")).toString()).isEqualTo("node-a");

    assertThat(Await.result(tier.renewLease("report", "node-b", 60_000))).isFalse();
    assertThat(pttl(PREFIX + "#lease:report")).isLessThanOrEqualTo(5_000L);
    assertThat(Await.result(tier.renewLease("report", "node-a", 60_000))).isTrue();
    assertThat(pttl(PREFIX + "#lease:report")).isGreaterThan(5_000L);

    Await.result(tier.releaseLease("report", "node-b"));
    assertThat(exists(PREFIX + "#lease:report")).as("another owner's release leaves it").isTrue();
    Await.result(tier.releaseLease("report", "node-a"));
    assertThat(exists(PREFIX + "#lease:report")).isFalse();
    assertThat(Await.result(tier.renewLease("report", "node-a", 60_000))).as("nothing left to renew").isFalse();
    assertThat(Await.result(tier.tryLease("report", "node-b", 5_000))).isTrue();
  }

  @Test
  @DisplayName("an invalidation counts the keys it dropped: by key, by pattern over several SCAN pages, by tag in chunks, all at once")
  void invalidationCounts() throws Exception {
    Await.result(tier.put("k1", VALUE, 60_000, List.of()));
    Await.result(tier.put("k2", VALUE, 60_000, List.of()));
    assertThat(Await.result(tier.invalidate(new Invalidation(List.of("k1", "k2", "never-stored"), null, null))))
        .isEqualTo(2L);
    assertThat(exists(PREFIX + "k1") || exists(PREFIX + "k2")).isFalse();

    fill("near:", 2_500);
    fill("other:", 3);
    assertThat(Await.result(tier.invalidate(new Invalidation(null, "near:*", null)))).isEqualTo(2_500L);
    assertThat(keys(PREFIX + "near:*")).isEmpty();
    assertThat(keys(PREFIX + "other:*")).hasSize(3);

    for (int from = 0; from < 1_200; from += 100) { // more than one UNLINK/SREM chunk of 500
      List<Future<Void>> puts = new ArrayList<>();
      for (int i = from; i < from + 100; i++) { // within the client's wait queue
        puts.add(tier.put("tagged:" + i, VALUE, 60_000, List.of("users")));
      }
      Await.result(Future.all(puts));
    }
    assertThat(members("users")).hasSize(1_200);
    assertThat(Await.result(tier.invalidate(Invalidation.ofTags(List.of("users"))))).isEqualTo(1_200L);
    assertThat(keys(PREFIX + "tagged:*")).isEmpty();
    assertThat(exists(PREFIX + "#tag:users")).as("the emptied set").isFalse();
    assertThat(Await.result(tier.invalidate(Invalidation.ofTags(List.of("users"))))).as("an empty tag").isZero();

    Await.result(tier.put("t", VALUE, 60_000, List.of("favourites")));
    Await.result(tier.put("k3", VALUE, 60_000, List.of()));
    assertThat(Await.result(tier.invalidate(new Invalidation(List.of("k3"), "other:*", List.of("favourites")))))
        .isEqualTo(1 + 3 + 1L);
    assertThat(keys(PREFIX + "*")).isEmpty();
    assertThat(tier.up()).isTrue();
  }

  @Test
  @DisplayName("clear drops every key under its prefix and nothing under another")
  void clearKeepsOtherPrefixes() throws Exception {
    RedisTier neighbour = tier("neighbour:");
    Await.result(tier.put("mine", VALUE, 60_000, List.of("t")));
    Await.result(neighbour.put("theirs", VALUE, 60_000, List.of("t")));

    assertThat(Await.result(tier.clear())).isEqualTo(2L); // the value and its tag set

    assertThat(keys(PREFIX + "*")).isEmpty();
    assertThat(Await.result(neighbour.get("theirs"))).isEqualTo(VALUE);
  }

  @Test
  @DisplayName("consecutive failures open the breaker; then calls fail at once without a round trip; a success in between resets the count")
  void consecutiveFailuresOpenTheBreaker() throws Exception {
    Await.result(proxy.refuse());
    assertFails(tier.get("x"));
    assertThat(tier.up()).as("one failure of %d", FAILURES).isTrue();
    Await.result(proxy.accept());
    assertThat(Await.result(tier.get("x"))).isNull();
    Await.result(proxy.refuse());
    assertFails(tier.get("x"));
    assertThat(tier.up()).as("the success reset the count").isTrue();
    assertFails(tier.get("x"));
    assertThat(tier.up()).isFalse();
    assertThat(meters.redisCallFailures.count()).isEqualTo(3.0);

    long started = System.nanoTime();
    for (Future<?> refused : List.of(tier.get("x"), tier.put("x", VALUE, 1_000, List.of()),
        tier.tryLease("x", "a", 1_000), tier.send(Request.cmd(Command.PING), 1_000))) {
      assertThat(refused.failed()).as("failed without waiting").isTrue();
      assertThat(refused.cause()).isInstanceOf(RedisTier.Unavailable.class)
          .hasMessage("redis is unavailable (circuit open)");
    }
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(TIMEOUT_MS);
    assertThat(meters.redisRefused.count()).isEqualTo(4.0);

    Await.result(proxy.accept());
    Await.until("the tier is up", 5_000, tier::up);
    Await.result(proxy.refuse());
    assertFails(tier.get("x"));
    assertThat(tier.up()).as("the recovery reset the count: one failure of %d", FAILURES).isTrue();
  }

  @Test
  @DisplayName("one failed invalidation opens the breaker; it and those refused meanwhile are replayed before the tier is up again")
  void failedInvalidationIsReplayed() throws Exception {
    Await.result(tier.put("k1", VALUE, 60_000, List.of()));
    Await.result(tier.put("k2", VALUE, 60_000, List.of("t")));
    Await.result(tier.put("kept", VALUE, 60_000, List.of()));
    Await.result(proxy.refuse());

    assertFails(tier.invalidate(new Invalidation(List.of("k1"), null, null)));
    assertThat(tier.up()).as("one failed invalidation is enough").isFalse();
    Future<Long> refused = tier.invalidate(Invalidation.ofTags(List.of("t")));
    assertThat(refused.failed()).isTrue();
    assertThat(refused.cause()).isInstanceOf(RedisTier.Unavailable.class);
    assertThat(meters.redisRefused.count()).isEqualTo(1.0);
    Thread.sleep(3 * (long) (OPEN_SECONDS * 1000));
    assertThat(tier.up()).as("probes fail while Redis refuses").isFalse();
    assertThat(recovered).hasValue(0);

    Await.result(proxy.accept());
    Await.until("the tier is up", 5_000, tier::up);

    assertThat(exists(PREFIX + "k1")).as("the failed invalidation, replayed").isFalse();
    assertThat(exists(PREFIX + "k2")).as("the refused one, replayed").isFalse();
    assertThat(exists(PREFIX + "kept")).as("nothing else went").isTrue();
    assertThat(recovered).hasValue(1);
    assertThat(Await.result(tier.get("kept"))).isEqualTo(VALUE);
  }

  @Test
  @DisplayName("up to 1000 invalidations missed are replayed one by one; one more and every key under the prefix is dropped instead")
  void tooManyMissedDropsEverything() throws Exception {
    for (int queued : new int[] {RedisTier.MAX_PENDING, RedisTier.MAX_PENDING + 1}) {
      recovered.set(0);
      Await.result(tier.put("named", VALUE, 60_000, List.of()));
      Await.result(tier.put("unnamed", VALUE, 60_000, List.of()));
      Await.result(proxy.refuse());
      assertFails(tier.invalidate(new Invalidation(List.of("named"), null, null)));
      for (int i = 1; i < queued; i++) {
        tier.invalidate(new Invalidation(List.of("missing:" + i), null, null));
      }
      Await.result(proxy.accept());
      Await.until("the tier is up", 10_000, () -> tier.up() && recovered.get() == 1);

      assertThat(exists(PREFIX + "named")).as("%d missed: the named key", queued).isFalse();
      assertThat(exists(PREFIX + "unnamed")).as("%d missed: a key none named", queued)
          .isEqualTo(queued <= RedisTier.MAX_PENDING);
      send(Request.cmd(Command.FLUSHALL));
    }
  }

  @Test
  @DisplayName("invalidations arriving while the missed ones are replayed are replayed too, none dropped")
  void invalidationsDuringTheReplay() throws Exception {
    fill("late:", 200);
    Await.result(proxy.refuse());
    for (int i = 0; i < 600; i++) { // a replay long enough to arrive during; with the late ones below 1000
      tier.invalidate(new Invalidation(List.of("missing:" + i), null, null));
    }
    Await.until("down", 5_000, () -> !tier.up());
    Await.result(proxy.accept());
    int late = 0;
    while (!tier.up() && late < 200) {
      tier.invalidate(new Invalidation(List.of("late:" + late++), null, null));
      Thread.sleep(1);
    }
    Await.until("the tier is up", 10_000, tier::up);

    assertThat(late).as("invalidations sent during the replay").isPositive();
    for (int i = 0; i < late; i++) {
      assertThat(exists(PREFIX + "late:" + i)).as("late:%d, invalidated during the replay", i).isFalse();
    }
    assertThat(exists(PREFIX + "late:" + late)).as("one never invalidated").isEqualTo(late < 200);
  }

  @Test
  @DisplayName("a frozen Redis: each call fails after REDIS_TIMEOUT, or after the timeout given to send")
  void frozenRedisTimesOut() throws Exception {
    Await.result(tier.get("warm-up"));
    proxy.freeze();

    long started = System.nanoTime();
    assertFails(tier.get("x"));
    long waitedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(waitedMs).isBetween(TIMEOUT_MS - 20, TIMEOUT_MS + 1_000);

    started = System.nanoTime();
    assertFails(tier.send(Request.cmd(Command.PING), 50));
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(TIMEOUT_MS - 20);
    assertThat(meters.redisCallFailures.count()).isEqualTo(2.0);
    assertThat(tier.up()).isFalse();

    proxy.thaw();
    Await.until("the tier is up", 5_000, tier::up);
    assertThat(Await.result(tier.send(Request.cmd(Command.PING), 1_000)).toString()).isEqualTo("PONG");
  }

  @Test
  @DisplayName("Redis at maxmemory refusing writes (OOM) keeps the breaker closed: it still serves reads and deletes")
  void outOfMemoryIsNotAnOutage() throws Exception {
    Await.result(tier.put("before", VALUE, 60_000, List.of()));
    send(Request.cmd(Command.CONFIG).arg("SET").arg("maxmemory-policy").arg("noeviction"));
    send(Request.cmd(Command.CONFIG).arg("SET").arg("maxmemory").arg("1"));

    for (int i = 0; i < FAILURES + 2; i++) {
      Future<Void> put = tier.put("refused:" + i, VALUE, 60_000, List.of());
      assertFails(put);
      assertThat(RedisTier.outOfMemory(put.cause())).isTrue();
    }

    assertThat(tier.up()).isTrue();
    Await.result(proxy.refuse());
    assertFails(tier.get("x"));
    Await.result(proxy.accept());
    assertFails(tier.put("refused", VALUE, 60_000, List.of()));
    Await.result(proxy.refuse());
    assertFails(tier.get("x"));
    assertThat(tier.up()).as("an OOM answer between two failures: not consecutive").isTrue();
    Await.result(proxy.accept());
    assertThat(Await.result(tier.get("before"))).isEqualTo(VALUE);
    assertThat(Await.result(tier.invalidate(new Invalidation(List.of("before"), null, null)))).isEqualTo(1L);
    assertThat(RedisTier.outOfMemory(new IllegalStateException("ERR wrong number of arguments"))).isFalse();
    assertThat(RedisTier.outOfMemory(new IllegalStateException())).isFalse();
  }

  @Test
  @DisplayName("closed: failing calls no longer open the breaker or schedule probes")
  void closedTierStaysQuiet() throws Exception {
    Await.result(tier.close());
    for (int i = 0; i < FAILURES + 1; i++) {
      assertFails(tier.get("x"));
    }
    assertThat(tier.up()).isTrue();
    assertThat(recovered).hasValue(0);
  }

  private static void assertFails(Future<?> call) {
    assertThatThrownBy(() -> call.await(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(call.failed()).isTrue();
  }

  private void fill(String keyPrefix, int count) throws Exception {
    for (int from = 0; from < count; from += 500) {
      Request mset = Request.cmd(Command.MSET);
      for (int i = from; i < Math.min(count, from + 500); i++) {
        mset.arg(PREFIX + keyPrefix + i).arg("[]");
      }
      send(mset);
    }
  }

  private List<String> members(String tag) {
    List<String> members = new ArrayList<>();
    send(Request.cmd(Command.SMEMBERS).arg(PREFIX + "#tag:" + tag)).forEach(m -> members.add(m.toString()));
    return members;
  }

  private List<String> keys(String pattern) throws Exception {
    List<String> keys = new ArrayList<>();
    send(Request.cmd(Command.KEYS).arg(pattern)).forEach(k -> keys.add(k.toString()));
    return keys;
  }

  private long pttl(String key) throws Exception {
    return send(Request.cmd(Command.PTTL).arg(key)).toLong();
  }

  private boolean exists(String key) {
    return send(Request.cmd(Command.EXISTS).arg(key)).toInteger() == 1;
  }

  private Response send(Request request) {
    return Await.result(raw.send(request));
  }
}
