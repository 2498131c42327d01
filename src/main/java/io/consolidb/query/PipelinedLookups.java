package io.consolidb.query;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.http.ConnectionPoolTooBusyException;
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
 * caller (504) and, as the statement may be stuck on a hung connection with the rest of the
 * pipeline behind it, replaces the client: its connections close (what is still in flight on them
 * fails as a lost connection, which a read retries on the new client within its deadline) and new
 * ones open on demand. The server-side {@code statement_timeout} remains the backstop.
 *
 * <p>Confined to the query verticle's event loop.
 */
final class PipelinedLookups {

  private static final Logger LOG = LoggerFactory.getLogger(PipelinedLookups.class);

  private final Vertx vertx;
  private final Supplier<SqlClient> factory;
  private final long acquireTimeoutMs;
  private SqlClient client;

  PipelinedLookups(Vertx vertx, Supplier<SqlClient> factory, long acquireTimeoutMs) {
    this.vertx = vertx;
    this.factory = factory;
    this.acquireTimeoutMs = acquireTimeoutMs;
    this.client = factory.get();
  }

  Future<RowSet<Row>> run(String pgSql, Tuple args, long timeoutMs) {
    Promise<RowSet<Row>> result = Promise.promise();
    SqlClient used = client;
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (result.tryFail(SqlFailures.timedOut(timeoutMs))) {
        replace(used, timeoutMs);
      }
    });
    used.preparedQuery(pgSql).execute(args).onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.succeeded()) {
        result.tryComplete(done.result());
      } else {
        Throwable failure = done.cause();
        result.tryFail(failure instanceof ConnectionPoolTooBusyException || "Timeout".equals(failure.getMessage())
            ? SqlFailures.acquire(failure, acquireTimeoutMs) : failure);
      }
    });
    return result.future();
  }

  private void replace(SqlClient stuck, long timeoutMs) {
    if (stuck != client) {
      return; // an earlier timeout already replaced it
    }
    LOG.warn("a pipelined lookup did not answer within {} ms: replacing the lookup connections", timeoutMs);
    client = factory.get();
    stuck.close();
  }

  Future<Void> close() {
    return client.close();
  }
}
