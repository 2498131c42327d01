package io.consolidb.cache;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the lifecycle of the node's query-result cache ({@link NodeCache}, built by the node and
 * handed in) and keeps it consistent with PostgreSQL (README "Caching", docs/CACHE.md):
 * <ul>
 *   <li>answers the node-local {@code consolidb.cache.invalidate|stats};</li>
 *   <li>listens on the cluster-wide {@code consolidb.cache.invalidations} and drops what other
 *       nodes invalidated from its local tier;</li>
 *   <li>LISTENs on {@value TableChanges#CHANNEL} ({@link TableChanges}) and turns each table
 *       change into a tag invalidation on both tiers.</li>
 * </ul>
 * With caching off ({@code DB_CACHE_ENABLED=false}, no cache handed in) it only answers stats
 * ({@code enabled:false}) and invalidations (nothing to drop).
 */
public final class CacheVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);
  private static final long HOUSEKEEPING_MS = 30_000;

  private final NodeCache cache;
  private final PgConnectOptions listenTo;
  private final Function<MultiMap, Future<?>> senderCheck;
  private TableChanges changes;
  /** A flood of refused invalidations logs once a minute, not once each. */
  private static final long REFUSAL_LOG_EVERY_NANOS = 60_000_000_000L;
  private long lastRefusalLog;
  private long housekeepingTimer = -1;

  /**
   * @param cache the node's cache, or null when the node does not cache
   * @param listenTo where to LISTEN for table changes
   */
  public CacheVerticle(NodeCache cache, PgConnectOptions listenTo) {
    this(cache, listenTo, headers -> Future.succeededFuture());
  }

  /**
   * @param senderCheck succeeds for the headers of an invalidation a trusted member published
   *     (its token); an invalidation that fails it is counted, logged and dropped
   */
  public CacheVerticle(NodeCache cache, PgConnectOptions listenTo, Function<MultiMap, Future<?>> senderCheck) {
    this.cache = cache;
    this.listenTo = listenTo;
    this.senderCheck = senderCheck;
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    List<Future<?>> started = new ArrayList<>();
    started.add(bus.localConsumer(Addresses.CACHE_STATS, this::onStats).completion());
    started.add(bus.localConsumer(Addresses.CACHE_INVALIDATE, this::onInvalidate).completion());
    // with caching off there is nothing to drop, but a member that publishes waits for our answer
    started.add(bus.<JsonObject>consumer(Addresses.CACHE_INVALIDATIONS, this::onClusterInvalidation).completion());
    if (cache == null) {
      LOG.info("cache: off (DB_CACHE_ENABLED=false)");
      return Future.all(started);
    }
    started.add(bus.<JsonObject>consumer(cache.ackAddress(),
        ack -> cache.acknowledged(ack.body().getLong("id", -1L))).completion());
    changes = new TableChanges(vertx, listenTo, cache);
    changes.start();
    housekeepingTimer = vertx.setPeriodic(HOUSEKEEPING_MS, id -> cache.housekeeping());
    return Future.all(started);
  }

  @Override
  public Future<?> stop() {
    if (housekeepingTimer >= 0) {
      vertx.cancelTimer(housekeepingTimer);
    }
    Future<Void> listening = changes == null ? Future.succeededFuture() : changes.stop();
    Future<Void> closing = cache == null ? Future.succeededFuture() : cache.close();
    return Future.all(listening, closing);
  }

  /** True while the LISTEN connection for table changes is up (false when the node does not cache). */
  public boolean listening() {
    return changes != null && changes.listening();
  }

  private void onStats(Message<Object> message) {
    message.reply(cache == null ? new JsonObject().put("enabled", false)
        : cache.stats().put("listen", new JsonObject().put("connected", changes.listening())));
  }

  /** {@code {keys?, pattern?, tags?}} → {@code {dropped, local, redis}}. */
  private void onInvalidate(Message<Object> message) {
    Invalidation invalidation;
    try {
      invalidation = Invalidation.fromJson(message.body() instanceof JsonObject json ? json : null);
    } catch (IllegalArgumentException invalid) {
      message.fail(FailureCodes.INVALID_INPUT, invalid.getMessage());
      return;
    }
    if (cache == null) {
      message.reply(new JsonObject().put("dropped", 0).put("local", 0).putNull("redis"));
      return;
    }
    cache.invalidate(invalidation).onComplete(done -> message.reply(done.result()));
  }

  private void onClusterInvalidation(Message<JsonObject> message) {
    JsonObject body = message.body();
    if (body == null || (cache != null && cache.origin().equals(body.getString("origin")))) {
      return; // our own, already applied
    }
    senderCheck.apply(message.headers()).onComplete(checked -> {
      if (checked.succeeded()) {
        apply(body);
      } else {
        refused(checked.cause());
      }
    });
  }

  private void refused(Throwable why) {
    if (cache != null) {
      cache.invalidationRefused();
    }
    long now = System.nanoTime();
    if (lastRefusalLog == 0 || now - lastRefusalLog > REFUSAL_LOG_EVERY_NANOS) {
      lastRefusalLog = now;
      LOG.warn("cache: refused an invalidation from a sender that is not a trusted member ({}; {} refused so far)",
          why.getMessage(), cache == null ? "" : cache.stats().getJsonObject("invalidations").getLong("refused"));
    }
  }

  private void apply(JsonObject body) {
    try {
      if (cache != null) {
        cache.invalidatedElsewhere(Invalidation.fromJson(body));
      }
    } catch (IllegalArgumentException invalid) {
      LOG.warn("cache: ignoring a malformed invalidation from another node: {}", invalid.getMessage());
    }
    InvalidationAcks.acknowledge(vertx, body); // applied (or nothing to apply): its publisher may go on
  }
}
