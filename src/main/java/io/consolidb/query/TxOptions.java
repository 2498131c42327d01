package io.consolidb.query;

/**
 * How {@link Transactions#run} runs a function: isolation level, read-only, total timeout,
 * retries of serialization failures and deadlocks, and the operation name the metrics and slow
 * log show. Immutable; each {@code with…} returns a copy and rejects an impossible value at once.
 *
 * @param timeoutMs the whole run's deadline, every attempt and backoff included; 0 means the
 *     configured {@code DB_TX_TIMEOUT_MS}, which also caps it
 * @param retries how many more times the whole function may run after a 40001 or 40P01 (0: none)
 */
public record TxOptions(Isolation isolation, boolean readOnly, long timeoutMs, int retries, String operation) {

  /** A bound on retries: beyond it contention is a design problem, not bad luck. */
  public static final int MAX_RETRIES = 100;

  /** The isolation level the transaction begins with. */
  public enum Isolation {
    READ_COMMITTED("READ COMMITTED"),
    REPEATABLE_READ("REPEATABLE READ"),
    SERIALIZABLE("SERIALIZABLE");

    final String sql;

    Isolation(String sql) {
      this.sql = sql;
    }
  }

  public TxOptions {
    if (isolation == null) {
      throw new IllegalArgumentException("isolation must not be null");
    }
    if (timeoutMs < 0) {
      throw new IllegalArgumentException("timeoutMs must be positive (0: the configured default), got " + timeoutMs);
    }
    if (retries < 0 || retries > MAX_RETRIES) {
      throw new IllegalArgumentException("retries must be between 0 and " + MAX_RETRIES + ", got " + retries);
    }
    if (operation == null || operation.isBlank()) {
      throw new IllegalArgumentException("operation must be a non-blank name");
    }
  }

  /** READ COMMITTED, read-write, the configured timeout, no retries, operation {@code tx}. */
  public static TxOptions defaults() {
    return new TxOptions(Isolation.READ_COMMITTED, false, 0, 0, "tx");
  }

  public TxOptions withIsolation(Isolation level) {
    return new TxOptions(level, readOnly, timeoutMs, retries, operation);
  }

  public TxOptions withReadOnly(boolean only) {
    return new TxOptions(isolation, only, timeoutMs, retries, operation);
  }

  public TxOptions withTimeoutMs(long ms) {
    if (ms <= 0) {
      throw new IllegalArgumentException("timeoutMs must be positive, got " + ms);
    }
    return new TxOptions(isolation, readOnly, ms, retries, operation);
  }

  /**
   * Lets the whole function run again, on a fresh transaction, after a serialization failure
   * (40001) or a deadlock (40P01), up to {@code count} more times within the timeout. The function
   * must then be safe to repeat apart from the database: no e-mail sent, no counter kept in memory.
   */
  public TxOptions withRetries(int count) {
    return new TxOptions(isolation, readOnly, timeoutMs, count, operation);
  }

  public TxOptions withOperation(String name) {
    return new TxOptions(isolation, readOnly, timeoutMs, retries, name);
  }

  /** The BEGIN that opens one attempt. */
  String beginSql() {
    return "BEGIN ISOLATION LEVEL " + isolation.sql + (readOnly ? " READ ONLY" : " READ WRITE");
  }
}
