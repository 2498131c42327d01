package io.consolidb.query;

import io.consolidb.FailureCodes;
import io.consolidb.cache.NodeCache;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Objects;
import java.util.function.Function;

/**
 * Transactions as code, for verticles deployed on a consolidb node: read, decide, write, on one
 * pooled connection, with the timeouts, failure codes and cache invalidation of
 * {@code consolidb.db.query}. Get it from {@code ConsolidbNode.transactions()}.
 *
 * <pre>{@code
 * transactions.run(TxOptions.defaults().withIsolation(SERIALIZABLE).withRetries(10), tx -> {
 *   tx.invalidateTags("counters"); // applied after COMMIT only
 *   return tx.query("SELECT n FROM counters WHERE id = $1", new JsonArray().add(id))
 *       .compose(read -> tx.query("UPDATE counters SET n = $1 WHERE id = $2",
 *           new JsonArray().add(read.firstRow().getLong("n") + 1).add(id)));
 * });
 * }</pre>
 *
 * <p>The function's future decides: success commits, failure (or a statement failure it did not
 * undo with {@link TxContext#rollbackTo}) rolls back, and the run fails with it. Past the timeout
 * the caller gets 504 at once and the connection is cancelled and closed, which rolls the
 * transaction back, even if the function's future never completes. Database failures are
 * {@code ServiceException}s with the codes of {@code db.query} (400, 409, 429, 503, 504); a failure
 * of the function's own arrives as it is.
 *
 * <p>In-process only, on purpose: over the event bus {@code consolidb.db.tx} stays a batch, since a
 * remote interactive transaction would pin a pooled connection (and its locks) to a caller that may
 * vanish between two messages.
 */
public final class Transactions {

  private final NodeCache cache;
  private volatile TransactionRunner runner;

  /** @param cache the node's cache, for the invalidations of committed runs; null when the node does not cache */
  public Transactions(NodeCache cache) {
    this.cache = cache;
  }

  /** {@link #run(TxOptions, Function)} with {@link TxOptions#defaults()}. */
  public <T> Future<T> run(Function<TxContext, Future<T>> work) {
    return run(TxOptions.defaults(), work);
  }

  /**
   * Runs {@code work} in a transaction; the future completes on the caller's context (when it has
   * one). With {@link TxOptions#retries()} the function may run more than once: it must be safe to
   * repeat apart from its statements.
   */
  public <T> Future<T> run(TxOptions options, Function<TxContext, Future<T>> work) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(work, "work");
    TransactionRunner current = runner;
    if (current == null) {
      return Future.failedFuture(FailureCodes.unavailable("the query service is not running"));
    }
    // an HTTP request's positions, if the caller runs on one: its answer carries the commit's LSN
    ReadYourWrites.Positions positions = ReadYourWrites.current();
    String[] lsn = {null};
    Future<T> ran = current.run(options, work, cache, lsn);
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return ran;
    }
    Promise<T> answer = Promise.promise();
    ran.onComplete(done -> caller.runOnContext(v -> {
      if (done.succeeded()) {
        ReadYourWrites.wrote(positions, lsn[0]);
      }
      answer.handle(done);
    }));
    return answer.future();
  }

  /** The query verticle started (called on its event loop). */
  void bind(TransactionRunner started) {
    runner = started;
  }

  /** The query verticle stopped: runs fail with 503 from now on. */
  void unbind() {
    runner = null;
  }
}
