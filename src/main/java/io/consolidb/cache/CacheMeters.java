package io.consolidb.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Every count the cache keeps, as Micrometer counters in the node's registry: the one source of
 * both {@code /metrics} and the stats JSON ({@code GET /admin/cache/stats}, the summary), so no
 * count is kept twice and the two never disagree. Registered once per node; thread-safe.
 *
 * <p>One hit-rate definition ({@link #hitRatePercent}): reads answered by a tier, out of reads
 * answered by a tier or by a database load. A read that joined another's load (stampede) is
 * neither: it cost no query of its own and was not served from a tier.
 */
final class CacheMeters {

  private static final String REQUESTS = "consolidb.cache.requests";

  final Counter localHit;
  final Counter localMiss;
  final Counter redisHit;
  final Counter redisMiss;
  final Counter redisError;
  /** Reads that went to the database (one per coalesced load). */
  final Counter loads;
  final Counter stampedeJoins;
  /** Reads that skipped Redis because it was down or failed. */
  final Counter fallbacks;
  final Counter compressedValues;
  final Counter bytesSaved;
  final Counter invalidationsLocal;
  final Counter invalidationsRemote;
  final Counter notifications;
  /** Invalidations from the cluster dropped because their sender showed no member's token. */
  final Counter invalidationsRefused;
  /** Invalidations this node published that some member had not acknowledged within the bound. */
  final Counter invalidationsUnacknowledged;
  final Counter localDrops;
  /** Redis round trips that failed or timed out (every kind of call, not only reads). */
  final Counter redisCallFailures;
  /** Redis calls refused without a round trip while its breaker was open. */
  final Counter redisRefused;
  /** Reads answered with a value past its TTL because the database could not be reached. */
  final Counter staleServed;
  /** Cluster-wide single flight: this node took the lease and ran the query. */
  final Counter leaseAcquired;
  /** Cluster-wide single flight: this node waited and was answered by another node's fill. */
  final Counter leaseWaited;
  /** Cluster-wide single flight: this node ran the query without the lease (Redis failing, waited too long). */
  final Counter leaseFallbacks;

  /** Warming, by reason (start, invalidation): fills done, failed or skipped; queries run; time spent. */
  private final Map<CacheWarmer.Reason, Map<String, Counter>> warm = new EnumMap<>(CacheWarmer.Reason.class);
  private final Map<CacheWarmer.Reason, Counter> warmQueries = new EnumMap<>(CacheWarmer.Reason.class);
  private final Map<CacheWarmer.Reason, Timer> warmDurations = new EnumMap<>(CacheWarmer.Reason.class);

  CacheMeters(MeterRegistry registry) {
    for (CacheWarmer.Reason reason : CacheWarmer.Reason.values()) {
      String label = reason.name().toLowerCase(Locale.ROOT);
      Map<String, Counter> outcomes = new HashMap<>();
      for (String outcome : List.of("done", "failed", "skipped")) {
        outcomes.put(outcome, Counter.builder("consolidb.cache.warm").tag("reason", label).tag("outcome", outcome)
            .description("hot keys filled ahead of their readers (at start, after an invalidation): done, failed,"
                + " or skipped (budget spent, merged into a refill already due, voided by an invalidation)")
            .register(registry));
      }
      warm.put(reason, outcomes);
      warmQueries.put(reason, Counter.builder("consolidb.cache.warm.queries").tag("reason", label)
          .description("database queries run by cache warming").register(registry));
      warmDurations.put(reason, Timer.builder("consolidb.cache.warm.duration").tag("reason", label)
          .description("time spent warming: the whole warm-up at start; each refill after an invalidation")
          .register(registry));
    }
    localHit = requests(registry, "local", "hit");
    localMiss = requests(registry, "local", "miss");
    redisHit = requests(registry, "redis", "hit");
    redisMiss = requests(registry, "redis", "miss");
    redisError = requests(registry, "redis", "error");
    loads = counter(registry, "consolidb.cache.loads", "reads through the cache that queried the database");
    stampedeJoins = counter(registry, "consolidb.cache.stampede.joins",
        "reads that waited for a load of the same key already running instead of querying");
    fallbacks = counter(registry, "consolidb.cache.fallbacks",
        "reads that could not use Redis (down, slow or failing) and went on without it");
    compressedValues = counter(registry, "consolidb.cache.compressed.values", "values compressed before Redis");
    bytesSaved = Counter.builder("consolidb.cache.compression.saved").baseUnit("bytes")
        .description("bytes compression kept out of Redis").register(registry);
    invalidationsLocal = invalidations(registry, "this_node");
    invalidationsRemote = invalidations(registry, "other_node");
    notifications = invalidations(registry, "table_notification");
    invalidationsRefused = counter(registry, "consolidb.cache.invalidations.refused",
        "invalidations from the cluster dropped: the sender showed no member's token");
    invalidationsUnacknowledged = counter(registry, "consolidb.cache.invalidations.unacknowledged",
        "invalidations published that some member had not applied within 250 ms (the write went on)");
    localDrops = counter(registry, "consolidb.cache.local.drops",
        "times the whole local tier was dropped (Redis back, LISTEN reconnected)");
    redisCallFailures = counter(registry, "consolidb.cache.redis.failures", "Redis calls that failed or timed out");
    redisRefused = counter(registry, "consolidb.cache.redis.refused",
        "Redis calls refused at once while its breaker was open");
    staleServed = counter(registry, "consolidb.cache.stale.served",
        "reads answered with a value past its TTL (within DB_CACHE_MAX_STALE) because PostgreSQL was unreachable");
    leaseAcquired = lease(registry, "acquired");
    leaseWaited = lease(registry, "waited");
    leaseFallbacks = lease(registry, "fallback");
  }

  Counter warm(CacheWarmer.Reason reason, String outcome) {
    return warm.get(reason).get(outcome);
  }

  Counter warmQueries(CacheWarmer.Reason reason) {
    return warmQueries.get(reason);
  }

  Timer warmDuration(CacheWarmer.Reason reason) {
    return warmDurations.get(reason);
  }

  /** {@code {done, failed, skipped, queries, time_ms}} of one reason. */
  JsonObject warmStats(CacheWarmer.Reason reason) {
    JsonObject stats = new JsonObject();
    warm.get(reason).forEach((outcome, counter) -> stats.put(outcome, count(counter)));
    return stats.put("queries", count(warmQueries.get(reason)))
        .put("time_ms", Math.round(warmDurations.get(reason).totalTime(TimeUnit.MILLISECONDS)));
  }

  private static Counter lease(MeterRegistry registry, String outcome) {
    return Counter.builder("consolidb.cache.lease").tag("outcome", outcome)
        .description("cluster-wide single-flight loads: lease acquired (ran the query), waited (answered by "
            + "another node's fill) or fallback (ran it without the lease)").register(registry);
  }

  private static Counter requests(MeterRegistry registry, String tier, String result) {
    return Counter.builder(REQUESTS).tag("tier", tier).tag("result", result)
        .description("cache lookups by tier and outcome").register(registry);
  }

  private static Counter invalidations(MeterRegistry registry, String source) {
    return Counter.builder("consolidb.cache.invalidations").tag("source", source)
        .description("invalidations applied, by where they came from").register(registry);
  }

  private static Counter counter(MeterRegistry registry, String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  long hits() {
    return count(localHit) + count(redisHit);
  }

  /** Reads the cache could not answer: each load of the database. */
  long misses() {
    return count(loads);
  }

  double hitRatePercent() {
    long hits = hits();
    long total = hits + misses();
    return total == 0 ? 0 : Math.round(1000.0 * hits / total) / 10.0;
  }

  /** {@code {hits, misses, hit_rate_percent, tiers: {local: {hits, misses}, redis: {hits, misses}}}}. */
  JsonObject summary() {
    return new JsonObject()
        .put("hits", hits())
        .put("misses", misses())
        .put("hit_rate_percent", hitRatePercent())
        .put("tiers", new JsonObject()
            .put("local", new JsonObject().put("hits", count(localHit)).put("misses", count(localMiss)))
            .put("redis", new JsonObject().put("hits", count(redisHit)).put("misses", count(redisMiss))));
  }

  static long count(Counter counter) {
    return (long) counter.count();
  }

  /**
   * The stats JSON: these counts and the tiers' sizes ({@code local} or {@code redis} null when
   * that tier is off).
   */
  JsonObject stats(LocalTier local, RedisTier redis, String redisState, int compressThresholdBytes) {
    JsonObject localStats = new JsonObject().put("enabled", local != null);
    if (local != null) {
      local.cleanUp();
      localStats.put("hits", count(localHit)).put("misses", count(localMiss))
          .put("entries", local.entries()).put("max_entries", local.maxEntries())
          .put("memory_bytes", local.bytes()).put("evictions", local.evictions())
          .put("expirations", local.expirations()).put("drops", count(localDrops));
    }
    JsonObject redisStats = new JsonObject().put("enabled", redis != null).put("state", redisState);
    if (redis != null) {
      redisStats.put("hits", count(redisHit)).put("misses", count(redisMiss)).put("errors", count(redisError))
          .put("timeouts_and_failures", count(redisCallFailures)).put("refused_while_down", count(redisRefused))
          .put("key_prefix", redis.prefix());
    }
    return new JsonObject()
        .put("enabled", true)
        .put("hits", hits())
        .put("misses", misses())
        .put("hit_rate_percent", hitRatePercent())
        .put("entries", local == null ? 0 : local.entries())
        .put("memory_bytes", local == null ? 0 : local.bytes())
        .put("evictions", local == null ? 0 : local.evictions())
        .put("expirations", local == null ? 0 : local.expirations())
        .put("fallbacks", count(fallbacks))
        .put("bytes_saved", count(bytesSaved))
        .put("stampede_joins", count(stampedeJoins))
        .put("local", localStats)
        .put("redis", redisStats)
        .put("compression", new JsonObject().put("codec", "lz4").put("threshold_bytes", compressThresholdBytes)
            .put("compressed_values", count(compressedValues)).put("bytes_saved", count(bytesSaved)))
        .put("invalidations", new JsonObject().put("local", count(invalidationsLocal))
            .put("from_other_nodes", count(invalidationsRemote)).put("notifications", count(notifications))
            .put("refused", count(invalidationsRefused))
            .put("unacknowledged", count(invalidationsUnacknowledged)));
  }
}
