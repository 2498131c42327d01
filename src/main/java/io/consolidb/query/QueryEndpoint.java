package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.cache.Invalidation;
import io.consolidb.cache.NodeCache;
import io.consolidb.tracing.RequestId;
import io.consolidb.tracing.Tracing;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceExceptionMessageCodec;
import java.util.concurrent.TimeUnit;

/**
 * The query layer's node-local event-bus contract ({@code consolidb.db.query}, {@code .tx},
 * {@code .pool}; README "Event-bus API"): parses each request and hands its statements to the
 * {@link QueryExecutor}. A request's {@code cache} part is served by the node's cache
 * ({@link NodeCache#readThrough}, the one read-through path) with the executor as loader; its
 * {@code invalidate} part runs once the statement has finished. Built by the node with its cache,
 * served by {@link QueryVerticle} on the verticle's event loop.
 */
public final class QueryEndpoint {

  /** Replies go back untraced: the caller's span already covers the wait. */
  private static final DeliveryOptions REPLY = new DeliveryOptions().setCodecName(ReplyCodec.NAME)
      .setTracingPolicy(TracingPolicy.IGNORE);

  private final NodeCache cache;
  private final Transactions transactions;
  private QueryExecutor executor;

  /** @param cache the node's cache, or null when the node does not cache */
  public QueryEndpoint(NodeCache cache) {
    this.cache = cache;
    this.transactions = new Transactions(cache);
  }

  /** The in-process transactions of this node; they fail with 503 while the query verticle is not running. */
  public Transactions transactions() {
    return transactions;
  }

  /** The query verticle stopped. */
  void stopped() {
    transactions.unbind();
  }

  /** Registers the consumers; completes once all three are in place. */
  Future<Void> serve(EventBus bus, QueryExecutor executor) {
    this.executor = executor;
    transactions.bind(executor.transactions());
    try {
      bus.registerCodec(new ReplyCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a previous deployment on this Vert.x registered it; it stays, stateless, for late replies
    }
    try {
      // a failure with a retry hint travels as a ServiceException (as service proxies send theirs)
      bus.registerDefaultCodec(ServiceException.class, new ServiceExceptionMessageCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a service proxy handler registered it first: the same codec
    }
    return Future.all(
        bus.localConsumer(Addresses.DB_QUERY, this::onQuery).completion(),
        bus.localConsumer(Addresses.DB_TX, this::onTransaction).completion(),
        bus.localConsumer(Addresses.DB_POOL_STATE, this::onPoolState).completion()).mapEmpty();
  }

  private void onQuery(Message<Object> message) {
    RequestId.adopt(message);
    Tracing.continueTrace(message);
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "the request must be a JSON object");
      return;
    }
    CacheSpec spec;
    Invalidation invalidation;
    try {
      spec = body.getValue("cache") instanceof JsonObject json ? CacheSpec.fromJson(json) : null;
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
    String busLsn = message.headers().get(Lsn.BUS_HEADER);
    Future<JsonObject> result = spec != null && cache != null
        ? readThrough(body, spec, busLsn)
        : executor.query(body, busLsn);
    invalidateAfter(result, invalidation)
        .onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  /** The reply of a hit shares the cached rows (pass-through codec): nobody may mutate them. */
  private Future<JsonObject> readThrough(JsonObject body, CacheSpec spec, String busLsn) {
    String key;
    try {
      key = spec.keyFor(body.getString("sql"), body.getValue("params"));
    } catch (RuntimeException unkeyable) {
      return executor.query(body, busLsn); // the executor rejects the malformed request with a proper 400
    }
    return cache.readThrough(key, spec, new NodeCache.Loader<>() {
      @Override
      public Future<JsonObject> load() {
        return executor.query(body, busLsn);
      }

      @Override
      public JsonArray rows(JsonObject loaded) {
        return loaded.getJsonArray("rows");
      }

      @Override
      public JsonObject hit(JsonArray rows, long nanos) {
        return new JsonObject().put("rows", rows).put("rowCount", rows.size()).put("cached", true)
            .put("durationMs", TimeUnit.NANOSECONDS.toMillis(nanos));
      }

      @Override
      public boolean unreachable(Throwable failure) {
        return SqlFailures.execution(failure).code() == FailureCodes.UNAVAILABLE;
      }

      @Override
      public JsonObject stale(JsonArray rows, long ageSeconds) {
        return new QueryResult(rows, rows.size(), true, 0, true, ageSeconds).toJson();
      }
    });
  }

  private void onTransaction(Message<Object> message) {
    RequestId.adopt(message);
    Tracing.continueTrace(message);
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
    invalidateAfter(executor.transaction(body), invalidation)
        .onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  /**
   * Runs the request's invalidation once the statement has finished, whatever its outcome (a
   * write whose reply was lost may still have committed) unless it never reached the database,
   * and only then lets the reply go.
   */
  private Future<JsonObject> invalidateAfter(Future<JsonObject> result, Invalidation invalidation) {
    if (invalidation == null || cache == null) {
      return result;
    }
    return result.transform(done -> done.failed() && SqlFailures.execution(done.cause()).unreachable()
        // it never reached the database (breaker open, connection refused): nothing changed, and
        // the entries stay to be served stale during the outage
        ? result
        : cache.invalidate(invalidation).transform(invalidated -> result));
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
      if (mapped.retryAfterSeconds() > 0) {
        message.reply(FailureCodes.withRetryAfter(mapped.code(), mapped.getMessage(), mapped.retryAfterSeconds()));
      } else {
        message.fail(mapped.code(), mapped.getMessage());
      }
    }
  }
}
