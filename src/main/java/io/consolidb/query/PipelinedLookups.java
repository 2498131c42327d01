package io.consolidb.query;

import static io.consolidb.FailureCodes.UNAVAILABLE;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lookups (short reads a service marks as such: a row by its key) on a pipelined client of
 * their own: each of its few connections carries many statements in flight, where a pooled
 * connection carries one. On two cores this is what lets a lookup through the query verticle keep
 * up with PostgreSQL itself (docs/BENCHMARKS.md); the pool stays for everything else, so a long
 * report never queues in front of a lookup.
 *
 * <p>A pipelined statement has no connection of its own to cancel. The deadline answers the
 * caller (504). If, in addition, the client has finished nothing since that statement was sent,
 * a connection is stuck (a hung server or network) with the rest of the pipeline behind it: the
 * client is replaced. New lookups go to the new client at once; the old one is closed, and what
 * was still queued on it fails as a lost connection, which a read retries on the new client
 * within its deadline. A deadline missed under mere overload (other lookups still completing)
 * replaces nothing, so overload cannot snowball into reconnects. The server-side
 * {@code statement_timeout} remains the backstop for the statement itself. Known limit: progress
 * is tracked per client, not per connection, so with several lookup connections one hung while
 * the others keep answering is not replaced; the lookups queued on it answer 504 until the
 * statement timeout or TCP keepalive ends it (the client gives no access to its connections).
 *
 * <p>Half-open connections (the peer gone without a FIN or RST, packets dropped) are caught
 * sooner than the deadline when the client was idle: a lookup sent after nothing has finished for
 * {@code idleMs} is its own liveness check. If nothing at all finishes within {@code checkMs} of
 * sending it, the client is replaced at once and the lookup fails as a lost connection, which the
 * read retries on the new client (the same rule as above, with a shorter wait where a dead path
 * is the likely cause). A key lookup on an idle server answers in well under a millisecond, so a
 * false alarm costs one reconnect, not an error.
 *
 * <p>Confined to one event loop: the query verticle's, or a lookup lane's ({@link LookupLanes}), where its
 * connections were opened.
 */
final class PipelinedLookups {

  private static final Logger LOG = LoggerFactory.getLogger(PipelinedLookups.class);
  private static final QueryFailure REPLACED = new QueryFailure(UNAVAILABLE, "lookup connection replaced", true);

  private final Vertx vertx;
  private final Supplier<SqlClient> factory;
  private final long acquireTimeoutMs;
  private final long idleNanos;
  private final long checkMs;
  private SqlClient client;
  /** When the current client last finished a statement (succeeded or failed). */
  private long lastFinishedNanos = System.nanoTime();

  PipelinedLookups(Vertx vertx, Supplier<SqlClient> factory, long acquireTimeoutMs, long idleMs, long checkMs) {
    this.vertx = vertx;
    this.factory = factory;
    this.acquireTimeoutMs = acquireTimeoutMs;
    this.idleNanos = idleMs * 1_000_000;
    this.checkMs = checkMs;
    this.client = factory.get();
  }

  Future<RowSet<Row>> run(String pgSql, Tuple args, long timeoutMs) {
    Promise<RowSet<Row>> result = Promise.promise();
    SqlClient used = client;
    long sent = System.nanoTime();
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (result.tryFail(SqlFailures.lookupTimedOut(timeoutMs)) && used == client && lastFinishedNanos - sent < 0) {
        replace("a pipelined lookup did not answer within " + timeoutMs + " ms and nothing else finished meanwhile");
      }
    });
    long check = sent - lastFinishedNanos > idleNanos && checkMs < timeoutMs
        ? vertx.setTimer(checkMs, id -> {
          if (used == client && lastFinishedNanos - sent < 0) {
            replace("the lookup connections were idle and did not answer within " + checkMs + " ms");
            result.tryFail(REPLACED);
          }
        })
        : -1;
    used.preparedQuery(pgSql).execute(args).onComplete(done -> {
      vertx.cancelTimer(timer);
      vertx.cancelTimer(check);
      if (used == client) {
        lastFinishedNanos = System.nanoTime();
      }
      if (done.succeeded()) {
        result.tryComplete(done.result());
      } else {
        result.tryFail(failure(done.cause(), used));
      }
    });
    return result.future();
  }

  private Throwable failure(Throwable failure, SqlClient used) {
    if (used != client) {
      // closed under it because it was stuck: as good as a lost connection, and as retryable
      return REPLACED;
    }
    if (failure instanceof ConnectionPoolTooBusyException || "Timeout".equals(failure.getMessage())) {
      return SqlFailures.acquire(failure, acquireTimeoutMs);
    }
    return failure;
  }

  private void replace(String why) {
    LOG.warn("{}: replacing the lookup connections", why);
    SqlClient stuck = client;
    client = factory.get();
    lastFinishedNanos = System.nanoTime();
    stuck.close();
  }

  Future<Void> close() {
    return client.close();
  }
}
