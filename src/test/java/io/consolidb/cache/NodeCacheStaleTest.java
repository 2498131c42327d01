package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stale fallback of {@link NodeCache#readThrough} with a loader double and the local tier only:
 * when a value past its TTL may answer a failed load, and when it must not. Over HTTP, with Redis
 * and PostgreSQL behind a proxy: StaleOnOutageTest.
 */
class NodeCacheStaleTest {

  private static final CacheSpec SPEC = new CacheSpec(1, "k", List.of("t"));
  private static final JsonArray ROWS = JsonArray.of(new JsonObject().put("id", 1));

  private Vertx vertx;
  private NodeCache cache;

  @BeforeEach
  void create() {
    vertx = Vertx.vertx();
    cache = cache(1);
  }

  private NodeCache cache(int maxStaleSeconds) {
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, "test:", 3, 1, 1 << 20, maxStaleSeconds, 3000, 20);
    return new NodeCache(vertx, settings, new RedisSettings(false, "redis://127.0.0.1:1", "", false, 0.1, 1),
        new SimpleMeterRegistry());
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** Answers {@code "hit"}, {@code "stale:<age>"} or the loaded {@code "load"}; fails with {@code failure}. */
  private static final class Loader implements NodeCache.Loader<String> {
    private final Throwable failure;
    private final boolean unreachable;
    private final Promise<String> result = Promise.promise();

    Loader(Throwable failure, boolean unreachable) {
      this.failure = failure;
      this.unreachable = unreachable;
    }

    static Loader succeeding() {
      Loader loader = new Loader(null, false);
      loader.result.complete("load");
      return loader;
    }

    @Override
    public Future<String> load() {
      if (failure != null) {
        result.tryFail(failure);
      }
      return result.future();
    }

    @Override
    public JsonArray rows(String loaded) {
      return ROWS;
    }

    @Override
    public String hit(JsonArray rows, long nanos) {
      return "hit";
    }

    @Override
    public boolean unreachable(Throwable f) {
      return unreachable;
    }

    @Override
    public String stale(JsonArray rows, long ageSeconds) {
      return "stale:" + ageSeconds;
    }
  }

  private String read(NodeCache.Loader<String> loader) throws Exception {
    return cache.readThrough("k", SPEC, loader).await(30, TimeUnit.SECONDS);
  }

  @Test
  void readThrough_staleOnlyWhenTheDatabaseIsUnreachable() throws Exception {
    assertThat(read(Loader.succeeding())).isEqualTo("load");
    assertThat(read(Loader.succeeding())).isEqualTo("hit");
    Thread.sleep(1200);
    assertThat(read(new Loader(new IllegalStateException("down"), true))).isEqualTo("stale:1");
    assertThatThrownBy(() -> read(new Loader(new IllegalStateException("timed out"), false)))
        .hasMessageContaining("timed out");
    assertThat(read(Loader.succeeding())).as("the database is back: the stale entry is refreshed").isEqualTo("load");
    assertThat(read(Loader.succeeding())).isEqualTo("hit");
  }

  @Test
  void readThrough_neverStaleBeyondMaxStale() throws Exception {
    read(Loader.succeeding());
    Thread.sleep(2300); // TTL 1 s + max-stale 1 s
    assertThatThrownBy(() -> read(new Loader(new IllegalStateException("down"), true))).hasMessageContaining("down");
  }

  @Test
  void readThrough_neverStaleWhenMaxStaleIsZero() throws Exception {
    cache = cache(0);
    read(Loader.succeeding());
    Thread.sleep(1200);
    assertThatThrownBy(() -> read(new Loader(new IllegalStateException("down"), true))).hasMessageContaining("down");
  }

  @Test
  void readThrough_neverStaleAfterAnInvalidationDuringTheLoad() throws Exception {
    read(Loader.succeeding());
    Thread.sleep(1200);
    Loader pending = new Loader(null, true);
    Future<String> reading = cache.readThrough("k", SPEC, pending);
    cache.invalidate(Invalidation.ofTags(List.of("other"))).await(30, TimeUnit.SECONDS);
    pending.result.fail(new IllegalStateException("down"));
    assertThatThrownBy(() -> reading.await(30, TimeUnit.SECONDS)).hasMessageContaining("down");
  }

  @Test
  void readThrough_neverStaleAfterItsInvalidation() throws Exception {
    read(Loader.succeeding());
    Thread.sleep(1200);
    cache.invalidate(Invalidation.ofTags(List.of("t"))).await(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> read(new Loader(new IllegalStateException("down"), true))).hasMessageContaining("down");
  }
}
