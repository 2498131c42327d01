package io.consolidb.query;

import io.consolidb.config.SecretMasker;
import static io.consolidb.FailureCodes.TIMED_OUT;
import static io.consolidb.FailureCodes.UNAVAILABLE;

import io.consolidb.config.DatabaseSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * binding, deadline, retries, the JSON reply, and the slow-query and echo logs. Confined to the
 * query verticle's event loop.
 */
final class QueryExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(QueryExecutor.class);
  /** How long a cancelled statement may take to stop before its connection is closed. */
  static final long CANCEL_GRACE_MS = 1000;
  private static final QueryFailure EXPIRED = new QueryFailure(TIMED_OUT, "transaction timed out");

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
  private boolean unavailable;

  QueryExecutor(Vertx vertx, Pool pool, PipelinedLookups lookups, DatabaseSettings settings, QueryMetrics metrics,
      long cancelGraceMs, DatabaseBreaker breaker) {
    this.vertx = vertx;
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
        this::backoffMs);
  }

  /** Runs the node's in-process transactions ({@link Transactions}) on this pool, state and breaker. */
  TransactionRunner transactions() {
    return transactions;
  }

  /** The pool's state with the circuit breaker's ({@code breaker}). */
  JsonObject poolState() {
    return state.toJson(pool).put("breaker", breaker.toJson());
  }

  /**
   * {@code {sql, params, operation?, timeoutMs?, readOnly?, idempotent?, lookup?, cache?}} →
   * {@code {rows, rowCount, cached, durationMs}}. A read marked {@code lookup} is pipelined
   * ({@link PipelinedLookups}).
   */
  Future<JsonObject> query(JsonObject body) {
    long started = System.nanoTime();
    Statements.Statement statement;
    long timeoutMs;
    boolean retryable;
    boolean pipelined;
    String operation;
    try {
      statement = statements.parse(body, "");
      timeoutMs = timeoutMs(body);
      boolean readOnly = flag(body, "readOnly");
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
    return withRetries(started + TimeUnit.MILLISECONDS.toNanos(timeoutMs), retryable, statement.names(),
        remainingMs -> pipelined
            ? lookups.run(statement.pgSql(), statement.args(), remainingMs)
            : new ConnectionTask<RowSet<Row>>(vertx, pool, state, remainingMs, cancelGraceMs)
                .run(conn -> conn.preparedQuery(statement.pgSql()).execute(statement.args())))
        .map(rows -> new JsonObject()
            .put("rows", RowMapper.rows(rows))
            .put("rowCount", rows.rowCount())
            .put("cached", false)
            .put("durationMs", elapsedMs(started)))
        .andThen(done -> observe(done.failed() ? done.cause() : null, started, operation,
            () -> statements.normalized(statement.sql()), statement.pgSql()));
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
    return withRetries(started + TimeUnit.MILLISECONDS.toNanos(timeoutMs), retryable, null,
        remainingMs -> {
          ConnectionTask<List<RowSet<Row>>> task =
              new ConnectionTask<>(vertx, pool, state, remainingMs, cancelGraceMs);
          return task.run(conn -> runTransaction(conn, parsed, task::timedOut));
        })
        .map(results -> {
          JsonArray replies = new JsonArray(new ArrayList<>(results.size()));
          for (RowSet<Row> rows : results) {
            replies.add(new JsonObject().put("rows", RowMapper.rows(rows)).put("rowCount", rows.rowCount()));
          }
          return new JsonObject().put("results", replies).put("durationMs", elapsedMs(started));
        })
        .andThen(done -> observe(done.failed() ? done.cause() : null, started, operation,
            () -> parsed.stream().map(s -> statements.normalized(s.sql())).collect(Collectors.joining("; ")),
            null));
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
   * {@link DatabaseBreaker} is open no attempt starts: the request fails at once.
   */
  private <T> Future<T> withRetries(long deadlineNanos, boolean retryable, String[] names,
      LongFunction<Future<T>> attempt) {
    Promise<T> result = Promise.promise();
    attempt(1, deadlineNanos, retryable, names, attempt, result);
    return result.future();
  }

  private <T> void attempt(int number, long deadlineNanos, boolean retryable, String[] names,
      LongFunction<Future<T>> attempt, Promise<T> result) {
    QueryFailure refused = breaker.refusal();
    if (refused != null) {
      result.fail(number == 1 ? refused : sent(refused)); // open: no I/O, and no retry (its trial is the retry)
      return;
    }
    attempt.apply(Math.max(1, remainingMs(deadlineNanos))).onComplete(done -> {
      if (done.succeeded()) {
        breaker.succeeded();
        result.complete(done.result());
        return;
      }
      QueryFailure failure = SqlFailures.execution(done.cause(), names);
      breaker.failed(failure);
      if (retryable && failure.isTransient() && number < settings.retryMaxAttempts()) {
        long delay = backoffMs(number);
        if (remainingMs(deadlineNanos) > delay) {
          LOG.debug("attempt {} failed ({}), retrying in {} ms", number, failure.getMessage(), delay);
          vertx.setTimer(Math.max(1, delay), id -> attempt(number + 1, deadlineNanos, retryable, names, attempt, result));
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
   * a slow SELECT later.
   */
  private void observe(Throwable failure, long started, String operation, Supplier<String> normalizedSql,
      String pgSql) {
    long elapsed = System.nanoTime() - started;
    observer.record(operation, elapsed, failure == null ? 0 : failure instanceof QueryFailure known ? known.code()
        : UNAVAILABLE, failure == null ? null : failure.getMessage(), normalizedSql, pgSql);
    if (failure == null) {
      if (unavailable) {
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
