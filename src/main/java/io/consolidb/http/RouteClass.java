package io.consolidb.http;

import io.consolidb.config.HttpLimits;
import io.consolidb.config.HttpLimits.RouteLimit;
import java.util.Locale;

/**
 * The classes of routes that share one bulkhead ({@link Bulkhead}): a flood of one class (say
 * anonymous radius reads) is answered 429 while the others keep their own room. Health probes and
 * {@code /metrics} belong to none and are never limited.
 */
enum RouteClass {
  /** A restaurant or user by id, a user's favourites. */
  LOOKUPS,
  /** Full-text search, restaurants near a point, restaurants of a city. */
  SEARCHES,
  /** The analytics reports. */
  REPORTS,
  /** POST, PUT, PATCH and DELETE, analytics event batches included. */
  WRITES,
  /** The cache admin, the metrics summary, the slow-query report. */
  ADMIN;

  /** What the class serves, in a 429's detail. */
  String requests() {
    return this == ADMIN ? "admin requests" : label();
  }

  /** The class's name in metrics and settings. */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  RouteLimit limit(HttpLimits limits) {
    return switch (this) {
      case LOOKUPS -> limits.lookups();
      case SEARCHES -> limits.searches();
      case REPORTS -> limits.reports();
      case WRITES -> limits.writes();
      case ADMIN -> limits.admin();
    };
  }
}
