package io.consolidb.query;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one unit of work on one pooled connection under a deadline, and makes sure the connection
 * is free again whatever happens: a caller-side timeout alone would leave the statement running
 * and the connection busy (measured on 5.0.7).
 *
 * <p>When the deadline fires the caller is answered at once (504), then:
 * <ol>
 *   <li>still waiting for a connection: the connection, when it comes, goes straight back (no
 *       statement ran on it);</li>
 *   <li>holding one: {@link PgConnection#cancelRequest()} asks the server to abort the statement
 *       (it fails with 57014); once the work has ended, or after {@code graceMs} if it does not
 *       (server hung, network partition), the physical connection is closed and the pool opens a
 *       fresh one on demand.</li>
 * </ol>
 * A cancelled connection is never handed to another borrower: PostgreSQL signals a cancelled
 * backend twice (the process and its process group), and when the second signal lands after the
 * first has already ended the statement it cancels whatever runs next on that backend. Measured
 * here: with connections returned to the pool, an unrelated query that borrowed one a few
 * milliseconds later failed with 57014. pgjdbc avoids this by waiting for the server to close the
 * cancel socket; the Vert.x client closes it itself, so we cannot know when both signals are out.
 * Closing costs one reconnect per timed-out statement.
 *
 * <p>A connection idle longer than {@code DB_POOL_VALIDATE_IDLE_MS} is checked first
 * ({@link IdleValidation}); one that fails is closed and another acquired under the same deadline.
 *
 * <p>Confined to the query verticle's event loop, like the counters it updates.
 */
final class ConnectionTask<T> {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionTask.class);
  private static final Handler<Throwable> IGNORE = failure -> LOG.debug("connection failed: {}", failure.toString());

  private final Vertx vertx;
  private final Pool pool;
  private final PoolState state;
  private final long timeoutMs;
  private final long graceMs;
  private final Promise<T> result = Promise.promise();

  private Function<SqlConnection, Future<T>> work;
  /** True while nothing is running on the connection although the work is not done (a transaction's function). */
  private BooleanSupplier idle = () -> false;

  private long deadlineTimer = -1;
  private long graceTimer = -1;
  private SqlConnection connection;
  private boolean timedOut;
  private boolean discarded;
  private boolean released;

  ConnectionTask(Vertx vertx, Pool pool, PoolState state, long timeoutMs, long graceMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.state = state;
    this.timeoutMs = timeoutMs;
    this.graceMs = graceMs;
  }

  /**
   * Acquires a connection, runs {@code work} on it and releases it. Waiting and deadline failures
   * arrive as {@link QueryFailure} (mapped here, where the phase is known); a failure of the work
   * itself arrives as it is.
   */
  Future<T> run(Function<SqlConnection, Future<T>> work) {
    this.work = work;
    state.waiting++;
    deadlineTimer = vertx.setTimer(timeoutMs, id -> onDeadline());
    pool.getConnection().onComplete(this::onAcquired);
    return result.future();
  }

  /**
   * Lets the deadline close the connection at once when {@code idle} says no statement runs on it
   * (a transaction's function busy elsewhere, or never completing): there is nothing to cancel,
   * and closing rolls back whatever the work left open.
   */
  ConnectionTask<T> closingAtOnceWhen(BooleanSupplier idle) {
    this.idle = idle;
    return this;
  }

  /** True once the deadline has passed: the caller has its answer, nothing more may commit. */
  boolean timedOut() {
    return timedOut;
  }

  private void onAcquired(AsyncResult<SqlConnection> acquired) {
    state.waiting--;
    if (acquired.failed()) {
      if (!timedOut) {
        vertx.cancelTimer(deadlineTimer);
        result.fail(SqlFailures.acquire(acquired.cause(), state.acquireTimeoutMs));
      }
      return;
    }
    connection = acquired.result();
    state.active++;
    if (timedOut) {
      release();
      return;
    }
    // without a handler the client prints a reset connection's stack trace to stderr
    connection.exceptionHandler(IGNORE);
    state.idle.check(connection).onComplete(this::onChecked);
  }

  /**
   * A connection that failed its idle check (see {@link IdleValidation}) is closed and another
   * one acquired, within the same deadline: new connections reach the server even when the old
   * ones' path is dead.
   */
  private void onChecked(AsyncResult<Void> checked) {
    if (timedOut) { // the deadline's cancel request went to this connection: never reuse it
      vertx.cancelTimer(graceTimer);
      discard();
      return;
    }
    if (checked.failed()) {
      LOG.debug("closing a pooled connection: {}", checked.cause().getMessage());
      retire(connection);
      connection = null;
      state.waiting++;
      pool.getConnection().onComplete(this::onAcquired);
      return;
    }
    Future<T> running;
    try {
      running = work.apply(connection);
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    running.onComplete(this::onWorkDone);
  }

  private void onWorkDone(AsyncResult<T> done) {
    if (timedOut) {
      vertx.cancelTimer(graceTimer);
      discard();
      return;
    }
    vertx.cancelTimer(deadlineTimer);
    release();
    if (done.succeeded()) {
      result.complete(done.result());
    } else {
      result.fail(done.cause());
    }
  }

  private void onDeadline() {
    timedOut = true;
    if (connection == null) {
      result.fail(SqlFailures.timedOutWaiting(timeoutMs));
      return;
    }
    result.fail(SqlFailures.timedOut(timeoutMs));
    if (idle.getAsBoolean()) {
      LOG.debug("work still running at its deadline with no statement in flight: closing its connection");
      discard();
      return;
    }
    ((PgConnection) connection).cancelRequest();
    graceTimer = vertx.setTimer(graceMs, id -> {
      LOG.warn("a timed-out statement did not stop within {} ms of its cancel request: closing its connection",
          graceMs);
      discard();
    });
  }

  /**
   * Closes the physical connection, then releases the lease once the pool has removed it, so no
   * waiter can be handed the dying connection. If the work is still running, the close fails it.
   */
  private void discard() {
    if (discarded || released) {
      return;
    }
    discarded = true;
    released = true;
    retire(connection);
  }

  /** Closes the physical connection under {@code dead} and ends its lease once the pool has removed it. */
  private void retire(SqlConnection dead) {
    boolean[] ended = {false};
    Runnable end = () -> {
      if (!ended[0]) {
        ended[0] = true;
        state.active--;
        dead.close();
      }
    };
    if (!SqlClientInternals.open(dead)) {
      end.run(); // already closed: the pool removed it when it closed
      return;
    }
    // the close handler runs before the pool removes the connection: release one turn later
    dead.closeHandler(closed -> vertx.runOnContext(next -> end.run()));
    // close() on a pooled connection would only return it to the pool, and a close command
    // would queue behind the running statement: close the socket itself
    if (!SqlClientInternals.closeSocket(dead)) {
      end.run();
    }
  }

  private void release() {
    if (released) {
      return;
    }
    released = true;
    state.active--;
    state.idle.alive(connection);
    connection.close();
  }
}
