package io.consolidb.config;

/**
 * Query-result caching (README "Caching", docs/CACHE.md).
 *
 * @param enabled                  {@code DB_CACHE_ENABLED}: off, reads go straight to PostgreSQL
 * @param ttlSeconds               {@code DB_CACHE_TTL}: TTL of an entry whose caller gives none
 * @param maxEntries               {@code DB_CACHE_MAX_MEMORY}: the node-local tier's size, in entries
 * @param localEnabled             {@code DB_CACHE_LOCAL_ENABLED}: the node-local (Caffeine) tier;
 *                                 off, every read goes to Redis first
 * @param compressThresholdBytes   {@code DB_CACHE_COMPRESSION_THRESHOLD}: values whose JSON is
 *                                 larger are stored LZ4-compressed in Redis
 * @param keyPrefix                {@code DB_CACHE_KEY_PREFIX}: every Redis key starts with it, so
 *                                 the cache can share a Redis with other applications
 * @param breakerFailures          consecutive failed Redis calls that open the circuit breaker
 * @param breakerOpenSeconds       how long the breaker stays open before it probes Redis again
 * @param maxLocalBytes            {@code DB_CACHE_LOCAL_MAX_BYTES}: the node-local tier's size in
 *                                 bytes of encoded JSON (parsed values take several times that in
 *                                 the heap); whichever of this and {@code maxEntries} is reached
 *                                 first bounds the tier
 * @param maxStaleSeconds          {@code DB_CACHE_MAX_STALE}: how long past its TTL an entry is
 *                                 kept to be served (marked stale) while PostgreSQL is
 *                                 unreachable; 0 = never serve stale
 * @param leaseMs                  {@code DB_CACHE_LEASE_MS}: the Redis lease of a cluster-wide
 *                                 single-flight load (renewed while it runs): how soon the other
 *                                 nodes take over when its holder dies
 * @param leasePollMs              {@code DB_CACHE_LEASE_POLL_MS}: how often a waiting node looks
 *                                 in Redis for the holder's value
 * @param warm                     {@code cache.warm.*}: hot keys warmed at start and re-filled
 *                                 after invalidations ({@link WarmSettings})
 */
public record CacheSettings(boolean enabled, int ttlSeconds, int maxEntries, boolean localEnabled,
    int compressThresholdBytes, String keyPrefix, int breakerFailures, double breakerOpenSeconds,
    int maxLocalBytes, int maxStaleSeconds, int leaseMs, int leasePollMs, WarmSettings warm) {

  /** Settings without warming. */
  public CacheSettings(boolean enabled, int ttlSeconds, int maxEntries, boolean localEnabled,
      int compressThresholdBytes, String keyPrefix, int breakerFailures, double breakerOpenSeconds,
      int maxLocalBytes, int maxStaleSeconds, int leaseMs, int leasePollMs) {
    this(enabled, ttlSeconds, maxEntries, localEnabled, compressThresholdBytes, keyPrefix, breakerFailures,
        breakerOpenSeconds, maxLocalBytes, maxStaleSeconds, leaseMs, leasePollMs, WarmSettings.OFF);
  }

  /** These settings with {@code warm} instead of their own. */
  public CacheSettings withWarm(WarmSettings warm) {
    return new CacheSettings(enabled, ttlSeconds, maxEntries, localEnabled, compressThresholdBytes, keyPrefix,
        breakerFailures, breakerOpenSeconds, maxLocalBytes, maxStaleSeconds, leaseMs, leasePollMs, warm);
  }

  static CacheSettings fromJson(ConfigSection cache) {
    String prefix = cache.string("keyPrefix", "consolidb:");
    if (prefix.isEmpty() || prefix.chars().anyMatch(c -> "*?[]\\".indexOf(c) >= 0 || Character.isWhitespace(c))) {
      // the prefix is put in front of SCAN MATCH patterns: a glob character would widen them
      throw cache.invalid("keyPrefix", prefix, "must be non-empty, without spaces or the glob characters * ? [ ] \\");
    }
    ConfigSection breaker = cache.section("breaker");
    return new CacheSettings(cache.bool("enabled", true), cache.integer("ttlSeconds", 60, 1),
        cache.integer("maxEntries", 10_000, 1), cache.bool("localEnabled", true),
        cache.integer("compressThresholdBytes", 1024, 0), prefix,
        breaker.integer("failures", 3, 1), breaker.positive("openSeconds", 5),
        cache.integer("maxLocalBytes", 16 << 20, 1024), cache.integer("maxStaleSeconds", 120, 0),
        cache.section("lease").integer("ms", 3000, 100), cache.section("lease").integer("pollMs", 20, 1),
        WarmSettings.fromJson(cache.section("warm")));
  }

  /** How long past its TTL an entry may still be served while the database is unreachable. */
  public long maxStaleMs() {
    return maxStaleSeconds * 1000L;
  }

  public long breakerOpenMs() {
    return Math.max(1, Math.round(breakerOpenSeconds * 1000));
  }
}
