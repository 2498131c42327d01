package io.consolidb.query;

import io.consolidb.FailureCodes;
import io.consolidb.cache.Invalidation;
import io.consolidb.cache.NodeCache;
import io.consolidb.config.DatabaseSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the functions of {@link Transactions#run}: each attempt on a {@link ConnectionTask} (so the
 * deadline covers the wait for a connection, and a timed-out attempt's connection is cancelled and
 * closed, which rolls it back on the server, even when the function never completes), BEGIN with
 * the options' isolation, the function, then COMMIT, or ROLLBACK on any failure. A 40001 or 40P01
 * reruns the whole function on a fresh transaction when the options allow it, with the executor's
 * jittered backoff, within the one deadline. Confined to the query verticle's event loop.
 */
final class TransactionRunner {

  private static final Logger LOG = LoggerFactory.getLogger(TransactionRunner.class);

  private final Vertx vertx;
  private final Context loop;
  private final Thread loopThread;
  private final Pool pool;
  private final PoolState state;
  private final DatabaseSettings settings;
  private final long cancelGraceMs;
  private final DatabaseBreaker breaker;
  private final QueryMetrics metrics;
  private final IntToLongFunction backoffMs;
  /** With read replicas: each commit also answers the WAL position it reached (read-your-writes). */
  private final boolean answersLsn;
  private final Statements statements = new Statements();

  TransactionRunner(Vertx vertx, Pool pool, PoolState state, DatabaseSettings settings, long cancelGraceMs,
      DatabaseBreaker breaker, QueryMetrics metrics, IntToLongFunction backoffMs, boolean answersLsn) {
    this.vertx = vertx;
    this.loop = vertx.getOrCreateContext();
    this.loopThread = Thread.currentThread();
    this.pool = pool;
    this.state = state;
    this.settings = settings;
    this.cancelGraceMs = cancelGraceMs;
    this.breaker = breaker;
    this.metrics = metrics;
    this.backoffMs = backoffMs;
    this.answersLsn = answersLsn;
  }

  /**
   * Starts a run on the event loop; the future completes there. With read replicas, {@code lsn[0]}
   * holds the committed run's WAL position by then (null without replicas, or when it could not be read).
   */
  <T> Future<T> run(TxOptions options, Function<TxContext, Future<T>> work, NodeCache cache, String[] lsn) {
    Promise<T> result = Promise.promise();
    loop.runOnContext(v -> {
      long timeoutMs = options.timeoutMs() == 0 ? settings.txTimeoutMs()
          : Math.min(options.timeoutMs(), settings.txTimeoutMs());
      long started = System.nanoTime();
      attempt(1, options, work, cache, started + TimeUnit.MILLISECONDS.toNanos(timeoutMs), lsn, result);
      result.future().onComplete(done -> {
        if (done.succeeded() || done.cause() instanceof ServiceException) { // not the function's own failure
          metrics.record(options.operation(), System.nanoTime() - started,
              done.succeeded() ? 0 : ((ServiceException) done.cause()).failureCode(),
              done.succeeded() ? null : done.cause().getMessage(), () -> "transaction " + options.operation(), null);
        }
      });
    });
    return result.future();
  }

