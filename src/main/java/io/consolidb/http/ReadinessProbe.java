package io.consolidb.http;

import io.consolidb.FailureCodes;
import io.consolidb.query.QueryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Answers "can this node serve queries?" with {@code SELECT 1} through the query verticle.
 *
 * <p>A placeholder until the health verticle lands. It does not pile up: at most one check is in
 * flight, concurrent probes share it, and a result younger than {@link #REUSE_MS} is reused, so a
 * burst of probes (or a slow database) costs one query per second at most. Not thread-safe: used
 * from the HTTP verticle's own context only.
 */
final class ReadinessProbe {

  /** How long the query may take before the node reports not ready. */
  static final long CHECK_TIMEOUT_MS = 1000;
  /** How long a result is reused. */
  static final long REUSE_MS = 1000;
  /** Caller-side bound on a check, beyond the query's own timeout (which frees the connection). */
  private static final long GUARD_MS = CHECK_TIMEOUT_MS + 250;

  private final QueryClient queries;
  private final LongSupplier clock;
  private Future<Result> inFlight;
  private Result last;

  ReadinessProbe(QueryClient queries, LongSupplier clock) {
    this.queries = queries;
    this.clock = clock;
  }

  /** Ready or not, with the reason when not. */
  record Result(boolean ready, String reason, long checkedAtMs) {

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("status", ready ? "UP" : "DOWN");
      return ready ? json : json.put("reason", reason);
    }
  }

  Future<Result> check() {
    long now = clock.getAsLong();
    if (last != null && now - last.checkedAtMs() < REUSE_MS) {
      return Future.succeededFuture(last);
    }
    if (inFlight != null) {
      return inFlight;
    }
    JsonObject request = new JsonObject()
        .put("operation", "health.ready")
        .put("sql", "SELECT 1")
        .put("readOnly", true)
        .put("timeoutMs", CHECK_TIMEOUT_MS);
    Future<Result> check = queries.query(request)
        .timeout(GUARD_MS, TimeUnit.MILLISECONDS)
        .map(result -> new Result(true, null, clock.getAsLong()))
        .otherwise(failure -> new Result(false, reason(failure), clock.getAsLong()))
        .andThen(done -> {
          last = done.result();
          inFlight = null;
        });
    // A check that completed at once has already cleared inFlight: do not set it after the fact.
    if (!check.isComplete()) {
      inFlight = check;
    }
    return check;
  }

  /** Fixed texts: the query layer's messages may name hosts and ports. */
  private static String reason(Throwable failure) {
    int code = failure instanceof ServiceException e ? e.failureCode() : FailureCodes.TIMED_OUT;
    return switch (code) {
      case FailureCodes.TIMED_OUT -> "the database did not answer within " + CHECK_TIMEOUT_MS + " ms";
      case FailureCodes.BUSY -> "the database connection pool is saturated";
      case FailureCodes.UNAVAILABLE -> "the database is unavailable";
      default -> "the database check failed";
    };
  }
}
