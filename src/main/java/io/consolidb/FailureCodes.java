package io.consolidb;

import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * Failure codes carried by {@link ServiceException} and event-bus replies. They mirror HTTP
 * statuses so the HTTP verticle maps them one to one; -1 and 500 are left to Vert.x, which uses
 * them for unexpected failures.
 */
public final class FailureCodes {

  public static final int INVALID_INPUT = 400;
  public static final int NOT_FOUND = 404;
  public static final int CONFLICT = 409;
  public static final int PAYLOAD_TOO_LARGE = 413;
  /** An idempotency key used again with a different request for the same operation. */
  public static final int KEY_REUSED = 422;
  public static final int BUSY = 429;
  public static final int UNAVAILABLE = 503;
  public static final int TIMED_OUT = 504;

  /**
   * Key of a failure's debug info ({@link ServiceException#getDebugInfo()}) holding the seconds after
   * which a retry may succeed: the database circuit breaker's next trial. HTTP answers it as
   * {@code Retry-After}.
   */
  public static final String RETRY_AFTER_SECONDS = "retryAfterSeconds";

  private FailureCodes() {
  }

  /** The retry hint {@code failure} carries (see {@link #RETRY_AFTER_SECONDS}), or 0. */
  public static int retryAfterSeconds(Throwable failure) {
    return failure instanceof ServiceException e && e.getDebugInfo() != null
        && e.getDebugInfo().getValue(RETRY_AFTER_SECONDS) instanceof Number n ? Math.max(0, n.intValue()) : 0;
  }

  /** {@code code} and {@code message} with the retry hint {@code retryAfterSeconds} (none when 0). */
  public static ServiceException withRetryAfter(int code, String message, int retryAfterSeconds) {
    return retryAfterSeconds > 0
        ? new ServiceException(code, message, new JsonObject().put(RETRY_AFTER_SECONDS, retryAfterSeconds))
        : new ServiceException(code, message);
  }

  public static ServiceException notFound(String message) {
    return new ServiceException(NOT_FOUND, message);
  }

  public static ServiceException unavailable(String message) {
    return new ServiceException(UNAVAILABLE, message);
  }

  public static ServiceException timedOut(String message) {
    return new ServiceException(TIMED_OUT, message);
  }

  /** True for codes that are ours (a domain outcome), false for Vert.x's own -1/500. */
  public static boolean isDomainCode(int code) {
    return code == INVALID_INPUT || code == NOT_FOUND || code == CONFLICT
        || code == PAYLOAD_TOO_LARGE || code == KEY_REUSED || code == BUSY || code == UNAVAILABLE || code == TIMED_OUT;
  }
}
