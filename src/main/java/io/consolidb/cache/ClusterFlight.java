package io.consolidb.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Single flight across the cluster for reads marked {@link CacheSpec#clusterWide()}: of the nodes
 * that miss one key at once, the one that takes a Redis lease ({@code SET NX PX}) runs the query
 * and fills the cache; the others poll Redis for that fill instead of running it too.
 *
 * <ul>
 *   <li>The holder renews its lease every third of {@code leaseMs} while the query runs, and gives
 *       it back only after its value is in Redis, so a waiter never finds neither.</li>
 *   <li>A holder that dies stops renewing: its lease expires within {@code leaseMs}, and the next
 *       waiter to poll takes it and runs the query itself.</li>
 *   <li>A holder whose fill is voided by an invalidation gives the lease back without a value:
 *       the next waiter takes it and loads the new data.</li>
 *   <li>Redis down, slow or failing: the node runs the query itself (the lease is an
 *       optimisation, never a dependency). A waiter also stops waiting after
 *       {@code 10 × leaseMs} whatever it sees, and runs the query.</li>
 * </ul>
 * Written here because no library offers it on vertx-redis-client: it is three commands and a
 * poll, and the fallbacks are this cache's own.
 */
final class ClusterFlight {

  /** A waiter gives up waiting after this many lease times, and loads itself. */
  static final int MAX_WAIT_LEASES = 10;

  private final Vertx vertx;
  private final RedisTier redis;
  private final String owner;
  private final long leaseMs;
  private final long pollMs;
  private final CacheMeters meters;

  ClusterFlight(Vertx vertx, RedisTier redis, String owner, long leaseMs, long pollMs, CacheMeters meters) {
    this.vertx = vertx;
    this.redis = redis;
    this.owner = owner;
    this.leaseMs = leaseMs;
    this.pollMs = pollMs;
    this.meters = meters;
  }

  /**
   * {@code load} (a query whose result is in Redis when it completes) on this node if it takes the
   * lease, else what {@code filled} finds in Redis once another node filled it ({@code filled}
   * answers null while there is nothing).
   */
  <T> Future<T> run(String key, Supplier<Future<T>> load, Supplier<Future<T>> filled) {
    Promise<T> result = Promise.promise();
    attempt(key, load, filled, System.nanoTime() + MAX_WAIT_LEASES * leaseMs * 1_000_000, false, result);
    return result.future();
  }

  /**
   * One try for the lease. {@code waited}: this node has polled for another's fill before. Then a
   * lease won is followed by one more look for the value: the holder may have stored it and given
   * the lease back between this node's last poll (nothing yet) and its try for the lease, and
   * running the query again then would be the stampede this class exists to prevent (seen in a
   * full suite run: two queries for one key). A first try needs no such look: its caller has just
   * missed Redis itself.
   */
  private <T> void attempt(String key, Supplier<Future<T>> load, Supplier<Future<T>> filled, long deadline,
      boolean waited, Promise<T> result) {
    redis.tryLease(key, owner, leaseMs).onComplete(lease -> {
      if (lease.failed()) {
        meters.leaseFallbacks.increment(); // Redis cannot coordinate: load as if alone
        load.get().onComplete(result);
      } else if (lease.result()) {
        if (waited) {
          filledSinceLastPoll(key, load, filled, result);
        } else {
          meters.leaseAcquired.increment();
          holding(key, load).onComplete(result);
        }
      } else if (System.nanoTime() - deadline > 0) {
        meters.leaseFallbacks.increment();
        load.get().onComplete(result);
      } else {
        vertx.setTimer(pollMs, id -> filled.get().onComplete(found -> {
          if (found.succeeded() && found.result() != null) {
            meters.leaseWaited.increment();
            result.complete(found.result());
          } else {
            attempt(key, load, filled, deadline, true, result);
          }
        }));
      }
    });
  }

  /** Holding the lease after a wait: the value another node stored meanwhile, else this node's load. */
  private <T> void filledSinceLastPoll(String key, Supplier<Future<T>> load, Supplier<Future<T>> filled,
      Promise<T> result) {
    filled.get().onComplete(found -> {
      if (found.succeeded() && found.result() != null) {
        redis.releaseLease(key, owner);
        meters.leaseWaited.increment();
        result.complete(found.result());
      } else {
        meters.leaseAcquired.increment();
        holding(key, load).onComplete(result);
      }
    });
  }

  private <T> Future<T> holding(String key, Supplier<Future<T>> load) {
    long renewal = vertx.setPeriodic(Math.max(1, leaseMs / 3), id -> redis.renewLease(key, owner, leaseMs));
    Future<T> loaded;
    try {
      loaded = load.get();
    } catch (RuntimeException e) {
      loaded = Future.failedFuture(e);
    }
    return loaded.andThen(done -> {
      vertx.cancelTimer(renewal);
      redis.releaseLease(key, owner);
    });
  }
}
