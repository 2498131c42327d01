package io.consolidb.service;

import io.vertx.core.json.JsonObject;

/**
 * The result of a read served through the cache, which knows whether the cache answered it.
 * The restaurant and analytics services return it from their cached reads when the node caches;
 * an in-process caller (the HTTP API on a node that serves the service) asks {@link #outcome} and
 * answers it as {@code X-Cache}. It is the JSON result itself: over the event bus it travels as a
 * plain JSON object and the outcome stays behind, because it is a fact about this node's cache,
 * not part of the result.
 *
 * <p>Equal to any JSON object with the same content (JsonObject's own equality also compares
 * classes).
 */
public final class CachedRead extends JsonObject {

  /**
   * Where a cached read came from: the cache, the database, or the cache with a value past its
   * TTL because the database could not be reached ({@code X-Cache: STALE} with {@code Age}).
   */
  public enum Outcome { HIT, MISS, STALE }

  private final Outcome outcome;
  private final long ageSeconds;

  private CachedRead(JsonObject result, Outcome outcome, long ageSeconds) {
    super(result.getMap());
    this.outcome = outcome;
    this.ageSeconds = ageSeconds;
  }

  /** {@code result} (its content, not a copy) marked as served by the cache or not. */
  public static CachedRead of(JsonObject result, boolean hit) {
    return new CachedRead(result, hit ? Outcome.HIT : Outcome.MISS, 0);
  }

  /** {@code result} (its content, not a copy) marked as served stale, loaded {@code ageSeconds} ago. */
  public static CachedRead stale(JsonObject result, long ageSeconds) {
    return new CachedRead(result, Outcome.STALE, ageSeconds);
  }

  /** {@code HIT}, {@code MISS} or {@code STALE} for a result read through this node's cache; null otherwise. */
  public static Outcome outcome(Object result) {
    return result instanceof CachedRead read ? read.outcome : null;
  }

  /** Seconds since a {@code STALE} result was loaded from the database (the {@code Age} header); 0 otherwise. */
  public static long ageSeconds(Object result) {
    return result instanceof CachedRead read ? read.ageSeconds : 0;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonObject json && new JsonObject(getMap()).equals(new JsonObject(json.getMap()));
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }
}
