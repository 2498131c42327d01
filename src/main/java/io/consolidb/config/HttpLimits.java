package io.consolidb.config;

/**
 * What one node's HTTP API admits at a time. Each route class has a bulkhead: {@code concurrency}
 * requests in flight, {@code queue} more waiting at most {@code queueWaitMs}; a request beyond
 * both, or one that waited too long, is answered 429 at once. Health probes and {@code /metrics}
 * are never limited. Connections idle for {@code idleTimeoutSeconds} are closed (0 = never), and a
 * connection beyond {@code maxConnections} open ones is closed before any request of it is served.
 */
public record HttpLimits(RouteLimit lookups, RouteLimit searches, RouteLimit reports, RouteLimit writes,
    RouteLimit admin, int queueWaitMs, int idleTimeoutSeconds, int maxConnections) {

  /** One route class's bulkhead: requests in flight, and requests waiting for one of them to finish. */
  public record RouteLimit(int concurrency, int queue) {
  }

  /*
   * Defaults for a 2-core node whose PostgreSQL shares the machine (docs/BENCHMARKS.md, "Overload"):
   * a lookup by key costs tens of microseconds of CPU, so many may run; a search or a 50 km radius
   * read costs PostgreSQL up to hundreds of milliseconds of CPU, so two in flight (one per core)
   * already keep the cores busy, and four measured worse for everyone, searches included; a report
   * scans events (seconds when uncached); writes hold pool connections inside transactions.
   */
  static final RouteLimit LOOKUPS = new RouteLimit(128, 256);
  static final RouteLimit SEARCHES = new RouteLimit(2, 4);
  static final RouteLimit REPORTS = new RouteLimit(2, 4);
  static final RouteLimit WRITES = new RouteLimit(16, 32);
  static final RouteLimit ADMIN = new RouteLimit(2, 4);

  static HttpLimits fromJson(ConfigSection http) {
    ConfigSection limits = http.section("limits");
    return new HttpLimits(limit(limits, "lookups", LOOKUPS), limit(limits, "searches", SEARCHES),
        limit(limits, "reports", REPORTS), limit(limits, "writes", WRITES), limit(limits, "admin", ADMIN),
        limits.integer("queueWaitMs", 25, 1),
        http.integer("idleTimeoutSeconds", 60, 0),
        http.integer("maxConnections", 1024, 1));
  }

  private static RouteLimit limit(ConfigSection limits, String name, RouteLimit fallback) {
    ConfigSection section = limits.section(name);
    return new RouteLimit(section.integer("concurrency", fallback.concurrency(), 1),
        section.integer("queue", fallback.queue(), 0));
  }
}
