package io.consolidb.query;

import io.vertx.core.VertxException;

/**
 * A query failure already translated to a {@link io.consolidb.FailureCodes} code and a message
 * that is safe to show a client (no SQL text, no parameter values). {@code transientFailure}
 * marks what a retry may cure; {@code unreachable} marks a failure to reach the database at all
 * (a connection refused, the server refusing sessions, the breaker open), which is what the
 * {@link DatabaseBreaker} counts and, for a whole request, means nothing it asked can have happened; {@code retryAfterSeconds} (0: none) is the breaker's hint to the caller. No stack
 * trace: it is an outcome, not a bug.
 */
final class QueryFailure extends VertxException {

  private final int code;
  private final boolean transientFailure;
  private final boolean unreachable;
  private final int retryAfterSeconds;

  QueryFailure(int code, String message, boolean transientFailure, boolean unreachable, int retryAfterSeconds) {
    super(message, true);
    this.code = code;
    this.transientFailure = transientFailure;
    this.unreachable = unreachable;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  QueryFailure(int code, String message, boolean transientFailure) {
    this(code, message, transientFailure, false, 0);
  }

  QueryFailure(int code, String message) {
    this(code, message, false);
  }

  int code() {
    return code;
  }

  boolean isTransient() {
    return transientFailure;
  }

  /** True when the database could not be reached at all (not a statement's own failure). */
  boolean unreachable() {
    return unreachable;
  }

  /** Seconds after which a retry may find the database reachable again; 0 when there is no hint. */
  int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
