package io.consolidb.service;

import io.consolidb.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The moment a caller stops waiting for a call, carried with it: a member that was frozen (GC
 * pause, SIGSTOP, a VM migrated) and wakes up with calls queued must not serve them as if new.
 * Their callers have already been told "timed out"; a write served now would change data behind a
 * caller that may have retried it elsewhere. Every proxy call ({@link InProcessServices#eventBusProxy})
 * carries {@value #HEADER}: the caller's clock when it sent it plus its send timeout; the service's
 * interceptor refuses a call past it with 504 and never runs it.
 *
 * <p>Clocks: the deadline is compared with the serving member's clock; members are expected to
 * run NTP. {@link #SKEW_ALLOWANCE_MS} is added so that a small skew never refuses a call that is
 * still awaited.
 */
public final class CallDeadline {

  /** Epoch milliseconds after which the caller no longer waits for the reply. */
  public static final String HEADER = "consolidb-deadline";
  /** Clocks of members may disagree by this much before a live call could be refused. */
  static final long SKEW_ALLOWANCE_MS = 1000;
  private static final Logger LOG = LoggerFactory.getLogger(CallDeadline.class);

  private CallDeadline() {
  }

  /** The header's value for a call sent now with {@code timeoutMs}. */
  static String at(long timeoutMs) {
    return Long.toString(System.currentTimeMillis() + timeoutMs);
  }

  /**
   * Refuses a call whose caller has stopped waiting (504, not served); a call without the header
   * (an older client) is served.
   */
  public static ServiceInterceptor serviceInterceptor() {
    return (vertx, context, message) -> {
      long late = lateBy(message, System.currentTimeMillis());
      if (late <= 0) {
        return Future.succeededFuture(message);
      }
      LOG.warn("service: refused {} {}: its caller stopped waiting {} ms ago (this member was frozen or far behind)",
          message.address(), message.headers().get("action"), late);
      return Future.failedFuture(new ServiceException(FailureCodes.TIMED_OUT,
          "the call expired before it was served: its caller stopped waiting " + late + " ms ago"));
    };
  }

  /** How many ms past its deadline (and the skew allowance) {@code message} is; 0 or less: in time. */
  static long lateBy(Message<JsonObject> message, long now) {
    String deadline = message.headers().get(HEADER);
    if (deadline == null) {
      return 0;
    }
    try {
      return now - Long.parseLong(deadline) - SKEW_ALLOWANCE_MS;
    } catch (NumberFormatException e) {
      return 0; // not ours to judge: served as if it had none
    }
  }
}
