package io.consolidb;

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

  private FailureCodes() {
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
