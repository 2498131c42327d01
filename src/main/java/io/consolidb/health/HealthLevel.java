package io.consolidb.health;

/**
 * How well a node can serve, worst last (the levels table in README "Health"). The ordinal is
 * the value of the {@code consolidb.health.level} gauge.
 */
public enum HealthLevel {
  /** The database answers within budget, Redis is up (or disabled), the pool has headroom. */
  HEALTHY,
  /** Serving, but slowly or without a shared cache: a slow database, a busy pool, Redis down. */
  DEGRADED,
  /** The last database check failed, fewer than N times in a row. */
  UNHEALTHY,
  /** The database failed N or more consecutive checks. */
  CRITICAL;

  /** Whether a node at this level should receive traffic (readiness, {@code /health} status 200). */
  public boolean serving() {
    return this == HEALTHY || this == DEGRADED;
  }

  /** Whether moving from {@code from} (null before the first check) to this level is a step down. */
  public boolean worseThan(HealthLevel from) {
    return from == null ? this != HEALTHY : ordinal() > from.ordinal();
  }
}
