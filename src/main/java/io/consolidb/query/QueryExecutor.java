package io.consolidb.query;

import io.consolidb.config.SecretMasker;
import static io.consolidb.FailureCodes.BUSY;
import static io.consolidb.FailureCodes.TIMED_OUT;
import static io.consolidb.FailureCodes.UNAVAILABLE;

import io.consolidb.config.DatabaseSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.TransactionRollbackException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the requests of {@code consolidb.db.query} and {@code consolidb.db.tx}: validation,
 * binding, deadline, retries, the JSON reply, and the slow-query and echo logs. Confined to one
 * event loop: the query verticle's, or a lookup lane's ({@link LookupLanes}), which only runs lookups.
 */
final class QueryExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(QueryExecutor.class);
  /** How long a cancelled statement may take to stop before its connection is closed. */
  static final long CANCEL_GRACE_MS = 1000;
  private static final QueryFailure EXPIRED = new QueryFailure(TIMED_OUT, "transaction timed out");
  /** Where the WAL ends once a statement has committed: what a replica must replay to show it. */
  static final String INSERT_LSN = "SELECT pg_current_wal_insert_lsn()::text";
  /** SQLSTATE read_only_sql_transaction: what a replica answers to a statement that writes. */
  private static final String READ_ONLY = "25006";

  private final Vertx vertx;
  private final Pool pool;
  private final DatabaseSettings settings;
  private final PoolState state;
  private final Statements statements = new Statements();
  private final long slowThresholdNanos;
  private final long cancelGraceMs;
  private final QueryMetrics observer;
  /** Null when lookups use the pool ({@code DB_POOL_PIPELINED=0}). */
  private final PipelinedLookups lookups;
  private final DatabaseBreaker breaker;
  private final TransactionRunner transactions;
  /** Null without {@code DATABASE_READ_URL}: every statement on the primary, no LSN read. */
  private final Replicas replicas;
  private boolean unavailable;

  QueryExecutor(Vertx vertx, Pool pool, PipelinedLookups lookups, DatabaseSettings settings, QueryMetrics metrics,
      long cancelGraceMs, DatabaseBreaker breaker) {
    this(vertx, pool, lookups, settings, metrics, cancelGraceMs, breaker, null);
  }

  QueryExecutor(Vertx vertx, Pool pool, PipelinedLookups lookups, DatabaseSettings settings, QueryMetrics metrics,
      long cancelGraceMs, DatabaseBreaker breaker, Replicas replicas) {
    this.vertx = vertx;
    this.replicas = replicas;
    this.breaker = breaker;
    this.pool = pool;
    this.lookups = lookups;
    this.settings = settings;
    this.cancelGraceMs = cancelGraceMs;
    this.state = new PoolState(settings.poolOptions().getMaxSize(),
        Math.round(settings.poolTimeoutSeconds() * 1000),
        new IdleValidation(vertx, settings.validateIdleMs(), settings.idleCheckTimeoutMs()));
    this.slowThresholdNanos = TimeUnit.MILLISECONDS.toNanos(settings.slowQueryThresholdMs());
    this.observer = metrics;
    this.transactions = new TransactionRunner(vertx, pool, state, settings, cancelGraceMs, breaker, metrics,
        this::backoffMs, replicas != null);
  }

  /** Closes the pipelined lookup connections, if any (a lookup lane's end, {@link LookupLanes}). */
  Future<Void> closeLookups() {
    return lookups == null ? Future.succeededFuture() : lookups.close();
  }

  /** Runs the node's in-process transactions ({@link Transactions}) on this pool, state and breaker. */
  TransactionRunner transactions() {
    return transactions;
  }

  /** The pool's state with the circuit breaker's ({@code breaker}) and, when configured, the replicas' ({@code replicas}). */
  JsonObject poolState() {
    JsonObject json = state.toJson(pool).put("breaker", breaker.toJson());
    return replicas == null ? json : json.put("replicas", replicas.toJson());
  }

  /** {@link #query(JsonObject, String)} without an event-bus LSN header. */
  Future<JsonObject> query(JsonObject body) {
    return query(body, null);
  }

  /**
   * {@code {sql, params, operation?, timeoutMs?, readOnly?, idempotent?, lookup?, cache?, minLsn?, primary?}} →
   * {@code {rows, rowCount, cached, durationMs, lsn?}}. A read marked {@code lookup} is pipelined
   * ({@link PipelinedLookups}). With read replicas a read may run on one ({@link #read}), unless it
   * fills the cache ({@code cache}, or {@code primary} from the node's own cache); a
   * statement that is not read-only answers the LSN a read must wait for to see it ({@code lsn}).
   *
   * @param busLsn the {@value Lsn#BUS_HEADER} header of the request, or null; {@code minLsn} wins
   */
  Future<JsonObject> query(JsonObject body, String busLsn) {
    long started = System.nanoTime();
    Statements.Statement statement;
    long timeoutMs;
    boolean retryable;
    boolean pipelined;
    String operation;
    boolean readOnly;
    boolean replicaMayServe;
    long minLsn;
    try {
      statement = statements.parse(body, "");
      timeoutMs = timeoutMs(body);
      readOnly = flag(body, "readOnly");
      // A read that fills the cache runs on the primary: a replica may not have replayed the write
      // whose invalidation emptied the entry yet, and a stale fill would then be served until its
      // TTL (docs/OPERATIONS.md "Read replicas").
      replicaMayServe = readOnly && !flag(body, "primary") && !(body.getValue("cache") instanceof JsonObject);
      minLsn = minLsn(body, busLsn);
      retryable = readOnly || flag(body, "idempotent");
      pipelined = flag(body, "lookup") && readOnly && lookups != null;
      operation = operation(body, QueryMetrics.UNNAMED);
      optionalObject(body, "cache"); // served by QueryEndpoint before it gets here
    } catch (QueryFailure invalid) {
      return Future.failedFuture(invalid);
    }
    if (settings.echo()) {
      LOG.info("[{}] {}", operation, statements.normalized(statement.sql()));
    }
    String[] lsn = {null};
    // whether a replica answered (says nothing of the primary's health); only with replicas
    boolean[] onReplica = replicas == null ? null : new boolean[1];
    LongFunction<Future<RowSet<Row>>> onPrimary = remainingMs -> pipelined
        ? lookups.run(statement.pgSql(), statement.args(), remainingMs)
        : new ConnectionTask<RowSet<Row>>(vertx, pool, state, remainingMs, cancelGraceMs)
            .run(conn -> conn.preparedQuery(statement.pgSql()).execute(statement.args()));
    LongFunction<Future<RowSet<Row>>> attempt = replicas == null ? onPrimary
        : replicaMayServe ? remainingMs -> read(statement, minLsn, remainingMs, onPrimary, onReplica)
        : readOnly ? onPrimary
        : remainingMs -> written(statement, remainingMs, lsn);
    // the primary's breaker open: a read a replica may serve still gets one, nothing else runs
    WhileRefused<RowSet<Row>> whileRefused = replicas != null && replicaMayServe
        ? (remainingMs, refused) -> onReplicaOnly(statement, minLsn, remainingMs, refused, onReplica)
        : null;
    return withRetries(started + TimeUnit.MILLISECONDS.toNanos(timeoutMs), retryable, statement.names(), attempt,
        whileRefused)
        .map(rows -> {
          JsonObject reply = new JsonObject()
              .put("rows", RowMapper.rows(rows))
              .put("rowCount", rows.rowCount())
              .put("cached", false)
              .put("durationMs", elapsedMs(started));
          return lsn[0] == null ? reply : reply.put(Lsn.REPLY_FIELD, lsn[0]);
        })
        .andThen(done -> observe(done.failed() ? done.cause() : null, started, operation,
            () -> statements.normalized(statement.sql()), statement.pgSql(), onReplica != null && onReplica[0]));
  }

  /**
   * A read with replicas configured: on the next usable replica that has replayed {@code minLsn}
   * ({@link Replicas#choose}), else on the primary. A replica that fails with a lost or refused
   * connection is skipped from now on and the read runs on the primary at once, within the same
   * deadline: a replica going away never fails a read. So does a read the replica could not serve
   * for a passing reason (a conflict with its recovery, its pool busy) or ever (25006: the
   * statement marked read-only writes after all). Lookups
   * on a replica use its pool (its statements are short; there is no pipelined client per replica).
   */
  private Future<RowSet<Row>> read(Statements.Statement statement, long minLsn, long remainingMs,
      LongFunction<Future<RowSet<Row>>> onPrimary, boolean[] onReplica) {
    Replicas.Target target = replicas.choose(minLsn);
    if (target == null) {
      observer.routed(QueryMetrics.PRIMARY);
      return onPrimary.apply(remainingMs);
    }
    long started = System.nanoTime();
    return runOn(target, statement, remainingMs, onReplica)
        .transform(done -> {
          if (done.succeeded()) {
            return Future.succeededFuture(done.result());
          }
          QueryFailure failure = SqlFailures.execution(done.cause(), statement.names());
          long left = remainingMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          boolean readOnlyRefused = done.cause() instanceof PgException pg && READ_ONLY.equals(pg.getSqlState());
          boolean primaryMayServe = readOnlyRefused || failure.code() == BUSY
              || failure.isTransient() && failure.code() != TIMED_OUT;
          if (!primaryMayServe || left <= 0) {
            return Future.failedFuture(done.cause());
          }
          if (failure.code() == UNAVAILABLE) {
            replicas.lost(target, done.cause());
          }
          observer.routed(QueryMetrics.PRIMARY);
          return onPrimary.apply(left);
        });
  }

  /**
   * A read while the primary's circuit breaker is open: on a usable replica that has replayed
   * {@code minLsn}, else refused as the breaker refuses. Why: a primary that is down must not take
   * the reads its replicas can answer with it (docs/OPERATIONS.md "Read replicas"). Nothing falls
   * back to the primary here, and the outcome never counts towards the breaker: only the primary's
   * own attempts and the breaker's trial do.
   */
  private Future<RowSet<Row>> onReplicaOnly(Statements.Statement statement, long minLsn, long remainingMs,
      QueryFailure refused, boolean[] onReplica) {
    Replicas.Target target = replicas.choose(minLsn);
    if (target == null) {
      return Future.failedFuture(refused);
    }
    return runOn(target, statement, remainingMs, onReplica).andThen(done -> {
      if (done.failed() && SqlFailures.execution(done.cause(), statement.names()).code() == UNAVAILABLE) {
        replicas.lost(target, done.cause());
      }
    });
  }

  /** {@code statement} on replica {@code target}; a success is counted as its and marked in {@code onReplica}. */
  private Future<RowSet<Row>> runOn(Replicas.Target target, Statements.Statement statement, long remainingMs,
      boolean[] onReplica) {
    return new ConnectionTask<RowSet<Row>>(vertx, target.pool, target.state, remainingMs, cancelGraceMs)
        .run(conn -> conn.preparedQuery(statement.pgSql()).execute(statement.args()))
        .andThen(done -> {
          if (done.succeeded()) {
            observer.routed(target.name());
            onReplica[0] = true;
          }
        });
  }

  /** What a request does instead of its attempt while the primary's breaker refuses: see {@link #onReplicaOnly}. */
  @FunctionalInterface
  private interface WhileRefused<T> {
    Future<T> run(long remainingMs, QueryFailure refused);
  }

  /**
   * A statement that may write, with replicas configured: run it, then read
   * {@code pg_current_wal_insert_lsn()} on the same connection, sent right behind it (the
   * statement has committed by then: it ran in its own implicit transaction). Every WAL record of
   * the write ends at or before that position, so a replica that has replayed it sees the write,
   * whatever {@code synchronous_commit} says; {@code pg_current_wal_lsn()} (written, not inserted)
   * could still be short of the commit record with asynchronous commit.
   */
  private Future<RowSet<Row>> written(Statements.Statement statement, long remainingMs, String[] lsn) {
    observer.routed(QueryMetrics.PRIMARY);
    return new ConnectionTask<RowSet<Row>>(vertx, pool, state, remainingMs, cancelGraceMs).run(conn -> {
      Future<RowSet<Row>> rows = conn.preparedQuery(statement.pgSql()).execute(statement.args());
      Future<RowSet<Row>> position = conn.query(INSERT_LSN).execute();
      // both answered before the connection goes back, whatever the statement's outcome
      return rows.transform(ran -> position.transform(read -> {
        lsn[0] = ran.succeeded() && read.succeeded() ? read.result().iterator().next().getString(0) : null;
        return rows;
      }));
    });
  }

  /** The request's {@code minLsn}, else its {@value Lsn#BUS_HEADER} header, as a position; 0 when neither. */
  private static long minLsn(JsonObject body, String busLsn) {
    Object value = body.getValue(Lsn.REQUEST_FIELD);
    if (value == null && busLsn == null) {
      return 0;
    }
    try {
      return value != null ? Lsn.parse(Lsn.REQUEST_FIELD, value instanceof String text ? text : null)
          : Lsn.parse("the " + Lsn.HEADER + " header", busLsn);
    } catch (IllegalArgumentException invalid) {
      throw Statements.invalid(invalid.getMessage());
    }
  }

  /** {@code {statements:[{sql, params}], operation?, timeoutMs?, invalidate?}} → {@code {results:[{rows, rowCount}], durationMs}}. */
  Future<JsonObject> transaction(JsonObject body) {
    long started = System.nanoTime();
    List<Statements.Statement> parsed;
    long timeoutMs;
    boolean retryable;
    String operation;
    try {
      parsed = parseStatements(body);
      timeoutMs = timeoutMs(body);
      retryable = flag(body, "readOnly") || flag(body, "idempotent");
      operation = operation(body, QueryMetrics.UNNAMED);
      optionalObject(body, "invalidate"); // run by QueryEndpoint after the transaction
    } catch (QueryFailure invalid) {
      return Future.failedFuture(invalid);
    }
    if (settings.echo()) {
      parsed.forEach(s -> LOG.info("[{}] {}", operation, statements.normalized(s.sql())));
    }
    String[] lsn = {null};
    return withRetries(started + TimeUnit.MILLISECONDS.toNanos(timeoutMs), retryable, null,
        remainingMs -> {
          ConnectionTask<List<RowSet<Row>>> task =
              new ConnectionTask<>(vertx, pool, state, remainingMs, cancelGraceMs);
          if (replicas == null) {
            return task.run(conn -> runTransaction(conn, parsed, task::timedOut));
          }
          observer.routed(QueryMetrics.PRIMARY);
          // committed: where the WAL ends now covers the commit record (see written)
          return task.run(conn -> runTransaction(conn, parsed, task::timedOut)
              .compose(results -> conn.query(INSERT_LSN).execute().transform(read -> {
                lsn[0] = read.succeeded() ? read.result().iterator().next().getString(0) : null;
                return Future.succeededFuture(results);
              })));
        })
        .map(results -> {
          JsonArray replies = new JsonArray(new ArrayList<>(results.size()));
          for (RowSet<Row> rows : results) {
            replies.add(new JsonObject().put("rows", RowMapper.rows(rows)).put("rowCount", rows.rowCount()));
          }
          JsonObject reply = new JsonObject().put("results", replies).put("durationMs", elapsedMs(started));
          return lsn[0] == null ? reply : reply.put(Lsn.REPLY_FIELD, lsn[0]);
        })
        .andThen(done -> observe(done.failed() ? done.cause() : null, started, operation,
            () -> parsed.stream().map(s -> statements.normalized(s.sql())).collect(Collectors.joining("; ")),
            null, false));
  }

  /**
   * BEGIN, the statements one by one, COMMIT; ROLLBACK when one fails, as
   * {@code Pool.withTransaction} does. The connection is acquired by the {@link ConnectionTask},
   * not by {@code withTransaction}, so the deadline covers the wait for it and a timed-out
   * transaction can be cancelled. Once the deadline has passed no further statement runs and
   * nothing commits: the caller has already been told it failed.
   */
  private Future<List<RowSet<Row>>> runTransaction(SqlConnection conn, List<Statements.Statement> parsed,
      BooleanSupplier expired) {
    return conn.begin().compose(tx -> {
      List<RowSet<Row>> results = new ArrayList<>(parsed.size());
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < parsed.size(); i++) {
        Statements.Statement statement = parsed.get(i);
        String where = "statements[" + i + "]: ";
        chain = chain.compose(previous -> expired.getAsBoolean() ? Future.failedFuture(EXPIRED)
            : conn.preparedQuery(statement.pgSql()).execute(statement.args())
                .<Void>map(rows -> {
                  results.add(rows);
                  return null;
                })
                .recover(failure -> {
                  QueryFailure mapped = SqlFailures.execution(failure, statement.names());
                  return Future.failedFuture(
                      new QueryFailure(mapped.code(), where + mapped.getMessage(), mapped.isTransient()));
                }));
      }
      return chain
          .compose(done -> expired.getAsBoolean() ? Future.failedFuture(EXPIRED) : tx.commit())
          .transform(done -> {
            if (done.succeeded()) {
              return Future.succeededFuture(results);
            }
            Throwable failure = done.cause();
            if (failure instanceof TransactionRollbackException) {
              return Future.failedFuture(failure);
            }
            return tx.rollback().transform(rolledBack -> Future.failedFuture(failure));
          });
    });
  }

  /**
   * Runs {@code attempt} until it succeeds, fails for good, or the deadline leaves no room: a
   * request marked read-only or idempotent is retried after a transient failure (connection
   * lost, 40001, 40P01, 57P03), at most {@code retryMaxAttempts} times in all, with exponential
   * backoff and jitter. Each attempt gets only the time that remains. While the
   * {@link DatabaseBreaker} is open no attempt starts: the request fails at once, unless
   * {@code whileRefused} (a read a replica may serve) runs instead.
   */
  private <T> Future<T> withRetries(long deadlineNanos, boolean retryable, String[] names,
      LongFunction<Future<T>> attempt, WhileRefused<T> whileRefused) {
    Promise<T> result = Promise.promise();
    attempt(1, deadlineNanos, retryable, names, attempt, whileRefused, result);
    return result.future();
  }

  private <T> Future<T> withRetries(long deadlineNanos, boolean retryable, String[] names,
      LongFunction<Future<T>> attempt) {
    return withRetries(deadlineNanos, retryable, names, attempt, null);
  }

  private <T> void attempt(int number, long deadlineNanos, boolean retryable, String[] names,
      LongFunction<Future<T>> attempt, WhileRefused<T> whileRefused, Promise<T> result) {
    QueryFailure refused = breaker.refusal();
    if (refused != null && whileRefused == null) {
      result.fail(number == 1 ? refused : sent(refused)); // open: no I/O, and no retry (its trial is the retry)
      return;
    }
    long remainingMs = Math.max(1, remainingMs(deadlineNanos));
    Future<T> tried = refused == null ? attempt.apply(remainingMs) : whileRefused.run(remainingMs, refused);
    tried.onComplete(done -> {
      if (done.succeeded()) {
        if (refused == null) {
          breaker.succeeded();
        }
        result.complete(done.result());
        return;
      }
      if (done.cause() == refused) {
        result.fail(number == 1 ? refused : sent(refused)); // no replica could serve it either
        return;
      }
      QueryFailure failure = SqlFailures.execution(done.cause(), names);
      if (refused == null) {
        breaker.failed(failure);
      }
      if (retryable && failure.isTransient() && number < settings.retryMaxAttempts()) {
        long delay = backoffMs(number);
        if (remainingMs(deadlineNanos) > delay) {
          LOG.debug("attempt {} failed ({}), retrying in {} ms", number, failure.getMessage(), delay);
          vertx.setTimer(Math.max(1, delay),
              id -> attempt(number + 1, deadlineNanos, retryable, names, attempt, whileRefused, result));
          return;
        }
      }
      result.fail(number == 1 ? failure : sent(failure));
    });
  }

  /**
   * A request's failure after more than one attempt: {@code unreachable} no longer holds for the
   * request as a whole (an earlier attempt may have reached the database; its invalidation must run).
   */
  private static QueryFailure sent(QueryFailure failure) {
    return failure.unreachable() ? new QueryFailure(failure.code(), failure.getMessage(), failure.isTransient(), false,
        failure.retryAfterSeconds()) : failure;
  }

  /** Uniform in [initial, min(max, initial·2^attempts)]: exponential growth, full jitter above the floor. */
  long backoffMs(int attempts) {
    long initial = settings.retryInitialBackoffMs();
    long ceiling = Math.max(initial, Math.min(settings.retryMaxBackoffMs(), Math.max(1, initial) << Math.min(attempts, 20)));
    return initial + ThreadLocalRandom.current().nextLong(ceiling - initial + 1);
  }

  /**
   * Records each outcome in the metrics ({@link QueryMetrics}) and logs it once: slow and
   * timed-out statements at WARN, the first of an outage at WARN. {@code pgSql} (the text with
   * {@code $n} placeholders, never values; null for transactions) lets the slow-query log explain
   * a slow SELECT later. A success {@code onReplica} does not end an outage: the primary may still be down.
   */
  private void observe(Throwable failure, long started, String operation, Supplier<String> normalizedSql,
      String pgSql, boolean onReplica) {
    long elapsed = System.nanoTime() - started;
    observer.record(operation, elapsed, failure == null ? 0 : failure instanceof QueryFailure known ? known.code()
        : UNAVAILABLE, failure == null ? null : failure.getMessage(), normalizedSql, pgSql);
    if (failure == null) {
      if (unavailable && !onReplica) {
        unavailable = false;
        LOG.info("database available again");
      }
      if (elapsed > slowThresholdNanos) {
        LOG.warn("slow query [{}] {} ms: {}", operation, TimeUnit.NANOSECONDS.toMillis(elapsed),
            normalizedSql.get());
      }
      return;
    }
    int code = failure instanceof QueryFailure known ? known.code() : UNAVAILABLE;
    if (code == TIMED_OUT) {
      LOG.warn("query [{}] timed out after {} ms: {}", operation, TimeUnit.NANOSECONDS.toMillis(elapsed),
          normalizedSql.get());
    } else if (code == UNAVAILABLE && !unavailable) {
      unavailable = true;
      LOG.warn("database unavailable [{}]: {}", operation, SecretMasker.maskText(failure.getMessage()));
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("query [{}] failed: {}", operation, failure.getMessage());
    }
  }

  private List<Statements.Statement> parseStatements(JsonObject body) {
    Object value = body.getValue("statements");
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw Statements.invalid("statements must be a non-empty array of {sql, params}");
    }
    List<Statements.Statement> parsed = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject statement)) {
        throw Statements.invalid("statements[" + i + "] must be an object {sql, params}");
      }
      parsed.add(statements.parse(statement, "statements[" + i + "]."));
    }
    return parsed;
  }

  /** The request's timeout, capped at (and defaulting to) the configured query timeout. */
  private long timeoutMs(JsonObject body) {
    Object value = body.getValue("timeoutMs");
    long max = settings.queryTimeoutMs();
    if (value == null) {
      return max;
    }
    if (!(value instanceof Number n) || n.doubleValue() <= 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw Statements.invalid("timeoutMs must be a positive whole number of milliseconds");
    }
    return Math.min(n.longValue(), max);
  }

  private static boolean flag(JsonObject body, String key) {
    Object value = body.getValue(key);
    if (value == null || value instanceof Boolean) {
      return Boolean.TRUE.equals(value);
    }
    throw Statements.invalid(key + " must be true or false");
  }

  private static String operation(JsonObject body, String fallback) {
    Object value = body.getValue("operation");
    if (value == null) {
      return fallback;
    }
    if (value instanceof String s && !s.isBlank()) {
      return s;
    }
    throw Statements.invalid("operation must be a non-blank string");
  }

  private static void optionalObject(JsonObject body, String key) {
    Object value = body.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      throw Statements.invalid(key + " must be an object");
    }
  }

  private static long remainingMs(long deadlineNanos) {
    return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
  }

  private static long elapsedMs(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }
}
