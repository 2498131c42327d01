package io.consolidb.restaurant;

import io.vertx.core.json.JsonObject;

/**
 * What the restaurant service bound on this node answers at once, without a future: a restaurant
 * its local cache tier holds fresh. The HTTP API asks it before calling {@link RestaurantService#get}
 * so that a local hit skips the service call's asynchronous steps (docs/BENCHMARKS.md, "What was
 * changed", item 15).
 */
public interface RestaurantHits {

  /**
   * The restaurant exactly as {@link RestaurantService#get} would answer it from the local tier
   * (marked {@code HIT}), counted as that hit; null whenever {@code get} would do more than a local
   * hit: a miss, a stale or absent row, an invalid id, a traced read, caching off.
   */
  JsonObject cachedById(long id);
}
