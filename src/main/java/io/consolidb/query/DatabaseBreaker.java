package io.consolidb.query;

import static io.consolidb.FailureCodes.UNAVAILABLE;

import io.consolidb.config.SecretMasker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker around PostgreSQL: after {@code threshold} consecutive attempts that could
 * not reach the database ({@link QueryFailure#unreachable()}: refused, connect timeout, sessions
 * refused), every request fails at once with 503 and a retry hint, without any I/O, instead of
 * each one paying the connect attempts, retries and backoff of its own.
 * <ul>
 *   <li>CLOSED: requests go ahead; a success resets the count. Statement errors, timeouts and a
 *       full pool neither count nor reset: the first two are the statement's own (a lock wait
 *       must not fail the other routes), the last is load.</li>
 *   <li>OPEN: requests are refused; after {@code openMs} a background trial opens a fresh
 *       connection and runs {@code SELECT 1} within its timeout.</li>
 *   <li>HALF_OPEN: the trial is in flight; requests are still refused (the trial is the only
 *       probe, so a recovering server is not met by the whole backlog at once). Success closes
 *       the breaker; failure opens it for another {@code openMs}.</li>
 * </ul>
 * Written here rather than taken from vertx-circuit-breaker: its half-open state lets the next
 * caller's own operation through as the trial (here a request may be a long report, a write, or
 * one of many queued behind it), it does not tell a refused caller when the next trial is due
 * (the {@code Retry-After} we answer), and it wraps every call in a promise of its own, where
 * this costs one field read on the hot path.
 *
 * <p>Owned by the query verticle's event loop, where it is built: state changes happen there.
 * {@link LookupLanes} use it from their callers' event loops: {@link #refusal} reads one volatile
 * field, and {@link #succeeded} and {@link #failed} called elsewhere hand the change to the owner
 * (only when there is one to make, so a success on a lane costs a volatile read).
 */
final class DatabaseBreaker {

  private static final Logger LOG = LoggerFactory.getLogger(DatabaseBreaker.class);

  /** Where the breaker stands; {@link #label} is how health and metrics name it. */
  enum State {
    CLOSED("closed"), OPEN("open"), HALF_OPEN("half_open");

    final String label;

    State(String label) {
      this.label = label;
    }
  }

  private final Vertx vertx;
  private final int threshold;
  private final long openMs;
  private final Supplier<Future<?>> trial;
  private final QueryMetrics metrics;
  private final ContextInternal owner;
  private volatile State state = State.CLOSED;
  private volatile int consecutiveFailures;
  private long openings;
  /** When the current trial is due (OPEN) or was started (HALF_OPEN), in nanoTime. */
  private volatile long nextTrialNanos;
  private long openedAtMillis;
  private long timer = -1;
  private boolean stopped;

  /**
   * @param threshold consecutive unreachable attempts that open it; 0 = never opens
   * @param trial the background trial (a fresh connection and {@code SELECT 1}, bounded by its
   *     own timeout); succeeds when the database answers
   */
  DatabaseBreaker(Vertx vertx, int threshold, long openMs, Supplier<Future<?>> trial, QueryMetrics metrics) {
    this.vertx = vertx;
    this.threshold = threshold;
    this.openMs = openMs;
    this.trial = trial;
    this.metrics = metrics;
    this.owner = ((VertxInternal) vertx).getOrCreateContext();
  }

  /**
   * Null while requests may go ahead; else the failure to answer at once (503 with a retry hint,
   * marked unreachable: the request did not reach the database).
   */
  QueryFailure refusal() {
    if (state == State.CLOSED) {
      return null;
    }
    int retryAfter = retryAfterSeconds();
    return new QueryFailure(UNAVAILABLE, "database unavailable (circuit breaker open; next check in "
        + retryAfter + " s)", false, true, retryAfter);
  }

  /** An attempt reached the database and succeeded. */
  void succeeded() {
    if (consecutiveFailures == 0) {
      return;
    }
    if (onOwner()) {
      consecutiveFailures = 0;
    } else {
      owner.runOnContext(v -> consecutiveFailures = 0);
    }
  }

  /** An attempt failed; only failures to reach the database count. */
  void failed(QueryFailure failure) {
    if (threshold == 0 || state != State.CLOSED || !failure.unreachable()) {
      return;
    }
    if (!onOwner()) {
      owner.runOnContext(v -> failed(failure));
      return;
    }
    if (++consecutiveFailures >= threshold) {
      openings++;
      openedAtMillis = System.currentTimeMillis();
      LOG.warn("database circuit breaker open after {} consecutive failures to reach the database (last: {});"
          + " requests fail at once, next trial in {} ms", consecutiveFailures, failure.getMessage(), openMs);
      metrics.breakerOpened();
      open();
    }
  }

  private boolean onOwner() {
    return owner.nettyEventLoop().inEventLoop();
  }

  /** Seconds until the next trial can have closed the breaker: at least 1. */
  int retryAfterSeconds() {
    long remainingMs = state == State.OPEN ? TimeUnit.NANOSECONDS.toMillis(nextTrialNanos - System.nanoTime()) : 0;
    return (int) Math.max(1, (remainingMs + 999) / 1000);
  }

  State state() {
    return state;
  }

  /** {@code {state, consecutive_failures, openings, retry_after_seconds?, open_since_ms?}} for the pool state. */
  JsonObject toJson() {
    JsonObject json = new JsonObject().put("state", state.label).put("enabled", threshold > 0)
        .put("consecutive_failures", consecutiveFailures).put("openings", openings);
    if (state != State.CLOSED) {
      json.put("retry_after_seconds", retryAfterSeconds())
          .put("open_for_ms", System.currentTimeMillis() - openedAtMillis);
    }
    return json;
  }

  /** Cancels the pending trial: the verticle is stopping. */
  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  private void open() {
    nextTrialNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(openMs); // before the state: lanes read both
    transition(State.OPEN);
    if (!stopped) {
      timer = vertx.setTimer(openMs, id -> runTrial());
    }
  }

  private void runTrial() {
    if (stopped) {
      return;
    }
    transition(State.HALF_OPEN);
    Future<?> running;
    try {
      running = trial.get();
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    running.onComplete(done -> {
      if (stopped) {
        return;
      }
      if (done.succeeded()) {
        consecutiveFailures = 0;
        transition(State.CLOSED);
        LOG.info("database circuit breaker closed: the database answered a trial after {} ms",
            System.currentTimeMillis() - openedAtMillis);
      } else {
        LOG.debug("database circuit breaker: trial failed ({}), next in {} ms",
            SecretMasker.maskText(String.valueOf(done.cause().getMessage())), openMs);
        open();
      }
    });
  }

  private void transition(State next) {
    state = next;
    metrics.breakerState(next.ordinal());
  }
}
