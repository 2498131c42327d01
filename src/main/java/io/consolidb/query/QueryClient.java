package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.cache.NodeCache;
import io.consolidb.tracing.RequestId;
import io.consolidb.tracing.Tracing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The caller's side of the query verticle's event-bus contract. Services use it instead of
 * talking to the pool: every failure arrives as a {@link ServiceException} carrying a
 * {@link FailureCodes} code, whatever went wrong on the way.
 */
public final class QueryClient {

  /** Extra time the event-bus reply may take beyond the query's own timeout. */
  private static final long REPLY_MARGIN_MS = 1000;

  private final Vertx vertx;
  private final long defaultTimeoutMs;
  private final NodeCache cache;
  /** The node's query endpoint, called in-process while it serves; null: always the event bus. */
  private final QueryEndpoint endpoint;

  /**
   * A client of the node's own query verticle: a statement reaches it in-process
   * ({@link QueryEndpoint#call}: no event-bus message), and reads go through {@code cache}
   * in-process: a hit costs no hop at all (the tiers are thread-safe); only a miss runs the query.
   *
   * @param cache the node's cache, or null when the node does not cache
   * @param endpoint the node's query endpoint, or null to send every statement over the event bus
   */
  public QueryClient(Vertx vertx, long defaultTimeoutMs, NodeCache cache, QueryEndpoint endpoint) {
    this.vertx = vertx;
    this.defaultTimeoutMs = defaultTimeoutMs;
    this.cache = cache;
    this.endpoint = endpoint;
  }

  /** A client that reads through {@code cache} in-process and sends statements over the event bus. */
  public QueryClient(Vertx vertx, long defaultTimeoutMs, NodeCache cache) {
    this(vertx, defaultTimeoutMs, cache, null);
  }

  /**
   * A client without a cache of its own: a request's {@code cache} part travels with it and the
   * query endpoint reads through the node's cache instead (one hop more on a hit).
   */
  public QueryClient(Vertx vertx, long defaultTimeoutMs) {
    this(vertx, defaultTimeoutMs, null);
  }

  /** Runs a read-only statement with positional ({@code JsonArray}) or named ({@code JsonObject}) parameters. */
  public Future<QueryResult> read(String operation, String sql, Object params) {
    return send(request(operation, sql, params).put("readOnly", true));
  }

  /**
   * Runs a read-only statement through the cache ({@code cache} in the event-bus contract, README "Event-bus API"): the
   * result may come from the node-local tier, Redis or the database; {@link QueryResult#cached()}
   * says which. The rows of a cached result are shared with other readers: never mutate them.
   */
  public Future<QueryResult> readCached(String operation, String sql, Object params, CacheSpec spec) {
    return cached(request(operation, sql, params).put("readOnly", true), spec);
  }

  /** {@link #read} for a lookup (see {@link #lookupCached}). */
  public Future<QueryResult> lookup(String operation, String sql, Object params) {
    return send(request(operation, sql, params).put("readOnly", true).put("lookup", true));
  }

  /**
   * {@link #readCached} for a lookup: a short read the caller knows to be cheap (a row by its
   * key), which the query verticle may pipeline on connections shared with other lookups. Never
   * mark a statement that can run long: it would hold up the lookups queued behind it.
   */
  public Future<QueryResult> lookupCached(String operation, String sql, Object params, CacheSpec spec) {
    return cached(request(operation, sql, params).put("readOnly", true).put("lookup", true), spec);
  }

  /** {@code plain} (no cache part) through the cache; without an in-process cache the endpoint's. */
  private Future<QueryResult> cached(JsonObject plain, CacheSpec spec) {
    if (cache == null) {
      // the node's own endpoint has no cache either: the part would be built and parsed for nothing
      return send(endpoint != null && !endpoint.caches() ? plain : plain.put("cache", spec.toJson()));
    }
    return readThrough(plain, spec, spec.keyFor(plain.getString("sql"), plain.getValue("params")));
  }

