package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.cache.NodeCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
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

  public QueryClient(Vertx vertx, long defaultTimeoutMs) {
    this.vertx = vertx;
    this.defaultTimeoutMs = defaultTimeoutMs;
  }

  /** Runs a read-only statement with positional ({@code JsonArray}) or named ({@code JsonObject}) parameters. */
  public Future<QueryResult> read(String operation, String sql, Object params) {
    return query(request(operation, sql, params).put("readOnly", true));
  }

  /**
   * Runs a read-only statement through the cache ({@code cache} in the design's contract): the
   * result may come from the node-local tier, Redis or the database; {@link QueryResult#cached()}
   * says which. Without a cache on this node it is a plain {@link #read}. The rows of a cached
   * result are shared with other readers: never mutate them.
   */
  public Future<QueryResult> readCached(String operation, String sql, Object params, CacheSpec cache) {
    return cached(operation, sql, params, cache, false);
  }

  /** {@link #read} for a lookup (see {@link #lookupCached}). */
  public Future<QueryResult> lookup(String operation, String sql, Object params) {
    return query(request(operation, sql, params).put("readOnly", true).put("lookup", true));
  }

  /**
   * {@link #readCached} for a lookup: a short read the caller knows to be cheap (a row by its
   * key), which the query verticle may pipeline on connections shared with other lookups. Never
   * mark a statement that can run long: it would hold up the lookups queued behind it.
   */
  public Future<QueryResult> lookupCached(String operation, String sql, Object params, CacheSpec cache) {
    return cached(operation, sql, params, cache, true);
  }

  private Future<QueryResult> cached(String operation, String sql, Object params, CacheSpec cache, boolean lookup) {
    NodeCache node = NodeCache.of(vertx);
    if (node == null) {
      JsonObject request = request(operation, sql, params).put("readOnly", true);
      return send(lookup ? request.put("lookup", true) : request);
    }
    return throughTiers(node, cache.keyFor(sql, params), cache, () -> {
      JsonObject request = request(operation, sql, params).put("readOnly", true).put("cache", cache.toJson());
      return lookup ? request.put("lookup", true) : request;
    });
  }

  /**
   * The node-local tier, then Redis, both read in-process (the tiers are thread-safe; this saves
   * the event-bus hop to the query verticle on every hit), then the query verticle, told that
   * Redis was asked already ({@code remoteChecked}) so a miss costs one Redis round trip, not two.
   * The query verticle still joins concurrent loads of one key into one execution. The request is
   * built only for a miss.
   */
  private Future<QueryResult> throughTiers(NodeCache node, String key, CacheSpec cache, Supplier<JsonObject> request) {
    // counts the local miss here: the query verticle will not count it again (remoteChecked)
    if (node.lookupLocal(key) instanceof JsonArray rows) {
      return Future.succeededFuture(new QueryResult(rows, rows.size(), true, 0));
    }
    int ttl = cache.ttlSeconds() == null ? node.defaultTtlSeconds() : cache.ttlSeconds();
    return node.getRemote(key, ttl, cache.tags()).compose(remote -> remote instanceof JsonArray rows
        ? Future.succeededFuture(new QueryResult(rows, rows.size(), true, 0))
        : send(request.get().put("remoteChecked", true)));
  }

  /** Runs a statement that may write; never retried. */
  public Future<QueryResult> write(String operation, String sql, Object params) {
    return query(request(operation, sql, params).put("readOnly", false));
  }

  /**
   * Runs a statement that may write, then drops the cache entries tagged with
   * {@code invalidateTags} on every node, before this future completes.
   */
  public Future<QueryResult> write(String operation, String sql, Object params, List<String> invalidateTags) {
    return query(request(operation, sql, params).put("readOnly", false)
        .put("invalidate", new JsonObject().put("tags", new JsonArray(new ArrayList<>(invalidateTags)))));
  }

  /** True when this node caches query results (the cache verticle runs and caching is on). */
  public boolean caching() {
    return NodeCache.of(vertx) != null;
  }

  /**
   * Sends a full request: {@code {sql, params, operation?, timeoutMs?, readOnly?, lookup?, cache?}}
   * as the design's contract describes; one with a valid {@code cache} goes through the tiers
   * first, as {@link #readCached} does.
   */
  public Future<QueryResult> query(JsonObject request) {
    NodeCache node = NodeCache.of(vertx);
    if (node == null || !(request.getValue("cache") instanceof JsonObject json)
        || !Boolean.TRUE.equals(request.getValue("readOnly"))) {
      return send(request); // a cache on a write is the query verticle's to refuse (400)
    }
    String key;
    CacheSpec spec;
    try {
      spec = CacheSpec.fromJson(json);
      key = spec.keyFor(request.getString("sql"), request.getValue("params"));
    } catch (RuntimeException invalid) {
      return send(request); // the query verticle rejects it with a proper 400
    }
    return throughTiers(node, key, spec, () -> request);
  }

  private Future<QueryResult> send(JsonObject request) {
    // a malformed timeoutMs is the query verticle's to reject (400), not a reason to throw here
    long timeout = request.getValue("timeoutMs") instanceof Number n && n.longValue() > 0
        ? n.longValue() : defaultTimeoutMs;
    return vertx.eventBus().<JsonObject>request(Addresses.DB_QUERY, request, delivery(timeout))
        .recover(QueryClient::asServiceException)
        .map(reply -> QueryResult.fromJson(reply.body()));
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
    return vertx.eventBus().<JsonObject>request(Addresses.DB_TX, request, delivery(defaultTimeoutMs))
        .recover(QueryClient::asServiceException)
        .map(reply -> reply.body().getJsonArray("results"));
  }

  private static JsonObject request(String operation, String sql, Object params) {
    JsonObject request = new JsonObject().put("operation", operation).put("sql", sql);
    if (params != null) {
      request.put("params", params);
    }
    return request;
  }

  private static DeliveryOptions delivery(long timeoutMs) {
    return new DeliveryOptions().setSendTimeout(timeoutMs + REPLY_MARGIN_MS);
  }

  /** Turns event-bus failures into the design's failure codes. */
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
