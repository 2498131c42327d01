package io.consolidb.query;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

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

  /** Runs a statement that may write; never retried. */
  public Future<QueryResult> write(String operation, String sql, Object params) {
    return query(request(operation, sql, params).put("readOnly", false));
  }

  /**
   * Sends a full request: {@code {sql, params, operation?, timeoutMs?, readOnly?, cache?}} as the
   * design's contract describes.
   */
  public Future<QueryResult> query(JsonObject request) {
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
