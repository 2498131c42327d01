package io.consolidb.query;

import io.consolidb.FailureCodes;
import io.consolidb.cache.Invalidation;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One attempt of a {@link Transactions#run} function: its statements run on one connection, inside
 * one transaction. Failures arrive as {@link ServiceException}s carrying the {@link FailureCodes}
 * of {@code consolidb.db.query}. Any thread may call it; the work runs on the query verticle's
 * event loop, where the returned futures complete (never block in their callbacks).
 *
 * <p>A failed statement leaves the transaction aborted, as PostgreSQL does: only
 * {@link #rollbackTo} a savepoint taken before it revives it; otherwise the attempt rolls back even
 * if the function recovers from the failure and succeeds (PostgreSQL would silently turn its
 * COMMIT into a ROLLBACK; here the caller is told).
 */
public final class TxContext {

  private static final Pattern SAVEPOINT = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final Context loop;
  private final Thread loopThread;
  private final SqlConnection conn;
  private final Statements statements;
  private final BooleanSupplier expired;
  private final int attempt;
  private final List<Invalidation> invalidations = new ArrayList<>();
  /** The failure that aborted the transaction, until a rollbackTo revives it. */
  private ServiceException aborted;
  /** A statement failed with 40001 or 40P01 during this attempt: the run may be retried. */
  private boolean retryable;
  private boolean ended;
  private boolean commitSent;
  /** The function is running (between BEGIN and its future's completion). */
  private boolean functionRunning;
  /** Statements of the function sent and not answered yet. */
  private int inFlight;
  private boolean commitRefused;

  TxContext(Context loop, Thread loopThread, SqlConnection conn, Statements statements, BooleanSupplier expired,
      int attempt) {
    this.loop = loop;
    this.loopThread = loopThread;
    this.conn = conn;
    this.statements = statements;
    this.expired = expired;
    this.attempt = attempt;
  }

  /** Which run of the function this is: 1, then 2… after a retried serialization failure or deadlock. */
  public int attempt() {
    return attempt;
  }

  /**
   * Runs a statement in the transaction. {@code params} as in {@code consolidb.db.query}: a
   * {@link JsonArray} for {@code $1…}, a {@link JsonObject} for {@code :name}, or null.
   */
  public Future<QueryResult> query(String sql, Object params) {
    return onLoop(() -> {
      Statements.Statement statement;
      try {
        JsonObject json = new JsonObject().put("sql", sql);
        if (params != null) {
          json.put("params", params);
        }
        statement = statements.parse(json, "");
      } catch (QueryFailure invalid) {
        return Future.failedFuture(asServiceException(invalid));
      }
      long started = System.nanoTime();
      return usable().compose(v -> {
        inFlight++;
        return conn.preparedQuery(statement.pgSql()).execute(statement.args()).andThen(ran -> inFlight--);
      }).transform(done -> {
        if (done.succeeded()) {
          return Future.succeededFuture(new QueryResult(RowMapper.rows(done.result()), done.result().rowCount(),
              false, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        }
        return Future.failedFuture(failed(done.cause(), statement.names()));
      });
    });
  }

  /** {@code SAVEPOINT name}; {@code name} is a lower-case SQL identifier. */
  public Future<Void> savepoint(String name) {
    return control("SAVEPOINT ", name, false);
  }

  /**
   * {@code ROLLBACK TO SAVEPOINT name}: undoes what ran since the savepoint, keeps what ran before,
   * and revives a transaction a failed statement had aborted.
   */
  public Future<Void> rollbackTo(String name) {
    return control("ROLLBACK TO SAVEPOINT ", name, true);
  }

  /**
   * Drops what {@code invalidation} names from the node's cache (both tiers, every node) once the
   * transaction has committed, before {@link Transactions#run} completes; never after a rollback.
   */
  public void invalidate(Invalidation invalidation) {
    onLoop(() -> {
      invalidations.add(invalidation);
      return Future.succeededFuture();
    });
  }

  /** {@link #invalidate} of cache tags (a table's tag is its name: the table-change notifications use it). */
  public void invalidateTags(String... tags) {
    invalidate(Invalidation.ofTags(List.of(tags)));
  }

  List<Invalidation> invalidations() {
    return invalidations;
  }

  boolean retryable() {
    return retryable;
  }

  /** The failure that left the transaction aborted, or null when it may commit. */
  ServiceException aborted() {
    return aborted;
  }

  /** No statement may run any more: the attempt is committing, rolling back or over. */
  void end() {
    ended = true;
  }

  void functionRunning(boolean running) {
    functionRunning = running;
  }

  /** Nothing runs on the connection while the function works elsewhere: a deadline may close it at once. */
  boolean idle() {
    return functionRunning && inFlight == 0;
  }

  boolean expired() {
    return expired.getAsBoolean();
  }

  /** The COMMIT is about to be sent. */
  void committing() {
    commitSent = true;
  }

  /** Notes a failure of COMMIT itself (a serialization failure can surface there). */
  void commitFailed(Throwable failure) {
    noteRetryable(failure);
    commitRefused = failure instanceof PgException; // the server said no: nothing committed
  }

  /** The COMMIT went out and no answer from the server came back (lost connection, deadline). */
  boolean commitOutcomeUnknown() {
    return commitSent && !commitRefused;
  }

  private Future<Void> control(String command, String name, boolean revives) {
    return onLoop(() -> {
      if (name == null || !SAVEPOINT.matcher(name).matches()) {
        return Future.failedFuture(new ServiceException(FailureCodes.INVALID_INPUT,
            "a savepoint name is a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)"));
      }
      Future<Void> ran = (revives ? usableEvenIfAborted() : usable()).compose(v -> {
        inFlight++;
        return conn.query(command + name).execute().andThen(done -> inFlight--);
      }).mapEmpty();
      return ran.transform(done -> {
        if (done.failed()) {
          return Future.failedFuture(failed(done.cause(), null));
        }
        if (revives) {
          aborted = null;
        }
        return Future.succeededFuture();
      });
    });
  }

  private Future<Void> usable() {
    if (aborted != null) {
      return Future.failedFuture(new ServiceException(aborted.failureCode(),
          "the transaction is aborted by an earlier failure (" + aborted.getMessage()
              + "); roll back to a savepoint first"));
    }
    return usableEvenIfAborted();
  }

  private Future<Void> usableEvenIfAborted() {
    if (expired.getAsBoolean()) {
      return Future.failedFuture(FailureCodes.timedOut("transaction timed out"));
    }
    if (ended) {
      return Future.failedFuture(new ServiceException(FailureCodes.INVALID_INPUT,
          "the transaction has ended: its context cannot run statements any more"));
    }
    return Future.succeededFuture();
  }

  private ServiceException failed(Throwable cause, String[] names) {
    if (cause instanceof ServiceException refused) {
      return refused; // ours, before the statement ran: the transaction is unchanged
    }
    noteRetryable(cause);
    ServiceException failure = asServiceException(SqlFailures.execution(cause, names));
    if (aborted == null) {
      aborted = failure;
    }
    return failure;
  }

  private void noteRetryable(Throwable cause) {
    if (cause instanceof PgException pg && ("40001".equals(pg.getSqlState()) || "40P01".equals(pg.getSqlState()))) {
      retryable = true;
    }
  }

  static ServiceException asServiceException(QueryFailure failure) {
    return failure.retryAfterSeconds() > 0
        ? FailureCodes.withRetryAfter(failure.code(), failure.getMessage(), failure.retryAfterSeconds())
        : new ServiceException(failure.code(), failure.getMessage());
  }

  /** Runs {@code action} on the query verticle's event loop, where the connection and statements live. */
  private <R> Future<R> onLoop(Supplier<Future<R>> action) {
    if (Thread.currentThread() == loopThread) {
      return action.get();
    }
    Promise<R> promise = Promise.promise();
    loop.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }
}
