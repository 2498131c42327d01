package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
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
import org.junit.jupiter.api.extension.ExtendWith;

/** Tag sets stay bounded, so that a write's invalidation fits in REDIS_TIMEOUT however many queries were cached. */
@ExtendWith(VertxExtension.class)
@DisplayName("Redis tag sets")
class RedisTagSetTest {

  private static final String TAG = "restaurants";
  private static final Buffer VALUE = Buffer.buffer("[{\"id\":1}]");

  private final String prefix = "tagset-" + UUID.randomUUID().toString().substring(0, 8) + ":";
  private NodeSettings settings;
  private RedisTier tier;
  private Redis raw;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    settings = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing", "REDIS_URL", TestServices.redisUrl(),
        "DB_CACHE_ENABLED", "true", "DB_CACHE_KEY_PREFIX", prefix, "DB_ENABLE_METRICS", "false"));
    tier = new RedisTier(vertx, settings.redis(), settings.cache(), new CacheMeters(new SimpleMeterRegistry()), () -> { });
    raw = Redis.createClient(vertx, TestServices.redisUrl());
  }

  @AfterEach
  void clean() throws Exception {
    tier.clear().await(60, TimeUnit.SECONDS);
    raw.close();
  }

  @Test
  @DisplayName("after 100k distinct queries under one tag, the set holds at most the cap, and the tag's"
      + " invalidation completes within REDIS_TIMEOUT leaving none of them behind")
  void hundredThousandQueries_invalidationFitsTheTimeout(Vertx vertx) throws Exception {
    int queries = 100_000;
    long fillStarted = System.nanoTime();
    putAll(vertx, queries, 16).await(300, TimeUnit.SECONDS);
    long fillMs = (System.nanoTime() - fillStarted) / 1_000_000;

    long members = raw.send(Request.cmd(Command.SCARD).arg(prefix + "#tag:" + TAG)).await(10, TimeUnit.SECONDS).toLong();
    assertThat(members).isEqualTo(RedisTier.MAX_TAG_MEMBERS);
    assertThat(countEntries()).as("entries in Redis: only those their tag set knows").isEqualTo(members);

    long started = System.nanoTime();
    long dropped = tier.invalidate(io.consolidb.cache.Invalidation.ofTags(List.of(TAG))).await(10, TimeUnit.SECONDS);
    long invalidationMs = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("tag set of %d queries: filled in %d ms, %d members, invalidated in %d ms (REDIS_TIMEOUT %d ms)%n",
        queries, fillMs, members, invalidationMs, settings.redis().timeoutMs());

    assertThat(dropped).isEqualTo(members);
    assertThat(invalidationMs).as("ms for the invalidation").isLessThanOrEqualTo(settings.redis().timeoutMs());
    assertThat(countEntries()).as("entries left under the tag").isZero();
  }

  @Test
  @DisplayName("a full tag set forgets members whose entries expired, and takes new ones again")
  void fullSetPrunesExpiredMembers(Vertx vertx) throws Exception {
    String set = prefix + "#tag:" + TAG;
    List<Future<?>> fills = new ArrayList<>();
    for (int i = 0; i < RedisTier.MAX_TAG_MEMBERS; i += 1000) {
      Request sadd = Request.cmd(Command.SADD).arg(set);
      for (int j = i; j < i + 1000; j++) {
        sadd.arg(prefix + "expired:" + j); // never stored, or long expired
      }
      fills.add(raw.send(sadd));
    }
    Future.all(fills).await(30, TimeUnit.SECONDS);

    tier.put("fresh", VALUE, 60_000, List.of(TAG)).await(10, TimeUnit.SECONDS);

    assertThat(raw.send(Request.cmd(Command.SISMEMBER).arg(set).arg(prefix + "fresh")).await(10, TimeUnit.SECONDS)
        .toInteger()).isOne();
    assertThat(tier.get("fresh").await(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(raw.send(Request.cmd(Command.SCARD).arg(set)).await(10, TimeUnit.SECONDS).toLong())
        .isLessThanOrEqualTo(RedisTier.MAX_TAG_MEMBERS);
  }

  @Test
  @DisplayName("an entry refused by a full tag set is not left in Redis, where no invalidation would find it")
  void refusedEntryIsNotStored(Vertx vertx) throws Exception {
    String set = prefix + "#tag:" + TAG;
    List<Future<?>> fills = new ArrayList<>();
    for (int i = 0; i < RedisTier.MAX_TAG_MEMBERS; i += 1000) { // live entries: nothing to prune
      Request mset = Request.cmd(Command.MSET);
      Request sadd = Request.cmd(Command.SADD).arg(set);
      for (int j = i; j < i + 1000; j++) {
        mset.arg(prefix + "near:" + j).arg("[]");
        sadd.arg(prefix + "near:" + j);
      }
      fills.add(raw.send(mset).compose(v -> raw.send(sadd)));
    }
    Future.all(fills).await(30, TimeUnit.SECONDS);

    tier.put("one-too-many", VALUE, 60_000, List.of(TAG, "other")).await(10, TimeUnit.SECONDS);

    assertThat(tier.get("one-too-many").await(10, TimeUnit.SECONDS)).isNull();
    assertThat(raw.send(Request.cmd(Command.EXISTS).arg(prefix + "#tag:other")).await(10, TimeUnit.SECONDS)
        .toInteger()).as("the other tag's set got nothing").isZero();
  }

  /** {@code count} distinct entries under {@link #TAG}, {@code inFlight} at a time. */
  private Future<Void> putAll(Vertx vertx, int count, int inFlight) {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    for (int w = 0; w < inFlight; w++) {
      vertx.runOnContext(v -> putNext(next, finished, count, done));
    }
    return done.future();
  }

  private void putNext(AtomicInteger next, AtomicInteger finished, int count, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return;
    }
    put(i, 3).onComplete(put -> {
      if (put.failed()) {
        done.tryFail(put.cause());
        return;
      }
      if (finished.incrementAndGet() == count) {
        done.tryComplete();
      } else {
        putNext(next, finished, count, done);
      }
    });
  }

  /** A put, tried again after a timeout: the machine is shared and a 250 ms call may miss now and then. */
  private Future<Void> put(int i, int attempts) {
    return tier.put("near:" + i, VALUE, 600_000, List.of(TAG))
        .recover(failed -> attempts > 1 && tier.up() ? put(i, attempts - 1) : Future.failedFuture(failed));
  }

  private long countEntries() throws Exception {
    long n = 0;
    String cursor = "0";
    do {
      var page = raw.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + "near:*")
          .arg("COUNT").arg(1000)).await(10, TimeUnit.SECONDS);
      cursor = page.get(0).toString();
      n += page.get(1).size();
    } while (!"0".equals(cursor));
    return n;
  }
}
