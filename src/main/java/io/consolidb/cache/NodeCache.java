package io.consolidb.cache;

import io.consolidb.Addresses;
import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's query-result cache: the local tier (Caffeine), the shared tier (Redis) and the
 * bookkeeping that keeps them correct. Created and owned by {@link CacheVerticle}, which
 * publishes it in a node-local map so that the query path can use it in-process
 * ({@link #of(Vertx)}): a cache hit then costs no event-bus hop (DESIGN.md §1). Every method is
 * thread-safe.
 *
 * <p><b>Values are shared, never copied.</b> A value handed out by {@link #getLocal} or stored by
 * {@link #fill} is the same {@link JsonArray}/{@link JsonObject} instance for every reader on the
 * node; nobody may mutate it after it has been stored or returned (copy it first).
 *
 * <p><b>No stale fill.</b> Every invalidation first bumps a generation under a write lock; a
 * fill carries the generation it started with and is stored, under the read lock, only if the
 * generation has not moved. A read that raced a write therefore never puts the old value back
 * after the write's invalidation (on this node; for other nodes see docs/CACHE.md).
 */
public final class NodeCache implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCache.class);
  private static final String MAP = "consolidb.cache";
  private static final String INSTANCE = "instance";
  /** A writer's Redis invalidation is repeated once after this delay (see docs/CACHE.md). */
  static final long REPEAT_INVALIDATION_MS = 1000;

  private final Vertx vertx;
  private final CacheSettings settings;
  private final String origin = UUID.randomUUID().toString();
  private final LocalTier local;
  private final RedisTier redis;
  private final ValueCodec codec;
  private final ReentrantReadWriteLock fillLock = new ReentrantReadWriteLock();
  private final AtomicLong generation = new AtomicLong();

  private final LongAdder localHits = new LongAdder();
  private final LongAdder localMisses = new LongAdder();
  private final LongAdder redisHits = new LongAdder();
  private final LongAdder redisMisses = new LongAdder();
  private final LongAdder redisErrors = new LongAdder();
  private final LongAdder fallbacks = new LongAdder();
  private final LongAdder dbMisses = new LongAdder();
  private final LongAdder stampedeJoins = new LongAdder();
  private final LongAdder compressedValues = new LongAdder();
  private final LongAdder bytesSaved = new LongAdder();
  private final LongAdder invalidationsLocal = new LongAdder();
  private final LongAdder invalidationsRemote = new LongAdder();
  private final LongAdder notifications = new LongAdder();
  private final LongAdder localDrops = new LongAdder();

  private final Counter localHit;
  private final Counter localMiss;
  private final Counter redisHit;
  private final Counter redisMiss;
  private final Counter redisError;

  NodeCache(Vertx vertx, CacheSettings settings, RedisSettings redisSettings) {
    this.vertx = vertx;
    this.settings = settings;
    this.local = settings.localEnabled() ? new LocalTier(settings.maxEntries(), settings.maxLocalBytes()) : null;
    this.redis = redisSettings.enabled() ? new RedisTier(vertx, redisSettings, settings, this::redisRecovered) : null;
    this.codec = new ValueCodec(settings.compressThresholdBytes());
    MeterRegistry registry = Meters.registry();
    localHit = requests(registry, "local", "hit");
    localMiss = requests(registry, "local", "miss");
    redisHit = requests(registry, "redis", "hit");
    redisMiss = requests(registry, "redis", "miss");
    redisError = requests(registry, "redis", "error");
    Gauge.builder("consolidb.cache.entries", this, c -> c.local == null ? 0 : c.local.entries())
        .tag("tier", "local").description("entries in the node-local cache tier").register(registry);
    Gauge.builder("consolidb.cache.bytes", this, c -> c.local == null ? 0 : c.local.bytes())
        .tag("tier", "local").description("JSON bytes held by the node-local cache tier").baseUnit("bytes")
        .register(registry);
  }

  private static Counter requests(MeterRegistry registry, String tier, String result) {
    return Counter.builder("consolidb.cache.requests").tag("tier", tier).tag("result", result)
        .description("cache lookups by tier and outcome").register(registry);
  }

  /** This node's cache, or null when caching is off or the cache verticle is not deployed. */
  public static NodeCache of(Vertx vertx) {
    return (NodeCache) map(vertx).get(INSTANCE);
  }

  void register() {
    map(vertx).put(INSTANCE, this);
  }

  void unregister() {
    map(vertx).remove(INSTANCE, this);
  }

  private static LocalMap<String, Object> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  /** Identifies this node's cache on the cluster invalidation address. */
  String origin() {
    return origin;
  }

  public int defaultTtlSeconds() {
    return settings.ttlSeconds();
  }

  /**
   * The locally cached value of {@code key}, counted as a local hit when found; a miss is not
   * counted here (the caller goes on to {@link #lookupLocal}, which counts it). Null when absent.
   */
  public Object getLocal(String key) {
    if (local == null) {
      return null;
    }
    LocalTier.Entry entry = local.get(key);
    if (entry == null) {
      return null;
    }
    localHits.increment();
    localHit.increment();
    return entry.value();
  }

  /** Like {@link #getLocal} but counts the miss too: the first tier of a full read. */
  public Object lookupLocal(String key) {
    if (local == null) {
      return null;
    }
    Object value = getLocal(key);
    if (value == null) {
      localMisses.increment();
      localMiss.increment();
    }
    return value;
  }

  /**
   * The value from Redis, or null when Redis does not have it, is off, down or too slow (a read
   * never fails because of the cache: it falls back to the database). A Redis hit lands in the
   * local tier too, unless an invalidation happened meanwhile.
   */
  public Future<Object> getRemote(String key, int ttlSeconds, List<String> tags) {
    if (redis == null) {
      return Future.succeededFuture();
    }
    if (!redis.up()) {
      fallbacks.increment();
      return Future.succeededFuture();
    }
    long started = generation.get();
    return redis.get(key).transform(done -> {
      if (done.failed()) {
        redisErrors.increment();
        redisError.increment();
        fallbacks.increment();
        return Future.succeededFuture();
      }
      if (done.result() == null) {
        redisMisses.increment();
        redisMiss.increment();
        return Future.succeededFuture();
      }
      ValueCodec.Decoded decoded;
      try {
        decoded = ValueCodec.decode(done.result());
      } catch (RuntimeException corrupt) {
        LOG.warn("cache: dropping an unreadable Redis value for {}: {}", key, corrupt.getMessage());
        redisErrors.increment();
        redisError.increment();
        return Future.succeededFuture();
      }
      redisHits.increment();
      redisHit.increment();
      putLocal(key, decoded.value(), decoded.jsonBytes(), ttlSeconds, tags, started);
      return Future.succeededFuture(decoded.value());
    });
  }

  /** The generation a fill must carry: read it before asking Redis or the database. */
  public long generation() {
    return generation.get();
  }

  /** Counts a read that had to go to the database. */
  public void recordMiss() {
    dbMisses.increment();
  }

  public void recordStampedeJoin() {
    stampedeJoins.increment();
  }

  /**
   * Stores a value read from the database in both tiers, unless an invalidation happened since
   * {@code startedGeneration}. The value must not be mutated afterwards by anyone.
   */
  public void fill(String key, Object value, Integer ttlSeconds, List<String> tags, long startedGeneration) {
    int ttl = ttlSeconds == null ? settings.ttlSeconds() : ttlSeconds;
    Buffer json = Json.encodeToBuffer(value);
    if (!putLocal(key, value, json.length(), ttl, tags, startedGeneration)) {
      return;
    }
    if (redis != null && redis.up()) {
      ValueCodec.Encoded encoded = codec.encode(json);
      if (encoded.compressed()) {
        compressedValues.increment();
        bytesSaved.add(encoded.saved());
      }
      redis.put(key, encoded.stored(), TimeUnit.SECONDS.toMillis(ttl), tags).onComplete(done -> {
        if (done.succeeded() && generation.get() != startedGeneration) {
          // an invalidation ran while the SET was on its way and may have been executed before
          // it: take the value back out (the invalidation also repeats itself, see invalidate)
          redis.invalidate(new Invalidation(List.of(key), null, null));
        } else if (done.failed()) {
          redisErrors.increment();
          redisError.increment();
        }
      });
    }
  }

  private boolean putLocal(String key, Object value, int bytes, int ttlSeconds, List<String> tags,
      long startedGeneration) {
    ReentrantReadWriteLock.ReadLock lock = fillLock.readLock();
    lock.lock();
    try {
      if (generation.get() != startedGeneration) {
        return false;
      }
      if (local != null) {
        local.put(key, new LocalTier.Entry(value, bytes, tags, TimeUnit.SECONDS.toNanos(ttlSeconds)));
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Drops what {@code invalidation} names from both tiers, publishes it to the other nodes and
   * answers {@code {dropped, local, redis}} (redis is null when Redis could not be reached: the
   * invalidation is then replayed when Redis is back). Never fails.
   */
  public Future<JsonObject> invalidate(Invalidation invalidation) {
    invalidationsLocal.increment();
    return invalidate(invalidation, true);
  }

  /**
   * {@code announce}: publish to the other nodes and repeat the Redis delete after a second. Not
   * for a table notification: every node receives it itself, so announcing it would multiply the
   * work by the number of nodes.
   */
  private Future<JsonObject> invalidate(Invalidation invalidation, boolean announce) {
    // Local first (and fence in-flight fills), then Redis, then local once more: a read that
    // found the old value in Redis before it was deleted must not leave it in the local tier.
    int dropped = dropLocal(invalidation);
    if (redis == null) {
      if (announce) {
        publish(invalidation);
      }
      return Future.succeededFuture(result(dropped, null));
    }
    return redis.invalidate(invalidation).transform(done -> {
      int again = dropLocal(invalidation);
      // only now: another node that drops its local entry and reads again must find Redis clean
      if (announce) {
        publish(invalidation);
      }
      if (announce && done.succeeded() && (!invalidation.keys().isEmpty() || !invalidation.tags().isEmpty())) {
        // closes the window in which another node's fill, sent before it heard of this
        // invalidation, reaches Redis after it
        vertx.setTimer(REPEAT_INVALIDATION_MS, id -> {
          if (redis.up()) {
            redis.invalidate(new Invalidation(invalidation.keys(), null, invalidation.tags()));
          }
        });
      }
      return Future.succeededFuture(result(dropped + again, done.succeeded() ? done.result() : null));
    });
  }

  private void publish(Invalidation invalidation) {
    vertx.eventBus().publish(Addresses.CACHE_INVALIDATIONS, invalidation.toJson().put("origin", origin));
  }

  /** An invalidation another node published: only the local tier is concerned. */
  void invalidatedElsewhere(Invalidation invalidation) {
    invalidationsRemote.increment();
    dropLocal(invalidation);
  }

  /** A table changed (LISTEN/NOTIFY): every entry tagged with it goes, on both tiers. */
  Future<JsonObject> tableChanged(String table) {
    notifications.increment();
    return invalidate(Invalidation.ofTags(List.of(table)), false);
  }

  /**
   * Fences in-flight fills and removes, under the write lock as a whole: a fill that started after
   * the fence must not slip its key into a tag set that is being detached (it would stay cached but
   * out of the tag index, missed by the next invalidation of that tag).
   */
  private int dropLocal(Invalidation invalidation) {
    return underWriteLock(() -> {
      generation.incrementAndGet();
      if (local == null) {
        return 0;
      }
      int n = local.removeKeys(invalidation.keys());
      if (invalidation.pattern() != null) {
        n += local.removeMatching(invalidation.pattern());
      }
      return n + local.removeTagged(invalidation.tags());
    });
  }

  /** Drops the whole local tier (and fences in-flight fills); returns how many entries went. */
  long dropLocalTier() {
    localDrops.increment();
    return underWriteLock(() -> {
      generation.incrementAndGet();
      return local == null ? 0L : local.clear();
    });
  }

  private <T> T underWriteLock(java.util.function.Supplier<T> work) {
    ReentrantReadWriteLock.WriteLock lock = fillLock.writeLock();
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private void redisRecovered() {
    long dropped = dropLocalTier();
    LOG.info("cache: back on Redis; dropped the local tier ({} entries) so nothing older than the outage"
        + " survives", dropped);
  }

  /**
   * Trims the tag index, one tag at a time under the write lock (exclusive with fills, which add
   * to it): a whole pass under one lock would stall the fills of every event loop meanwhile.
   */
  void housekeeping() {
    if (local == null) {
      return;
    }
    for (String tag : local.indexedTags()) {
      underWriteLock(() -> {
        local.pruneTag(tag);
        return null;
      });
    }
  }


  private static JsonObject result(long local, Long redis) {
    return new JsonObject().put("dropped", Math.max(local, redis == null ? 0 : redis))
        .put("local", local).put("redis", redis);
  }

  /** Redis's state for stats and health: up, down or disabled. */
  public String redisState() {
    return redis == null ? "disabled" : redis.up() ? "up" : "down";
  }

  /** The stats JSON of {@code GET /admin/cache/stats} and {@code consolidb.cache.stats}. */
  public JsonObject stats() {
    long hits = localHits.sum() + redisHits.sum();
    long misses = dbMisses.sum();
    double rate = hits + misses == 0 ? 0 : Math.round(1000.0 * hits / (hits + misses)) / 10.0;
    JsonObject localStats = new JsonObject().put("enabled", local != null);
    if (local != null) {
      local.cleanUp();
      localStats.put("hits", localHits.sum()).put("misses", localMisses.sum())
          .put("entries", local.entries()).put("max_entries", local.maxEntries())
          .put("memory_bytes", local.bytes()).put("evictions", local.evictions())
          .put("expirations", local.expirations()).put("drops", localDrops.sum());
    }
    JsonObject redisStats = new JsonObject().put("enabled", redis != null).put("state", redisState());
    if (redis != null) {
      redisStats.put("hits", redisHits.sum()).put("misses", redisMisses.sum())
          .put("errors", redisErrors.sum()).put("timeouts_and_failures", redis.errors())
          .put("refused_while_down", redis.refused()).put("key_prefix", redis.prefix());
    }
    return new JsonObject()
        .put("enabled", true)
        .put("hits", hits)
        .put("misses", misses)
        .put("hit_rate_percent", rate)
        .put("entries", local == null ? 0 : local.entries())
        .put("memory_bytes", local == null ? 0 : local.bytes())
        .put("evictions", local == null ? 0 : local.evictions())
        .put("expirations", local == null ? 0 : local.expirations())
        .put("fallbacks", fallbacks.sum())
        .put("bytes_saved", bytesSaved.sum())
        .put("stampede_joins", stampedeJoins.sum())
        .put("local", localStats)
        .put("redis", redisStats)
        .put("compression", new JsonObject().put("codec", "lz4")
            .put("threshold_bytes", settings.compressThresholdBytes())
            .put("compressed_values", compressedValues.sum()).put("bytes_saved", bytesSaved.sum()))
        .put("invalidations", new JsonObject().put("local", invalidationsLocal.sum())
            .put("from_other_nodes", invalidationsRemote.sum()).put("notifications", notifications.sum()));
  }

  /** Redis-only access for the verticle's consumers. */
  RedisTier redis() {
    return redis;
  }

  Future<Void> close() {
    unregister();
    if (local != null) {
      local.clear();
    }
    return redis == null ? Future.succeededFuture() : redis.close();
  }

}
