package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.cache.Invalidation;
import io.consolidb.cache.NodeCache;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.config.NodeSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's one PostgreSQL pool and answers the node-local addresses
 * {@link Addresses#DB_QUERY}, {@link Addresses#DB_TX} and {@link Addresses#DB_POOL_STATE}
 * (DESIGN.md §1–2). Deploy one instance per node, with the node's settings JSON as config.
 *
 * <p>Start does not touch the database: the node starts while PostgreSQL is down, requests fail
 * with 503 meanwhile, and they succeed as soon as it is back, without a restart. Every failure
 * reply carries a {@link FailureCodes} code and a message safe for clients.
 */
public final class QueryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(QueryVerticle.class);
  private static final DeliveryOptions REPLY = new DeliveryOptions().setCodecName(ReplyCodec.NAME);

  private Pool pool;
  private PipelinedLookups lookups;
  private QueryExecutor executor;
  /** Loads in flight by cache key; event-loop confined. */
  private final Map<String, Future<JsonObject>> loading = new HashMap<>();

  @Override
  public Future<?> start() {
    DatabaseSettings settings;
    try {
      settings = NodeSettings.fromJson(config()).database();
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
    pool = PgBuilder.pool()
        .with(settings.poolOptions())
        .with(settings.netClientOptions())
        .connectingTo(settings.connectOptions())
        .using(vertx)
        .build();
    if (settings.pipelinedConnections() > 0) {
      DatabaseSettings db = settings;
      lookups = new PipelinedLookups(vertx, () -> PgBuilder.client()
          .with(db.pipelinedOptions())
          .with(db.netClientOptions())
          .connectingTo(db.pipelinedConnectOptions())
          .using(vertx)
          .build(), Math.round(settings.poolTimeoutSeconds() * 1000));
    }
    executor = new QueryExecutor(vertx, pool, lookups, settings, QueryExecutor.CANCEL_GRACE_MS);
    EventBus bus = vertx.eventBus();
    try {
      bus.registerCodec(new ReplyCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a previous deployment on this Vert.x registered it; it stays, stateless, for late replies
    }
    LOG.info("query service: pool {} of up to {} connections, {} more pipelined for lookups, to {}",
        DatabaseSettings.POOL_NAME, settings.poolOptions().getMaxSize(), settings.pipelinedConnections(),
        settings.maskedUrl());
    return Future.all(
        bus.localConsumer(Addresses.DB_QUERY, this::onQuery).completion(),
        bus.localConsumer(Addresses.DB_TX, this::onTransaction).completion(),
        bus.localConsumer(Addresses.DB_POOL_STATE, this::onPoolState).completion());
  }

  @Override
  public Future<?> stop() {
    Future<Void> lookupsClosed = lookups == null ? Future.succeededFuture() : lookups.close();
    return pool == null ? lookupsClosed : Future.join(lookupsClosed, pool.close());
  }

  private void onQuery(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "the request must be a JSON object");
      return;
    }
    CacheSpec spec;
    Invalidation invalidation;
    try {
      spec = body.getValue("cache") instanceof JsonObject cache ? CacheSpec.fromJson(cache) : null;
      invalidation = invalidation(body);
    } catch (IllegalArgumentException invalid) {
      message.fail(FailureCodes.INVALID_INPUT, invalid.getMessage());
      return;
    }
    if (spec != null && !Boolean.TRUE.equals(body.getValue("readOnly"))) {
      // a cached statement may be joined with another caller's, or not run at all
      message.fail(FailureCodes.INVALID_INPUT, "cache is for reads: a request with cache must be readOnly");
      return;
    }
    NodeCache cache = NodeCache.of(vertx);
    Future<JsonObject> result = spec != null && cache != null ? cached(body, spec, cache) : executor.query(body);
    invalidateAfter(result, invalidation, cache)
        .onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  private void onTransaction(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "the request must be a JSON object");
      return;
    }
    Invalidation invalidation;
    try {
      invalidation = invalidation(body);
    } catch (IllegalArgumentException invalid) {
      message.fail(FailureCodes.INVALID_INPUT, invalid.getMessage());
      return;
    }
    invalidateAfter(executor.transaction(body), invalidation, NodeCache.of(vertx))
        .onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  /**
   * Local tier, a load of the same key already in flight, Redis (unless the request says the
   * caller asked it already), then the database. The reply of
   * a hit shares the cached rows (pass-through codec): nobody may mutate them.
   */
  private Future<JsonObject> cached(JsonObject body, CacheSpec spec, NodeCache cache) {
    long started = System.nanoTime();
    String key = spec.keyFor(body.getString("sql"), body.getValue("params"));
    // remoteChecked: the caller's QueryClient asked the local tier and Redis, and counted the miss
    boolean remoteChecked = Boolean.TRUE.equals(body.getValue("remoteChecked"));
    Object local = remoteChecked ? cache.getLocal(key) : cache.lookupLocal(key);
    if (local instanceof JsonArray rows) {
      return Future.succeededFuture(hit(rows, started));
    }
    Future<JsonObject> running = loading.get(key);
    if (running != null) {
      cache.recordStampedeJoin();
      return running;
    }
    // read before Redis and the database: an invalidation after this point voids the fill
    long generation = cache.generation();
    int ttl = spec.ttlSeconds() == null ? cache.defaultTtlSeconds() : spec.ttlSeconds();
    Future<Object> remote = remoteChecked ? Future.succeededFuture() : cache.getRemote(key, ttl, spec.tags());
    Future<JsonObject> load = remote.compose(value -> {
      if (value instanceof JsonArray rows) {
        return Future.succeededFuture(hit(rows, started));
      }
      cache.recordMiss();
      return executor.query(body).andThen(done -> {
        if (done.succeeded()) {
          cache.fill(key, done.result().getJsonArray("rows"), ttl, spec.tags(), generation);
        }
      });
    });
    loading.put(key, load);
    load.onComplete(done -> loading.remove(key, load));
    return load;
  }

  private static JsonObject hit(JsonArray rows, long started) {
    return new JsonObject().put("rows", rows).put("rowCount", rows.size()).put("cached", true)
        .put("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /**
   * Runs the request's invalidation once the statement has finished, whatever its outcome (a
   * write whose reply was lost may still have committed), and only then lets the reply go.
   */
  private static Future<JsonObject> invalidateAfter(Future<JsonObject> result, Invalidation invalidation,
      NodeCache cache) {
    if (invalidation == null || cache == null) {
      return result;
    }
    return result.eventually(() -> cache.invalidate(invalidation));
  }

  private static Invalidation invalidation(JsonObject body) {
    Object value = body.getValue("invalidate");
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new IllegalArgumentException("invalidate must be an object {keys?, pattern?, tags?}");
    }
    return Invalidation.fromJson(json);
  }

  private void onPoolState(Message<Object> message) {
    message.reply(executor.poolState(), REPLY);
  }

  private static void reply(Message<Object> message, JsonObject result, Throwable failure) {
    if (failure == null) {
      message.reply(result, REPLY);
    } else {
      QueryFailure mapped = SqlFailures.execution(failure);
      message.fail(mapped.code(), mapped.getMessage());
    }
  }
}
