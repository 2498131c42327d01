package io.consolidb.metrics;

import io.consolidb.query.QueryMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every query's outcome, once, on the query verticle's hot path, straight into the
 * node's registry:
 *
 * <ul>
 *   <li>{@code consolidb.db.queries} {operation, outcome}: outcome is {@code success},
 *       {@code error} or {@code timeout};
 *   <li>{@code consolidb.db.query.duration} {operation}: a histogram with fixed buckets from
 *       100 µs to 10 s;
 *   <li>{@code consolidb.db.slow.queries} {operation}: slower than {@code DB_SLOW_QUERY_THRESHOLD};
 *   <li>{@code consolidb.db.errors} {sqlstate_class}: the two-character SQLSTATE class, or
 *       {@code timeout}, {@code pool} (no connection free), {@code connection} (database
 *       unreachable) or {@code other} when the failure carries no SQLSTATE;
 *   <li>{@code consolidb.db.breaker.state}: the database circuit breaker, 0 closed, 1 open,
 *       2 half-open (a trial in flight);
 *   <li>{@code consolidb.db.breaker.openings}: how often it opened;
 *   <li>with read replicas only: {@code consolidb.db.target.queries} {target}: statements run on
 *       {@code primary} or on a replica ({@code host:port}), and {@code consolidb.db.replica.lag}
 *       {replica}: each replica's lag in seconds (NaN while it is down).
 * </ul>
 *
 * Operation names are the bounded names callers send ({@code restaurants.near}); a request
 * without one is {@code unnamed}; a name that does not look like one, or any beyond the first
 * {@value #MAX_OPERATIONS}, is {@code other}, so a caller that puts ids or SQL in it cannot grow
 * the number of series. Meters are looked up once per operation and kept. Slow executions also
 * go to the node's {@link SlowQueryLog}; logging them stays with the query executor.
 *
 * <p>Thread-safe: the query verticle records on its event loop, its lookup lanes on their callers'.
 */
public final class QueryObserver implements QueryMetrics {

  /** Distinct operation labels beyond this are recorded as {@code other}. */
  public static final int MAX_OPERATIONS = 200;
  public static final String UNNAMED = QueryMetrics.UNNAMED;
  public static final String OTHER = "other";

  /** Upper bounds of the latency histogram's buckets (Prometheus {@code le}). */
  static final Duration[] BUCKETS = {
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};

  private static final Logger LOG = LoggerFactory.getLogger(QueryObserver.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Pattern SQLSTATE = Pattern.compile("SQLSTATE ([0-9A-Z]{2})[0-9A-Z]{3}");

  private final MeterRegistry registry;
  private final boolean recording;
  private final QueryStats stats;
  private final long slowThresholdNanos;
  private final Map<String, OperationMeters> operations = new ConcurrentHashMap<>();
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();
  /** By target: a handful (the primary and each configured replica). */
  private final Map<String, Counter> targets = new ConcurrentHashMap<>();
  private volatile boolean warnedAboutCap;
  private final AtomicInteger breakerState = new AtomicInteger();
  private final Counter breakerOpenings;

  /**
   * @param registry the node's registry
   * @param recording false when metrics are off: only the slow-query log is kept
   * @param stats the node's recent-query statistics
   * @param slowThresholdMs a statement slower than this is slow ({@code DB_SLOW_QUERY_THRESHOLD})
   */
  public QueryObserver(MeterRegistry registry, boolean recording, QueryStats stats, long slowThresholdMs) {
    this.registry = registry;
    this.recording = recording;
    this.stats = stats;
    this.slowThresholdNanos = TimeUnit.MILLISECONDS.toNanos(slowThresholdMs);
    Gauge.builder("consolidb.db.breaker.state", breakerState, AtomicInteger::get)
        .description("The database circuit breaker: 0 closed, 1 open (requests fail at once), 2 half-open (trial)")
        .register(registry);
    this.breakerOpenings = Counter.builder("consolidb.db.breaker.openings")
        .description("Times the database circuit breaker opened").register(registry);
  }

  @Override
  public void replicaLag(String replica, java.util.function.DoubleSupplier lagSeconds) {
    Gauge.builder("consolidb.db.replica.lag", lagSeconds, java.util.function.DoubleSupplier::getAsDouble)
        .description("How far a read replica's replay is behind the primary, in seconds (NaN while it is down)")
        .baseUnit("seconds")
        .tag("replica", replica)
        .register(registry);
  }

  @Override
  public void routed(String target) {
    if (!recording) {
      return;
    }
    targets.computeIfAbsent(target, name -> Counter.builder("consolidb.db.target.queries")
        .description("Statements run on the primary or on a read replica (host:port)")
        .tag("target", name)
        .register(registry)).increment();
  }

  @Override
  public void breakerOpened() {
    breakerOpenings.increment();
  }

  @Override
  public void breakerState(int state) {
    breakerState.set(state);
  }

  @Override
  public void record(String operation, long elapsedNanos, int failureCode, String failureMessage,
      Supplier<String> normalizedSql, String pgSql) {
    String label = label(operation);
    if (recording) {
      OperationMeters meters = operations.get(label);
      if (meters == null) {
        meters = operations.computeIfAbsent(label, OperationMeters::new);
      }
      meters.duration.record(elapsedNanos, TimeUnit.NANOSECONDS);
      if (failureCode == 0) {
        meters.success.increment();
      } else {
        (failureCode == io.consolidb.FailureCodes.TIMED_OUT ? meters.timeout : meters.error).increment();
        errorCounter(sqlStateClass(failureCode, failureMessage)).increment();
      }
      if (elapsedNanos > slowThresholdNanos) {
        meters.slow.increment();
      }
      stats.recordDuration(elapsedNanos);
    }
    if (elapsedNanos > slowThresholdNanos) {
      stats.slowQueries().add(normalizedSql.get(), label, TimeUnit.NANOSECONDS.toMillis(elapsedNanos),
          Instant.now(), pgSql);
    }
  }

  /** The label an operation name is recorded under. */
  String label(String operation) {
    if (operation == null) {
      return UNNAMED;
    }
    if (operations.containsKey(operation)) {
      return operation;
    }
    if (!NAME.matcher(operation).matches()) {
      return OTHER;
    }
    if (operations.size() >= MAX_OPERATIONS) {
      if (!warnedAboutCap) {
        warnedAboutCap = true;
        LOG.warn("metrics: more than {} distinct operation names; further ones are recorded as '{}'"
            + " (operation names should be a fixed set such as restaurants.near)", MAX_OPERATIONS, OTHER);
      }
      return OTHER;
    }
    return operation;
  }

  /** The SQLSTATE class named in a failure message, or a word for failures that carry none. */
  static String sqlStateClass(int failureCode, String failureMessage) {
    if (failureMessage != null) {
      Matcher m = SQLSTATE.matcher(failureMessage);
      if (m.find()) {
        return m.group(1);
      }
    }
    return switch (failureCode) {
      case io.consolidb.FailureCodes.TIMED_OUT -> "timeout";
      case io.consolidb.FailureCodes.BUSY -> "pool";
      case io.consolidb.FailureCodes.UNAVAILABLE -> "connection";
      default -> "other";
    };
  }

  private Counter errorCounter(String sqlStateClass) {
    return errors.computeIfAbsent(sqlStateClass, name -> Counter.builder("consolidb.db.errors")
        .description("Failed queries by SQLSTATE class (or timeout, pool, connection, other)")
        .tag("sqlstate_class", name)
        .register(registry));
  }

  /** The meters of one operation, looked up once. */
  private final class OperationMeters {
    final Counter success;
    final Counter error;
    final Counter timeout;
    final Counter slow;
    final Timer duration;

    OperationMeters(String operation) {
      success = queries(operation, "success");
      error = queries(operation, "error");
      timeout = queries(operation, "timeout");
      slow = Counter.builder("consolidb.db.slow.queries")
          .description("Queries slower than the slow-query threshold")
          .tag("operation", operation)
          .register(registry);
      duration = Timer.builder("consolidb.db.query.duration")
          .description("Time from request to reply, retries and waiting for a connection included")
          .tag("operation", operation)
          .serviceLevelObjectives(BUCKETS)
          .minimumExpectedValue(BUCKETS[0])
          .maximumExpectedValue(BUCKETS[BUCKETS.length - 1])
          .register(registry);
    }

    private Counter queries(String operation, String outcome) {
      return Counter.builder("consolidb.db.queries")
          .description("Queries and transactions by operation and outcome")
          .tag("operation", operation)
          .tag("outcome", outcome)
          .register(registry);
    }
  }
}
