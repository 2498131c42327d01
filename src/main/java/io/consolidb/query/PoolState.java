package io.consolidb.query;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

/**
 * What the pool is doing, for health and metrics. {@link Pool} only reports its size, so the
 * connections in use and the requests waiting are counted here, around every acquire and
 * release. Confined to the query verticle's event loop.
 */
final class PoolState {

  final int maxSize;
  final long acquireTimeoutMs;
  /** Checks connections idle too long before they are used. */
  final IdleValidation idle;
  int waiting;
  int active;

  PoolState(int maxSize, long acquireTimeoutMs, IdleValidation idle) {
    this.maxSize = maxSize;
    this.acquireTimeoutMs = acquireTimeoutMs;
    this.idle = idle;
  }

  /** {@code {size, active, idle, waiting, max_size}}; size counts open connections. */
  JsonObject toJson(Pool pool) {
    int size = Math.max(pool.size(), active);
    return new JsonObject()
        .put("size", size)
        .put("active", active)
        .put("idle", size - active)
        .put("waiting", waiting)
        .put("max_size", maxSize);
  }
}
