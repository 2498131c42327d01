package io.consolidb.query;

import io.vertx.core.VertxException;

/**
 * A query failure already translated to a {@link io.consolidb.FailureCodes} code and a message
 * that is safe to show a client (no SQL text, no parameter values). {@code transientFailure}
 * marks what a retry may cure. No stack trace: it is an outcome, not a bug.
 */
final class QueryFailure extends VertxException {

  private final int code;
  private final boolean transientFailure;

  QueryFailure(int code, String message, boolean transientFailure) {
    super(message, true);
    this.code = code;
    this.transientFailure = transientFailure;
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
}
