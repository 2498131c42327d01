package io.consolidb.query;

import java.util.function.Supplier;

/**
 * What the query layer reports about every statement it ran. The metrics package implements it
 * (the pattern of HikariCP's {@code IMetricsTracker}): the query layer records through this one
 * small interface and depends on nothing of metrics. Called on the query verticle's event loop and
 * on its lookup lanes' ({@link LookupLanes}): implementations are thread-safe.
 */
public interface QueryMetrics {

  /** The operation name of a request that gave none. */
  String UNNAMED = "unnamed";

  /** Records nothing: for nodes and tests without metrics. */
  QueryMetrics NONE = (operation, elapsedNanos, failureCode, failureMessage, normalizedSql, pgSql) -> { };

  /**
   * One finished query or transaction.
   *
   * @param operation the caller's operation name (null → {@value #UNNAMED})
   * @param elapsedNanos how long it took, retries included
   * @param failureCode 0 when it succeeded, else its {@link io.consolidb.FailureCodes} code
   * @param failureMessage the client-safe failure message (may name a SQLSTATE), null on success
   * @param normalizedSql the statement as logs show it, to be computed only if it is needed
   * @param pgSql the statement as PostgreSQL ran it ({@code $n} placeholders, no values), for a
   *     plain statement; null for transactions
   */
  void record(String operation, long elapsedNanos, int failureCode, String failureMessage,
      Supplier<String> normalizedSql, String pgSql);

  /** The database circuit breaker opened (its count of openings). */
  default void breakerOpened() {
  }

  /** The database circuit breaker's state changed: 0 closed, 1 open, 2 half-open (a trial in flight). */
  default void breakerState(int state) {
  }

  /** The name a statement's target has in {@link #routed}: the primary; a replica is its {@code host:port}. */
  String PRIMARY = "primary";

  /**
   * A read replica was configured: {@code lagSeconds} answers its current lag (NaN while it is
   * down). {@code replica} is its {@code host:port}, never a URL. Called once per replica.
   */
  default void replicaLag(String replica, java.util.function.DoubleSupplier lagSeconds) {
  }

  /**
   * A statement ran on {@code target} ({@link #PRIMARY} or a replica's {@code host:port}); called
   * only when read replicas are configured.
   */
  default void routed(String target) {
  }
}