  /** {@code plain} through the node's cache under {@code key}, computed once by the caller. */
  private Future<QueryResult> readThrough(JsonObject plain, CacheSpec spec, String key) {
    return cache.readThrough(key, spec, loader(() -> plain));
  }

  /**
   * The answer {@link #lookupCached} would give when this node's local cache tier holds it fresh,
   * counted as that read's local hit; null otherwise, and then the caller calls {@link #lookupCached}.
   * Answers at once, without a future: for a caller on the request path that skips its own
   * asynchronous steps on a hit (the HTTP API's restaurant by id). Never loads, never asks Redis,
   * and null for a traced read (its trace shows the cache span {@link #lookupCached} records).
   */
  public QueryResult lookupIfCached(String operation, String sql, Object params, CacheSpec spec) {
    if (cache == null) {
      return null;
    }
    // the request itself is built only if warming asks for it: a hit needs the key alone
    return cache.freshLocal(spec.keyFor(sql, params), spec,
        loader(() -> request(operation, sql, params).put("readOnly", true).put("lookup", true)));
  }

  /** Loads, answers and replays the read {@code plain} gives (built when first asked). */
  private NodeCache.Loader<QueryResult> loader(Supplier<JsonObject> plain) {
    return new NodeCache.Loader<>() {
      @Override
      public Future<QueryResult> load() {
        return send(plain.get().copy().put("primary", true)); // a fill: never from a replica (QueryExecutor)
      }

      @Override
      public JsonArray rows(QueryResult loaded) {
        return loaded.rows();
      }

      @Override
      public QueryResult hit(JsonArray rows, long nanos) {
        return new QueryResult(rows, rows.size(), true, TimeUnit.NANOSECONDS.toMillis(nanos));
      }

      @Override
      public boolean unreachable(Throwable failure) {
        return failure instanceof ReplyException reply && reply.failureCode() == FailureCodes.UNAVAILABLE;
      }

      @Override
      public QueryResult stale(JsonArray rows, long ageSeconds) {
        return new QueryResult(rows, rows.size(), true, 0, true, ageSeconds);
      }

      @Override
      public JsonObject replay() {
        return plain.get(); // a service's read: warming may run it again (docs/CACHE.md, "Cache warming")
      }
    };
  }

  /** Runs a statement that may write; never retried. */
  public Future<QueryResult> write(String operation, String sql, Object params) {
    return send(request(operation, sql, params).put("readOnly", false));
  }

  /**
   * Runs a statement that may write, then drops the cache entries tagged with
   * {@code invalidateTags} on every node, before this future completes.
   */
  public Future<QueryResult> write(String operation, String sql, Object params, List<String> invalidateTags) {
    return send(request(operation, sql, params).put("readOnly", false)
        .put("invalidate", new JsonObject().put("tags", new JsonArray(new ArrayList<>(invalidateTags)))));
  }

  /** True when this client reads through the node's cache in-process. */
  public boolean caching() {
    return cache != null;
  }

  /**
   * Sends a full request: {@code {sql, params, operation?, timeoutMs?, readOnly?, lookup?, cache?}}
   * as the event-bus contract describes; a read with a valid {@code cache} goes through the tiers
   * as {@link #readCached} does.
   */
  public Future<QueryResult> query(JsonObject request) {
    if (cache == null || !(request.getValue("cache") instanceof JsonObject json)
        || !Boolean.TRUE.equals(request.getValue("readOnly"))) {
      return send(request.copy()); // a cache on a write is the query endpoint's to refuse (400)
    }
    CacheSpec spec;
    String key;
    try {
      spec = CacheSpec.fromJson(json);
      key = spec.keyFor(request.getString("sql"), request.getValue("params"));
    } catch (RuntimeException invalid) {
      return send(request.copy()); // the query endpoint rejects it with a proper 400
    }
    JsonObject plain = request.copy();
    plain.remove("cache");
    return readThrough(plain, spec, key);
  }

