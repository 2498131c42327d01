package io.consolidb.cache;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.NodeSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's query-result cache ({@link NodeCache}: Caffeine local tier, Redis shared tier)
 * and keeps it consistent with PostgreSQL (README "Caching", docs/CACHE.md):
 * <ul>
 *   <li>answers the node-local {@code consolidb.cache.get|put|invalidate|stats};</li>
 *   <li>listens on the cluster-wide {@code consolidb.cache.invalidations} and drops what other
 *       nodes invalidated from its local tier;</li>
 *   <li>LISTENs on {@value TableChanges#CHANNEL} ({@link TableChanges}) and turns each table
 *       change into a tag invalidation on both tiers.</li>
 * </ul>
 * With caching off ({@code DB_CACHE_ENABLED=false}) it only answers stats ({@code enabled:false})
 * and invalidations (nothing to drop); the query path then never caches.
 */
public final class CacheVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);
  private static final long HOUSEKEEPING_MS = 30_000;

  private NodeCache cache;
  private TableChanges changes;
  private long housekeepingTimer = -1;

  @Override
  public Future<?> start() {
    NodeSettings settings;
    try {
      settings = NodeSettings.fromJson(config());
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
    EventBus bus = vertx.eventBus();
    List<Future<?>> started = new ArrayList<>();
    started.add(bus.localConsumer(Addresses.CACHE_STATS, this::onStats).completion());
    started.add(bus.localConsumer(Addresses.CACHE_INVALIDATE, this::onInvalidate).completion());
    started.add(bus.localConsumer(Addresses.CACHE_GET, this::onGet).completion());
    started.add(bus.localConsumer(Addresses.CACHE_PUT, this::onPut).completion());
    if (!settings.cache().enabled()) {
      LOG.info("cache: off (DB_CACHE_ENABLED=false)");
      return Future.all(started);
    }
    cache = new NodeCache(vertx, settings.cache(), settings.redis());
    started.add(bus.<JsonObject>consumer(Addresses.CACHE_INVALIDATIONS, this::onClusterInvalidation).completion());
    changes = new TableChanges(vertx, settings.database().connectOptions(), cache);
    changes.start();
    housekeepingTimer = vertx.setPeriodic(HOUSEKEEPING_MS, id -> cache.housekeeping());
    LOG.info("cache: local tier {}, Redis {} (prefix {}, timeout {} ms), default TTL {} s",
        settings.cache().localEnabled() ? "up to " + settings.cache().maxEntries() + " entries" : "off",
        settings.redis().enabled() ? settings.redis().maskedUrl() : "off", settings.cache().keyPrefix(),
        settings.redis().timeoutMs(), settings.cache().ttlSeconds());
    // Published only once the consumers are in place: from then on the query path caches.
    return Future.all(started).onSuccess(v -> cache.register());
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

  /** {@code {key}} → {@code {hit, value?}}: both tiers, for tools and tests. */
  private void onGet(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body) || !(body.getValue("key") instanceof String key)) {
      message.fail(FailureCodes.INVALID_INPUT, "give {\"key\": \"…\"}");
      return;
    }
    if (cache == null) {
      message.reply(new JsonObject().put("hit", false));
      return;
    }
    Object local = cache.lookupLocal(key);
    Future<Object> value = local != null ? Future.succeededFuture(local)
        : cache.getRemote(key, cache.defaultTtlSeconds(), List.of());
    value.onComplete(done -> message.reply(done.result() == null ? new JsonObject().put("hit", false)
        : new JsonObject().put("hit", true).put("value", done.result())));
  }

  /** {@code {key, value, ttlSeconds?, tags?}} → {@code {stored}}: value is a JSON array or object. */
  private void onPut(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "give {\"key\", \"value\", \"ttlSeconds\"?, \"tags\"?}");
      return;
    }
    CacheSpec spec;
    Object value = body.getValue("value");
    try {
      spec = CacheSpec.fromJson(body);
      if (spec.key() == null) {
        throw new IllegalArgumentException("key is required");
      }
      if (!(value instanceof JsonArray) && !(value instanceof JsonObject)) {
        throw new IllegalArgumentException("value must be a JSON array or object");
      }
    } catch (IllegalArgumentException invalid) {
      message.fail(FailureCodes.INVALID_INPUT, invalid.getMessage());
      return;
    }
    if (cache == null) {
      message.reply(new JsonObject().put("stored", false));
      return;
    }
    // the message body was copied on local delivery: this instance is ours to share
    cache.fill(spec.key(), value, spec.ttlSeconds(), spec.tags(), cache.generation());
    message.reply(new JsonObject().put("stored", true));
  }

  private void onClusterInvalidation(Message<JsonObject> message) {
    JsonObject body = message.body();
    if (body == null || cache.origin().equals(body.getString("origin"))) {
      return; // our own, already applied
    }
    try {
      cache.invalidatedElsewhere(Invalidation.fromJson(body));
    } catch (IllegalArgumentException invalid) {
      LOG.warn("cache: ignoring a malformed invalidation from another node: {}", invalid.getMessage());
    }
  }
}
