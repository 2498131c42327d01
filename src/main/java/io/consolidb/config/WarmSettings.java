package io.consolidb.config;

/**
 * Cache warming (README "Caching", docs/CACHE.md "Cache warming"): the node counts reads by key,
 * shares its hottest keys in Redis, fills them at start and fills them again after an
 * invalidation drops them.
 *
 * @param enabled         {@code DB_CACHE_WARM_ENABLED}: off, nothing is counted, shared or filled
 *                        in advance (off in the testing environment)
 * @param keys            {@code DB_CACHE_WARM_KEYS}: how many of the hottest keys are shared,
 *                        warmed at start and re-filled after an invalidation (N)
 * @param concurrency     {@code DB_CACHE_WARM_CONCURRENCY}: warming queries in flight at once, at
 *                        start and after invalidations together
 * @param budgetMs        {@code DB_CACHE_WARM_BUDGET_MS}: the longest the start waits for warming;
 *                        keys not started by then are left cold
 * @param cooldownMs      {@code DB_CACHE_WARM_COOLDOWN_MS}: one key is re-filled at most once per
 *                        this long, however often it is invalidated (the last invalidation is
 *                        always followed by a refill)
 * @param publishSeconds  {@code DB_CACHE_WARM_PUBLISH_SECONDS}: how often the node ranks its keys
 *                        and adds its hottest to the cluster's list in Redis
 * @param listTtlSeconds  {@code DB_CACHE_WARM_LIST_TTL}: how long that list outlives the last node
 *                        that added to it
 */
public record WarmSettings(boolean enabled, int keys, int concurrency, int budgetMs, int cooldownMs,
    int publishSeconds, int listTtlSeconds) {

  /**
   * Most keys a node warms: its list travels in one Redis script call within {@code REDIS_TIMEOUT}
   * (a replay is at most 8 KiB, typically a few hundred bytes).
   */
  public static final int MAX_KEYS = 1000;

  /** Warming off (the record's defaults otherwise). */
  public static final WarmSettings OFF = new WarmSettings(false, 100, 2, 5000, 1000, 10, 3600);

  static WarmSettings fromJson(ConfigSection warm) {
    int keys = warm.integer("keys", 100, 1);
    if (keys > MAX_KEYS) {
      throw warm.invalid("keys", keys, "must be at most " + MAX_KEYS);
    }
    int concurrency = warm.integer("concurrency", 2, 1);
    if (concurrency > 64) {
      throw warm.invalid("concurrency", concurrency, "must be at most 64 (each is a database connection in use)");
    }
    int budgetMs = warm.integer("budgetMs", 5000, 10);
    if (budgetMs > 120_000) {
      throw warm.invalid("budgetMs", budgetMs, "must be at most 120000: the start waits this long at most");
    }
    int publishSeconds = warm.integer("publishSeconds", 10, 1);
    int listTtlSeconds = warm.integer("listTtlSeconds", 3600, 1);
    if (listTtlSeconds < 2 * publishSeconds) {
      throw warm.invalid("listTtlSeconds", listTtlSeconds,
          "must be at least twice cache.warm.publishSeconds (" + publishSeconds + "), or the list expires between two"
              + " publications");
    }
    // on where conf/default.yaml says so; a configuration without the section (tests build their own) does not warm
    return new WarmSettings(warm.bool("enabled", false), keys, concurrency, budgetMs,
        warm.integer("cooldownMs", 1000, 10), publishSeconds, listTtlSeconds);
  }

  public long listTtlMs() {
    return listTtlSeconds * 1000L;
  }
}