  /** {@code request} to the query endpoint, which owns it from now on (the caller's copy if it is the caller's). */
  private Future<QueryResult> send(JsonObject request) {
    // a malformed timeoutMs is the query verticle's to reject (400), not a reason to throw here
    long timeout = request.getValue("timeoutMs") instanceof Number n && n.longValue() > 0
        ? n.longValue() : defaultTimeoutMs;
    ReadYourWrites.Positions positions = ReadYourWrites.current();
    Future<JsonObject> answered = endpoint == null ? null : endpoint.call(request, ReadYourWrites.readAfter(positions),
        RequestId.current(), Tracing.sampledContext());
    if (answered == null) { // not in-process, or the query verticle is not serving: the event bus answers
      answered = vertx.eventBus().<JsonObject>request(Addresses.DB_QUERY, request, positioned(delivery(timeout), positions))
          .recover(QueryClient::asServiceException)
          .map(Message::body);
    }
    return answered.map(reply -> {
      ReadYourWrites.wrote(positions, reply.getString(Lsn.REPLY_FIELD));
      return QueryResult.fromJson(reply);
    });
  }

  /**
   * Runs {@code [{sql, params}, …]} in one transaction; the reply holds one result per statement.
   * {@code invalidate} (nullable) is {@code {tags:[…]}} to drop from the cache after commit.
   */
  public Future<JsonArray> transaction(String operation, JsonArray statements, JsonObject invalidate) {
    JsonObject request = new JsonObject().put("operation", operation).put("statements", statements);
    if (invalidate != null) {
      request.put("invalidate", invalidate);
    }
    ReadYourWrites.Positions positions = ReadYourWrites.current();
    return vertx.eventBus().<JsonObject>request(Addresses.DB_TX, request, delivery(defaultTimeoutMs))
        .recover(QueryClient::asServiceException)
        .map(reply -> {
          ReadYourWrites.wrote(positions, reply.body().getString(Lsn.REPLY_FIELD));
          return reply.body().getJsonArray("results");
        });
  }

  private static JsonObject request(String operation, String sql, Object params) {
    JsonObject request = new JsonObject().put("operation", operation).put("sql", sql);
    if (params != null) {
      request.put("params", params);
    }
    return request;
  }

  /**
   * The statement travels to the query endpoint of this node; when traced, the SQL span becomes a
   * child of the caller's span directly ({@link Tracing#carryTrace}) rather than of two spans for
   * this internal hop, which would add half the cost of a trace and nothing to read.
   */
  private static DeliveryOptions delivery(long timeoutMs) {
    return Tracing.carryTrace(new DeliveryOptions().setSendTimeout(timeoutMs + REPLY_MARGIN_MS));
  }

  /**
   * The request's read position travels as the {@value Lsn#BUS_HEADER} header when an HTTP request
   * gave one ({@link ReadYourWrites}); a request's own {@code minLsn} wins over it.
   */
  private static DeliveryOptions positioned(DeliveryOptions options, ReadYourWrites.Positions positions) {
    String readAfter = ReadYourWrites.readAfter(positions);
    return readAfter == null ? options : options.addHeader(Lsn.BUS_HEADER, readAfter);
  }

  /** Turns event-bus failures into the failure codes of {@link FailureCodes}. */
  static <T> Future<T> asServiceException(Throwable failure) {
    if (failure instanceof ServiceException) {
      return Future.failedFuture(failure);
    }
    if (failure instanceof ReplyException reply) {
      return switch (reply.failureType()) {
        case TIMEOUT -> Future.failedFuture(FailureCodes.timedOut("the database did not answer in time"));
        case NO_HANDLERS -> Future.failedFuture(FailureCodes.unavailable("the query service is not running"));
        default -> Future.failedFuture(FailureCodes.isDomainCode(reply.failureCode())
            ? new ServiceException(reply.failureCode(), reply.getMessage())
            : FailureCodes.unavailable("the query failed unexpectedly"));
      };
    }
    return Future.failedFuture(FailureCodes.unavailable("the query failed unexpectedly"));
  }
}
