package io.consolidb.cache;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.tracing.Tracing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's query-result cache: the local tier (Caffeine), the shared tier (Redis) and the
 * bookkeeping that keeps them correct. Built once by the node and handed to whoever reads or
 * invalidates through it; {@link CacheVerticle} owns its lifecycle (LISTEN, housekeeping,
 * close). Every method is thread-safe: the read path runs on the caller's thread, so a hit costs
 * no event-bus hop (docs/CACHE.md, "Where a read goes").
 *
 * <p><b>One read-through path.</b> {@link #readThrough}: local tier → Redis → one coalesced load
 * per key → fill. Callers hand it a {@link Loader}; nothing else in the code base reads the tiers
 * on behalf of a request.
 *
 * <p><b>Values are shared, never copied.</b> A value handed out or stored is the same
 * {@link JsonArray} instance for every reader on the node; nobody may mutate it.
 *
 * <p><b>No stale fill.</b> Every invalidation first bumps a generation under a write lock; a
 * fill carries the generation it started with and is stored, under the read lock, only if the
 * generation has not moved. A read that raced a write therefore never puts the old value back
 * after the write's invalidation (on this node; for other nodes see docs/CACHE.md).
 */
public final class NodeCache {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCache.class);
  /** A writer's Redis invalidation is repeated once after this delay (see docs/CACHE.md). */
  static final long REPEAT_INVALIDATION_MS = 1000;

  /**
   * What a read through the cache loads on a miss, and how its result and the cached rows map
   * onto each other. {@link #load} runs at most once for concurrent misses of one key.
   */
  public interface Loader<T> {
    /** Reads from the source of truth (the database). */
    Future<T> load();

    /** The rows of a loaded result, to keep; they must not be mutated afterwards. */
    JsonArray rows(T loaded);

    /** The result of a read answered from a tier, {@code nanos} after it started (0 for the local tier). */
    T hit(JsonArray rows, long nanos);

    /**
     * True when {@link #load} failed because the database could not be reached (503, the circuit
     * breaker open included): only then may a stale value answer. False by default.
     */
    default boolean unreachable(Throwable failure) {
      return false;
    }

    /**
     * The result of a read answered by a value past its TTL, loaded {@code ageSeconds} ago, while
     * the database cannot be reached. By default as a hit.
     */
    default T stale(JsonArray rows, long ageSeconds) {
      return hit(rows, 0);
    }

    /**
     * The query request that runs this read again ({@code {operation, sql, params, readOnly,
     * lookup?}}, the {@code consolidb.db.query} contract without {@code cache}), for warming; null
     * (the default) when the cache must not run it by itself: the key is then never warmed. Asked
     * once per key tracked, not per read.
     */
    default JsonObject replay() {
      return null;
    }
  }

  /** What {@link #warm} did: the key was cached already, copied from Redis, loaded, or loaded but voided. */
  enum Warmed { PRESENT, COPIED, LOADED, VOIDED }

  /** A value found in a tier with when it was loaded and until when it is fresh (epoch ms). */
  private record Found(JsonArray rows, long storedAtMillis, long freshUntilMillis) {
    boolean fresh(long nowMillis) {
      return nowMillis < freshUntilMillis;
    }
  }

  private static final AttributeKey<Boolean> LOCAL_HIT = AttributeKey.booleanKey("cache.local.hit");
  private static final AttributeKey<Boolean> REDIS_HIT = AttributeKey.booleanKey("cache.redis.hit");
  /** local_hit, redis_hit, load (this read ran the query), joined (another read's load) or stale. */
  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("cache.outcome");

  private final Vertx vertx;
  /** consolidb's tracer when the node traces, else null. */
  private final Tracer tracer;
  private final CacheSettings settings;
  /** How long past its TTL an entry is kept to answer while the database is unreachable (0: never). */
  private final long maxStaleMs;
  /** How often {@link #nowMillis} is refreshed: how late past its TTL a local entry may still be a hit. */
  static final long CLOCK_TICK_MS = 50;
  /**
   * The wall clock as the hot path reads it (only when entries outlive their TTL): a field read
   * instead of a clock read per hit, which measured here as most of a local hit's cost.
   */
  private volatile long nowMillis = System.currentTimeMillis();
  private final long clockTimer;
  private final String origin = UUID.randomUUID().toString();
  private final LocalTier local;
  private final RedisTier redis;
  private final ValueCodec codec;
  /** Invalidations this node publishes complete once the other members applied them. */
  private final InvalidationAcks acks;
  /** A member that has not acknowledged an invalidation by then is not waited for. */
  static final long ACK_TIMEOUT_MS = 250;
  private final CacheMeters meters;
  private final ReentrantReadWriteLock fillLock = new ReentrantReadWriteLock();
  private final AtomicLong generation = new AtomicLong();
  /** Loads in flight by key: concurrent misses of one key join the first one's load. */
  private final ConcurrentHashMap<String, InFlight> loading = new ConcurrentHashMap<>();

  /**
   * A load in flight: its loader's class ({@code kind}), its result in that loader's type, and the
   * rows. A joiner whose loader is of another kind (a warm-up's, the query endpoint's, a service
   * client's: each answers its own type) takes the rows through its own {@link Loader#hit}; handed
   * the other type it failed with a ClassCastException (a 500 in ClusterFailoverIT, when a
   * membership change's refill met an HTTP read of the same key).
   */
  private record InFlight(Class<?> kind, Future<?> result, Future<JsonArray> rows) {
  }
  /** Single flight across nodes for reads that ask for it; null without Redis. */
  private final ClusterFlight flight;
  /** Hot keys warmed at start and re-filled after invalidations; null when warming is off. */
  private final CacheWarmer warmer;
  /** The warmer's read counter, on the read path; null when warming is off. */
  private final HotKeys hot;

  public NodeCache(Vertx vertx, CacheSettings settings, RedisSettings redisSettings, MeterRegistry registry) {
    this(vertx, settings, redisSettings, registry, () -> 0);
  }

  /**
   * @param peers how many other members must acknowledge an invalidation before it completes
   *     (the membership's count; 0 outside a cluster)
   */
  public NodeCache(Vertx vertx, CacheSettings settings, RedisSettings redisSettings, MeterRegistry registry,
      IntSupplier peers) {
    this(vertx, settings, redisSettings, registry, peers, null);
  }

  /**
   * @param replayer runs a read's query request ({@link Loader#replay}) and answers its rows: how
   *     warming fills a key; null, or {@code cache.warm.enabled=false}: no warming
   */
  public NodeCache(Vertx vertx, CacheSettings settings, RedisSettings redisSettings, MeterRegistry registry,
      IntSupplier peers, Function<JsonObject, Future<JsonArray>> replayer) {
    this.vertx = vertx;
    this.settings = settings;
    this.maxStaleMs = settings.maxStaleMs();
    this.clockTimer = maxStaleMs == 0 ? -1
        : vertx.setPeriodic(CLOCK_TICK_MS, id -> nowMillis = System.currentTimeMillis());
    this.meters = new CacheMeters(registry);
    this.tracer = Tracing.tracer(vertx);
    this.local = settings.localEnabled() ? new LocalTier(settings.maxEntries(), settings.maxLocalBytes()) : null;
    this.redis = redisSettings.enabled()
        ? new RedisTier(vertx, redisSettings, settings, meters, this::redisRecovered) : null;
    this.flight = redis == null ? null
        : new ClusterFlight(vertx, redis, origin, settings.leaseMs(), settings.leasePollMs(), meters);
    this.codec = new ValueCodec(settings.compressThresholdBytes());
    this.acks = new InvalidationAcks(vertx, origin, peers, ACK_TIMEOUT_MS, meters.invalidationsUnacknowledged);
    this.warmer = settings.warm().enabled() && replayer != null
        ? new CacheWarmer(vertx, settings.warm(), this, redis, replayer, meters, redisSettings.timeoutMs()) : null;
    this.hot = warmer == null ? null : warmer.hotKeys();
    Gauge.builder("consolidb.cache.entries", this, c -> c.local == null ? 0 : c.local.entries())
        .tag("tier", "local").description("entries in the node-local cache tier").register(registry);
    Gauge.builder("consolidb.cache.bytes", this, c -> c.local == null ? 0 : c.local.bytes())
        .tag("tier", "local").description("JSON bytes held by the node-local cache tier").baseUnit("bytes")
        .register(registry);
  }

  /** Identifies this node's cache on the cluster invalidation address. */
  String origin() {
    return origin;
  }

  /**
   * Reads {@code key} through the tiers: the local tier, then Redis (a hit there lands in the
   * local tier too), then {@code loader} — once for all concurrent misses of the key — whose rows
   * are stored in both tiers with the spec's TTL and tags unless an invalidation ran meanwhile. A
   * read never fails because of the cache: a Redis that is down or slow is skipped. The returned
   * future completes on the caller's context, even when it joined a load started elsewhere.
   */
  public <T> Future<T> readThrough(String key, CacheSpec spec, Loader<T> loader) {
    if (tracer == null) {
      return readThrough(key, spec, loader, Span.getInvalid());
    }
    // one span per read, the tiers' outcomes as attributes (never the key or the value)
    Span span = tracer.spanBuilder("cache.read").startSpan();
    if (!span.isRecording()) {
      return readThrough(key, spec, loader, span); // not sampled: no context or end callback to pay for
    }
    return Tracing.within(span, () -> readThrough(key, spec, loader, span)).andThen(done -> {
      if (done.failed()) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    });
  }

  /**
   * {@link #readThrough}'s answer when the local tier holds {@code key} fresh, counted as that read's
   * local hit (and its heat); null otherwise, counting nothing: the caller then reads through,
   * which counts the miss. Null as well when the current trace is sampled, so that the read's
   * {@code cache.read} span is recorded by {@link #readThrough}.
   */
  public <T> T freshLocal(String key, CacheSpec spec, Loader<T> loader) {
    if (local == null || (tracer != null && Span.current().isRecording())) {
      return null;
    }
    JsonArray rows = freshRows(local.get(key));
    if (rows == null) {
      return null;
    }
    if (hot != null) {
      hot.record(key, loader, spec);
    }
    meters.localHit.increment();
    return loader.hit(rows, 0);
  }

  /** The rows of a local entry that may answer as a hit (fresh, or kept without a stale window), else null. */
  private JsonArray freshRows(LocalTier.Entry entry) {
    return entry != null && entry.value() instanceof JsonArray rows && (maxStaleMs == 0 || entry.fresh(nowMillis))
        ? rows : null;
  }

  private <T> Future<T> readThrough(String key, CacheSpec spec, Loader<T> loader, Span span) {
    if (hot != null) {
      hot.record(key, loader, spec); // sampled: a few nanoseconds per read on average
    }
    // read before the tiers: an invalidation after this point voids the fill, and a stale answer
    long fence = generation.get();
    LocalTier.Entry entry = local == null ? null : local.get(key);
    JsonArray rows = freshRows(entry);
    if (rows != null) {
      meters.localHit.increment();
      span.setAttribute(LOCAL_HIT, true);
      span.setAttribute(OUTCOME, "local_hit");
      return Future.succeededFuture(loader.hit(rows, 0)); // a local hit takes well under a millisecond
    }
    if (local != null) {
      meters.localMiss.increment();
      span.setAttribute(LOCAL_HIT, false);
    }
    // past its TTL: refreshed by a load, and kept in case the database cannot be reached
    Found localStale = entry != null && entry.value() instanceof JsonArray kept
        ? new Found(kept, entry.storedAtMillis(), entry.freshUntilMillis()) : null;
    long started = System.nanoTime();
    int ttl = spec.ttlSeconds() == null ? settings.ttlSeconds() : spec.ttlSeconds();
    // Redis hits are not coalesced: a GET costs what joining a load would, and a hit is the common case
    return remoteRows(key, ttl, spec.tags(), fence, true).compose(remote -> {
      boolean remoteFresh = remote != null && remote.fresh(System.currentTimeMillis());
      if (redis != null) {
        span.setAttribute(REDIS_HIT, remoteFresh);
      }
      if (remoteFresh) {
        span.setAttribute(OUTCOME, "redis_hit");
        return Future.succeededFuture(loader.hit(remote.rows(), System.nanoTime() - started));
      }
      Future<T> loaded = load(key, loader, ttl, spec, fence, span);
      Found stale = newer(localStale, remote);
      return stale == null ? loaded : loaded.recover(failure -> staleOr(failure, stale, loader, fence, span));
    });
  }

  /**
   * {@code stale} instead of the failed load when the database could not be reached, the value is
   * no more than {@code DB_CACHE_MAX_STALE} past its TTL, and no invalidation ran since the read
   * started (an invalidated value is never served, stale or not).
   */
  private <T> Future<T> staleOr(Throwable failure, Found stale, Loader<T> loader, long fence, Span span) {
    long now = System.currentTimeMillis();
    if (!loader.unreachable(failure) || generation.get() != fence || now > stale.freshUntilMillis() + maxStaleMs) {
      return Future.failedFuture(failure);
    }
    meters.staleServed.increment();
    span.setAttribute(OUTCOME, "stale");
    long age = stale.storedAtMillis() == ValueCodec.UNKNOWN ? 0 : Math.max(0, (now - stale.storedAtMillis()) / 1000);
    return Future.succeededFuture(loader.stale(stale.rows(), age));
  }

  /** The more recently loaded of two stale candidates (either may be null). */
  private static Found newer(Found a, Found b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return b.storedAtMillis() > a.storedAtMillis() ? b : a;
  }

  /** The database load of {@code key}, or the one already running for it (stampede protection). */
  private <T> Future<T> load(String key, Loader<T> loader, int ttl, CacheSpec spec, long fence, Span span) {
    return load(key, loader, ttl, spec, fence, span, true);
  }

  /** {@code counted}: a read's load (counted in the hit rate), not a warming's. */
  @SuppressWarnings("unchecked")
  private <T> Future<T> load(String key, Loader<T> loader, int ttl, CacheSpec spec, long fence, Span span,
      boolean counted) {
    InFlight running = loading.get(key);
    if (running == null) {
      Promise<T> promise = Promise.promise();
      Promise<JsonArray> rows = Promise.promise();
      InFlight mine = new InFlight(loader.getClass(), promise.future(), rows.future());
      running = loading.putIfAbsent(key, mine);
      if (running == null) {
        span.setAttribute(OUTCOME, "load");
        List<String> tags = spec.tags();
        Future<T> source = spec.clusterWide() && flight != null
            ? flight.run(key, () -> loadAndFill(key, loader, ttl, tags, fence, true, counted),
                () -> filledElsewhere(key, loader, ttl, tags, fence, span))
            : loadAndFill(key, loader, ttl, tags, fence, false, counted);
        source.onComplete(done -> {
          loading.remove(key, mine);
          promise.handle(done);
          if (done.succeeded() && done.result() != null) {
            rows.complete(loader.rows(done.result()));
          } else {
            rows.fail(done.failed() ? done.cause() : new IllegalStateException("the load of " + key + " answered nothing"));
          }
        });
        return promise.future();
      }
    }
    count(counted, meters.stampedeJoins);
    span.setAttribute(OUTCOME, "joined");
    if (running.kind() == loader.getClass()) {
      return onCallerContext((Future<T>) running.result());
    }
    long joined = System.nanoTime();
    return onCallerContext(running.rows().map(rows -> loader.hit(rows, System.nanoTime() - joined)));
  }

  /**
   * Runs the query and fills both tiers; with {@code awaitRedis} it completes only once the value
   * is in Redis (another node's waiter looks for it there), else at once.
   */
  private <T> Future<T> loadAndFill(String key, Loader<T> loader, int ttl, List<String> tags, long fence,
      boolean awaitRedis, boolean counted) {
    count(counted, meters.loads);
    return loader.load().compose(result -> {
      Future<Void> stored;
      try {
        stored = fill(key, loader.rows(result), ttl, tags, fence);
      } catch (RuntimeException e) {
        LOG.warn("cache: could not store the value of {}: {}", key, e.toString()); // the read still answers
        stored = Future.succeededFuture();
      }
      return awaitRedis ? stored.transform(v -> Future.succeededFuture(result)) : Future.succeededFuture(result);
    });
  }

  /** What another node's load left in Redis for {@code key}, or null while it has not. */
  private <T> Future<T> filledElsewhere(String key, Loader<T> loader, int ttl, List<String> tags, long fence,
      Span span) {
    long started = System.nanoTime();
    return remoteRows(key, ttl, tags, fence, false).map(found -> {
      if (found == null || !found.fresh(System.currentTimeMillis())) {
        return null;
      }
      span.setAttribute(OUTCOME, "cluster_joined");
      return loader.hit(found.rows(), System.nanoTime() - started);
    });
  }

  /**
   * A joiner's continuation runs where the joiner is (a load completes on the context of the
   * caller that started it; another event loop must not run this caller's code).
   */
  private <T> Future<T> onCallerContext(Future<T> running) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return running;
    }
    Promise<T> here = Promise.promise();
    running.onComplete(done -> {
      if (Vertx.currentContext() == caller) {
        here.handle(done);
      } else {
        caller.runOnContext(v -> here.handle(done));
      }
    });
    return here.future();
  }

  /** The local tier's value of {@code key} (not counted): for tests and tools. */
  public Object peekLocal(String key) {
    LocalTier.Entry entry = local == null ? null : local.peek(key);
    return entry == null ? null : entry.value();
  }

  /**
   * Fills {@code key} ahead of its readers, for warming: nothing when the local tier holds it
   * fresh; else Redis's fresh value (into the local tier); else {@code loader}'s query, stored in
   * both tiers unless an invalidation runs meanwhile ({@link Warmed#VOIDED}). A load of the key
   * already running is waited for first, then the key is looked at again: that load may have
   * started before the invalidation that asked for this fill (its value is then voided). Readers
   * arriving meanwhile join this load. Neither counted as reads nor recorded as heat.
   */
  Future<Warmed> warm(String key, CacheSpec spec, Loader<JsonArray> loader) {
    InFlight running = loading.get(key);
    if (running != null) {
      return running.result().transform(x -> warmNow(key, spec, loader));
    }
    return warmNow(key, spec, loader);
  }

  private Future<Warmed> warmNow(String key, CacheSpec spec, Loader<JsonArray> loader) {
    long fence = generation.get();
    LocalTier.Entry entry = local == null ? null : local.peek(key);
    if (entry != null && entry.fresh(System.currentTimeMillis())) {
      return Future.succeededFuture(Warmed.PRESENT);
    }
    int ttl = spec.ttlSeconds() == null ? settings.ttlSeconds() : spec.ttlSeconds();
    return remoteRows(key, ttl, spec.tags(), fence, false).compose(remote -> {
      if (remote != null && remote.fresh(System.currentTimeMillis())) {
        return Future.succeededFuture(local == null ? Warmed.PRESENT : Warmed.COPIED);
      }
      return load(key, loader, ttl, spec, fence, Span.getInvalid(), false)
          .map(rows -> generation.get() == fence ? Warmed.LOADED : Warmed.VOIDED);
    });
  }

  /**
   * Fills the cluster's hottest keys (docs/CACHE.md, "Cache warming") within the warming budget;
   * the node calls it once its query endpoint answers and before it serves. Never fails; at once
   * when warming is off or Redis cannot be read.
   */
  public Future<Void> warmAtStart() {
    return warmer == null ? Future.succeededFuture() : warmer.warmAtStart();
  }

  /** The node's hot set now, hottest first (empty when warming is off): for tests and tools. */
  public List<String> hotKeys() {
    return warmer == null ? List.of() : warmer.hotSet();
  }

  /** The warmer, null when warming is off (the package's tests). */
  CacheWarmer warmer() {
    return warmer;
  }

  /** Ranks the counted reads and shares the hot set in Redis now, as the periodic timer does (tests). */
  public Future<Void> publishHotKeys() {
    return warmer == null ? Future.succeededFuture() : warmer.publish();
  }

  /**
   * The rows from Redis with their stamp, or null when Redis does not have them, is off, down or
   * too slow. A fresh Redis hit lands in the local tier too (keeping its stamp), unless an
   * invalidation happened since {@code fence}; a stale one is only handed back (a fallback if the
   * load fails), counted as a miss.
   */
  private Future<Found> remoteRows(String key, int ttlSeconds, List<String> tags, long fence, boolean counted) {
    if (redis == null) {
      return Future.succeededFuture();
    }
    if (!redis.up()) {
      count(counted, meters.fallbacks);
      return Future.succeededFuture();
    }
    return redis.get(key).transform(done -> {
      if (done.failed()) {
        count(counted, meters.redisError);
        count(counted, meters.fallbacks);
        return Future.succeededFuture();
      }
      if (done.result() == null) {
        count(counted, meters.redisMiss);
        return Future.succeededFuture();
      }
      ValueCodec.Decoded decoded;
      try {
        decoded = ValueCodec.decode(done.result());
      } catch (RuntimeException corrupt) {
        LOG.warn("cache: dropping an unreadable Redis value for {}: {}", key, corrupt.getMessage());
        meters.redisError.increment();
        return Future.succeededFuture();
      }
      if (!(decoded.value() instanceof JsonArray rows)) {
        count(counted, meters.redisMiss); // another kind of value under this key: not ours to serve
        return Future.succeededFuture();
      }
      Found found = new Found(rows, decoded.storedAtMillis(), decoded.freshUntilMillis());
      long now = System.currentTimeMillis();
      if (!found.fresh(now)) {
        count(counted, meters.redisMiss);
        return Future.succeededFuture(found);
      }
      count(counted, meters.redisHit);
      long freshMs = decoded.freshUntilMillis() == Long.MAX_VALUE
          ? TimeUnit.SECONDS.toMillis(ttlSeconds) : decoded.freshUntilMillis() - now;
      putLocal(key, rows, decoded.jsonBytes(), tags, fence, decoded.storedAtMillis(), now + freshMs, freshMs);
      return Future.succeededFuture(found);
    });
  }

  /** Counts a lookup unless it is a single-flight waiter's poll (not a read of its own). */
  private static void count(boolean counted, io.micrometer.core.instrument.Counter counter) {
    if (counted) {
      counter.increment();
    }
  }

  /**
   * Stores a value read from the database in both tiers, unless an invalidation happened since
   * {@code fence}. The value must not be mutated afterwards by anyone.
   */
  private Future<Void> fill(String key, JsonArray value, int ttlSeconds, List<String> tags, long fence) {
    Buffer json = Json.encodeToBuffer(value);
    long now = System.currentTimeMillis();
    long ttlMs = TimeUnit.SECONDS.toMillis(ttlSeconds);
    if (!putLocal(key, value, json.length(), tags, fence, now, now + ttlMs, ttlMs)) {
      return Future.succeededFuture();
    }
    if (redis == null || !redis.up()) {
      return Future.succeededFuture();
    }
    ValueCodec.Encoded encoded = codec.encode(json, now, now + ttlMs);
    if (encoded.compressed()) {
      meters.compressedValues.increment();
      meters.bytesSaved.increment(encoded.saved());
    }
    // kept past its TTL as long as it may be served stale: the stamp tells every node it is stale
    return redis.put(key, encoded.stored(), ttlMs + maxStaleMs, tags).andThen(done -> {
      if (done.succeeded() && generation.get() != fence) {
        // an invalidation ran while the SET was on its way and may have been executed before
        // it: take the value back out (the invalidation also repeats itself, see invalidate)
        redis.invalidate(new Invalidation(List.of(key), null, null));
      } else if (done.failed()) {
        meters.redisError.increment();
      }
    }).otherwiseEmpty();
  }

  /**
   * Stores {@code value} in the local tier for its remaining fresh time {@code freshMs} plus the
   * time it may be served stale, unless an invalidation happened since {@code fence}.
   */
  private boolean putLocal(String key, Object value, int bytes, List<String> tags, long fence,
      long storedAtMillis, long freshUntilMillis, long freshMs) {
    ReentrantReadWriteLock.ReadLock lock = fillLock.readLock();
    lock.lock();
    try {
      if (generation.get() != fence) {
        return false;
      }
      if (local != null) {
        local.put(key, new LocalTier.Entry(value, bytes, tags, TimeUnit.MILLISECONDS.toNanos(freshMs + maxStaleMs),
            storedAtMillis, freshUntilMillis));
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
    meters.invalidationsLocal.increment();
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
      Future<Void> announced = announce ? publish(invalidation) : Future.succeededFuture();
      return announced.map(v -> result(dropped, null)).andThen(applied -> refill(invalidation));
    }
    return redis.invalidate(invalidation).transform(done -> {
      int again = dropLocal(invalidation);
      // only now: another node that drops its local entry and reads again must find Redis clean
      Future<Void> announced = announce ? publish(invalidation) : Future.succeededFuture();
      if (announce && done.succeeded() && (!invalidation.keys().isEmpty() || !invalidation.tags().isEmpty())) {
        // closes the window in which another node's fill, sent before it heard of this
        // invalidation, reaches Redis after it
        vertx.setTimer(REPEAT_INVALIDATION_MS, id -> {
          if (redis.up()) {
            redis.invalidate(new Invalidation(invalidation.keys(), null, invalidation.tags()));
          }
        });
      }
      return announced.map(v -> result(dropped + again, done.succeeded() ? done.result() : null));
    }).andThen(applied -> refill(invalidation));
  }

  /** The hot keys {@code invalidation} dropped are filled again, now that it has been applied. */
  private void refill(Invalidation invalidation) {
    if (warmer != null) {
      warmer.invalidated(invalidation);
    }
  }

  /** To every other member; completes once they applied it (bounded: {@link InvalidationAcks}). */
  private Future<Void> publish(Invalidation invalidation) {
    return acks.publish(invalidation.toJson().put("origin", origin));
  }

  /** Where other members acknowledge this node's invalidations (the cache verticle listens there). */
  String ackAddress() {
    return acks.address();
  }

  /** Another member applied invalidation {@code id} this node published. */
  void acknowledged(long id) {
    acks.acknowledged(id);
  }

  /** An invalidation another node published: only the local tier is concerned. */
  void invalidatedElsewhere(Invalidation invalidation) {
    meters.invalidationsRemote.increment();
    dropLocal(invalidation);
    refill(invalidation);
  }

  /** An invalidation from the cluster was dropped: its sender is not a trusted member. */
  void invalidationRefused() {
    meters.invalidationsRefused.increment();
  }

  /** A table changed (LISTEN/NOTIFY): every entry tagged with it goes, on both tiers. */
  Future<JsonObject> tableChanged(String table) {
    meters.notifications.increment();
    return invalidate(Invalidation.ofTags(List.of(table)), false);
  }

  /**
   * Fences in-flight fills and removes keys and tags under the write lock as a whole: a fill that
   * started after the fence must not slip its key into a tag set that is being detached (it would
   * stay cached but out of the tag index, missed by the next invalidation of that tag). A pattern
   * is matched after the lock is released: every fill it must void is fenced already, a fill that
   * starts later read data newer than the invalidation, and matching every key of a large tier
   * under the lock would stall the fills of every event loop meanwhile.
   */
  private int dropLocal(Invalidation invalidation) {
    int dropped = underWriteLock(() -> {
      generation.incrementAndGet();
      return local == null ? 0 : local.removeKeys(invalidation.keys()) + local.removeTagged(invalidation.tags());
    });
    if (local != null && invalidation.pattern() != null) {
      dropped += local.removeMatching(invalidation.pattern());
    }
    return dropped;
  }

  /**
   * Drops the whole local tier (and fences in-flight fills); returns how many entries went. For
   * when the node may have missed invalidations: LISTEN reconnected, Redis came back, the cluster's
   * membership changed.
   */
  public long dropLocalTier() {
    meters.localDrops.increment();
    long dropped = underWriteLock(() -> {
      generation.incrementAndGet();
      return local == null ? 0L : local.clear();
    });
    if (warmer != null) {
      warmer.droppedAll();
    }
    return dropped;
  }

  private <T> T underWriteLock(Supplier<T> work) {
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

  /** Hits, misses and the hit rate, for the performance summary (same definition as {@link #stats}). */
  public JsonObject summary() {
    return meters.summary();
  }

  /** The stats JSON of {@code GET /admin/cache/stats} and {@code consolidb.cache.stats}, rendered from the meters. */
  public JsonObject stats() {
    return meters.stats(local, redis, redisState(), settings.compressThresholdBytes())
        .put("warm", warmer == null ? new JsonObject().put("enabled", false) : warmer.stats());
  }

  Future<Void> close() {
    vertx.cancelTimer(clockTimer);
    // the hot set is shared one last time while Redis is still open: a restarted node warms from it
    Future<Void> shared = warmer == null ? Future.succeededFuture() : warmer.close();
    return shared.transform(x -> {
      if (local != null) {
        local.clear();
      }
      return redis == null ? Future.succeededFuture() : redis.close();
    });
  }
}