  private <T> void attempt(int number, TxOptions options, Function<TxContext, Future<T>> work, NodeCache cache,
      long deadlineNanos, String[] lsn, Promise<T> result) {
    QueryFailure refused = breaker.refusal();
    if (refused != null) {
      result.fail(TxContext.asServiceException(refused)); // open: no I/O, and no retry (its trial is the retry)
      return;
    }
    long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    ConnectionTask<T> task = new ConnectionTask<>(vertx, pool, state, remainingMs, cancelGraceMs);
    TxContext[] context = new TxContext[1];
    task.closingAtOnceWhen(() -> context[0] != null && context[0].idle()).run(conn -> {
      context[0] = new TxContext(loop, loopThread, conn, statements, task::timedOut, number);
      return inTransaction(conn, options, work, context[0], lsn);
    }).onComplete(done -> {
      TxContext tx = context[0];
      if (done.succeeded()) {
        breaker.succeeded();
        invalidate(cache, tx.invalidations()).onComplete(v -> result.complete(done.result()));
        return;
      }
      Throwable failure = done.cause();
      if (tx != null && tx.commitOutcomeUnknown()) {
        // the COMMIT went out and no answer came back: it may have committed, so its entries go
        invalidate(cache, tx.invalidations());
      }
      if (failure instanceof QueryFailure query) {
        breaker.failed(query); // only a failure to reach the database counts
      }
      if (tx != null && tx.retryable() && !tx.commitOutcomeUnknown() && number <= options.retries()) {
        long delay = backoffMs.applyAsLong(number);
        if (TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()) > delay) {
          LOG.debug("transaction [{}] attempt {} lost a race ({}), running it again in {} ms", options.operation(),
              number, failure.getMessage(), delay);
          vertx.setTimer(Math.max(1, delay),
              id -> attempt(number + 1, options, work, cache, deadlineNanos, lsn, result));
          return;
        }
      }
      result.fail(failure instanceof QueryFailure query ? TxContext.asServiceException(query) : failure);
    });
  }

  /**
   * BEGIN, the function, COMMIT; ROLLBACK when the function fails or left the transaction
   * aborted. Once the deadline has passed nothing commits: the caller has been told it failed, and
   * the {@link ConnectionTask} closes the connection, which rolls back on the server.
   */
  private <T> Future<T> inTransaction(SqlConnection conn, TxOptions options, Function<TxContext, Future<T>> work,
      TxContext tx, String[] lsn) {
    return conn.query(options.beginSql()).execute()
        // mapped here, so that a database failure is never mistaken for one of the function's own
        .recover(failure -> Future.failedFuture(SqlFailures.execution(failure)))
        .compose(begun -> runFunction(conn, work, tx, lsn));
  }

  /**
   * The function, then COMMIT when it succeeded and left the transaction usable, else ROLLBACK.
   * With replicas, {@code pg_current_wal_insert_lsn()} goes right behind the COMMIT, on the same
   * connection (as {@link QueryExecutor} does for a write).
   */
  private <T> Future<T> runFunction(SqlConnection conn, Function<TxContext, Future<T>> work, TxContext tx,
      String[] lsn) {
    Future<T> ran;
    tx.functionRunning(true);
    try {
      ran = work.apply(tx);
      if (ran == null) {
        ran = Future.failedFuture(new IllegalStateException("the transaction's function returned null"));
      }
    } catch (RuntimeException e) {
      ran = Future.failedFuture(e);
    }
    return ran.transform(done -> {
      tx.functionRunning(false);
      tx.end();
      if (tx.aborted() == null && done.succeeded() && !tx.expired()) {
        tx.committing();
        Future<RowSet<Row>> commit = conn.query("COMMIT").execute();
        Future<RowSet<Row>> position = answersLsn && lsn != null
            ? conn.query(QueryExecutor.INSERT_LSN).execute() : Future.succeededFuture();
        // both answered before the connection goes back, whatever the COMMIT's outcome
        return commit.transform(committed -> position.transform(read -> {
          if (committed.succeeded()) {
            if (answersLsn && lsn != null) {
              lsn[0] = read.succeeded() ? read.result().iterator().next().getString(0) : null;
            }
            return Future.succeededFuture(done.result());
          }
          tx.commitFailed(committed.cause());
          return Future.failedFuture(SqlFailures.execution(committed.cause()));
        }));
      }
      Throwable failure = done.failed() ? done.cause()
          : tx.aborted() != null ? tx.aborted() : FailureCodes.timedOut("transaction timed out");
      return conn.query("ROLLBACK").execute().transform(rolledBack -> Future.<T>failedFuture(failure));
    });
  }

  private static Future<Void> invalidate(NodeCache cache, List<Invalidation> invalidations) {
    if (cache == null || invalidations.isEmpty()) {
      return Future.succeededFuture();
    }
    return Future.join(invalidations.stream().map(cache::invalidate).toList()).mapEmpty();
  }
}
