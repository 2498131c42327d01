package io.consolidb;

/** Every event-bus address consolidb uses, in one place (README "Event-bus API"). */
public final class Addresses {

  /** Node-local: run one statement. */
  public static final String DB_QUERY = "consolidb.db.query";
  /** Node-local: run several statements in one transaction. */
  public static final String DB_TX = "consolidb.db.tx";
  /** Node-local: the pool's state {@code {size, active, idle, waiting, max_size}} (health, metrics). */
  public static final String DB_POOL_STATE = "consolidb.db.pool";

  public static final String CACHE_INVALIDATE = "consolidb.cache.invalidate";
  public static final String CACHE_STATS = "consolidb.cache.stats";
  /** Cluster-wide publish: every node drops the named entries from its local tier. */
  public static final String CACHE_INVALIDATIONS = "consolidb.cache.invalidations";

  public static final String HEALTH_STATUS = "consolidb.health.status";
  /** Cluster-wide publish of level transitions. */
  public static final String HEALTH_ALERTS = "consolidb.health.alerts";

  /** Node-local: the performance summary (docs/METRICS.md "The performance summary"). */
  public static final String METRICS_SUMMARY = "consolidb.metrics.summary";
  /** Node-local: the slowest recent statements with their plans and hints. */
  public static final String METRICS_SLOW_QUERIES = "consolidb.metrics.slow";

  /** Clustered service proxies. */
  public static final String RESTAURANTS = "consolidb.restaurants";
  public static final String USERS = "consolidb.users";
  public static final String ANALYTICS = "consolidb.analytics";

  private Addresses() {
  }
}
