package io.consolidb.cache;

import io.consolidb.Addresses;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A cluster-wide invalidation that completes once every other member has applied it, so that a
 * write acknowledged to its caller is followed, on every member, by a fresh read — not by the
 * old value from a local tier the invalidation has not reached yet (measured on three processes:
 * one read in ten, 43 ms after the write answered, before this).
 *
 * <p>Each invalidation this node publishes asks for an acknowledgement at this node's own address
 * ({@link #address()}); a member sends it once it has dropped what the invalidation names. The
 * publish completes when as many members as the membership counts have answered, or after
 * {@code timeoutMs} (a member frozen or departing must not hold writes up: it drops its whole local
 * tier when the membership changes anyway), counted in {@code unacknowledged}.
 */
final class InvalidationAcks {

  static final String ADDRESS_PREFIX = "consolidb.cache.acks.";

  private final Vertx vertx;
  private final String address;
  private final IntSupplier peers;
  private final long timeoutMs;
  private final Counter unacknowledged;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

  private record Pending(AtomicInteger awaited, Promise<Void> done) {
  }

  /**
   * @param peers how many other members should acknowledge (0: publish and go on)
   */
  InvalidationAcks(Vertx vertx, String origin, IntSupplier peers, long timeoutMs, Counter unacknowledged) {
    this.vertx = vertx;
    this.address = ADDRESS_PREFIX + origin;
    this.peers = peers;
    this.timeoutMs = timeoutMs;
    this.unacknowledged = unacknowledged;
  }

  /** Where other members acknowledge this node's invalidations. */
  String address() {
    return address;
  }

  /** Publishes {@code message} on the cluster invalidation address; completes as described above. */
  Future<Void> publish(JsonObject message) {
    int expected = peers.getAsInt();
    if (expected <= 0) {
      vertx.eventBus().publish(Addresses.CACHE_INVALIDATIONS, message);
      return Future.succeededFuture();
    }
    long id = ids.incrementAndGet();
    Pending waiting = new Pending(new AtomicInteger(expected), Promise.promise());
    pending.put(id, waiting);
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (pending.remove(id) != null) {
        unacknowledged.increment();
        waiting.done().tryComplete();
      }
    });
    vertx.eventBus().publish(Addresses.CACHE_INVALIDATIONS,
        message.put("ack", new JsonObject().put("to", address).put("id", id)));
    return waiting.done().future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /** One member applied invalidation {@code id}. */
  void acknowledged(long id) {
    Pending waiting = pending.get(id);
    if (waiting != null && waiting.awaited().decrementAndGet() <= 0 && pending.remove(id) != null) {
      waiting.done().tryComplete();
    }
  }

  /** On the receiving member, once the invalidation in {@code body} is applied: tells its publisher. */
  static void acknowledge(Vertx vertx, JsonObject body) {
    JsonObject ack = body.getJsonObject("ack");
    if (ack != null && ack.getString("to", "").startsWith(ADDRESS_PREFIX) && ack.getValue("id") instanceof Number id) {
      vertx.eventBus().send(ack.getString("to"), new JsonObject().put("id", id.longValue()));
    }
  }
}
