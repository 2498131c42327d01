package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.cache.Invalidation;
import io.consolidb.cache.NodeCache;
import io.consolidb.tracing.RequestId;
import io.consolidb.tracing.Tracing;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceExceptionMessageCodec;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
  /** The query verticle's context while it serves ({@link #call}); null before and after. */
  private volatile ContextInternal serving;
  /** Lookups on their callers' event loops ({@link #call}); null when the node has none. */
  private volatile LookupLanes lanes;

  /** @param cache the node's cache, or null when the node does not cache */
  public QueryEndpoint(NodeCache cache) {
    this.cache = cache;
    this.transactions = new Transactions(cache);
  }

  /** True when a request's {@code cache} part is served by the node's cache (false: it is checked and ignored). */
  public boolean caches() {
    return cache != null;
  }

  /** The in-process transactions of this node; they fail with 503 while the query verticle is not running. */
  public Transactions transactions() {
    return transactions;
  }

  /** The query verticle's context while it serves, else null (tests freeze its event loop). */
  ContextInternal servingContext() {
    return serving;
  }

  /** The query verticle stopped: completes once the lookup lanes' connections are closed. */
  Future<Void> stopped() {
    serving = null;
    transactions.unbind();
    LookupLanes open = lanes;
    lanes = null;
    return open == null ? Future.succeededFuture() : open.close();
  }

  /**
   * Registers the consumers; completes once all three are in place.
   *
   * @param lanes lookups on their callers' event loops, or null: every call runs on the verticle
   */
  Future<Void> serve(EventBus bus, QueryExecutor executor, LookupLanes lanes) {
    this.executor = executor;
    this.lanes = lanes;
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
    ContextInternal context = ContextInternal.current();
    return Future.all(
        bus.localConsumer(Addresses.DB_QUERY, this::onQuery).completion(),
        bus.localConsumer(Addresses.DB_TX, this::onTransaction).completion(),
        bus.localConsumer(Addresses.DB_POOL_STATE, this::onPoolState).completion())
        .onSuccess(registered -> serving = context).mapEmpty();
  }

  private void onQuery(Message<Object> message) {
    RequestId.adopt(message);
    Tracing.continueTrace(message);
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(FailureCodes.INVALID_INPUT, "the request must be a JSON object");
      return;
    }
    query(executor, body, message.headers().get(Lsn.BUS_HEADER))
        .onComplete(done -> reply(message, done.succeeded() ? done.result() : null, done.cause()));
  }

  /**
   * {@code consolidb.db.query} for a caller in this process, without the event bus: the request
   * runs on the query verticle's event loop as a message would (on a context of its own, carrying
   * the caller's request id and sampled trace), and the answer completes on the caller's context.
   * What this saves is the hop's message: its copy of the request, headers, reply registration and
   * send timer (docs/BENCHMARKS.md, "What was changed"). {@code body} then belongs to the endpoint:
   * the caller must not touch it again. Failures are the {@code ServiceException}s an event-bus
   * caller gets ({@link #reply}). No timer of its own: every attempt the executor makes is bounded
   * by the request's deadline (the pool's acquire and statement timers, the lookups' timer), which
   * is what the event bus's send timeout only backed up.
   *
   * @param requestId the caller's request id ({@code RequestId.current()}), or null
   * @param trace the caller's trace when it is sampled ({@link Tracing#sampledContext}), or null
   * @return null while the query verticle is not serving: the caller sends over the event bus,
   *     which answers 503
   */
  public Future<JsonObject> call(JsonObject body, String busLsn, String requestId,
      io.opentelemetry.context.Context trace) {
    ContextInternal verticle = serving;
    if (verticle == null) {
      return null;
    }
    ContextInternal caller = ContextInternal.current();
    LookupLanes open = lanes;
    QueryExecutor lane = open == null ? null : open.forCaller(caller, body, busLsn);
    if (lane != null) {
      return onLane(lane, caller, body);
    }
    Promise<JsonObject> answer = caller == null ? Promise.promise() : caller.promise();
    ContextInternal own = verticle.duplicate();
    own.runOnContext(v -> {
      if (requestId != null) {
        RequestId.bind(own, requestId);
      }
      if (trace != null) {
        trace.makeCurrent(); // not closed on purpose: the context is this call's alone
      }
      answer(() -> query(executor, body, busLsn), answer);
    });
    return answer.future();
  }

  /**
   * A plain lookup run right here, on the caller's thread and context ({@link LookupLanes}): the
   * caller's request id and trace are already current.
   */
  private Future<JsonObject> onLane(QueryExecutor lane, ContextInternal caller, JsonObject body) {
    Promise<JsonObject> answer = caller.promise();
    answer(() -> query(lane, body, null), answer);
    return answer.future();
  }

  /** Hands {@code result} to the caller's {@code answer}, a failure as the event bus would give it. */
  private static void answer(Supplier<Future<JsonObject>> result, Promise<JsonObject> answer) {
    Future<JsonObject> running;
    try {
      running = result.get();
    } catch (RuntimeException unexpected) { // a bug must still answer the caller, who has no timer
      running = Future.failedFuture(unexpected);
    }
    running.onComplete(done -> {
      if (done.succeeded()) {
        answer.complete(done.result());
      } else {
        answer.fail(failure(done.cause()));
      }
    });
  }

  /** A request of {@code consolidb.db.query}, read and run: what {@link #onQuery} replies. */
  private Future<JsonObject> query(QueryExecutor executor, JsonObject body, String busLsn) {
    CacheSpec spec;
    Invalidation invalidation;
    try {
      spec = body.getValue("cache") instanceof JsonObject json ? CacheSpec.fromJson(json) : null;
      invalidation = invalidation(body);
    } catch (IllegalArgumentException invalid) {
      return Future.failedFuture(new QueryFailure(FailureCodes.INVALID_INPUT, invalid.getMessage()));
    }
    if (spec != null && !Boolean.TRUE.equals(body.getValue("readOnly"))) {
      // a cached statement may be joined with another caller's, or not run at all
      return Future.failedFuture(new QueryFailure(FailureCodes.INVALID_INPUT,
          "cache is for reads: a request with cache must be readOnly"));
    }
    Future<JsonObject> result = spec != null && cache != null
        ? readThrough(executor, body, spec, busLsn)
        : executor.query(body, busLsn);
    return invalidateAfter(result, invalidation);
  }

  /** The reply of a hit shares the cached rows (pass-through codec): nobody may mutate them. */
  private Future<JsonObject> readThrough(QueryExecutor executor, JsonObject body, CacheSpec spec, String busLsn) {
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
    LookupLanes open = lanes;
    JsonObject state = executor.poolState();
    message.reply(open == null ? state : state.put("lookup_lanes", open.size()), REPLY);
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

  /** What an event-bus caller of {@link #reply} receives for {@code failure}, as one exception. */
  private static ServiceException failure(Throwable failure) {
    QueryFailure mapped = SqlFailures.execution(failure);
    return FailureCodes.withRetryAfter(mapped.code(), mapped.getMessage(), mapped.retryAfterSeconds());
  }
}
