package io.consolidb.service;

import io.consolidb.FailureCodes;
import io.vertx.core.Future;
import io.vertx.serviceproxy.ServiceException;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * How a service's methods fail, in one place for the restaurant, user and analytics services:
 * a method body that throws becomes a failed future (an exception escaping a service method would
 * reach the caller as code 500), and a query-layer failure keeps its {@link FailureCodes} code but
 * gets a message of the service's own (the database's text may quote SQL or stored values, and
 * callers — HTTP clients among them — see this message). Logs name the operation and the failure's
 * class, never the database's text: it may hold values (e-mail addresses among them).
 */
public final class ServiceFailures {

  private final String service;
  private final Logger log;
  private final String invalidMessage;
  private final String conflictMessage;

  /**
   * @param service         as logs and messages name it, e.g. {@code "user service"}
   * @param invalidMessage  for a 400 from the database (validation should have caught it first)
   * @param conflictMessage for a 409 when the call gives none of its own
   */
  public ServiceFailures(String service, Logger log, String invalidMessage, String conflictMessage) {
    this.service = service;
    this.log = log;
    this.invalidMessage = invalidMessage;
    this.conflictMessage = conflictMessage;
  }

  /** Runs a method body; a {@link ServiceException} it throws fails the future, any other exception too, as -1. */
  public <T> Future<T> guarded(String method, Supplier<Future<T>> body) {
    try {
      return body.get();
    } catch (ServiceException e) {
      return Future.failedFuture(e);
    } catch (RuntimeException e) {
      log.error("{}: unexpected failure in {}", service, method, e);
      return Future.failedFuture(new ServiceException(-1, "unexpected failure in the " + service));
    }
  }

  /** A query-layer failure of {@code operation} with the service's message for its code. */
  public <T> Future<T> fromQuery(String operation, Throwable failure) {
    return fromQuery(operation, failure, null);
  }

  /** As {@link #fromQuery(String, Throwable)}, with this call's message for a 409 (null: the default). */
  public <T> Future<T> fromQuery(String operation, Throwable failure, String conflict) {
    int code = failure instanceof ServiceException e ? e.failureCode() : -1;
    String message = switch (code) {
      case FailureCodes.INVALID_INPUT -> invalidMessage;
      case FailureCodes.NOT_FOUND -> "not found";
      case FailureCodes.CONFLICT -> conflict != null ? conflict : conflictMessage;
      case FailureCodes.KEY_REUSED -> failure.getMessage(); // written by the idempotency package, never the database
      case FailureCodes.BUSY -> "the database is busy, retry shortly";
      case FailureCodes.UNAVAILABLE -> "the database is unavailable";
      case FailureCodes.TIMED_OUT -> "the database did not answer in time";
      default -> null;
    };
    if (code == FailureCodes.INVALID_INPUT) {
      log.warn("{}: {} refused by the database (validation should have caught it)", service, operation);
    }
    if (message == null) {
      log.error("{}: {} failed unexpectedly ({})", service, operation,
          failure == null ? "no cause" : failure.getClass().getSimpleName());
      return Future.failedFuture(new ServiceException(-1, "unexpected failure in the " + service));
    }
    // the breaker's hint (when the next trial is due) is kept: HTTP answers it as Retry-After
    return Future.failedFuture(FailureCodes.withRetryAfter(code, message, FailureCodes.retryAfterSeconds(failure)));
  }
}
