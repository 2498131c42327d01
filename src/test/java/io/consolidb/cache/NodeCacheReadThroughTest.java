package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeCache#readThrough} with a loader double and the local tier only (Redis off): the
 * coalescing, the fence against a racing invalidation, and the stats rendered from the meters.
 * The Redis tier is covered against a real Redis by CachedQueryTest and RedisFailureTest.
 */
class NodeCacheReadThroughTest {

  private static final CacheSpec SPEC = new CacheSpec(60, "k", List.of("t"));

  private Vertx vertx;
  private MeterRegistry registry;
  private NodeCache cache;

  @BeforeEach
  void create() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, "test:", 3, 1, 1 << 20, 0, 3000, 20);
    cache = new NodeCache(vertx, settings, new RedisSettings(false, "redis://127.0.0.1:1", "", false, 0.1, 1), registry);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** The context of a verticle of its own: an event loop of its own, as two callers would have. */
  private Context newContext() {
    AtomicReference<Context> captured = new AtomicReference<>();
    Await.result(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        captured.set(context);
        return Future.succeededFuture();
      }
    }));
    return captured.get();
  }

  /** A loader whose load completes when the test says so, counting how often it ran. */
  private static final class ManualLoader extends RowsLoader {
    final AtomicInteger loads = new AtomicInteger();
    final Promise<JsonArray> result = Promise.promise();

    @Override
    public Future<JsonArray> load() {
      loads.incrementAndGet();
      return result.future();
    }
  }

  @Test
  void readThrough_concurrentMisses_loadOnceAndEachAnswerOnItsOwnContext() throws Exception {
    ManualLoader loader = new ManualLoader();
    Context first = newContext();
    Context second = newContext();
    assertThat(second).isNotSameAs(first);
    CompletableFuture<Future<JsonArray>> started = new CompletableFuture<>();
    first.runOnContext(v -> started.complete(cache.readThrough("k", SPEC, loader)));
    Future<JsonArray> leader = started.get(5, TimeUnit.SECONDS);
    AtomicReference<Context> joinerRanOn = new AtomicReference<>();
    CompletableFuture<Future<JsonArray>> joined = new CompletableFuture<>();
    second.runOnContext(v -> joined.complete(cache.readThrough("k", SPEC, loader)
        .andThen(done -> joinerRanOn.set(Vertx.currentContext()))));
    Future<JsonArray> joiner = joined.get(5, TimeUnit.SECONDS);

    first.runOnContext(v -> loader.result.complete(JsonArray.of(1)));

    assertThat(leader.await(5, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(1));
    assertThat(joiner.await(5, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(1));
    assertThat(loader.loads).hasValue(1);
    assertThat(joinerRanOn.get()).isSameAs(second);
    assertThat(cache.stats().getLong("stampede_joins")).isEqualTo(1);
    // the next read is a local hit, the loader is not asked again
    assertThat(cache.readThrough("k", SPEC, loader).await(30, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(1));
    assertThat(loader.loads).hasValue(1);
  }

  @Test
  void readThrough_invalidatedWhileLoading_notFilled() throws Exception {
    ManualLoader loader = new ManualLoader();
    Future<JsonArray> read = cache.readThrough("k", SPEC, loader);
    cache.invalidate(Invalidation.ofTags(List.of("t"))).await(30, TimeUnit.SECONDS);
    loader.result.complete(JsonArray.of("old"));

    assertThat(read.await(30, TimeUnit.SECONDS)).as("the reader still gets its answer").isEqualTo(JsonArray.of("old"));
    assertThat(cache.peekLocal("k")).as("but the value read before the write is not kept").isNull();
  }

  @Test
  void readThrough_failedLoad_notCachedAndNextReadLoadsAgain() throws Exception {
    ManualLoader failing = new ManualLoader();
    Future<JsonArray> read = cache.readThrough("k", SPEC, failing);
    failing.result.fail(new IllegalStateException("database down"));
    assertThatThrownBy(read::await).hasMessageContaining("database down");

    ManualLoader next = new ManualLoader();
    next.result.complete(JsonArray.of(2));
    assertThat(cache.readThrough("k", SPEC, next).await(30, TimeUnit.SECONDS)).isEqualTo(JsonArray.of(2));
    assertThat(next.loads).hasValue(1);
  }

  @Test
  void stats_renderedFromTheMeters_oneHitRateDefinition() throws Exception {
    ManualLoader loader = new ManualLoader();
    loader.result.complete(JsonArray.of(1));
    cache.readThrough("k", SPEC, loader).await(30, TimeUnit.SECONDS); // local miss, load
    cache.readThrough("k", SPEC, loader).await(30, TimeUnit.SECONDS); // local hit
    cache.readThrough("k", SPEC, loader).await(30, TimeUnit.SECONDS); // local hit

    assertThat(registry.get("consolidb.cache.requests").tags("tier", "local", "result", "hit").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("consolidb.cache.loads").counter().count()).isEqualTo(1);
    assertThat(cache.stats().getLong("hits")).isEqualTo(2);
    assertThat(cache.stats().getLong("misses")).isEqualTo(1);
    assertThat(cache.stats().getDouble("hit_rate_percent")).isEqualTo(66.7);
    assertThat(cache.summary().getDouble("hit_rate_percent")).as("the summary uses the same definition")
        .isEqualTo(66.7);
  }

  /** Fills {@code key} (tagged {@code tags}) through a read that loads at once; returns the loader. */
  private ManualLoader fill(String key, String... tags) throws Exception {
    ManualLoader loader = new ManualLoader();
    loader.result.complete(JsonArray.of(key));
    cache.readThrough(key, new CacheSpec(60, key, List.of(tags)), loader).await(30, TimeUnit.SECONDS);
    return loader;
  }

  /** Whether a read of {@code key} is served by the local tier (its loader does not run). */
  private boolean held(String key) throws Exception {
    ManualLoader loader = new ManualLoader();
    loader.result.complete(JsonArray.of("reloaded"));
    cache.readThrough(key, new CacheSpec(60, key, List.of()), loader).await(30, TimeUnit.SECONDS);
    return loader.loads.get() == 0;
  }

  @Test
  void dropLocalTier_countsWhatWent_andEveryKeyLoadsAgain() throws Exception {
    fill("a");
    fill("b");
    fill("c");
    assertThat(cache.dropLocalTier()).isEqualTo(3);
    assertThat(held("a")).isFalse();
    assertThat(cache.dropLocalTier()).as("only what the reload put back").isEqualTo(1);
    assertThat(cache.dropLocalTier()).isZero();
  }

  @Test
  void invalidate_byPatternKeysAndTags_dropsExactlyThoseLocally_andCountsThem() throws Exception {
    fill("restaurants:1", "restaurants");
    fill("restaurants:2", "restaurants");
    fill("users:1", "users");
    fill("users:2", "users");
    fill("reports:1", "events");

    JsonObject byPattern = cache.invalidate(new Invalidation(List.of(), "restaurants:*", List.of()))
        .await(30, TimeUnit.SECONDS);
    assertThat(byPattern.getLong("local")).isEqualTo(2);
    assertThat(byPattern.getLong("dropped")).isEqualTo(2);
    assertThat(byPattern.getValue("redis")).as("Redis is off here").isNull();
    assertThat(held("users:1")).isTrue();
    assertThat(held("restaurants:1")).isFalse();

    JsonObject byKey = cache.invalidate(new Invalidation(List.of("users:1"), null, List.of()))
        .await(30, TimeUnit.SECONDS);
    assertThat(byKey.getLong("local")).isEqualTo(1);
    assertThat(held("users:2")).isTrue();

    JsonObject byTag = cache.invalidate(Invalidation.ofTags(List.of("events"))).await(30, TimeUnit.SECONDS);
    assertThat(byTag.getLong("local")).isEqualTo(1);
    assertThat(held("reports:1")).isFalse();
    assertThat(held("users:2")).isTrue();
  }
}
